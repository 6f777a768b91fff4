"""The long-gap task (rnnbook.tasks): shapes, labels, determinism and honesty; and the helpers of
its experiment (rnnbook.gradients, initialisation.set_memory_bias, experiments.run_long_gap)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import long_gap_model
from torch import nn

from rnnbook import cells, data, experiments, gradients, initialisation, tasks

SMALL = (40, 20, 30)  # train, valid, test sequences


@pytest.fixture(scope="module")
def parts(recordings):
    return tasks.recordings_by_part(recordings)


@pytest.fixture(scope="module")
def gap_tasks(recordings):
    """The small task at gaps 0, 1 and 4 s."""
    return {g: tasks.make_long_gap_data(recordings, g, SMALL) for g in (0.0, 1.0, 4.0)}


def test_steps_for():
    assert tasks.steps_for(1.0) == 5  # 173.61 / 32 = 5.4
    assert tasks.steps_for(4.0) == 22
    assert tasks.steps_for(0.0) == 0
    assert tasks.steps_for(1.0, samples_per_step=8) == 22


def test_parts_are_disjoint_and_cover_the_split(parts, table):
    names = {p: {r.name for r in rs} for p, rs in parts.items()}
    assert not names["train"] & names["valid"]
    assert not names["train"] & names["test"]
    assert not names["valid"] & names["test"]
    split = data.split_by_recording(table)
    for p in ("train", "valid", "test"):
        expected = set(getattr(split, p)["recording"])
        assert names[p] <= expected
        assert {r.set for r in parts[p]} == {"S", "N", "F"}
    # 20 % of the 100 recordings of each set are test recordings
    assert len(parts["test"]) == 60


def test_shapes_and_dtypes(gap_tasks):
    for gap, d in gap_tasks.items():
        seq_len = tasks.steps_for(tasks.CUE_SECONDS) + tasks.steps_for(gap)
        for part, n in zip(("train", "valid", "test"), SMALL, strict=True):
            X, y = d.part(part)
            assert X.shape == (n, seq_len, tasks.SAMPLES_PER_STEP)  # (batch, seq_len, in)
            assert X.dtype == torch.float32 and y.dtype == torch.int64
            assert torch.isfinite(X).all()
        assert d.num_classes == 2 and d.split == "recording"


def test_labels_are_balanced(gap_tasks):
    for d in gap_tasks.values():
        for part in ("train", "valid", "test"):
            _, y = d.part(part)
            assert set(y.tolist()) <= {0, 1}
            assert abs(int(y.sum()) - len(y) / 2) <= 0.5


def test_deterministic(recordings, gap_tasks):
    again = tasks.make_long_gap_data(recordings, 1.0, SMALL)
    assert torch.equal(again.X_train, gap_tasks[1.0].X_train)
    assert torch.equal(again.y_test, gap_tasks[1.0].y_test)
    other = tasks.make_long_gap_data(recordings, 1.0, SMALL, seed=1)
    assert not torch.equal(other.X_train, gap_tasks[1.0].X_train)


def test_gaps_are_nested(gap_tasks):
    """A shorter gap gives the same sequences as a longer one, cut; the standardisation is shared."""
    short, long = gap_tasks[1.0], gap_tasks[4.0]
    assert short.mean == long.mean and short.std == long.std
    steps = short.X_train.shape[1]
    assert torch.equal(short.X_train, long.X_train[:, :steps])
    assert torch.equal(short.y_train, long.y_train)
    assert torch.equal(gap_tasks[0.0].X_test, long.X_test[:, : gap_tasks[0.0].X_test.shape[1]])


def test_cue_sets_the_label_and_the_gap_is_seizure_free(parts):
    """Rebuild raw sequences and find where each cue and gap came from."""
    rng = np.random.default_rng(0)
    X, y = tasks.draw_sequences(parts["test"], 12, 2.0, rng)
    cue_len = tasks.steps_for(tasks.CUE_SECONDS) * tasks.SAMPLES_PER_STEP
    flat = X.reshape(len(X), -1)

    def source(segment):
        for r in parts["test"]:
            s = r.samples
            for start in np.flatnonzero(s == segment[0]):
                if np.array_equal(s[start : start + len(segment)], segment):
                    return r
        raise AssertionError("segment not found in the test recordings")

    for row, label in zip(flat, y, strict=True):
        cue, gap = source(row[:cue_len]), source(row[cue_len:])
        assert tasks.CUE_SETS[cue.set] == label
        assert gap.set in tasks.GAP_SETS and gap.name != cue.name


def test_gap_too_long():
    with pytest.raises(ValueError, match="gap_seconds"):
        tasks.draw_sequences([], 2, tasks.MAX_GAP_SECONDS + 1, np.random.default_rng(0))


def test_scale_spectral_radius():
    torch.manual_seed(0)
    for layer in (nn.RNN(3, 16, batch_first=True), cells.RNN(3, 16)):
        before = layer.weight_hh_l0.detach().clone()
        scaled = gradients.scale_spectral_radius(layer, 1.7)
        assert abs(gradients.spectral_radius(scaled.weight_hh_l0) - 1.7) < 1e-5
        assert torch.equal(layer.weight_hh_l0, before)  # a copy: the original is untouched
        ratio = scaled.weight_hh_l0 / before
        assert torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio))  # a multiple of W
    assert gradients.spectral_radius(torch.diag(torch.tensor([0.5, -2.0]))) == pytest.approx(2.0)


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU, cells.LSTM, cells.GRU])
def test_set_memory_bias(kind):
    torch.manual_seed(0)
    layer = kind(2, 5, 2, batch_first=True)
    others = {n: p.detach().clone() for n, p in layer.named_parameters() if "bias" not in n}
    initialisation.set_memory_bias(layer, 1.5)
    for k in range(2):
        total = getattr(layer, f"bias_ih_l{k}") + getattr(layer, f"bias_hh_l{k}")
        assert torch.allclose(total[5:10], torch.full((5,), 1.5))
    for name, value in others.items():
        assert torch.equal(getattr(layer, name), value)
    with pytest.raises(ValueError, match="LSTM or a GRU"):
        initialisation.set_memory_bias(nn.RNN(2, 5), 1.0)


def test_memory_bias_opens_the_gate(gap_tasks):
    X = gap_tasks[1.0].X_test
    default = long_gap_model("lstm")
    biased = long_gap_model("lstm", memory_bias=1.0)
    assert abs(gradients.memory_gate(default, X).mean() - 0.5) < 0.05
    gate = gradients.memory_gate(biased, X, first_step=5)
    assert gate.shape == (experiments.LONG_GAP_HIDDENS,)
    assert abs(gate.mean() - 1 / (1 + np.exp(-1))) < 0.05  # sigmoid(1) = 0.73
    with pytest.raises(ValueError, match="LSTM or a GRU"):
        gradients.memory_gate(long_gap_model("rnn"), X)


def test_long_gap_classifier_is_seeded_by_its_caller():
    a, b = long_gap_model("gru", seed=3), long_gap_model("gru", seed=3)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert a.rnn.input_size == tasks.SAMPLES_PER_STEP and a.rnn.hidden_size == 32
    assert experiments.long_gap_classifier("lstm", 1.0).__name__ == "lstm, memory bias 1"


def test_first_step_ratio(gap_tasks):
    d = gap_tasks[4.0]
    ratio = gradients.first_step_ratio(long_gap_model("rnn"), d.X_test, d.y_test)
    assert isinstance(ratio, float) and 0 < ratio < 1


def test_run_long_gap_table(recordings):
    """One quick run: the table has a row per (model, gap) with the promised columns."""
    configs = {"RNN": ("rnn", None), "GRU, update bias 1": ("gru", 1.0)}
    recipe = experiments.LONG_GAP_RECIPE.but(epochs=1)
    results = experiments.run_long_gap(recordings, configs, (0.0, 1.0), SMALL, recipe)
    table = results.table
    assert len(table) == 4 and set(results.runs) == {(m, g) for m in configs for g in (0.0, 1.0)}
    assert list(table.columns) == [
        "model", "gap_seconds", "gap_steps", "seq_len", "test_accuracy",
        "epoch_valid_0.8", "ratio_init", "ratio_trained",
    ]  # fmt: skip
    for (name, gap), run in results.runs.items():
        d = results.datasets[gap]
        with torch.no_grad():
            y_hat = run.model.cpu()(d.X_test)
        assert run.test_accuracy == (y_hat.argmax(1) == d.y_test).float().mean().item(), name
    assert (table["ratio_init"] > 0).all() and (table["ratio_trained"] > 0).all()
    assert set(results.datasets) == {0.0, 1.0}
