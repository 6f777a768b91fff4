"""Attention readouts and the Transformer: shapes, weights, masks, batch independence, golden
outputs, the registry, one brief training and the readout comparison."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import fixed_input

from rnnbook import data, experiments
from rnnbook.attention import (
    AdditiveAttention,
    PositionalEncoding,
    ReadoutClassifier,
    TransformerClassifier,
    steps_of,
)
from rnnbook.models import MODELS, SeqClassifier, build_model
from rnnbook.train import train

NEW = ("gru-last", "gru-mean", "gru-max", "gru-attention", "transformer")

# For torch.manual_seed(0) and `fixed_input()`, recorded with torch 2.13.0 (CPU): the first three
# logits of row 0, and (attention) the first three weights of row 0.
GOLDEN_ATTENTION_LOGITS = [-0.060979, 0.21064, -0.008428]
GOLDEN_ATTENTION_WEIGHTS = [0.046424, 0.047595, 0.047525]
GOLDEN_TRANSFORMER_LOGITS = [-0.137764, -0.511499, -0.026089]


def test_steps_of_groups_samples_in_order_and_drops_the_rest():
    X = torch.arange(2 * 19, dtype=torch.float32).reshape(2, 19, 1)
    S = steps_of(X, 8)
    assert S.shape == (2, 2, 8)
    assert S[1, 1].tolist() == list(range(19 + 8, 19 + 16))  # row 1, samples 8..15
    assert steps_of(torch.zeros(3, 178, 1), 8).shape == (3, 22, 8)
    assert steps_of(torch.zeros(3, 4097, 1), 1).shape == (3, 4097, 1)
    with pytest.raises(ValueError, match="steps of 8"):
        steps_of(torch.zeros(1, 7, 1), 8)


@pytest.mark.parametrize("seq_len", [178, 4097])
@pytest.mark.parametrize("readout", ["last", "mean", "max", "attention"])
def test_readout_shapes(readout, seq_len):
    torch.manual_seed(0)
    model = ReadoutClassifier(readout, num_classes=3).eval()
    y_hat = model(fixed_input(2, seq_len))
    assert y_hat.shape == (2, 3) and torch.isfinite(y_hat).all()
    if readout == "attention":
        assert model.last_weights.shape == (2, seq_len // 8)
    else:
        assert model.last_weights is None


@pytest.mark.parametrize("seq_len", [178, 4097])
def test_transformer_shapes(seq_len):
    torch.manual_seed(0)
    model = TransformerClassifier(num_classes=3).eval()
    y_hat = model(fixed_input(2, seq_len))
    assert y_hat.shape == (2, 3) and torch.isfinite(y_hat).all()


def test_transformer_reads_one_sample_per_token():
    torch.manual_seed(0)
    model = TransformerClassifier(num_classes=2, samples_per_token=1, d_model=8, nhead=2).eval()
    assert model(fixed_input(2, 300)).shape == (2, 2)


def test_readouts_are_what_they_say():
    """The last-state readout is SeqClassifier on the steps (same weights); mean and max pool."""
    torch.manual_seed(0)
    X = fixed_input()
    last = ReadoutClassifier("last", 5).eval()
    reference = SeqClassifier("gru", 5, input_size=8, num_hiddens=32).eval()
    reference.load_state_dict(last.state_dict())
    torch.testing.assert_close(last(X), reference(steps_of(X, 8)))
    for readout, pool in (("mean", lambda H: H.mean(1)), ("max", lambda H: H.amax(1))):
        model = ReadoutClassifier(readout, 5).eval()
        model.load_state_dict(last.state_dict())
        torch.testing.assert_close(model(X), model.head(pool(model.encode(X))))
    with pytest.raises(ValueError, match="unknown readout"):
        ReadoutClassifier("first")


def test_attention_weights_are_a_distribution():
    torch.manual_seed(0)
    H = torch.randn(4, 9, 6)
    context, weights = AdditiveAttention(6, 5)(H)
    assert context.shape == (4, 6) and weights.shape == (4, 9)
    assert (weights >= 0).all()
    torch.testing.assert_close(weights.sum(1), torch.ones(4))
    torch.testing.assert_close(context, (weights.unsqueeze(2) * H).sum(1))
    # The weights are not uniform at initialisation: the scores depend on the states.
    assert weights.std(dim=1).min() > 0


def test_masked_steps_get_weight_zero():
    torch.manual_seed(0)
    attention = AdditiveAttention(6, 5)
    H = torch.randn(2, 7, 6)
    mask = torch.zeros(2, 7, dtype=torch.bool)
    mask[0, 4:] = True  # row 0: the last 3 steps are padding
    context, weights = attention(H, mask)
    assert (weights[mask] == 0).all() and (weights[~mask] > 0).all()
    torch.testing.assert_close(weights.sum(1), torch.ones(2))
    # Masking equals leaving the padded steps out; an unmasked row is unchanged.
    alone, alone_weights = attention(H[:1, :4])
    torch.testing.assert_close(context[0], alone[0])
    torch.testing.assert_close(weights[0, :4], alone_weights[0])
    torch.testing.assert_close(weights[1], attention(H)[1][1])
    with pytest.raises(ValueError, match="at least one step"):
        attention(H, torch.ones(2, 7, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask"):
        attention(H, mask[:, :3])


def test_attention_weights_of_the_classifier():
    torch.manual_seed(0)
    model = ReadoutClassifier("attention", 5).train()
    X = fixed_input()
    weights = model.attention_weights(X)
    assert model.training  # the mode is restored
    assert weights.shape == (4, 22) and (weights >= 0).all()
    torch.testing.assert_close(weights.sum(1), torch.ones(4))
    model(X)
    torch.testing.assert_close(model.last_weights, weights)  # no dropout: the same weights
    assert not model.last_weights.requires_grad
    with pytest.raises(ValueError, match="no attention weights"):
        ReadoutClassifier("mean").attention_weights(X)


def test_transformer_ignores_batch_composition_in_eval_mode():
    torch.manual_seed(0)
    model = TransformerClassifier(5).eval()
    X = fixed_input(6)
    with torch.no_grad():
        together = model(X)
        alone = torch.cat([model(X[i : i + 1]) for i in range(6)])
        shuffled = model(X[[5, 3, 1, 0, 2, 4]])
    torch.testing.assert_close(alone, together, atol=1e-5, rtol=0)
    torch.testing.assert_close(shuffled, together[[5, 3, 1, 0, 2, 4]], atol=1e-5, rtol=0)


def test_transformer_layers_start_different():
    torch.manual_seed(0)
    layers = TransformerClassifier(5).encoder.layers
    w0, w1 = (layer.self_attn.in_proj_weight for layer in layers)
    assert not torch.equal(w0, w1)


def test_positional_encoding():
    pe = PositionalEncoding(6, max_len=100)
    P = pe.P[0]  # (max_len, d_model)
    assert P.shape == (100, 6)
    assert P[0].tolist() == [0, 1, 0, 1, 0, 1]
    assert P[7, 0].item() == pytest.approx(math.sin(7))
    assert P[7, 3].item() == pytest.approx(math.cos(7 / 1e4 ** (2 / 6)))
    torch.testing.assert_close(pe(torch.zeros(2, 5, 6)), P[:5].expand(2, 5, 6))
    assert PositionalEncoding(5, max_len=10).P.shape == (1, 10, 5)  # odd d_model
    assert "P" not in pe.state_dict()  # rebuilt, never saved
    with pytest.raises(ValueError, match="max_len"):
        pe(torch.zeros(1, 101, 6))


def test_golden_attention_classifier():
    torch.manual_seed(0)
    model = ReadoutClassifier("attention", 5).eval()
    with torch.no_grad():
        y_hat = model(fixed_input())
    assert y_hat[0, :3].tolist() == pytest.approx(GOLDEN_ATTENTION_LOGITS, abs=1e-5)
    assert model.last_weights[0, :3].tolist() == pytest.approx(GOLDEN_ATTENTION_WEIGHTS, abs=1e-5)


def test_golden_transformer():
    torch.manual_seed(0)
    model = TransformerClassifier(5).eval()
    with torch.no_grad():
        y_hat = model(fixed_input())
    assert y_hat[0, :3].tolist() == pytest.approx(GOLDEN_TRANSFORMER_LOGITS, abs=1e-5)


def test_registry_builds_each_new_model():
    for name in NEW:
        model = build_model(name, 5)
        if name == "transformer":
            assert isinstance(model, TransformerClassifier) and model.samples_per_token == 8
        else:
            assert isinstance(model, ReadoutClassifier) and model.samples_per_step == 8
            assert model.readout == name.removeprefix("gru-")
        assert MODELS[name].category == "many-to-one"


@pytest.fixture(scope="module")
def five_class(table):
    return data.make_tensors(data.make_split(table, "random"), "five-class")


def test_brief_training_learns(five_class):
    run = train("gru-attention", five_class, epochs=2, max_batches=30)
    h = run.history
    assert h.train_loss[1] < h.train_loss[0]  # learning, on the training rows


def test_readout_comparison(five_class):
    result = experiments.readout_comparison(
        five_class, names=("gru-max", "transformer"), seeds=(0, 1), epochs=1, max_batches=3
    )
    table = result.table
    assert list(table.columns) == ["model", "seed", "test_accuracy", "parameters", "train_seconds"]
    assert list(zip(table["model"], table["seed"], strict=True)) == [
        ("gru-max", 0), ("gru-max", 1), ("transformer", 0), ("transformer", 1),
    ]  # fmt: skip
    assert list(result.runs) == list(zip(table["model"], table["seed"], strict=True))
    assert table.loc[0, "parameters"] == 4197
    assert (table["train_seconds"] > 0).all()
    assert table.loc[0, "test_accuracy"] == result.runs["gru-max", 0].test_accuracy
    spread = result.spread
    assert list(spread.index) == ["gru-max", "transformer"]
    row, accs = spread.loc["transformer"], table["test_accuracy"][2:]
    assert row["n"] == 2 and row["mean"] == pytest.approx(accs.mean())
    assert row["sd"] == pytest.approx(accs.std())
    # Two seeds: mean ± t(1, 0.975) sd / sqrt(2), with t = 12.706.
    assert row["high"] - row["mean"] == pytest.approx(12.7062 * accs.std() / math.sqrt(2), rel=1e-4)
    assert row["mean"] - row["low"] == pytest.approx(row["high"] - row["mean"])


def test_seed_spread_with_one_seed_has_no_interval():
    import pandas as pd

    table = pd.DataFrame({"model": ["a", "b", "b", "b"], "test_accuracy": [0.5, 0.6, 0.7, 0.8]})
    spread = experiments.seed_spread(table, ["model"])
    assert math.isnan(spread.loc["a", "low"]) and spread.loc["a", "n"] == 1
    b = spread.loc["b"]
    assert b["mean"] == pytest.approx(0.7) and b["sd"] == pytest.approx(0.1)
    assert b["high"] == pytest.approx(0.7 + 4.3027 * 0.1 / math.sqrt(3), rel=1e-4)


@pytest.mark.parametrize("name", ["gru-attention", "transformer"])
def test_checkpoint_round_trip(tmp_path, name):
    """The weights alone rebuild the model (the positions are rebuilt, the weights of the last
    call are not saved), with the same outputs."""
    from rnnbook.checkpoints import load_checkpoint, save_checkpoint

    torch.manual_seed(0)
    model = build_model(name, 5).eval()
    X = fixed_input()
    with torch.no_grad():
        before = model(X)
    assert not {"last_weights", "position.P"} & set(model.state_dict())
    save_checkpoint(tmp_path / "model.pt", model, {"model": name, "num_classes": 5})
    loaded, _ = load_checkpoint(tmp_path / "model.pt")
    with torch.no_grad():
        torch.testing.assert_close(loaded(X), before)
