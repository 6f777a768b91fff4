"""rnnbook.bptt: the hand-written BPTT equals autograd; gradient-flow measurements behave."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnnbook import bptt, cells, gradients
from rnnbook.recording import record

TOL = 1e-10
B, T, IN, H, C = 4, 9, 3, 5, 3


def close(a, b):
    return a.shape == b.shape and (a - b).abs().max().item() <= TOL


@pytest.fixture
def model():
    """A float64 nn.RNN + nn.Linear and the same weights as RNNParams."""
    torch.manual_seed(0)
    rnn = nn.RNN(IN, H, batch_first=True).double()
    head = nn.Linear(H, C).double()
    return rnn, head, bptt.RNNParams.from_modules(rnn, head)


def data(many_to_many, seed=1):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(B, T, IN, generator=gen, dtype=torch.float64)
    h0 = torch.randn(B, H, generator=gen, dtype=torch.float64)
    y = torch.randint(0, C, (B, T) if many_to_many else (B,), generator=gen)
    return X, h0, y


@pytest.mark.parametrize("many_to_many", [False, True], ids=["many-to-one", "many-to-many"])
def test_bptt_equals_autograd(model, many_to_many):
    rnn, head, params = model
    X, h0, y = data(many_to_many)

    # Autograd through the torch modules, with dL/dh_t read from a recording cells.RNN twin.
    twin = cells.RNN.from_torch(rnn)
    Xa, h0a = X.clone().requires_grad_(), h0.clone().requires_grad_()
    with record(twin) as rec:
        out, _ = twin(Xa, h0a[None])
    logits = head(out if many_to_many else out[:, -1])
    loss = F.cross_entropy(logits.reshape(-1, C), y.reshape(-1))
    dHs = rec.gradients(loss)
    loss.backward()

    result = bptt.bptt(params, X, y, h0, many_to_many=many_to_many)
    assert abs(result.loss.item() - loss.item()) <= TOL
    expected = {
        "weight_ih": twin.weight_ih_l0.grad,
        "weight_hh": twin.weight_hh_l0.grad,
        "bias_ih": twin.bias_ih_l0.grad,
        "bias_hh": twin.bias_hh_l0.grad,
        "weight_hy": head.weight.grad,
        "bias_y": head.bias.grad,
    }
    for name, grad in result.grads.as_dict().items():
        assert close(grad, expected[name]), name
    assert close(result.dX, Xa.grad)
    assert close(result.dh0, h0a.grad)
    assert close(result.dHs, dHs)


def test_forward_matches_torch_and_default_h0_is_zero(model):
    rnn, head, params = model
    X, _, y = data(False)
    logits, Hs = bptt.forward(params, X)
    out, _ = rnn(X)
    assert close(Hs, out) and close(logits, head(out[:, -1]))
    zero = torch.zeros(B, H, dtype=torch.float64)
    assert close(
        bptt.bptt(params, X, y).grads.weight_hh, bptt.bptt(params, X, y, zero).grads.weight_hh
    )
    assert abs(bptt.cross_entropy(logits, y).item() - F.cross_entropy(logits, y).item()) < TOL


def test_params_from_modules():
    rnn = cells.RNN(2, 3, bias=False, dtype=torch.float64)
    p = bptt.RNNParams.from_modules(rnn, nn.Linear(3, 4, bias=False))
    assert p.bias_ih.shape == (3,) and p.bias_y.shape == (4,) and p.bias_hh.abs().sum() == 0
    assert not p.weight_hh.requires_grad and p.weight_hh.data_ptr() != rnn.weight_hh_l0.data_ptr()
    for bad in (nn.RNN(2, 3, 2), nn.RNN(2, 3, nonlinearity="relu"), nn.LSTM(2, 3)):
        with pytest.raises(ValueError, match="one-layer tanh"):
            bptt.RNNParams.from_modules(bad, nn.Linear(3, 4))
    r = bptt.RNNParams.random(2, 3, 4, seed=5)
    assert r.weight_hy.shape == (4, 3) and r.weight_ih.abs().max() <= 3**-0.5
    assert torch.equal(r.weight_hh, bptt.RNNParams.random(2, 3, 4, seed=5).weight_hh)


def autograd_truncated(rnn, head, X, y, h0, k1, k2):
    """Reference TBPTT(k1, k2): per block, autograd on a window started from a detached state."""
    num_steps = X.shape[1]
    h0 = h0.clone().requires_grad_()
    with torch.no_grad():
        Hs, _ = rnn(X, h0[None])
    for start in range(0, num_steps, k1):
        end = min(start + k1, num_steps)
        w = max(0, start - (k2 - k1))
        h_w = h0 if w == 0 else Hs[:, w - 1].detach()
        out, _ = rnn(X[:, w:end], h_w[None])
        logits = head(out[:, start - w :])  # errors only from this block's steps
        ce = F.cross_entropy(logits.reshape(-1, C), y[:, start:end].reshape(-1), reduction="sum")
        (ce / (X.shape[0] * num_steps)).backward()
    return h0.grad


@pytest.mark.parametrize(("k1", "k2"), [(1, 1), (3, 3), (4, 4), (2, 5), (3, 7), (4, 9), (9, 9)])
def test_truncated_bptt_equals_autograd_on_detached_windows(model, k1, k2):
    rnn, head, params = model
    X, h0, y = data(True)
    dh0 = autograd_truncated(rnn, head, X, y, h0, k1, k2)
    result = bptt.truncated_bptt(params, X, y, k1, k2, h0)
    torch_grads = [p.grad for p in (*rnn.parameters(), *head.parameters())]
    for ours, ref in zip(result.grads.as_dict().values(), torch_grads, strict=True):
        assert close(ours, ref)
    assert close(result.dh0, dh0)
    assert result.num_windows == -(-T // k1)
    full_loss = F.cross_entropy(head(rnn(X, h0[None])[0]).reshape(-1, C), y.reshape(-1))
    assert abs(result.loss.item() - full_loss.item()) <= TOL
    assert close(result.h_n, rnn(X, h0[None])[1][0])


def test_truncated_with_k1_equal_k2_is_windowwise_autograd_with_detach(model):
    """The textbook's loop: run a window, backward, detach the state, next window."""
    rnn, head, params = model
    X, h0, y = data(True)
    k = 4
    h = h0[None]
    for start in range(0, T, k):
        out, h = rnn(X[:, start : start + k], h)
        ce = F.cross_entropy(
            head(out).reshape(-1, C), y[:, start : start + k].reshape(-1), reduction="sum"
        )
        (ce / (B * T)).backward()
        h = h.detach()
    result = bptt.truncated_bptt(params, X, y, k, k, h0)
    assert close(result.grads.weight_hh, rnn.weight_hh_l0.grad)
    assert close(result.grads.weight_hy, head.weight.grad)


def test_truncated_with_whole_sequence_is_full_bptt(model):
    _, _, params = model
    X, h0, y = data(True)
    full = bptt.bptt(params, X, y, h0, many_to_many=True)
    trunc = bptt.truncated_bptt(params, X, y, T, T, h0)
    for a, b in zip(full.grads.as_dict().values(), trunc.grads.as_dict().values(), strict=True):
        assert close(a, b)
    short = bptt.truncated_bptt(params, X, y, 2, 2, h0)  # truncation really changes the gradient
    assert (short.grads.weight_hh - full.grads.weight_hh).abs().max() > 1e-6
    with pytest.raises(ValueError, match="k1 <= k2"):
        bptt.truncated_bptt(params, X, y, 3, 2)


class LastStep(nn.Module):
    """Any recurrent layer + a linear head on the last step: forward(X) -> (batch, classes)."""

    def __init__(self, rnn, hidden_size, num_classes=2):
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, X):
        out, _ = self.rnn(X)  # (batch, seq_len, hidden)
        return self.head(out[:, -1])


@pytest.mark.parametrize(
    "make_rnn",
    [
        lambda: nn.RNN(3, 8, batch_first=True),
        lambda: nn.LSTM(3, 8, batch_first=True),
        lambda: cells.GRU(3, 8, 2, dropout=0.3),
    ],
    ids=["nn.RNN", "nn.LSTM", "cells.GRU"],
)
def test_gradient_flow_shape_and_vanishing(make_rnn):
    torch.manual_seed(0)
    model = LastStep(make_rnn(), 8).train()
    X, y = torch.randn(6, 30, 3), torch.randint(0, 2, (6,))
    for p in model.parameters():
        p.grad = torch.full_like(p, 7.0)
    flow = gradients.gradient_flow(model, X, y)
    assert flow.shape == (30,) and flow.dtype == np.float64
    assert np.isfinite(flow).all() and (flow >= 0).all()
    assert flow[-1] > flow[0]  # untrained: the loss sees recent inputs best
    assert model.training  # mode restored
    assert all((p.grad == 7.0).all() for p in model.parameters())  # .grad untouched
    assert not X.requires_grad


def test_gradient_flow_equals_hand_written_dx(model):
    rnn, head, params = model
    X, _, y = data(False)
    net = LastStep(rnn, H, C).double()
    net.head.load_state_dict(head.state_dict())
    flow = gradients.gradient_flow(net, X, y)
    dX = bptt.bptt(params, X, y).dX
    assert np.allclose(flow, dX.pow(2).sum(dim=(0, 2)).sqrt().numpy(), rtol=1e-12, atol=0)


def test_gradient_flow_float64_avoids_float32_underflow():
    torch.manual_seed(0)
    model = LastStep(nn.RNN(3, 16, batch_first=True), 16)
    X, y = torch.randn(8, 200, 3), torch.randint(0, 2, (8,))
    flow32 = gradients.gradient_flow(model, X, y)
    flow64 = gradients.gradient_flow(model, X, y, dtype=torch.float64)
    assert next(model.parameters()).dtype == torch.float32  # a copy was converted
    assert (flow32[:20] == 0).all()  # float32 cannot hold these tiny gradients...
    assert (flow64 > 0).all() and flow64[0] / flow64[-1] < 1e-40  # ...float64 can
    assert np.allclose(flow32[-20:], flow64[-20:], rtol=1e-4)


@pytest.mark.parametrize("cell_cls", [cells.RNN, cells.LSTM, cells.GRU], ids=["RNN", "LSTM", "GRU"])
def test_hidden_gradient_flow(cell_cls):
    torch.manual_seed(0)
    layer = cell_cls(3, 6, 2, dtype=torch.float64).train()
    X = torch.randn(4, 25, 3, dtype=torch.float64)
    flow = gradients.hidden_gradient_flow(layer, X)
    assert flow.shape == (25,) and np.isfinite(flow).all() and (flow >= 0).all()
    assert flow[-1] == pytest.approx(2.0)  # default loss: ||dL/dh_T|| = sqrt(batch)
    assert flow[-1] > flow[0] > 0
    assert layer.training and not layer._step_hooks
    assert all(p.grad is None for p in layer.parameters())
    # A custom loss, checked against an ordinary backward with each last-layer h_t's gradient
    # kept (retain_grad through the layer's own step hook, not through `record`).
    flow_sum = gradients.hidden_gradient_flow(layer, X, loss_fn=lambda out: out.pow(2).sum())
    kept = []
    handle = layer.register_step_hook(lambda _, steps: kept.append([s[-1] for s in steps]))
    out, _ = layer.eval()(X)
    handle.remove()
    for h in kept[-1]:
        h.retain_grad()
    out.pow(2).sum().backward()
    expected = torch.stack([h.grad for h in kept[-1]], dim=1).pow(2).sum(dim=(0, 2)).sqrt()
    assert np.allclose(flow_sum, expected.numpy())


def test_hidden_gradient_flow_matches_bptt_dhs(model):
    rnn, head, params = model
    X, h0, y = data(False)
    layer = cells.RNN.from_torch(rnn)
    flow = gradients.hidden_gradient_flow(
        layer, X, h0[None], loss_fn=lambda out: F.cross_entropy(head(out[:, -1]), y)
    )
    dHs = bptt.bptt(params, X, y, h0).dHs
    assert np.allclose(flow, dHs.pow(2).sum(dim=(0, 2)).sqrt().numpy(), rtol=1e-12, atol=0)
    assert gradients.hidden_gradient_flow(layer.float(), X, dtype=torch.float64).dtype == np.float64
    with pytest.raises(TypeError, match="rnnbook.cells"):
        gradients.hidden_gradient_flow(rnn, X)
