"""The check of "Beyond the gated cell": minGRU's step from its equation (exercise
`ex-bg-mingru-step`)."""

from __future__ import annotations

import torch

from ..min_cells import MinGRU
from ._core import call, cases, close, passed, seeded

_SIZES = [(1, 8, 6), (3, 4, 5), (2, 16, 1)]  # input size, units, batch


def mingru_step(fn) -> None:
    """Check `fn(x, h, layer)`: one step of `layer`, a one-layer `min_cells.MinGRU`, from x (batch,
    input_size) and h (batch, hidden_size, positive); against the layer run for one step from h."""
    atol = 1e-6
    abouts = [f"input size {d}, {h} units, batch {b}" for d, h, b in _SIZES]
    for case, (d, h, b) in zip(cases("mingru_step", abouts), _SIZES, strict=True):
        with seeded(case.number):
            layer = MinGRU(d, h, mode="sequential")
            x, state = 3 * torch.randn(b, d), torch.rand(b, h) + 0.1
        with torch.no_grad():
            expected = layer(x[:, None], state[None])[1][0]  # one step from h_{t-1} = state
        got = call(case, fn, {"x": x, "h": state, "layer": layer})
        close(case, "your new state", got, expected, atol)
    passed("mingru_step", len(_SIZES), f"atol {atol:g}, against min_cells.MinGRU")
