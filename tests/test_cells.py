"""rnnbook.cells: the from-scratch RNN/LSTM/GRU agree with torch.nn to 1e-10 in float64."""

import copy

import pytest
import torch
from torch import nn

from rnnbook import cells
from rnnbook.recording import record

PAIRS = [(cells.RNN, nn.RNN), (cells.LSTM, nn.LSTM), (cells.GRU, nn.GRU)]
PAIR_IDS = ["RNN", "LSTM", "GRU"]
# (num_layers, input_size, hidden_size, batch, seq_len)
SIZES = [(1, 3, 5, 4, 7), (2, 1, 4, 2, 9), (3, 6, 3, 3, 5), (2, 4, 8, 1, 1)]
TOL = 1e-10


def make_pair(cell_cls, torch_cls, num_layers, input_size, hidden_size, seed=0, **kwargs):
    torch.manual_seed(seed)
    ref = torch_cls(input_size, hidden_size, num_layers, batch_first=True, **kwargs).double()
    return cell_cls.from_torch(ref), ref


def initial_state(torch_cls, num_layers, batch, hidden_size):
    """A random, grad-requiring initial state ((h0, c0) for the LSTM); two copies of it."""
    shape = (num_layers, batch, hidden_size)
    n = 2 if torch_cls is nn.LSTM else 1
    states = [torch.randn(shape, dtype=torch.float64) for _ in range(n)]
    a = [s.clone().requires_grad_() for s in states]
    b = [s.clone().requires_grad_() for s in states]
    return (tuple(a), tuple(b)) if n == 2 else (a[0], b[0])


def flat(state):
    return list(state) if isinstance(state, tuple) else [state]


def close(a, b):
    return (a - b).abs().max().item() <= TOL


@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: "L{}-in{}-H{}-B{}-T{}".format(*s))
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero-h0", "h0"])
@pytest.mark.parametrize(("cell_cls", "torch_cls"), PAIRS, ids=PAIR_IDS)
def test_matches_torch_outputs_and_gradients(cell_cls, torch_cls, sizes, with_h0):
    num_layers, input_size, hidden_size, batch, seq_len = sizes
    ours, ref = make_pair(cell_cls, torch_cls, num_layers, input_size, hidden_size)
    x = torch.randn(batch, seq_len, input_size, dtype=torch.float64)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    h0a, h0b = initial_state(torch_cls, num_layers, batch, hidden_size) if with_h0 else (None,) * 2

    out_a, state_a = ours(xa, h0a)
    out_b, state_b = ref(xb, h0b)
    assert out_a.shape == (batch, seq_len, hidden_size)
    assert close(out_a, out_b)
    for sa, sb in zip(flat(state_a), flat(state_b), strict=True):
        assert sa.shape == (num_layers, batch, hidden_size)
        assert close(sa, sb)

    # A loss that touches the output and every final state, with random weights.
    weights = [torch.randn_like(t) for t in [out_b, *flat(state_b)]]
    loss_a = sum((w * t).sum() for w, t in zip(weights, [out_a, *flat(state_a)], strict=True))
    loss_b = sum((w * t).sum() for w, t in zip(weights, [out_b, *flat(state_b)], strict=True))
    loss_a.backward()
    loss_b.backward()
    for (name, pa), (_, pb) in zip(ours.named_parameters(), ref.named_parameters(), strict=True):
        assert close(pa.grad, pb.grad), name
    assert close(xa.grad, xb.grad)
    if with_h0:
        for sa, sb in zip(flat(h0a), flat(h0b), strict=True):
            assert close(sa.grad, sb.grad)


@pytest.mark.parametrize(("cell_cls", "torch_cls"), PAIRS, ids=PAIR_IDS)
def test_parameters_names_shapes_counts_and_init_match_torch(cell_cls, torch_cls):
    for bias in (True, False):
        torch.manual_seed(1)
        ours = cell_cls(3, 5, 3, bias=bias)
        torch.manual_seed(1)
        ref = torch_cls(3, 5, 3, bias=bias, batch_first=True)
        named_a, named_b = list(ours.named_parameters()), list(ref.named_parameters())
        assert [n for n, _ in named_a] == [n for n, _ in named_b]
        assert [p.shape for _, p in named_a] == [p.shape for _, p in named_b]
        assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in ref.parameters())
        # Same seed, same initialisation: identical weights.
        assert all(torch.equal(a, b) for (_, a), (_, b) in zip(named_a, named_b, strict=True))


@pytest.mark.parametrize(("cell_cls", "torch_cls"), PAIRS, ids=PAIR_IDS)
def test_no_bias_and_relu_match_torch(cell_cls, torch_cls):
    kwargs = {"nonlinearity": "relu"} if cell_cls is cells.RNN else {}
    ours, ref = make_pair(cell_cls, torch_cls, 2, 3, 4, bias=False, **kwargs)
    assert not ours.bias
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    assert close(ours(x)[0], ref(x)[0])


@pytest.mark.parametrize(("cell_cls", "torch_cls"), PAIRS, ids=PAIR_IDS)
def test_dropout_eval_matches_torch_and_train_drops(cell_cls, torch_cls):
    ours, ref = make_pair(cell_cls, torch_cls, 3, 2, 6, dropout=0.5)
    assert ours.dropout == 0.5
    x = torch.randn(3, 5, 2, dtype=torch.float64)
    ours.eval()
    ref.eval()
    assert close(ours(x)[0], ref(x)[0])
    ours.train()
    torch.manual_seed(0)
    train_out = ours(x)[0]
    assert not torch.allclose(train_out, ref(x)[0])  # dropout acts between layers in training
    # ...but not after the last layer: with one layer, training == eval.
    with pytest.warns(UserWarning, match="no effect"):
        single = cell_cls(2, 6, 1, dropout=0.5, dtype=torch.float64)
    assert torch.equal(single(x)[0], single.eval()(x)[0])


@pytest.mark.parametrize(("cell_cls", "torch_cls"), PAIRS, ids=PAIR_IDS)
def test_from_torch_rejects_unsupported_modules(cell_cls, torch_cls):
    with pytest.raises(ValueError, match="batch_first"):
        cell_cls.from_torch(torch_cls(2, 3))
    with pytest.raises(ValueError, match="bidirectional"):
        cell_cls.from_torch(torch_cls(2, 3, batch_first=True, bidirectional=True))
    other = nn.GRU if torch_cls is not nn.GRU else nn.LSTM
    with pytest.raises(ValueError, match="expects torch.nn"):
        cell_cls.from_torch(other(2, 3, batch_first=True))
    with pytest.raises(ValueError, match="expects torch.nn"):
        cell_cls.from_torch(nn.Linear(2, 3))
    if torch_cls is nn.LSTM:
        with pytest.raises(ValueError, match="proj_size"):
            cell_cls.from_torch(nn.LSTM(2, 4, batch_first=True, proj_size=2))


@pytest.mark.parametrize(("cell_cls", "torch_cls"), PAIRS, ids=PAIR_IDS)
def test_from_torch_copies_sizes_dtype_mode_and_does_not_share(cell_cls, torch_cls):
    ref = torch_cls(3, 4, 2, batch_first=True, dropout=0.1).double().eval()
    ours = cell_cls.from_torch(ref)
    assert (ours.input_size, ours.hidden_size, ours.num_layers) == (3, 4, 2)
    assert ours.weight_hh_l1.dtype == torch.float64 and not ours.training
    with torch.no_grad():
        ours.weight_hh_l0.zero_()
    assert ref.weight_hh_l0.abs().sum() > 0


def test_constructor_and_input_validation():
    with pytest.raises(ValueError, match="batch_first=True"):
        cells.LSTM(2, 3, batch_first=False)
    with pytest.raises(ValueError, match="unidirectional"):
        cells.GRU(2, 3, bidirectional=True)
    with pytest.raises(ValueError, match="nonlinearity"):
        cells.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        cells.RNN(2, 3, 2, dropout=1.5)
    lstm = cells.LSTM(2, 3, 2)
    with pytest.raises(ValueError, match="input of shape"):
        lstm(torch.randn(4, 2))
    with pytest.raises(ValueError, match="input of shape"):
        lstm(torch.randn(4, 5, 3))
    with pytest.raises(ValueError, match="pair"):
        lstm(torch.randn(4, 5, 2), torch.zeros(2, 4, 3))
    with pytest.raises(ValueError, match="h0 must have shape"):
        cells.GRU(2, 3, 2)(torch.randn(4, 5, 2), torch.zeros(1, 4, 3))


@pytest.mark.parametrize("cell_cls", [cells.RNN, cells.LSTM, cells.GRU], ids=PAIR_IDS)
def test_record_trace_and_hidden_gradients(cell_cls):
    torch.manual_seed(0)
    layer = cell_cls(3, 4, 2, dtype=torch.float64)
    x = torch.randn(5, 6, 3, dtype=torch.float64)
    with record(layer) as rec:
        out, _ = layer(x)
    assert len(rec.trace) == 2 and len(rec.hidden_steps) == 2
    for trace in rec.trace:
        assert tuple(trace) == cell_cls.trace_keys
        for value in trace.values():
            assert value.shape == (5, 6, 4) and not value.requires_grad
    assert torch.equal(rec.trace[-1]["h"], out.detach())
    gates = {cells.RNN: "", cells.LSTM: "ifo", cells.GRU: "rz"}[cell_cls]
    for key in gates:
        value = rec.trace[0][key]
        assert value.min() > 0 and value.max() < 1
    for key in set(rec.trace[0]) & {"g", "n", "h"}:
        assert rec.trace[0][key].abs().max() < 1  # tanh range

    # dL/dh_t from the recorded states equals autograd's total gradient w.r.t. each h_t.
    loss = out[:, -1].sum()
    dh = rec.gradients(loss)  # (batch, seq_len, hidden)
    assert dh.shape == (5, 6, 4)
    assert torch.allclose(dh[:, -1], torch.ones(5, 4, dtype=torch.float64))
    assert (dh[:, :-1].abs().sum(dim=(0, 2)) > 0).all()  # earlier steps get gradient via h_{t+1}
    assert all(p.grad is None for p in layer.parameters())
    # The first layer's states reach the loss only through the second layer.
    assert rec.gradients(loss, layer=0)[:, -1].abs().sum() > 0


def test_recording_stops_with_the_block_and_leaves_the_layer_as_it_was():
    layer = cells.LSTM(2, 3)
    x = torch.randn(2, 4, 2)
    with record(layer) as rec:
        layer(x)
        layer(x)
    layer(x)  # after the block: not recorded
    assert len(rec.trace) == 2 and not layer._step_hooks
    twin = copy.deepcopy(layer)  # nothing of the recording is attached to the layer
    assert torch.equal(twin.weight_hh_l0, layer.weight_hh_l0)
    with pytest.raises(RuntimeError, match="in the block"), record(layer):
        raise RuntimeError("in the block")
    assert not layer._step_hooks  # removed even when the block fails


def test_record_under_no_grad_keeps_the_trace_and_refuses_gradients():
    layer = cells.GRU(2, 3)
    with torch.no_grad(), record(layer) as rec:
        out, _ = layer(torch.randn(2, 4, 2))
    assert rec.trace[0]["z"].shape == (2, 4, 3)
    with pytest.raises(RuntimeError, match="without a graph"):
        rec.gradients(out.sum())


def test_record_refuses_a_torch_layer():
    with pytest.raises(TypeError, match="rnnbook.cells"), record(torch.nn.GRU(2, 3)):
        pass


# Recorded from the first run (torch 2.13, CPU). A change here means the initialisation
# (order/number of random draws) or the equations changed.
GOLDEN = {
    "RNN": [0.4094972, -0.01571962, -0.15450785, 0.14989278],
    "LSTM": [0.07039958, -0.048092, -0.193165, 0.05663321],
    "GRU": [-0.19109552, 0.3135173, 0.11994806, -0.08743832],
}


@pytest.mark.parametrize("cell_cls", [cells.RNN, cells.LSTM, cells.GRU], ids=PAIR_IDS)
def test_golden_outputs(cell_cls):
    torch.manual_seed(0)
    layer = cell_cls(1, 4, num_layers=2)
    x = torch.linspace(-1.0, 1.0, 10).reshape(1, 10, 1)  # (batch=1, seq_len=10, input=1)
    with torch.no_grad():
        out, _ = layer(x)
    got = [out[0, 0, 0].item(), out[0, 4, 1].item(), out[0, -1, 2].item(), out[0, -1, 3].item()]
    assert got == pytest.approx(GOLDEN[cell_cls.__name__], abs=1e-6)
