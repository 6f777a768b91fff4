"""Metrics as plain dicts: accuracy, per-class accuracy, confusion matrix, seizure sensitivity and
specificity, ROC AUC for the binary task, and ROC AUC with intervals that resample patients
(`bootstrap_auroc`). `write_json` saves any of them atomically."""

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
    seizure = 0 if k == 5 else 1
    is_seizure, said_seizure = y == seizure, pred == seizure
    out = {
        "accuracy": float((pred == y).mean()),
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


def roc_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every threshold (class 1 is positive)."""
    from sklearn.metrics import roc_curve as sk_roc

    fpr, tpr, _ = sk_roc(np.asarray(y), np.asarray(scores))
    return fpr, tpr


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.asarray(y), np.asarray(scores)))


def write_json(path: str | os.PathLike, obj: dict) -> Path:
    """Write JSON atomically (a temp file renamed into place)."""
    path = Path(path)
    with atomic_path(path, suffix=".json") as tmp:
        tmp.write_text(json.dumps(obj, indent=2) + "\n")
    return path


def bootstrap_auroc(
    y: np.ndarray,
    scores: dict[str, np.ndarray],
    groups: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    reference: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """ROC AUC of each score with a percentile bootstrap interval that resamples *groups*.

    Rows of one group (the visits of one patient) are not independent, so each replicate draws
    whole groups with replacement and keeps all their rows; every score is measured on the same
    replicates. With `reference`, the table also gives each score's AUC minus the reference's,
    with its paired interval. Returns one row per score: auroc, lo, hi (and diff, diff_lo,
    diff_hi). Replicates with a single class are skipped.
    """
    from sklearn.metrics import roc_auc_score

    y, groups = np.asarray(y), np.asarray(groups)
    scores = {name: np.asarray(s, dtype=np.float64) for name, s in scores.items()}
    unique, codes = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(codes == i) for i in range(len(unique))]
    rng = np.random.default_rng(seed)
    boot = {name: [] for name in scores}
    for _ in range(n_boot):
        idx = np.concatenate([members[i] for i in rng.integers(0, len(unique), len(unique))])
        if len(np.unique(y[idx])) < 2:
            continue
        for name, s in scores.items():
            boot[name].append(roc_auc_score(y[idx], s[idx]))
    tail = 100 * (1 - level) / 2
    rows = {}
    for name, s in scores.items():
        values = np.array(boot[name])
        lo, hi = np.percentile(values, [tail, 100 - tail])
        row = {"auroc": roc_auc_score(y, s), "lo": lo, "hi": hi}
        if reference is not None:
            diff = values - np.array(boot[reference])
            d_lo, d_hi = np.percentile(diff, [tail, 100 - tail])
            row |= {"diff": row["auroc"] - roc_auc_score(y, scores[reference]),
                    "diff_lo": d_lo, "diff_hi": d_hi}  # fmt: skip
        rows[name] = row
    return pd.DataFrame(rows).T
