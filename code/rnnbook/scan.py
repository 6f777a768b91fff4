"""Linear recurrences ``h_t = a_t * h_{t-1} + b_t``, step by step or all steps at once.

A recurrence whose coefficients ``a_t`` and ``b_t`` do not depend on ``h`` is *linear* in
``h``, and a linear recurrence has a closed form: with ``h_0`` given,

    h_t = (a_1 ... a_t) h_0 + sum_k (a_{k+1} ... a_t) b_k,

a cumulative product and a cumulative sum -- both prefix scans, which a parallel machine
computes in O(log T) rounds instead of T dependent steps. Three ways to run the same recurrence:

* ``sequential_scan``: the loop, T dependent steps (what every RNN does);
* ``hillis_steele_scan``: the textbook parallel prefix scan (Hillis & Steele 1986): ceil(log2 T)
  rounds, each combining every step with the one 2^r steps before it, all at once;
* ``log_scan``: Heinsen's (2023) form in log space, two cumulative operations
  (``cumsum`` and ``logcumsumexp``) that never multiply T small numbers together, so nothing
  underflows over a whole recording. The minGRU and minLSTM layers of ``rnnbook.cells`` use it.

The last two need ``a_t > 0`` and ``b_t > 0`` (they work with logarithms); the layers keep them
positive by construction. Shapes: ``(batch, seq_len, hidden)`` throughout, time on dim 1.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["sequential_scan", "hillis_steele_scan", "log_scan", "scan_rounds"]


def _check(a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape or a.dim() != 3:
        raise ValueError(
            "a and b must both be (batch, seq_len, hidden), "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def sequential_scan(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` for t = 1..T, one step after the other.

    ``a``, ``b``: ``(batch, seq_len, hidden)``; ``h0``: ``(batch, hidden)``, zeros when None.
    Returns every ``h_t``: ``(batch, seq_len, hidden)``.
    """
    _check(a, b)
    h = b.new_zeros(b.shape[0], b.shape[2]) if h0 is None else h0
    hs = []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):  # (batch, hidden) each
        h = a_t * h + b_t
        hs.append(h)
    return torch.stack(hs, dim=1)  # (batch, seq_len, hidden)


def scan_rounds(seq_len: int) -> int:
    """How many rounds a parallel prefix scan needs over ``seq_len`` steps: ceil(log2 T)."""
    return math.ceil(math.log2(seq_len)) if seq_len > 1 else 0


def hillis_steele_scan(log_a: Tensor, log_b: Tensor) -> Tensor:
    """The parallel prefix scan of the recurrence, in log space; returns ``log h`` (h_0 = 0).

    A step is the affine map ``h -> a h + b``. Doing step i and then step j is again such a map,
    ``(a_i, b_i) then (a_j, b_j) = (a_i a_j, a_j b_i + b_j)``, and this combination is
    associative: steps may be grouped in any order. Round r combines every position t with
    position t - 2^r (positions before the start keep their value); after ceil(log2 T) rounds
    position t holds steps 1..t combined, whose ``b`` part is ``h_t``. Each round is one
    vectorised operation over all positions: the T dependent steps became log2 T rounds of
    independent work (more work in total, T log T, but that is what a parallel machine wants).
    """
    _check(log_a, log_b)
    seq_len = log_a.shape[1]
    for r in range(scan_rounds(seq_len)):
        shift = 2**r
        # Steps 1..t-2^r combined so far, and after them steps t-2^r+1..t.
        prev_a, prev_b = log_a[:, :-shift], log_b[:, :-shift]  # (batch, T - shift, hidden)
        later_a, later_b = log_a[:, shift:], log_b[:, shift:]
        log_b = torch.cat(
            [log_b[:, :shift], torch.logaddexp(later_a + prev_b, later_b)], dim=1
        )  # b = a_later * b_prev + b_later
        log_a = torch.cat([log_a[:, :shift], prev_a + later_a], dim=1)  # a = a_prev * a_later
    return log_b  # (batch, seq_len, hidden): log h_t


def log_scan(log_a: Tensor, log_b: Tensor, log_h0: Tensor | None = None) -> Tensor:
    """The recurrence in log space with two cumulative operations (Heinsen 2023); returns log h.

    With ``A_t = log a_1 + ... + log a_t`` (a cumulative sum),

        h_t = exp(A_t) * (h_0 + sum_{k<=t} exp(log b_k - A_k)),

    so ``log h_t = A_t + logcumsumexp(log b - A)_t``. ``logcumsumexp`` subtracts its running
    maximum, so neither ``exp(A_t)`` (which underflows to 0 after a few thousand steps of
    a_t < 1) nor ``exp(-A_t)`` (which overflows) is ever formed. ``log_h0``: ``(batch,
    hidden)``; h_0 = 0 when None.
    """
    _check(log_a, log_b)
    if log_h0 is not None:  # h_0 enters as a step 0 with a_0 = 1, b_0 = h_0
        log_a = torch.cat([torch.zeros_like(log_a[:, :1]), log_a], dim=1)
        log_b = torch.cat([log_h0.unsqueeze(1), log_b], dim=1)
    a_star = torch.cumsum(log_a, dim=1)  # (batch, seq_len, hidden): log(a_1 ... a_t)
    log_h = a_star + torch.logcumsumexp(log_b - a_star, dim=1)
    return log_h if log_h0 is None else log_h[:, 1:]
