"""The check of "A first recurrent network": the RNN with one matrix on the stacked input and
state (exercise `ex-first-concat`)."""

from __future__ import annotations

import torch
from torch import nn

from ._core import call, cases, close, passed, seeded

_SIZES = [(1, 8, 3, 5), (3, 4, 2, 7), (2, 16, 5, 1)]  # input size, units, batch, steps


def concat_rnn(fn) -> None:
    """Check `fn(X, rnn)`: the states of `rnn` (an `nn.RNN`, `batch_first=True`) at every step of
    `X` (batch, seq_len, input_size), computed with W = [W_ih W_hh] on the stacked [x_t; h_{t-1}]
    and b = b_ih + b_hh, as `(batch, seq_len, hidden_size)`; against `nn.RNN` itself."""
    atol = 1e-5
    abouts = [f"input size {d}, {h} units, batch {b}, {t} steps" for d, h, b, t in _SIZES]
    for case, (d, h, b, t) in zip(cases("concat_rnn", abouts), _SIZES, strict=True):
        with seeded(case.number):
            rnn = nn.RNN(d, h, batch_first=True)
            X = 2 * torch.randn(b, t, d)
        with torch.no_grad():
            expected = rnn(X)[0]
        got = call(case, fn, {"X": X, "rnn": rnn})
        close(case, "your states", got, expected, atol)
    passed("concat_rnn", len(_SIZES), f"atol {atol:g}, against nn.RNN")
