"""The clinical evaluation (rnnbook.evaluate): exact values on small hand-made cases, and the
intracranial task's rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from rnnbook import data, evaluate, survival

Y = np.array([0, 0, 0, 1, 1, 0, 1, 0])
P = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.3, 0.6])


def test_at_threshold():
    m = evaluate.at_threshold(Y, P, 0.5)
    # Said seizure: rows 3, 4, 7 (two right, one wrong); missed row 6.
    assert m == {"sensitivity": 2 / 3, "specificity": 4 / 5, "ppv": 2 / 3, "npv": 4 / 5}


def test_threshold_on_validation_maximises_youden():
    t = evaluate.threshold_on_validation(Y, P)
    j = {c: sum(evaluate.at_threshold(Y, P, c)[k] for k in ("sensitivity", "specificity")) - 1
         for c in P}  # fmt: skip
    assert t in P and j[t] == max(j.values())


def test_scores_and_calibration():
    s = evaluate.scores(Y, P, 0.5)
    assert s["prevalence"] == 3 / 8 and s["n"] == 8
    assert s["auroc"] == pytest.approx(roc_auc_score(Y, P))
    assert s["brier"] == pytest.approx(np.mean((P - Y) ** 2))
    # A perfectly calibrated bin (half of rows at 0.5 are seizures) has no error.
    assert evaluate.expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0
    assert evaluate.expected_calibration_error([1, 1], [0.25, 0.25]) == pytest.approx(0.75)


def test_roc_auc_is_scikit_learns():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.round(rng.random(500) + 0.3 * y, 1)  # rounded: many ties, within and across classes
    assert evaluate.roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert evaluate.roc_auc(y + 1, p) == pytest.approx(roc_auc_score(y + 1, p), abs=1e-12)
    assert evaluate.roc_auc(Y, P) == pytest.approx(roc_auc_score(Y, P), abs=1e-12)
    with pytest.raises(ValueError, match="two classes"):
        evaluate.roc_auc(np.ones(4), P[:4])
    with pytest.raises(ValueError, match="NaN"):
        evaluate.roc_auc(Y, np.where(Y, np.nan, P))


def test_bootstrap_resamples_whole_groups():
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    low, high = evaluate.bootstrap_by_group(Y, P, groups, roc_auc_score, n_boot=200)
    assert 0 <= low <= roc_auc_score(Y, P) <= high <= 1
    again = evaluate.bootstrap_by_group(Y, P, groups, roc_auc_score, n_boot=200)
    assert (low, high) == again  # seeded
    # A statistic that counts rows: every resample keeps groups whole, so counts are even.
    counts = evaluate.bootstrap_by_group(Y, P, groups, lambda y, p: len(y) % 2, n_boot=50)
    assert counts == (0.0, 0.0)


def test_by_group_gives_one_decision_per_recording():
    y, p = evaluate.by_group([1, 1, 0, 0], [0.9, 0.7, 0.2, 0.4], ["s1", "s1", "z1", "z1"])
    assert y.tolist() == [1, 0] and p.tolist() == pytest.approx([0.8, 0.3])
    with pytest.raises(ValueError, match="different labels"):
        evaluate.by_group([1, 0], [0.5, 0.5], ["a", "a"])


def test_seizure_probability_picks_the_seizure_class():
    logits = torch.tensor([[0.0, 0.0], [0.0, 100.0]])
    assert evaluate.seizure_probability(logits, ("no", "seizure")).tolist() == [0.5, 1.0]
    five = torch.tensor([[100.0, 0, 0, 0, 0]])
    assert evaluate.seizure_probability(five, data.CLASS_NAMES)[0] == pytest.approx(1.0)


def test_intracranial_task_keeps_sets_s_f_n(table):
    d = data.make_tensors(data.split_by_recording(table), task="intracranial")
    # 64 / 16 / 20 recordings of each of the 3 sets, 23 rows each.
    assert (len(d.y_train), len(d.y_valid), len(d.y_test)) == (
        3 * 64 * 23,
        3 * 16 * 23,
        3 * 20 * 23,
    )
    assert d.y_test.float().mean().item() == pytest.approx(1 / 3)
    assert d.classes == ("seizure-free intracranial", "seizure")


# --- verdicts from intervals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("diff", "ci", "higher", "expected"),
    [
        (0.04, (0.01, 0.07), True, "better"),
        (0.04, (-0.01, 0.09), True, "no measurable difference"),
        (-0.2, (-0.3, -0.1), True, "worse"),
        (-0.2, (-0.3, -0.1), False, "better"),  # a lower Brier score or error is better
        (0.0, (0.0, 0.0), True, "no measurable difference"),  # touching 0 is not a difference
        (0.1, (0.0, 0.2), True, "no measurable difference"),
    ],
)
def test_verdict_reads_the_interval(diff, ci, higher, expected):
    assert evaluate.verdict(diff, ci, higher_is_better=higher) == expected


def test_verdict_words_and_bad_intervals():
    words = ("helped", "made no measurable difference", "hurt")
    assert evaluate.verdict(0.3, (0.2, 0.4), words=words) == "helped"
    assert evaluate.verdict(-0.3, (-0.4, -0.2), words=words) == "hurt"
    with pytest.raises(ValueError, match="finite"):
        evaluate.verdict(0.1, (float("nan"), 0.2))
    with pytest.raises(ValueError, match="low end"):
        evaluate.verdict(0.1, (0.3, 0.2))


def test_paired_difference_cancels_what_both_share():
    """Two scores that differ by a monotone transform have the same AUROC on every resample: a
    paired difference of exactly 0 with the interval (0, 0); a genuinely better score is
    'better'."""
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(60), 4)
    y = rng.integers(0, 2, len(groups))
    noisy = y + rng.normal(0, 2.0, len(y))
    sharp = y + rng.normal(0, 0.3, len(y))
    assert evaluate.paired_difference(y, np.exp(noisy), noisy, groups, evaluate.roc_auc, 200) == (
        0.0,
        0.0,
        0.0,
    )
    diff, low, high = evaluate.paired_difference(y, sharp, noisy, groups, evaluate.roc_auc, 200)
    assert diff == pytest.approx(evaluate.roc_auc(y, sharp) - evaluate.roc_auc(y, noisy))
    assert 0 < low < diff < high and evaluate.verdict(diff, (low, high)) == "better"
    with pytest.raises(ValueError, match="rows"):
        evaluate.paired_difference(y, sharp[:-1], noisy, groups, evaluate.roc_auc)


def test_seed_difference_is_a_paired_t_interval():
    from scipy import stats

    a, b = np.array([0.90, 0.95, 0.93]), np.array([0.50, 0.52, 0.49])
    mean, low, high = evaluate.seed_difference(a, b)
    d = a - b
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert mean == pytest.approx(d.mean()) and (low, high) == pytest.approx(
        (mean - half, mean + half)
    )
    # The same seeds shifted by a constant: a difference with no spread at all.
    assert evaluate.seed_difference(a + 0.1, a) == pytest.approx((0.1, 0.1, 0.1))
    # Pairing matters: a seed-to-seed spread shared by both models cancels.
    shared = np.array([0.5, 0.9, 0.7])
    assert evaluate.verdict(*_split(evaluate.seed_difference(shared + 0.02, shared))) == "better"
    with pytest.raises(ValueError, match="two seeds"):
        evaluate.seed_difference([0.9], [0.5])


def _split(t):
    return t[0], (t[1], t[2])


def test_label_accuracy_counts_the_rows_labelled_right():
    assert evaluate.label_accuracy([0, 1, 1, 2], [0, 1, 0, 0]) == 0.5
    assert evaluate.label_accuracy(np.array([1, 1]), np.array([1, 1])) == 1.0


def test_both_group_bootstraps_draw_the_same_resamples():
    # bootstrap_by_group (rows by index) and survival.resample_weights (rows by weight) share
    # evaluate.group_draws: the same seed gives the same resamples, so the same interval.
    rng = np.random.default_rng(3)
    groups = rng.choice(["a", "b", "c", "d", "e", "f", "g"], 40)
    y, p = np.arange(40) % 2, rng.random(40)
    mean_p = lambda y, p: float(p.mean())  # noqa: E731
    by_index = evaluate.bootstrap_by_group(y, p, groups, mean_p, n_boot=60, seed=5)
    W = survival.resample_weights(groups, n_boot=60, seed=5)  # (n_boot, rows)
    kept = [w for w in W if len(np.unique(y[w > 0])) == 2]  # the same resamples are skipped
    by_weight = evaluate.percentile_interval([(w @ p) / w.sum() for w in kept])
    assert by_index == pytest.approx(by_weight, rel=1e-12)
    index, draws = evaluate.group_draws(groups, n_boot=60, seed=6)
    assert draws.shape == (60, 7) and (np.unique(groups)[index] == groups).all()


def test_weighted_auroc_is_the_auroc_of_the_repeated_rows():
    rng = np.random.default_rng(1)
    y, s = rng.integers(0, 2, 200), np.round(rng.random(200), 1)  # ties on purpose
    W = survival.resample_weights(rng.integers(0, 30, 200), n_boot=25, seed=2)
    expected = [
        evaluate.roc_auc(np.repeat(y, w.astype(int)), np.repeat(s, w.astype(int))) for w in W
    ]
    assert np.allclose(evaluate.weighted_auroc(y, s, W), expected)


def test_paired_difference_of_several_scores_per_row():
    # One score per code: the statistic reads (rows, codes); the pairing is the same.
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, (80, 3)).astype(float)
    p_a, p_b = rng.random((80, 3)), rng.random((80, 3))
    groups = rng.integers(0, 20, 80)

    def mean_auroc(y, p):
        return np.mean([evaluate.roc_auc(y[:, k], p[:, k]) for k in range(3)])

    diff, lo, hi = evaluate.paired_difference(y, p_a, p_b, groups, mean_auroc, n_boot=40)
    assert diff == pytest.approx(mean_auroc(y, p_a) - mean_auroc(y, p_b))
    # The same resamples as the difference of the two statistics computed resample by resample.
    index, draws = evaluate.group_draws(groups, n_boot=40, seed=0)
    members = [np.flatnonzero(index == k) for k in range(draws.shape[1])]
    by_hand = []
    for drawn in draws:
        rows = np.concatenate([members[k] for k in drawn])
        by_hand.append(mean_auroc(y[rows], p_a[rows]) - mean_auroc(y[rows], p_b[rows]))
    assert (lo, hi) == pytest.approx(evaluate.percentile_interval(by_hand))
    assert np.isnan(evaluate.percentile_interval([np.nan, np.nan])).all()
