"""The sequence-tasks chapter's experiments, with the same package calls on the real data.

The chapter asserts its claims where it computes them (a cold build fails if they stop
holding); these tests run the same experiment functions, the onset labeller at full size (a few
seconds) and the shuffled-time experiment briefly, and check what the functions promise.
Thresholds are the chapter's measured values with a margin (measured values in the comments).
"""

from __future__ import annotations

import pytest
import torch

from rnnbook import data, experiments, tasks


@pytest.fixture(scope="module")
def five(table):
    return data.make_tensors(data.split_random(table), "five-class")


def test_shuffled_time_trains_each_model_on_both_orders(five):
    table = experiments.shuffled_time(five, max_batches=2, epochs=1)
    assert list(table.index) == ["mlp", "conv-gru", "gru"]
    assert list(table.columns) == ["in order", "shuffled"]
    again = experiments.shuffled_time(five, max_batches=2, epochs=1)
    assert table.equals(again)  # seeded: the same numbers
    assert table.loc["mlp", "in order"] != table.loc["mlp", "shuffled"]  # other inputs


def test_many_to_many_labeller_finds_seizure_onsets(recordings, table):
    result = experiments.onset_labeller(table, recordings)
    assert result.run.data.y_train.shape == (512, 1389 // 8)
    assert result.run.y_hat.shape == (128, 1389 // 8, 2)  # (batch, steps, classes)
    # Measured: 0.942 of the steps right, every onset found, median error 0.09 s.
    assert result.run.test_accuracy > 0.9
    assert result.found.float().mean() > 0.9
    assert result.error_s[result.found].median() < 0.5
    # Counted from the alarm, as a monitor would be judged: every seizure detected (measured
    # 128 of 128), and the labeller beats labelling by position alone (0.875 of the steps).
    assert result.events["sensitivity"] > 0.9
    assert 0.85 < result.baseline_accuracy < 0.9
    assert result.run.test_accuracy > result.baseline_accuracy + 0.03


def test_stitched_sequences_are_labelled_at_the_onset(recordings):
    onsets = tasks.stitched_onsets(recordings, n=16, seconds=4, seed=3)
    seq_len = int(round(4 * data.SAMPLING_RATE))
    assert onsets.X.shape == (16, seq_len, 1) and onsets.y.shape == (16, seq_len)
    for y, onset in zip(onsets.y, onsets.onset, strict=True):
        assert y[:onset].sum() == 0 and y[onset:].eq(1).all()
        assert seq_len // 4 <= onset < 3 * seq_len // 4
    again = tasks.stitched_onsets(recordings, n=16, seconds=4, seed=3)
    assert (again.X == onsets.X).all()  # deterministic


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
