"""Linear recurrences: the loop, the Hillis-Steele scan and the log-space scan agree, in value and
in gradient, and the log-space scan survives a whole recording."""

from __future__ import annotations

import pytest
import torch

from rnnbook import scan


def coefficients(batch=3, seq_len=257, hidden=4, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    a = torch.rand(batch, seq_len, hidden, generator=gen, dtype=dtype) * 0.98 + 0.01
    b = torch.rand(batch, seq_len, hidden, generator=gen, dtype=dtype) + 0.01
    return a, b


def test_sequential_scan_is_the_recurrence():
    a, b = coefficients(batch=1, seq_len=3, hidden=1)
    h0 = torch.tensor([[0.5]], dtype=torch.float64)
    h = scan.sequential_scan(a, b, h0)[0, :, 0]
    a, b = a[0, :, 0], b[0, :, 0]
    h1 = a[0] * 0.5 + b[0]
    h2 = a[1] * h1 + b[1]
    assert h.tolist() == pytest.approx([float(h1), float(h2), float(a[2] * h2 + b[2])], abs=1e-15)


@pytest.mark.parametrize("seq_len", [1, 2, 7, 64, 257])
def test_parallel_scans_equal_the_loop(seq_len):
    a, b = coefficients(seq_len=seq_len)
    loop = scan.sequential_scan(a, b)
    assert (scan.log_scan(a.log(), b.log()).exp() - loop).abs().max() <= 1e-10
    assert (scan.hillis_steele_scan(a.log(), b.log()).exp() - loop).abs().max() <= 1e-10


def test_log_scan_with_initial_state():
    a, b = coefficients()
    h0 = torch.rand(3, 4, dtype=torch.float64) + 0.1
    loop = scan.sequential_scan(a, b, h0)
    assert (scan.log_scan(a.log(), b.log(), h0.log()).exp() - loop).abs().max() <= 1e-10


def test_gradients_equal_in_both_modes():
    a, b = coefficients(seq_len=100)
    weights = torch.randn(a.shape, generator=torch.Generator().manual_seed(1), dtype=a.dtype)
    grads = []
    for run in (
        lambda la, lb: scan.sequential_scan(la.exp(), lb.exp()),
        lambda la, lb: scan.log_scan(la, lb).exp(),
        lambda la, lb: scan.hillis_steele_scan(la, lb).exp(),
    ):
        log_a, log_b = a.log().requires_grad_(), b.log().requires_grad_()
        (run(log_a, log_b) * weights).sum().backward()
        grads.append((log_a.grad, log_b.grad))
    for other in grads[1:]:
        for g_ref, g in zip(grads[0], other, strict=True):
            assert (g - g_ref).abs().max() <= 1e-10


def test_log_scan_survives_a_whole_recording_in_float32():
    # 4,097 steps of a = 0.5: the product a_1...a_t is 2^-4097, far below float32's smallest
    # number (1e-45). Computed naively it is 0 and 0 * (something / 0) is NaN; in log space it
    # is just -2840, and every h_t stays finite and exact (h_t -> b / (1 - a) = 2).
    seq_len = 4097
    log_a = torch.full((2, seq_len, 3), 0.5).log()
    log_b = torch.ones(2, seq_len, 3).log()
    h = scan.log_scan(log_a, log_b).exp()
    assert torch.isfinite(h).all()
    assert torch.cumsum(log_a, 1)[0, -1, 0] < -2800  # the product underflows...
    assert torch.exp(torch.cumsum(log_a, 1))[0, -1, 0] == 0  # ...to exactly 0 in float32
    # What log space costs: log h_t = A_t + logcumsumexp(...)_t adds two numbers near -2840 and
    # +2841, each with float32's relative error of 1e-7, so h_t keeps about 4-5 digits.
    loop = scan.sequential_scan(log_a.exp(), log_b.exp())
    torch.testing.assert_close(h[:, -1], torch.full((2, 3), 2.0), rtol=1e-4, atol=0)
    torch.testing.assert_close(h, loop, rtol=1e-4, atol=0)


def test_scan_rounds():
    assert [scan.scan_rounds(n) for n in (1, 2, 3, 178, 4096, 4097)] == [0, 1, 2, 8, 12, 13]


def test_bad_shapes_are_refused():
    a, b = coefficients()
    with pytest.raises(ValueError, match="must both be"):
        scan.log_scan(a, b[:, :-1])
    with pytest.raises(ValueError, match="must both be"):
        scan.sequential_scan(a[0], b[0])
