"""The temporal-order task (rnnbook.tasks.make_order_data) and the order-free baseline
(rnnbook.baselines): shapes, labels, nesting, where each piece came from, and that a model blind
to the order of the steps scores chance on it while it solves the long-gap task."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnbook import baselines, tasks

SMALL = (40, 20, 30)  # train, valid, test sequences


@pytest.fixture(scope="module")
def parts(recordings):
    return tasks.recordings_by_part(recordings, sets=(*tasks.ORDER_MARKERS, *tasks.GAP_SETS))


@pytest.fixture(scope="module")
def order_tasks(recordings):
    return {g: tasks.make_order_data(recordings, g, SMALL) for g in (0.0, 2.0)}


def test_parts_hold_the_marker_and_gap_sets(parts):
    for part in ("train", "valid", "test"):
        assert {r.set for r in parts[part]} == {"S", "O", "N", "F"}
    names = {p: {r.name for r in rs} for p, rs in parts.items()}
    assert not names["train"] & names["test"] and not names["valid"] & names["test"]


def test_shapes_labels_and_nesting(order_tasks):
    marker = tasks.steps_for(tasks.CUE_SECONDS)
    for gap, d in order_tasks.items():
        for part, n in zip(("train", "valid", "test"), SMALL, strict=True):
            X, y = d.part(part)
            assert X.shape == (n, 2 * marker + tasks.steps_for(gap), tasks.SAMPLES_PER_STEP)
            assert X.dtype == torch.float32 and torch.isfinite(X).all()
            assert abs(int(y.sum()) - n / 2) <= 0.5  # balanced
    short, long = order_tasks[0.0], order_tasks[2.0]
    assert torch.equal(short.X_train, long.X_train[:, : short.X_train.shape[1]])
    assert torch.equal(short.y_test, long.y_test) and short.mean == long.mean


def test_markers_set_the_label_and_the_gap_is_seizure_free(parts):
    """Rebuild raw sequences and find the recording each marker and the gap came from."""
    X, y = tasks.draw_order_sequences(parts["test"], 10, 1.0, np.random.default_rng(0))
    m = tasks.steps_for(tasks.CUE_SECONDS) * tasks.SAMPLES_PER_STEP
    flat = X.reshape(len(X), -1)

    def source(segment):
        for r in parts["test"]:
            for start in np.flatnonzero(r.samples == segment[0]):
                if np.array_equal(r.samples[start : start + len(segment)], segment):
                    return r.set
        raise AssertionError("segment not found in the test recordings")

    for row, label in zip(flat, y, strict=True):
        first, second, gap = source(row[:m]), source(row[m : 2 * m]), source(row[2 * m :])
        assert {first, second} == set(tasks.ORDER_MARKERS)  # both markers, always
        assert (first == tasks.ORDER_MARKERS[0]) == bool(label)  # the label is their order
        assert gap in tasks.GAP_SETS


def test_order_task_refusals(parts):
    with pytest.raises(ValueError, match="gap_seconds"):
        tasks.draw_order_sequences(parts["test"], 2, 9.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="need recordings"):
        only_gap = [r for r in parts["test"] if r.set in tasks.GAP_SETS]
        tasks.draw_order_sequences(only_gap, 2, 1.0, np.random.default_rng(0))


def test_order_free_features_ignore_the_order_of_steps():
    X = torch.randn(6, 12, 32)
    perm = torch.randperm(12, generator=torch.Generator().manual_seed(1))
    F = baselines.order_free_features(X)
    assert F.shape == (6, len(baselines.POOLS) * len(baselines.STEP_FEATURES))
    np.testing.assert_allclose(F, baselines.order_free_features(X[:, perm]), rtol=1e-12)
    # ...but they do see the values of the steps
    assert not np.allclose(F, baselines.order_free_features(2 * X))


def test_order_free_baseline_chance_on_order_and_not_on_long_gap(recordings):
    """On the temporal-order task the two classes hold the same steps, so the baseline cannot
    beat chance by more than sampling noise; the loud cue of the long-gap task it finds."""
    sizes = (400, 100, 400)
    order = baselines.order_free_baseline(tasks.make_order_data(recordings, 2.0, sizes))
    loud = baselines.order_free_baseline(tasks.make_long_gap_data(recordings, 2.0, sizes))
    assert order.n_test == 400 and order.low <= 0.5 <= order.high
    assert loud.low > 0.75
    assert order.C in baselines.C_GRID


def test_wilson_interval():
    low, high = baselines.wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    assert baselines.wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least one"):
        baselines.wilson_interval(0, 0)
