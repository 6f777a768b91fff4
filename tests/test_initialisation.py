"""The remedies' initialisations (identity, orthogonal, chrono), the layer-norm RNN, and the
long-gap classifiers built with them."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from rnnbook import cells, experiments, initialisation, min_cells
from rnnbook.models import MinRNNClassifier, SeqClassifier


def test_identity_recurrent():
    torch.manual_seed(0)
    layer = initialisation.identity_recurrent(nn.RNN(3, 6, num_layers=2, nonlinearity="relu"))
    for k in range(2):
        assert torch.equal(getattr(layer, f"weight_hh_l{k}"), torch.eye(6))
        assert (
            not getattr(layer, f"bias_ih_l{k}").any() and not getattr(layer, f"bias_hh_l{k}").any()
        )
    assert layer.weight_ih_l0.std() < 0.01
    # With identity recurrence, no bias and a zero input, a positive state is carried unchanged.
    one = initialisation.identity_recurrent(nn.RNN(3, 6, nonlinearity="relu"))
    h0 = torch.rand(1, 1, 6)
    out, _ = one(torch.zeros(10, 1, 3), h0)
    assert torch.allclose(out[-1], h0[-1])


@pytest.mark.parametrize("kind", [nn.RNN, nn.GRU, nn.LSTM, cells.RNN])
def test_orthogonal_recurrent(kind):
    torch.manual_seed(1)
    layer = initialisation.orthogonal_recurrent(kind(2, 8))
    for block in layer.weight_hh_l0.split(8):
        assert torch.allclose(block @ block.T, torch.eye(8), atol=1e-5)
        s = torch.linalg.svdvals(block)
        assert torch.allclose(s, torch.ones(8), atol=1e-5)


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU, cells.LSTM, cells.GRU])
def test_chrono_bias_of_lstm_and_gru(kind):
    torch.manual_seed(2)
    t_max = 48
    layer = initialisation.chrono_bias(kind(2, 200, num_layers=2), t_max)
    for k in range(2):
        b_ih, b_hh = getattr(layer, f"bias_ih_l{k}"), getattr(layer, f"bias_hh_l{k}")
        memory = b_ih[200:400]
        assert not b_hh[200:400].any()
        # log U(1, t_max - 1): every bias in [0, log 47], and spread over that range
        assert memory.min() >= 0 and memory.max() <= math.log(t_max - 1) + 1e-6
        u = memory.exp()  # u ~ U(1, t_max - 1): 200 draws cover the range
        assert u.min() < 1 + 0.05 * (t_max - 2) and u.max() > t_max - 1 - 0.05 * (t_max - 2)
        # the characteristic time 1 / (1 - sigmoid(b)) = 1 + u lies in [2, t_max]
        timescale = 1 / (1 - torch.sigmoid(memory))
        assert timescale.min() >= 2 - 1e-4 and timescale.max() <= t_max + 1e-3
        if kind in (nn.LSTM, cells.LSTM):
            assert torch.equal(b_ih[:200], -memory) and not b_hh[:200].any()


def test_chrono_bias_of_min_rnns():
    torch.manual_seed(3)
    gru = initialisation.chrono_bias(min_cells.MinGRU(1, 100), 20)
    z_bias = gru.gates[0].bias[:100]
    keep = torch.sigmoid(-z_bias)  # minGRU keeps 1 - z of its state
    assert (1 / (1 - keep)).min() >= 2 - 1e-4 and (1 / (1 - keep)).max() <= 20 + 1e-3
    lstm = initialisation.chrono_bias(min_cells.MinLSTM(1, 100), 20)
    f, i = lstm.gates[0].bias[:100], lstm.gates[0].bias[100:200]
    assert torch.equal(i, -f) and f.min() >= 0


def test_chrono_bias_errors():
    with pytest.raises(ValueError, match="t_max must be > 2"):
        initialisation.chrono_bias(nn.LSTM(1, 4), 2)
    with pytest.raises(ValueError, match="LSTM, GRU, minGRU or minLSTM"):
        initialisation.chrono_bias(nn.RNN(1, 4), 10)


def test_layer_norm_rnn():
    torch.manual_seed(4)
    layer = cells.LayerNormRNN(3, 8, num_layers=2).double()
    assert torch.equal(layer.ln_weight_l1, torch.ones(8, dtype=torch.float64))
    assert not layer.ln_bias_l0.any()
    X = torch.randn(2, 30, 3, dtype=torch.float64) * 100  # huge inputs: still unit-scale states
    out, h_n = layer(X)
    assert out.shape == (2, 30, 8) and h_n.shape == (2, 2, 8)
    # The recurrence by hand, step 1 and 2 of layer 0.
    w_ih, w_hh, b_ih, b_hh = layer.layer_parameters(0)
    h = torch.zeros(2, 8, dtype=torch.float64)
    for t in range(2):
        a = X[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        h = torch.tanh(
            (a - a.mean(1, keepdim=True))
            / torch.sqrt(a.var(1, unbiased=False, keepdim=True) + 1e-5)
        )
    layer.num_layers = 1  # run only the first layer
    torch.testing.assert_close(layer(X[:, :2])[0][:, -1], h)


@pytest.mark.parametrize("remedy", sorted(experiments.REMEDIES))
def test_remedy_classifiers(remedy):
    torch.manual_seed(5)
    model = experiments.remedy_classifier(remedy, input_size=32, t_max=48)(2)
    assert model(torch.randn(3, 48, 32)).shape == (3, 2)
    rnn = model.rnns[0] if isinstance(model, MinRNNClassifier) else model.rnn
    if remedy == "irnn":
        assert isinstance(rnn, nn.RNN) and rnn.nonlinearity == "relu"
        assert torch.equal(rnn.weight_hh_l0, torch.eye(32))
    elif remedy == "layernorm":
        assert isinstance(rnn, cells.LayerNormRNN)
    elif remedy == "orthogonal":
        assert torch.allclose(rnn.weight_hh_l0 @ rnn.weight_hh_l0.T, torch.eye(32), atol=1e-5)
    elif remedy.startswith("chrono-") and remedy != "chrono-mingru":
        assert isinstance(model, SeqClassifier) and model.rnn.bias_ih_l0[32:64].min() >= 0


def test_remedy_errors():
    with pytest.raises(ValueError, match="unknown remedy"):
        experiments.remedy_classifier("dropout")
    with pytest.raises(ValueError, match="needs t_max"):
        experiments.remedy_classifier("chrono-gru")
    assert set(experiments.REMEDY_CONFIGS.values()) - set(experiments.REMEDIES) == {
        ("rnn", None), ("lstm", 1.0), ("gru", 1.0)
    }  # fmt: skip


def test_run_long_gap_with_a_remedy(recordings):
    results = experiments.run_long_gap(
        recordings, configs={"IRNN": "irnn"}, gaps_seconds=(1.0,), sizes=(64, 32, 32),
        recipe=experiments.LONG_GAP_RECIPE.but(epochs=1),
    )  # fmt: skip
    row = results.table.iloc[0]
    assert row["model"] == "IRNN" and results.runs[("IRNN", 1.0)].cell == "irnn"
    assert 0 <= row["test_accuracy"] <= 1 and row["ratio_init"] > 0


def test_every_remedy_is_paired_with_a_model_of_the_experiment():
    configs = experiments.REMEDY_CONFIGS
    for remedy, (base, words) in experiments.REMEDY_PAIRS.items():
        assert remedy in configs and base in configs and remedy != base
        assert words.startswith("the ")


def test_plot_remedies_draws_every_run_and_its_mean():
    import pandas as pd
    from matplotlib.collections import LineCollection, PathCollection

    from rnnbook import plots

    table = pd.DataFrame({
        "model": ["a"] * 3 + ["b"] * 3 + ["c"] * 2,
        "test_accuracy": [0.5, 0.52, 0.48, 0.9, 0.5, 0.95, 0.6, 0.7],
    })  # fmt: skip
    fig = plots.plot_remedies(table, {"one": ["a", "b"], "two": ["c"]})
    first, second = fig.axes[:2]
    dots = [c.get_offsets() for c in first.collections if isinstance(c, PathCollection)]
    assert [len(d) for d in dots] == [3, 3]  # one dot per run
    assert sorted(dots[1][:, 1]) == [0.5, 0.9, 0.95]
    bars = [c for c in first.collections if isinstance(c, LineCollection)]
    means = [seg[0][1] for c in bars for seg in c.get_segments()]
    assert pytest.approx(sorted(means)) == [0.5, 2.35 / 3]
    assert second.get_title() == "two" and [t.get_text() for t in first.get_xticklabels()] == [
        "a", "b"
    ]  # fmt: skip
