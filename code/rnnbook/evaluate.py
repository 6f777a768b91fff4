"""Metrics as plain dicts: accuracy, per-class accuracy, confusion matrix, seizure sensitivity and
specificity, and ROC AUC for the binary task. `write_json` saves any of them atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
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
