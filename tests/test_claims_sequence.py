"""The sequence-tasks chapter's experiments, with the same package calls on the real data.

The chapter glues its test numbers and the verdicts computed from their intervals; these tests
run the same experiment functions, the onset labeller at full size (a few seconds) and the
shuffled-time experiment briefly, and check what the functions promise. No test-set score is
held to a threshold: that the labeller learns is checked on its validation sequences.
"""

from __future__ import annotations

import pytest
import torch

from rnnbook import data, evaluate, experiments, tasks


@pytest.fixture(scope="module")
def five(table):
    return data.make_tensors(data.split_random(table), "five-class")


@pytest.fixture(scope="module")
def shuffled(five):
    return experiments.shuffled_time(five, max_batches=4, epochs=2)


def test_shuffled_time_trains_each_model_on_both_orders(five, shuffled):
    table = shuffled.table
    assert list(table.index) == ["mlp", "conv-gru", "gru"]
    assert list(table.columns) == ["in order", "shuffled"]
    again = experiments.shuffled_time(five, max_batches=4, epochs=2)
    assert table.equals(again.table)  # seeded: the same numbers
    assert table.loc["mlp", "in order"] != table.loc["mlp", "shuffled"]  # other inputs
    for (name, order), run in shuffled.runs.items():
        assert run.test_accuracy == table.loc[name, order]


def test_shuffled_time_shares_one_budget_and_keeps_the_best_validation_epoch(shuffled):
    for _, recipe in experiments.SHUFFLED_TIME_MODELS.values():
        assert recipe.epochs == recipe.patience == experiments.SHUFFLED_TIME_EPOCHS
    for run in shuffled.runs.values():
        h = run.history
        assert len(h.valid_acc) == 2  # patience = the budget: no early stop
        assert h.best_epoch == 1 + h.valid_acc.index(max(h.valid_acc))
        # The weights kept are the best epoch's: validating them again gives its accuracy.
        assert run.trainer.evaluate(run.data.X_valid, run.data.y_valid)[1] == pytest.approx(
            h.valid_acc[h.best_epoch - 1]
        )


def test_shuffled_time_drops_are_paired_differences_over_recordings(table, shuffled):
    groups = data.split_random(table).test["recording"].to_numpy()
    drops = shuffled.drops(groups, n_boot=200)
    assert list(drops.index) == ["mlp", "conv-gru", "gru"]
    gap = shuffled.table["in order"] - shuffled.table["shuffled"]
    assert drops["diff"].to_numpy() == pytest.approx(gap.to_numpy(), abs=1e-6)
    for _, row in drops.iterrows():
        assert row["low"] <= row["high"]
        assert row["verdict"] == evaluate.verdict(row["diff"], (row["low"], row["high"]))


@pytest.fixture(scope="module")
def onset(recordings, table):
    return experiments.onset_labeller(table, recordings)


def test_many_to_many_labeller_finds_seizure_onsets(onset):
    result, stride = onset, onset.stride
    assert result.run.data.y_train.shape == (512, 1389 // stride)
    assert result.run.y_hat.shape == (128, 1389 // stride, 2)  # (batch, steps, classes)
    # What the result promises, recomputed from the labeller's outputs.
    assert result.detected.tolist() == tasks.detected_onsets(result.run.y_hat).tolist()
    found = result.found
    true_step = result.test.onset[found] // stride
    seconds = (result.detected[found] - true_step).abs().float() * stride / data.SAMPLING_RATE
    assert torch.allclose(result.error_s[found], seconds)
    events = tasks.onset_events(result.run.y_hat, result.test.onset, stride)
    assert events["false_alarms"] == result.events["false_alarms"]
    assert events["sensitivity"] == result.events["sensitivity"]
    # The position baseline uses no EEG: a fact of the labels (onsets in the middle half).
    assert 0.85 < result.baseline_accuracy < 0.9
    # The labeller learns from the EEG: checked on the validation sequences, not the test ones.
    valid_baseline = (result.run.data.y_valid == result.baseline).float().mean().item()
    assert max(result.run.history.valid_acc) > valid_baseline + 0.03


def test_labeller_versus_baseline_is_paired_over_seizure_recordings(onset):
    diff, low, high = onset.versus_baseline(n_boot=200)
    assert diff == pytest.approx(onset.run.test_accuracy - onset.baseline_accuracy, abs=1e-6)
    assert low <= high
    assert set(onset.test.sources[:, 1]) <= {f"S{i:03d}" for i in range(1, 101)}


def test_stitched_sequences_are_labelled_at_the_onset(recordings):
    onsets = tasks.stitched_onsets(recordings, n=16, seconds=4, seed=3)
    seq_len = int(round(4 * data.SAMPLING_RATE))
    assert onsets.X.shape == (16, seq_len, 1) and onsets.y.shape == (16, seq_len)
    for y, onset in zip(onsets.y, onsets.onset, strict=True):
        assert y[:onset].sum() == 0 and y[onset:].eq(1).all()
        assert seq_len // 4 <= onset < 3 * seq_len // 4
    again = tasks.stitched_onsets(recordings, n=16, seconds=4, seed=3)
    assert (again.X == onsets.X).all()  # deterministic
    # Each sequence names its two recordings: seizure-free (F) before the onset, seizure (S) after.
    assert onsets.sources.shape == (16, 2)
    assert all(a.startswith("F") and b.startswith("S") for a, b in onsets.sources)


def test_permute_time_keeps_values_and_loses_order(five):
    X, perm = tasks.permute_time(five.X_test[:5], seed=1)
    assert sorted(perm.tolist()) == list(range(178))
    assert (X.sort(dim=1).values == five.X_test[:5].sort(dim=1).values).all()
    assert not (X == five.X_test[:5]).all()


def test_detected_onsets_needs_a_run_of_seizure_steps():
    said = torch.tensor([[0, 1, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0]])
    logits = torch.stack([1 - said, said], dim=-1).float()  # (2, 7, 2)
    assert tasks.detected_onsets(logits, persist=3).tolist() == [3, -1]


def test_alarms_fire_when_a_run_is_complete_and_again_only_after_a_drop():
    said = torch.tensor([[0, 1, 1, 1, 1, 0, 1, 1, 1, 0], [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]])
    logits = torch.stack([1 - said, said], dim=-1).float()  # (2, 10, 2)
    assert tasks.alarm_steps(logits, persist=3) == [[3, 8], []]
    assert tasks.detected_onsets(logits, persist=3).tolist() == [1, -1]


def test_onset_events_count_latency_from_the_alarm_and_false_alarms_apart():
    said = torch.tensor([[0, 1, 1, 1, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    logits = torch.stack([1 - said, said], dim=-1).float()
    stride, fs = 4, 4.0  # one step is one second
    onset = torch.tensor([20, 24])  # steps 5 and 6
    events = tasks.onset_events(logits, onset, stride, persist=3, fs=fs)
    # Row 0: an alarm at step 3 (before the onset: false), one at step 8 (ends at sample 36).
    assert events["false_alarms"] == 1 and events["sensitivity"] == 0.5
    assert events["latency_s"].tolist() == [(36 - 20) / fs]
    assert events["seizure_free_hours"] == pytest.approx((20 + 24) / fs / 3600)
    assert events["false_alarms_per_hour"] == pytest.approx(1 / events["seizure_free_hours"])


def test_position_baseline_labels_by_position_alone():
    y_train = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1]])
    assert tasks.position_baseline(y_train).tolist() == [0, 0, 1, 1]
