"""Evaluating a seizure model: metrics as plain dicts, and the evaluation a clinician expects.

`metrics` gives accuracy, per-class accuracy, the confusion matrix, seizure sensitivity and
specificity, and ROC AUC for the two-class tasks; `write_json` saves any of them atomically. The
clinical half works on seizure probabilities (`seizure_probability`): `scores` (prevalence, AUROC,
AUPRC, Brier score, expected calibration error, and sensitivity, specificity, PPV and NPV at a
threshold), the threshold chosen on validation data (`threshold_on_validation`), bootstrap
intervals that resample whole recordings or patients (`bootstrap_by_group`, drawing from
`group_draws`, as `survival.resample_weights` does), and one decision per recording (`by_group`). scikit-learn computes the standard metrics (`roc_auc` is its AUROC,
computed from ranks to be fast in bootstraps).

Comparisons: the book states no comparison of two models or methods as a fact. It computes the
difference with an interval, paired wherever both are measured on the same units
(`paired_difference` over recordings or patients, `seed_difference` over seeds), and `verdict`
turns that interval into the words the sentence uses: a rerun can change the verdict, never make
the sentence false.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .utils import atomic_path


def metrics(y: torch.Tensor | np.ndarray, y_hat: torch.Tensor | np.ndarray, classes) -> dict:
    """Metrics of logits `y_hat` (n, num_classes) against 0-based labels `y` (n,).

    Class 0 is "Seizure" in the five-class task; in the binary task class 1 is "seizure". The
    seizure sensitivity is the share of seizure rows predicted as seizure; specificity the share
    of the other rows predicted as not seizure.
    """
    y = np.asarray(y).astype(int)
    logits = torch.as_tensor(np.asarray(y_hat), dtype=torch.float64)
    pred = logits.argmax(1).numpy()
    k = len(classes)
    confusion = np.zeros((k, k), dtype=int)  # rows: true class, columns: predicted class
    np.add.at(confusion, (y, pred), 1)
    per_class = {
        c: float(confusion[i, i] / confusion[i].sum()) if confusion[i].sum() else float("nan")
        for i, c in enumerate(classes)
    }
    seizure = seizure_class(classes)
    is_seizure, said_seizure = y == seizure, pred == seizure
    out = {
        "accuracy": label_accuracy(y, pred),
        "per_class_accuracy": per_class,
        "support": {c: int(confusion[i].sum()) for i, c in enumerate(classes)},
        "confusion_matrix": confusion.tolist(),
        "classes": list(classes),
        "seizure_sensitivity": float((said_seizure & is_seizure).sum() / max(is_seizure.sum(), 1)),
        "seizure_specificity": float(
            (~said_seizure & ~is_seizure).sum() / max((~is_seizure).sum(), 1)
        ),
    }
    if k == 2:
        scores = torch.softmax(logits, dim=1)[:, 1].numpy()
        out["roc_auc"] = roc_auc(y, scores)
    return out


def label_accuracy(y: np.ndarray, predicted: np.ndarray) -> float:
    """The share of rows whose predicted label equals the true one (labels, not logits): the
    statistic that `paired_difference` resamples when two classifiers are compared."""
    return float(np.mean(np.asarray(y) == np.asarray(predicted)))


def roc_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every threshold (class 1 is positive)."""
    from sklearn.metrics import roc_curve as sk_roc

    fpr, tpr, _ = sk_roc(np.asarray(y), np.asarray(scores))
    return fpr, tpr


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve, the greater of the two labels positive (as scikit-learn's
    `roc_auc_score`, which it equals): the chance that a random positive row scores above a
    random negative one, a tie counting half (the Mann-Whitney U statistic, from ranks). A
    bootstrap calls it thousands of times; this costs a sort, without scikit-learn's checks."""
    from scipy.stats import rankdata

    y, scores = np.asarray(y), np.asarray(scores, dtype=float)
    labels = np.unique(y)
    if len(labels) != 2:
        raise ValueError(f"AUROC needs exactly two classes in y, got {len(labels)}")
    if np.isnan(scores).any():
        raise ValueError("AUROC of scores with NaN")
    positive = y == labels[1]
    n_pos = int(positive.sum())
    n_neg = len(y) - n_pos
    ranks = rankdata(scores)  # ties share their average rank
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def weighted_auroc(y: np.ndarray, scores: np.ndarray, W: np.ndarray) -> np.ndarray:
    """`roc_auc` of each bootstrap resample at once: row b of `W` (n_boot, n) says how often each
    row is drawn (`survival.resample_weights`), and the AUROC of resample b is that of the rows
    repeated that often. One sort serves every resample. `y` 0/1; returns (n_boot,)."""
    order = np.argsort(scores, kind="stable")
    s, y, W = np.asarray(scores, dtype=float)[order], np.asarray(y)[order], W[:, order]
    _, start = np.unique(s, return_index=True)  # the first row of each run of equal scores
    pos = np.add.reduceat(W * (y == 1), start, axis=1)  # (n_boot, distinct scores)
    neg = np.add.reduceat(W * (y == 0), start, axis=1)
    below = np.cumsum(neg, axis=1) - neg  # negatives scored lower; a tie counts half
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos * (below + neg / 2)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def write_json(path: str | os.PathLike, obj: dict) -> Path:
    """Write JSON atomically (a temp file renamed into place)."""
    path = Path(path)
    with atomic_path(path, suffix=".json") as tmp:
        tmp.write_text(json.dumps(obj, indent=2) + "\n")
    return path


# --- evaluating as a clinician would ------------------------------------------------------------


def seizure_class(classes) -> int:
    """The index of the seizure class: 0 ("Seizure") in the five-class task, 1 in the two-class
    tasks (binary, intracranial)."""
    return 0 if len(classes) == 5 else 1


def seizure_probability(y_hat: torch.Tensor | np.ndarray, classes) -> np.ndarray:
    """The predicted probability of a seizure from logits `(n, num_classes)`: the softmax of the
    seizure class (class 0 "Seizure" of the five-class task, class 1 of the two-class tasks)."""
    logits = torch.as_tensor(np.asarray(y_hat), dtype=torch.float64)
    return torch.softmax(logits, dim=1)[:, seizure_class(classes)].numpy()


def threshold_on_validation(y: np.ndarray, p: np.ndarray) -> float:
    """The operating threshold chosen on validation data: the one that maximises Youden's J
    (sensitivity + specificity - 1). Applied unchanged to the test part."""
    from sklearn.metrics import roc_curve as sk_roc

    fpr, tpr, thresholds = sk_roc(np.asarray(y), np.asarray(p))
    best = int(np.argmax(tpr - fpr))
    return float(min(thresholds[best], 1.0))


def at_threshold(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    """Sensitivity, specificity, PPV and NPV of the decision `p >= threshold` (1 = seizure)."""
    y, said = np.asarray(y).astype(bool), np.asarray(p) >= threshold
    tp, fp = int((said & y).sum()), int((said & ~y).sum())
    fn, tn = int((~said & y).sum()), int((~said & ~y).sum())

    def ratio(a: int, b: int) -> float:
        return a / b if b else float("nan")

    return {
        "sensitivity": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "ppv": ratio(tp, tp + fp),
        "npv": ratio(tn, tn + fn),
    }


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE: the mean |observed rate - mean predicted probability| over `bins` equal-width bins of
    p, weighted by the share of rows in each bin."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    gaps = [
        abs(y[which == b].mean() - p[which == b].mean()) * (which == b).mean()
        for b in range(bins)
        if (which == b).any()
    ]
    return float(sum(gaps))


def multiplicity_sentence(called: int, n: int, level: float = 0.95) -> str:
    """How many of `n` comparisons, each with a `level` interval, gave a verdict other than "no
    measurable difference" (`called`), against what chance alone gives when nothing differs
    (each comparison then errs with probability 1 - `level`, independently: a binomial count);
    a sentence that reads for every count.

    >>> multiplicity_sentence(1, 12)
    'Of the 12 paired comparisons in the table, 1 gave a verdict other than no measurable difference; were there no difference at all, chance alone would give about 0.6, so one such verdict is weak evidence on its own.'
    """
    expected = (1 - level) * n
    if called == 0:
        return (
            f"None of the {n} paired comparisons in the table gave a verdict other than no "
            "measurable difference."
        )
    head = (
        f"Of the {n} paired comparisons in the table, {called} gave a verdict other than no "
        "measurable difference; were there no difference at all, chance alone would give about "
        f"{expected:.1f}"
    )
    from scipy import stats  # installed with scikit-learn

    # As many or more verdicts arise by chance alone with a probability of 5 % or more: weak.
    if stats.binom.sf(called - 1, n, 1 - level) >= 0.05:
        few = "one such verdict is weak evidence on its own"
        if called > 1:
            few = "these few verdicts are weak evidence on their own"
        return f"{head}, so {few}."
    return f"{head}: more than chance alone would give."


def bins_above_diagonal(
    y: np.ndarray, p: np.ndarray, low: float = 0.1, high: float = 0.9, bins: int = 10
) -> tuple[int, int]:
    """``(above, n)``: of the `n` equal-width bins of p between `low` and `high` that hold rows,
    how many have an observed rate above their mean predicted probability (the model
    under-predicts there). The bins are those of `expected_calibration_error`.

    >>> bins_above_diagonal([0, 1, 1, 1], [0.15, 0.15, 0.55, 0.55])
    (2, 2)
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    inside = [b for b in range(bins) if low <= b / bins and (b + 1) / bins <= high]
    held = [b for b in inside if (which == b).any()]
    above = sum(y[which == b].mean() > p[which == b].mean() for b in held)
    return int(above), len(held)


def scores(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    """What a clinical reader asks of a seizure detector on one set of rows: prevalence, AUROC,
    AUPRC (average precision), Brier score, ECE, and the decision at `threshold`."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y, p = np.asarray(y).astype(int), np.asarray(p, dtype=float)
    return {
        "n": len(y),
        "prevalence": float(y.mean()),
        "auroc": float(roc_auc_score(y, p)),
        "auprc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p),
        **at_threshold(y, p, threshold),
    }


def percentile_interval(values, level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of bootstrap replicates; NaN replicates (a resample on which the
    statistic is undefined) are skipped, and with none left the interval is (NaN, NaN).

    >>> percentile_interval(np.arange(101.0), level=0.9)
    (5.0, 95.0)
    """
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).any():  # no resample where the statistic is defined
        return float("nan"), float("nan")
    tail = 100 * (1 - level) / 2
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return float(low), float(high)


def t_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean of `values` (one per seed) with Student's t interval,
    mean ± t(n - 1) · sd / √n. It says how well n seeds pin down the mean on this data, nothing
    about other data; at least two values."""
    from scipy import stats  # installed with scikit-learn

    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError("an interval over seeds needs at least two seeds")
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1)) * sd / np.sqrt(len(values))
    return mean, mean - half, mean + half


def group_draws(groups, n_boot: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The draws of a bootstrap over groups (recordings, patients): ``(index, draws)``.

    ``index`` gives each row's group (0..G-1, the names in sorted order); ``draws`` (n_boot, G)
    the groups each resample takes, drawn with replacement, all of a group's rows with it. Every
    group bootstrap of the package draws here, so one seed means the same resamples in each.
    """
    names, index = np.unique(np.asarray(groups), return_inverse=True)
    draws = np.random.default_rng(seed).integers(0, len(names), (n_boot, len(names)))
    return index, draws


def group_weights(groups, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """The same resamples as weights, (n_boot, rows): how often each row is drawn, all of a
    group's rows with it. A statistic that accepts weights (`weighted_auroc`, a weighted mean)
    then scores every resample at once, without copying rows."""
    index, draws = group_draws(groups, n_boot, seed)
    counts = np.stack([np.bincount(d, minlength=draws.shape[1]) for d in draws])  # (n_boot, G)
    return counts[:, index].astype(np.float64)


# Above this many weights (resamples x rows) the bootstraps copy rows instead (memory).
MAX_WEIGHTS = 20_000_000


def bootstrap_by_group(
    y: np.ndarray,
    p: np.ndarray,
    groups: np.ndarray,
    statistic,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """A percentile bootstrap interval of `statistic(y, p)` that resamples whole *groups*
    (recordings, patients) with replacement, not rows: rows of one recording are not independent.
    Resamples with a single class are skipped (AUROC is undefined there). For `roc_auc` on one
    score per row, every resample is scored at once as weights (`weighted_auroc`): the same
    resamples and values, far faster."""
    y, p = np.asarray(y), np.asarray(p)
    if statistic is roc_auc and p.ndim == 1 and n_boot * len(p) <= MAX_WEIGHTS:
        return percentile_interval(weighted_auroc(y, p, group_weights(groups, n_boot, seed)), level)
    index, draws = group_draws(groups, n_boot, seed)
    members = [np.flatnonzero(index == k) for k in range(draws.shape[1])]
    values = []
    for drawn in draws:
        rows = np.concatenate([members[k] for k in drawn])
        if len(np.unique(y[rows])) < 2:
            continue
        values.append(statistic(y[rows], p[rows]))
    return percentile_interval(values, level)


def by_group(y: np.ndarray, p: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One decision per group (e.g. a recording's 23 one-second rows): the group's label (the
    label of its rows) and the mean of its rows' probabilities. Returned in sorted group order."""
    frame = pd.DataFrame({"y": np.asarray(y), "p": np.asarray(p), "g": np.asarray(groups)})
    per = frame.groupby("g", sort=True).agg(y=("y", "max"), y_min=("y", "min"), p=("p", "mean"))
    if (per["y"] != per["y_min"]).any():
        raise ValueError("the rows of a group have different labels")
    return per["y"].to_numpy(), per["p"].to_numpy()


# --- comparisons: a verdict from an interval ----------------------------------------------------

VERDICTS = ("better", "no measurable difference", "worse")


def verdict(
    diff: float,
    ci: tuple[float, float],
    higher_is_better: bool = True,
    words: tuple[str, str, str] = VERDICTS,
) -> str:
    """The verdict on a difference `diff` = a - b from its interval `ci` = (low, high).

    "better" when the whole interval lies on the good side of 0 (above it, or below it when
    `higher_is_better` is False), "worse" when it lies wholly on the other side, otherwise "no
    measurable difference": an interval that contains 0 cannot tell the two apart. `words`
    replaces the three verdicts, in that order, with the sentence's own (e.g. "helped",
    "made no measurable difference", "hurt").

    >>> verdict(0.04, (0.01, 0.07)), verdict(0.04, (-0.01, 0.09)), verdict(-0.2, (-0.3, -0.1))
    ('better', 'no measurable difference', 'worse')
    """
    low, high = (float(v) for v in ci)
    if not np.isfinite([diff, low, high]).all():
        raise ValueError(f"a verdict needs a finite difference and interval, got {diff} {ci}")
    if low > high:
        raise ValueError(f"the interval's low end {low} is above its high end {high}")
    sign = 1 if higher_is_better else -1
    if sign * low > 0 and sign * high > 0:
        return words[0]
    if sign * low < 0 and sign * high < 0:
        return words[2]
    return words[1]


def paired_difference(
    y: np.ndarray,
    p_a: np.ndarray,
    p_b: np.ndarray,
    groups: np.ndarray,
    statistic,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """`statistic(y, p_a) - statistic(y, p_b)` and its paired bootstrap interval over groups.

    Both scores are measured on the same resampled recordings or patients, so what the two share
    (which patients are hard) cancels: the interval is that of the difference, far narrower
    than two separate intervals, whose overlap says little. Rows may hold one score (`p_a`
    `(n,)`) or several (`(n, outputs)`, e.g. one per code). Returns (diff, low, high).
    """
    p_a, p_b = np.asarray(p_a, dtype=float), np.asarray(p_b, dtype=float)
    if p_a.shape != p_b.shape or len(p_a) != len(y):
        raise ValueError(f"scores of {len(p_a)} and {len(p_b)} rows for {len(y)} labels")
    if statistic is roc_auc and p_a.ndim == 1 and n_boot * len(p_a) <= MAX_WEIGHTS:
        W = group_weights(groups, n_boot, seed)  # the resamples of bootstrap_by_group, as weights
        diffs = weighted_auroc(y, p_a, W) - weighted_auroc(y, p_b, W)
        low, high = percentile_interval(diffs, level)
        return roc_auc(y, p_a) - roc_auc(y, p_b), low, high
    k = 1 if p_a.ndim == 1 else p_a.shape[1]  # scores per row: 1, or one per output (codes)

    def difference(y, p):  # p: (n, 2k), a's scores then b's
        a, b = (p[:, :k], p[:, k:]) if p_a.ndim > 1 else (p[:, 0], p[:, 1])
        return statistic(y, a) - statistic(y, b)

    both = np.c_[p_a, p_b]
    low, high = bootstrap_by_group(y, both, groups, difference, n_boot, seed, level)
    return float(difference(np.asarray(y), both)), low, high


def seed_difference(
    a: np.ndarray | pd.Series, b: np.ndarray | pd.Series, level: float = 0.95
) -> tuple[float, float, float]:
    """The mean over seeds of a - b, paired by seed, with Student's t interval.

    `a[i]` and `b[i]` are the same seed's results (same data, same initial draw where the models
    allow it). The interval is mean ± t(n - 1) · sd / √n: how well n seeds pin down the mean
    difference on this data, nothing about other data. With 3 seeds t(2) = 4.30, so only a
    difference that is large against its seed-to-seed spread is called a difference. Returns
    (mean, low, high); at least two seeds.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired seeds need two vectors of one length, got {a.shape} {b.shape}")
    return t_interval(a - b, level)
