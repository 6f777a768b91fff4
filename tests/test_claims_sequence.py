"""The sequence-tasks chapter's claims, computed with the same package calls on the real data.

Thresholds are the chapter's measured values with a margin (measured values in the comments).
"""

from __future__ import annotations

import pytest

from rnnbook import data, models, tasks
from rnnbook.train import fit_and_score


@pytest.fixture(scope="module")
def five(table):
    return data.make_tensors(data.split_random(table), "five-class")


def test_shuffling_time_hurts_the_sequence_model_not_the_mlp(five):
    shuffled = tasks.shuffle_time(five, seed=1)
    acc = {}
    for order, d in (("time", five), ("shuffled", shuffled)):
        _, acc["mlp", order] = fit_and_score(models.MLP(num_classes=5), d, epochs=15, lr=1e-3)
        small = models.ConvGRU(num_classes=5, channels=(32, 64, 64), num_hiddens=32)
        _, acc["conv-gru", order] = fit_and_score(small, d, epochs=8)
    # To the MLP the order is no information: same accuracy within noise (measured: 0.712 in order, 0.715 shuffled).
    assert abs(acc["mlp", "time"] - acc["mlp", "shuffled"]) < 0.03, acc
    # The sequence model used the order (measured: 0.783 in order, 0.611 shuffled).
    assert acc["conv-gru", "time"] - acc["conv-gru", "shuffled"] > 0.08, acc
    assert acc["conv-gru", "time"] > acc["mlp", "time"], acc


def test_many_to_many_labeller_finds_seizure_onsets(recordings, table):
    stride = 8
    onset_data, onset_test = tasks.onset_task(
        data.split_by_recording(table),
        recordings,
        n_train=512,
        n_test=128,
        seconds=8,
        stride=stride,
    )
    assert onset_data.y_train.shape == (512, 1389 // stride)
    labeller = models.SeqLabeller(num_classes=2, num_hiddens=32, stride=stride)
    trainer, acc_steps = fit_and_score(labeller, onset_data, epochs=8, batch_size=32, lr=5e-3)
    detected = tasks.detected_onsets(trainer.predict(onset_data.X_test))
    found = detected >= 0
    error_s = (detected - onset_test.onset // stride).abs().float() * stride / data.SAMPLING_RATE
    # Measured: 0.942 of the steps right, every onset found, median error 0.09 s.
    assert acc_steps > 0.9
    assert found.float().mean() > 0.9
    assert error_s[found].median() < 0.5


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
    import torch

    said = torch.tensor([[0, 1, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0]])
    logits = torch.stack([1 - said, said], dim=-1).float()  # (2, 7, 2)
    assert tasks.detected_onsets(logits, persist=3).tolist() == [3, -1]
