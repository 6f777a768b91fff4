"""rnnbook.timing: what it times, and that it refuses nonsense."""

from __future__ import annotations

import math

import pytest
import torch

from rnnbook import timing
from rnnbook.models import SeqClassifier


def test_step_seconds_trains_the_model():
    torch.manual_seed(0)
    model = SeqClassifier("gru", 3, num_hiddens=4)
    before = model.head.weight.detach().clone()
    X, y = torch.randn(8, 20, 1), torch.randint(0, 3, (8,))
    seconds = timing.step_seconds(model, X, y, repeats=2, device="cpu")
    assert seconds > 0  # a wall-clock time: reported, never bounded
    assert not torch.equal(model.head.weight, before)  # it took optimiser steps


def test_epoch_estimate_counts_the_batches():
    model = SeqClassifier("gru", 3, num_hiddens=4)
    X, y = torch.randn(130, 10, 1), torch.randint(0, 3, (130,))
    # The estimate is the step time times the number of batches: with a step that always takes
    # 0.25 s, 130 rows in batches of 64 are 3 batches (the last counted whole).
    timed = []

    def fixed_step(model, X, y, repeats, device):
        timed.append(len(X))
        return 0.25

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timing, "step_seconds", fixed_step)
        assert timing.epoch_seconds(model, X, y, batch_size=64, repeats=5, device="cpu") == 0.75
    assert timed == [64]  # timed on the first batch
    seconds, estimated = timing.full_epoch_seconds(model, X, y, batch_size=64, device="cpu")
    assert seconds > 0 and not estimated
    seconds, estimated = timing.full_epoch_seconds(model, X, y, 8, device="cpu", budget=0.0)
    assert estimated and seconds > 0  # stopped after the first batch, scaled to 17 batches


def test_cost_vs_length_table_and_skip():
    X, y = torch.randn(2, 50, 1), torch.tensor([0, 1])
    builders = {"gru": lambda: SeqClassifier("gru", 2, num_hiddens=4)}
    table = timing.cost_vs_length(
        builders, X, y, (10, 50), repeats=1, device="cpu", skip=lambda name, L: L == 50
    )
    assert list(table["seq_len"]) == [10, 50]
    assert table["seconds"].iloc[0] > 0 and math.isnan(table["seconds"].iloc[1])
    assert table["ms_per_step"].iloc[0] == pytest.approx(1e3 * table["seconds"].iloc[0] / 10)
    with pytest.raises(ValueError, match="longer than X"):
        timing.cost_vs_length(builders, X, y, (60,), device="cpu")
    with pytest.raises(ValueError, match="repeats must be"):
        timing.step_seconds(builders["gru"](), X, y, repeats=0, device="cpu")


def test_speed_words_follow_the_ratio():
    assert timing.speed_words(1.0, 2.34) == "2.3 times faster than"
    assert timing.speed_words(2.34, 1.0) == "2.3 times slower than"
    assert timing.speed_words(1.0, 1.04) == "about as fast as"
    assert timing.speed_words(1.04, 1.0) == "about as fast as"
    assert timing.speed_words(1.0, 1.06) == "1.1 times faster than"
    assert timing.speed_words(1.0, 1.5, digits=2) == "1.50 times faster than"
    with pytest.raises(ValueError, match="positive, finite"):
        timing.speed_words(0.0, 1.0)
    with pytest.raises(ValueError, match="positive, finite"):
        timing.speed_words(1.0, float("nan"))


def test_cpu_name_is_a_name():
    name = timing.cpu_name()
    assert isinstance(name, str) and name.strip() == name and name


def test_fastest_is_the_one_estimator_of_a_cost():
    assert timing.fastest([0.3, 0.1, 0.2]) == 0.1  # delays only add: the shortest is the cost
    with pytest.raises(ValueError, match="no timings"):
        timing.fastest([])
