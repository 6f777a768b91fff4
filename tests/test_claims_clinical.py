"""The clinical-evaluation chapter's experiment, `experiments.clinical_evaluation`, run small on
the real data (the cheap baseline, two seeds, one split): what it promises about how it chooses
(on validation only) and what it returns. No test-set score is held to a threshold."""

from __future__ import annotations

import numpy as np
import pytest

from rnnbook import data, evaluate, experiments


@pytest.fixture(scope="module")
def small(table):
    return experiments.clinical_evaluation(
        table, {"mlp-features": 3}, splits=("recording",), seeds=(0, 1), n_boot=50
    )


def test_each_run_keeps_its_best_validation_epoch(small):
    for run, _, _ in small.runs.values():
        h = run.history
        assert len(h.valid_acc) == 3  # the budget, no early stop
        assert h.best_epoch == 1 + h.valid_acc.index(max(h.valid_acc))
        assert run.trainer.evaluate(run.data.X_valid, run.data.y_valid)[1] == pytest.approx(
            h.valid_acc[h.best_epoch - 1]
        )


def test_rows_intervals_and_runs(small, table):
    t = small.table
    assert len(t) == 2 * 2  # two seeds, two levels
    assert set(t["level"]) == {"row", "recording"} and set(t["seed"]) == {0, 1}
    assert t["prevalence"].iloc[0] == pytest.approx(0.2)  # 1 in 5 rows is a seizure: a count
    assert set(small.intervals["metric"]) == {"auroc", "auprc"}
    run, p_test, groups = small.runs["binary", "recording", "mlp-features", 0]
    test = data.task_rows(data.split_by_recording(table).test, "binary")
    assert (groups == test["recording"].to_numpy()).all()  # the test rows' recordings, in order
    row = t[(t["seed"] == 0) & (t["level"] == "row")].iloc[0]
    assert row["auroc"] == pytest.approx(evaluate.roc_auc(run.data.y_test.numpy(), p_test))
    assert np.isfinite(row["threshold"])
