"""Order-free baselines: what a model that sees the steps of a sequence as a bag can score.

A memory task is only a memory task if a model without memory cannot answer it. The model here
reads each step through a few numbers (its standard deviation, largest absolute value, mean
absolute difference between neighbouring samples, mean), pools each number over the steps in
ways that ignore their order (mean, standard deviation, min, max and three quantiles), and
classifies the pooled vector with a logistic regression whose regularisation is chosen on the
validation part. Shuffling the steps of a sequence changes none of its inputs, so on a task whose
classes differ only in the order of their steps it scores chance, whatever it is trained on.
Used by the vanishing-gradients chapter beside the long-gap and temporal-order tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .data import SeqData

POOLS = ("mean", "sd", "min", "max", "q10", "q50", "q90")
STEP_FEATURES = ("sd", "max |x|", "line length", "mean")
C_GRID = (0.01, 0.1, 1.0, 10.0)  # inverse regularisation strengths tried on validation


def order_free_features(X: torch.Tensor | np.ndarray) -> np.ndarray:
    """``(n, seq_len, samples_per_step)`` -> ``(n, 4 * 7)``: per-step numbers pooled over steps.

    Every column is a symmetric function of the steps: permuting the steps of a sequence leaves
    its row unchanged (tested).
    """
    X = np.asarray(X, dtype=np.float64)
    per_step = np.stack(
        [
            X.std(axis=2),
            np.abs(X).max(axis=2),
            np.abs(np.diff(X, axis=2)).mean(axis=2),
            X.mean(axis=2),
        ],
        axis=2,
    )  # (n, seq_len, 4)
    q10, q50, q90 = np.quantile(per_step, [0.1, 0.5, 0.9], axis=1)
    pooled = [
        per_step.mean(1),
        per_step.std(1),
        per_step.min(1),
        per_step.max(1),
        q10,
        q50,
        q90,
    ]
    return np.concatenate(pooled, axis=1)  # (n, 28)


@dataclass
class OrderFree:
    """What ``order_free_baseline`` returns."""

    test_accuracy: float
    low: float  # 95 % Wilson interval of the test accuracy over the test sequences
    high: float
    C: float  # the regularisation chosen on validation
    valid_accuracy: float
    n_test: int


def wilson_interval(correct: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``correct / n`` (95 % by default)."""
    if n < 1:
        raise ValueError("an interval of a proportion needs at least one trial")
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(centre - half), float(centre + half)


def order_free_baseline(d: SeqData) -> OrderFree:
    """Fit the order-free logistic regression on ``d``'s training part, with the strength of
    regularisation chosen on its validation part; score it once on the test part."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    F = {part: order_free_features(d.part(part)[0]) for part in ("train", "valid", "test")}
    y = {part: d.part(part)[1].numpy() for part in ("train", "valid", "test")}

    def fit(C):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
        return model.fit(F["train"], y["train"])

    scored = [(float((fit(C).predict(F["valid"]) == y["valid"]).mean()), -C) for C in C_GRID]
    valid_accuracy, minus_C = max(scored)  # ties go to the stronger regularisation
    model = fit(-minus_C)
    correct = int((model.predict(F["test"]) == y["test"]).sum())
    n = len(y["test"])
    return OrderFree(correct / n, *wilson_interval(correct, n), -minus_C, valid_accuracy, n)
