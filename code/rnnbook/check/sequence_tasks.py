"""The check of "Sequence tasks": the cross-entropy that skips the steps labelled -100 (exercise
`ex-tasks-masked`)."""

from __future__ import annotations

import torch

from ..train import IGNORE_INDEX, step_loss
from ._core import call, cases, close, number, passed, seeded

_SIZES = [
    (4, 10, 2, 3),
    (3, 6, 3, 0),
    (2, 5, 2, 4),
]  # batch, steps, classes, unlabelled first steps


def masked_loss(fn) -> None:
    """Check `fn(y_hat, y)`: the mean cross-entropy of logits `y_hat` (batch, steps, classes) over
    the steps whose label in `y` (batch, steps) is not -100, and its gradient with respect to
    `y_hat`; against `train.step_loss`."""
    atol = 1e-6
    abouts = [
        f"batch {b}, {t} steps, {c} classes, the first {k} steps and a few others labelled -100"
        for b, t, c, k in _SIZES
    ]
    for case, (b, t, c, k) in zip(cases("masked_loss", abouts), _SIZES, strict=True):
        with seeded(case.number):
            logits = 2 * torch.randn(b, t, c)
            y = torch.randint(0, c, (b, t))
            y[torch.rand(b, t) < 0.2] = IGNORE_INDEX
        y[:, :k] = IGNORE_INDEX
        reference = logits.clone().requires_grad_()
        expected = step_loss(reference, y)[0]
        expected.backward()
        y_hat = logits.clone().requires_grad_()
        got = call(case, fn, {"y_hat": y_hat, "y": y})
        close(case, "your loss", number(case, "your loss", got), float(expected.detach()), atol)
        if not (isinstance(got, torch.Tensor) and got.requires_grad):
            raise case.fail(
                "no gradient flows from your loss to y_hat (was it computed with .item(), "
                ".detach(), NumPy or under torch.no_grad()?)"
            )
        got.backward()
        close(
            case,
            "the gradient of your loss with respect to y_hat",
            y_hat.grad,
            reference.grad,
            atol,
        )
    passed("masked_loss", len(_SIZES), f"loss and gradient, atol {atol:g}, against train.step_loss")
