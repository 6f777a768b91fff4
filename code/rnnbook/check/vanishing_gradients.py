"""The check of "Vanishing and exploding gradients": clipping by the global norm (exercise
`ex-vg-clip`)."""

from __future__ import annotations

import torch
from torch import nn

from ._core import call, cases, close, number, passed, seeded

# (gradient scale, max_norm, whether one parameter is frozen): a norm far above max_norm, one
# below it (nothing to clip), and one above it with a parameter that has no gradient.
_CASES = [(3.0, 1.0, False), (0.01, 100.0, False), (2.0, 0.5, True)]
_ABOUTS = [
    "gradient norm above max_norm",
    "gradient norm below max_norm: nothing to clip",
    "norm above max_norm, one parameter without a gradient (grad None)",
]


def _model(scale: float, frozen: bool, seed: int) -> nn.Module:
    """A small model whose gradients are set, not computed: the same for the same seed."""
    with seeded(seed):
        model = nn.ModuleDict({"rnn": nn.RNN(2, 6, batch_first=True), "head": nn.Linear(6, 3)})
        for k, p in enumerate(model.double().parameters()):
            p.grad = None if (frozen and k == 1) else scale * torch.randn_like(p)
    return model


def clip_by_global_norm(fn) -> None:
    """Check `fn(params, max_norm)`: with `params` a generator of parameters (as
    `model.parameters()` gives them), it scales every gradient in place by max_norm / norm when
    the norm of all the gradients together exceeds max_norm, and returns that norm, as
    `torch.nn.utils.clip_grad_norm_` does; against it."""
    rtol, atol = 1e-5, 1e-12
    for case, (scale, max_norm, frozen) in zip(
        cases("clip_by_global_norm", _ABOUTS), _CASES, strict=True
    ):
        mine, theirs = (_model(scale, frozen, seed=case.number) for _ in range(2))
        norm = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm)
        got = call(case, fn, {"params": mine.parameters(), "max_norm": max_norm}, unchanged=())
        if got is None:
            raise case.fail("your function returned None; return the norm before clipping")
        close(case, "your norm", number(case, "your norm", got), float(norm), 0, rtol)
        named = zip(mine.named_parameters(), theirs.parameters(), strict=True)
        for (name, p), ref in named:
            if ref.grad is None:
                if p.grad is not None:
                    raise case.fail(f"parameter {name} had no gradient, and now has one")
                continue
            close(case, f"the gradient of parameter {name}", p.grad, ref.grad, atol, rtol)
    passed("clip_by_global_norm", len(_CASES), f"rtol {rtol:g}, against clip_grad_norm_")
