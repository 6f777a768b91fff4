"""The check of "From recurrence to attention": the attention weights by hand (exercise
`ex-at-by-hand`)."""

from __future__ import annotations

import torch

from ..attention import ReadoutClassifier
from ._core import call, cases, close, passed, seeded

_SIZES = [
    (8, 32, 32, 5, 178),
    (4, 6, 3, 3, 40),
    (2, 4, 7, 2, 9),
]  # k, units, attn units, batch, samples


def attention_by_hand(fn) -> None:
    """Check `fn(model, X)`: the attention weights (batch, steps) of `model`, a
    `ReadoutClassifier` with the attention readout, on X (batch, samples, 1), computed from its
    parameters; against `model.attention_weights(X)`."""
    atol = 1e-6
    abouts = [
        f"{k} samples per step, {h} units, {a} attention units, batch {b}, {n} samples"
        for k, h, a, b, n in _SIZES
    ]
    for case, (k, h, a, b, n) in zip(cases("attention_by_hand", abouts), _SIZES, strict=True):
        with seeded(case.number):
            model = ReadoutClassifier("attention", 2, k, h, attn_hiddens=a).eval()
            X = torch.randn(b, n, 1)
        expected = model.attention_weights(X)
        got = call(case, fn, {"model": model, "X": X})
        close(case, "your weights", got, expected, atol)
    passed("attention_by_hand", len(_SIZES), f"atol {atol:g}, against model.attention_weights")
