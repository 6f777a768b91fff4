"""The check of "Gated cells": one GRU step from its equations (exercise `ex-gated-grucell`)."""

from __future__ import annotations

import torch
from torch import nn

from ._core import call, cases, close, passed, seeded

_SIZES = [(1, 16, 32), (3, 5, 4), (2, 8, 1)]  # input size, units, batch


def gru_step(fn) -> None:
    """Check `fn(x, h, cell)`: one GRU step from x (batch, input_size) and h (batch, hidden_size)
    with the weights of `cell`, an `nn.GRUCell`, in float64; against the cell itself."""
    atol = 1e-10
    abouts = [f"input size {d}, {h} units, batch {b}, float64" for d, h, b in _SIZES]
    for case, (d, h, b) in zip(cases("gru_step", abouts), _SIZES, strict=True):
        with seeded(case.number):
            cell = nn.GRUCell(d, h).double()
            x, state = 2 * torch.randn(b, d).double(), torch.randn(b, h).double()
        with torch.no_grad():
            expected = cell(x, state)
        got = call(case, fn, {"x": x, "h": state, "cell": cell})
        close(case, "your new state", got, expected, atol)
    passed("gru_step", len(_SIZES), f"atol {atol:g}, against nn.GRUCell")
