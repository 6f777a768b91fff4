"""minGRU and minLSTM: the loop and the scan are one model, float64 to 1e-10, in value and in
every gradient; shapes, states and errors; and the classifier that stacks them."""

from __future__ import annotations

import pytest
import torch
from helpers import fixed_input

from rnnbook import min_cells
from rnnbook.models import MinRNNClassifier, SeqClassifier


@pytest.mark.parametrize("cls", [min_cells.MinGRU, min_cells.MinLSTM])
def test_loop_and_scan_agree_in_value_and_gradient(cls):
    torch.manual_seed(0)
    layer = cls(3, 8, num_layers=2).double()
    X = torch.randn(4, 300, 3, dtype=torch.float64)
    outs = {}
    for mode in ("sequential", "parallel"):
        layer.mode = mode
        layer.zero_grad()
        X_in = X.clone().requires_grad_(True)
        output, h_n = layer(X_in)
        (output * torch.linspace(-1, 1, 8, dtype=torch.float64)).sum().backward()
        grads = {n: p.grad.clone() for n, p in layer.named_parameters()}
        outs[mode] = (output.detach(), h_n.detach(), X_in.grad, grads)
    seq, par = outs["sequential"], outs["parallel"]
    for a, b in zip(seq[:3], par[:3], strict=True):
        assert (a - b).abs().max() <= 1e-10
    for name, g in seq[3].items():  # sums over 1,200 steps: 1e-10 relative to their size
        assert (g - par[3][name]).abs().max() <= 1e-10 * max(1.0, g.abs().max()), name


@pytest.mark.parametrize("cls", [min_cells.MinGRU, min_cells.MinLSTM])
def test_initial_state(cls):
    torch.manual_seed(1)
    layer = cls(2, 5).double()
    X = torch.randn(3, 40, 2, dtype=torch.float64)
    h0 = torch.rand(1, 3, 5, dtype=torch.float64) + 0.1
    layer.mode = "parallel"
    a, _ = layer(X, h0)
    layer.mode = "sequential"
    b, _ = layer(X, h0)
    assert (a - b).abs().max() <= 1e-10
    assert (a - layer(X)[0]).abs().max() > 1e-3  # h0 does matter
    with pytest.raises(ValueError, match="h0 must be > 0"):
        layer(X, torch.zeros(1, 3, 5, dtype=torch.float64))


def test_min_gru_is_its_equation():
    torch.manual_seed(2)
    layer = min_cells.MinGRU(1, 2, mode="sequential").double()
    X = torch.randn(1, 3, 1, dtype=torch.float64)
    k = layer.gates[0](X)
    z, h_tilde = torch.sigmoid(k[..., :2]), min_cells.g(k[..., 2:])
    h = torch.zeros(1, 2, dtype=torch.float64)
    for t in range(3):
        h = (1 - z[:, t]) * h + z[:, t] * h_tilde[:, t]
    output, h_n = layer(X)
    assert torch.allclose(output[:, -1], h, atol=1e-15) and torch.allclose(h_n[0], h, atol=1e-15)


def test_min_lstm_gates_sum_to_one():
    torch.manual_seed(3)
    layer = min_cells.MinLSTM(2, 4)
    k = layer.gates[0](torch.randn(5, 7, 2))
    a, b = layer.coefficients(k)
    f_share, i_share_g = a, b
    i_share = 1 - f_share
    assert torch.allclose(i_share_g, i_share * min_cells.g(k[..., 8:]), atol=1e-6)
    log_a, log_b = layer.log_coefficients(k)
    assert torch.allclose(log_a.exp(), a, atol=1e-6) and torch.allclose(log_b.exp(), b, atol=1e-6)


def test_g_is_positive_continuous_and_log_g_matches():
    x = torch.linspace(-30, 30, 601, dtype=torch.float64)
    assert (min_cells.g(x) > 0).all()
    assert torch.allclose(min_cells.log_g(x), min_cells.g(x).log(), atol=1e-12)
    at_zero = min_cells.g(torch.tensor([-1e-9, 0.0], dtype=torch.float64))
    assert torch.allclose(at_zero, torch.tensor([0.5, 0.5], dtype=torch.float64), atol=1e-9)


def test_scan_survives_a_whole_recording_in_float32():
    torch.manual_seed(4)
    layer = min_cells.MinGRU(1, 16)
    X = torch.randn(2, 4097, 1) * 3
    output, _ = layer(X)
    assert torch.isfinite(output).all() and (output > 0).all()
    layer.mode = "sequential"
    torch.testing.assert_close(output, layer(X)[0], rtol=1e-3, atol=1e-5)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="mode must be"):
        min_cells.MinGRU(1, 4, mode="fast")
    with pytest.raises(ValueError, match="batch_first=True"):
        min_cells.MinGRU(1, 4, batch_first=False)
    with pytest.raises(ValueError, match="input_size=1"):
        min_cells.MinGRU(1, 4)(torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match="unknown cell"):
        MinRNNClassifier("gru")
    with pytest.raises(ValueError, match="no dropout"):
        SeqClassifier("mingru", 5, num_layers=2, dropout=0.5)


def test_classifier_modes_give_the_same_logits():
    torch.manual_seed(0)
    model = MinRNNClassifier("mingru", 5).double().eval()
    X = fixed_input().double()
    model.mode = "parallel"
    a = model(X)
    model.mode = "sequential"
    assert model.mode == "sequential" and a.shape == (4, 5)
    assert (a - model(X)).abs().max() <= 1e-10
    one_layer = SeqClassifier("minlstm", 2, num_hiddens=6, mode="sequential")
    assert one_layer(fixed_input()).shape == (4, 2)
