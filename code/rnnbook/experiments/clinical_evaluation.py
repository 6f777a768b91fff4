"""The clinical-evaluation chapter: seizure detectors trained with several seeds on both splits,
scored as a clinician would (`clinical_evaluation`), also on the intracranial rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import data, evaluate
from ..models import (
    MODELS,
)
from ..train import Run, train


class Scored(NamedTuple):
    """One trained run of `clinical_evaluation`, scored on the test rows of a task."""

    run: Run
    y: np.ndarray  # (n,) the test rows' labels, 1 = seizure
    p: np.ndarray  # (n,) the predicted probability of a seizure
    groups: np.ndarray  # (n,) the recording of each test row


@dataclass
class ClinicalResults:
    """What `clinical_evaluation` returns: one row per (task, split, model, seed) and level
    ("row": one-second rows; "recording": one decision per recording), the bootstrap intervals
    over test recordings (seed 0), and the scored runs."""

    table: pd.DataFrame
    intervals: pd.DataFrame
    runs: dict[tuple[str, str, str, int], Scored]  # (task, split, model, seed) -> scored run

    def spread(self, column: str = "auroc") -> pd.DataFrame:
        """Mean, standard deviation, minimum and maximum of `column` over the seeds."""
        keys = ["task", "split", "model", "level"]
        return self.table.groupby(keys, sort=False)[column].agg(["mean", "std", "min", "max"])


def clinical_evaluation(
    table: pd.DataFrame,
    models: dict[str, int],
    tasks_: tuple[str, ...] = ("binary",),
    splits: tuple[str, ...] = ("random", "recording"),
    seeds: tuple[int, ...] = (0, 1, 2),
    n_boot: int = 1000,
    also: dict[str, tuple[str, ...]] | None = None,
) -> ClinicalResults:
    """Train each model (name -> epochs) with each seed on each task and split; evaluate it on
    the test part as a clinician would.

    Each run trains for its epochs and keeps the epoch with the best validation accuracy
    (`Recipe.patience` set to the budget: no early stop, the best epoch restored). The
    operating threshold is chosen on the validation part (Youden's J) and applied unchanged to
    the test part; nothing is chosen on the test part. Row-level scores treat every
    one-second row as a decision; recording-level scores average the probabilities of a
    recording's rows into one decision per recording (its threshold chosen the same way on the
    validation recordings). The 95 % intervals resample test *recordings*, not rows.

    `also` (split -> tasks, e.g. ``{"recording": ("intracranial",)}``) scores the runs of that
    split once more, without training again, on the rows of each named task, which must be a
    subset of the trained task's rows with the same labels (the intracranial rows of the binary
    task): its threshold is chosen on that task's validation rows. Their rows of the table carry
    the task's name and ``trained_on``, the task the model was trained on.
    """
    rows, intervals, runs = [], [], {}
    for task in tasks_:
        for split_name in splits:
            split = data.make_split(table, split_name)
            parts = {k: data.task_rows(getattr(split, k), task) for k in ("valid", "test")}
            scored_on = {task: {k: np.ones(len(part), bool) for k, part in parts.items()}}
            for other in (also or {}).get(split_name, ()):
                keep = {
                    k: part.index.isin(data.task_rows(part, other).index)
                    for k, part in parts.items()
                }
                for k, part in parts.items():
                    labels = data.labels_for(part["y"].to_numpy()[keep[k]], other)
                    if not (labels == data.labels_for(part["y"].to_numpy()[keep[k]], task)).all():
                        raise ValueError(f"the {other} rows are labelled otherwise in {task}")
                scored_on[other] = keep
            for name, epochs in models.items():
                d = data.make_tensors(split, task, MODELS[name].recipe.standardize)
                for seed in seeds:
                    run = train(name, d, seed=seed, epochs=epochs, patience=epochs)
                    p = {
                        "valid": evaluate.seizure_probability(
                            run.trainer.predict(d.X_valid), d.classes
                        ),
                        "test": evaluate.seizure_probability(run.y_hat, d.classes),
                    }
                    y = {"valid": d.y_valid.numpy(), "test": d.y_test.numpy()}
                    for on, keep in scored_on.items():
                        yv, pv = y["valid"][keep["valid"]], p["valid"][keep["valid"]]
                        yt, pt = y["test"][keep["test"]], p["test"][keep["test"]]
                        gv = parts["valid"]["recording"].to_numpy()[keep["valid"]]
                        gt = parts["test"]["recording"].to_numpy()[keep["test"]]
                        runs[on, split_name, name, seed] = Scored(run, yt, pt, gt)
                        accuracy = float(np.mean(run.y_hat.argmax(1).numpy()[keep["test"]] == yt))
                        levels = {
                            "row": ((yv, pv), (yt, pt)),
                            "recording": (
                                evaluate.by_group(yv, pv, gv),
                                evaluate.by_group(yt, pt, gt),
                            ),
                        }
                        for level, ((yv_, pv_), (yt_, pt_)) in levels.items():
                            threshold = evaluate.threshold_on_validation(yv_, pv_)
                            rows.append(
                                {
                                    "task": on,
                                    "trained_on": task,
                                    "split": split_name,
                                    "model": name,
                                    "seed": seed,
                                    "level": level,
                                    "threshold": threshold,
                                    "accuracy": accuracy if level == "row" else np.nan,
                                    **evaluate.scores(yt_, pt_, threshold),
                                }
                            )
                        if seed == seeds[0]:
                            for metric, fn in (
                                ("auroc", evaluate.roc_auc),
                                ("auprc", _average_precision),
                            ):
                                low, high = evaluate.bootstrap_by_group(
                                    yt, pt, gt, fn, n_boot=n_boot
                                )
                                intervals.append(
                                    {
                                        "task": on,
                                        "split": split_name,
                                        "model": name,
                                        "metric": metric,
                                        "low": low,
                                        "high": high,
                                    }
                                )
    return ClinicalResults(pd.DataFrame(rows), pd.DataFrame(intervals), runs)


def _average_precision(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, p))


# --- the leak of the random split, shown with a model that exploits it ---------------------------


def middle_bins_sentence(above: int, n: int) -> str:
    """What the reliability diagram's middle bins show (`evaluate.bins_above_diagonal`), as a
    sentence that reads for each outcome.

    >>> middle_bins_sentence(8, 8)
    'All 8 of its bins between a tenth and nine tenths lie above the diagonal: there, it under-predicts seizure.'
    """
    if n == 0:
        return "None of its bins between a tenth and nine tenths holds a test row."
    if n == 1:
        where = "above" if above else "on or below"
        return f"Its only bin between a tenth and nine tenths with rows lies {where} the diagonal."
    if above == n:
        return (
            f"All {n} of its bins between a tenth and nine tenths lie above the diagonal: there, "
            "it under-predicts seizure."
        )
    if above == 0:
        return (
            f"All {n} of its bins between a tenth and nine tenths lie below the diagonal: there, "
            "it over-predicts seizure."
        )
    return (
        f"Of its {n} bins between a tenth and nine tenths, {above} "
        f"{'lies' if above == 1 else 'lie'} above the diagonal and "
        f"{n - above} on or below it: no one direction of miscalibration."
    )


def nearest_neighbour_leak(
    table: pd.DataFrame,
    seeds: tuple[int, ...] = tuple(range(10)),
    tasks_: tuple[str, ...] = ("five-class", "binary"),
) -> pd.DataFrame:
    """A one-nearest-neighbour classifier on the rows' summary features, scored on both splits.

    A nearest neighbour answers with the label of the most similar training row; when a sibling
    row of the same recording is in training, that is often the one it finds. Seed *i* draws
    both splits (`data.make_split(table, split, i)`), so the two are paired by seed. Features are
    `models.summary_features` (the rows' statistics and band powers), standardised on the
    training part. One row per (task, split, seed): the test accuracy and the share of test rows
    whose nearest training row is a sibling (zero on the split by recording, by construction).
    """
    import torch
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    from ..models import summary_features

    columns = [c for c in table.columns if c.startswith("X")]
    X = torch.tensor(table[columns].to_numpy(), dtype=torch.float32).unsqueeze(2)
    features = pd.DataFrame(summary_features(X).numpy(), index=table.index)  # (rows, 11)
    rows = []
    for seed in seeds:
        for split in ("random", "recording"):
            s = data.make_split(table, split, seed)
            scaler = StandardScaler().fit(features.loc[s.train.index])
            train_f = scaler.transform(features.loc[s.train.index])
            test_f = scaler.transform(features.loc[s.test.index])
            nearest = KNeighborsClassifier(1).fit(train_f, np.zeros(len(train_f)))
            _, index = nearest.kneighbors(test_f)  # (n_test, 1): the nearest training row
            index = index[:, 0]
            sibling = s.train["recording"].to_numpy()[index] == s.test["recording"].to_numpy()
            for task in tasks_:
                y_train = data.labels_for(s.train["y"].to_numpy(), task)
                y_test = data.labels_for(s.test["y"].to_numpy(), task)
                rows.append(
                    {
                        "task": task,
                        "split": split,
                        "seed": seed,
                        "test_accuracy": evaluate.label_accuracy(y_test, y_train[index]),
                        "sibling_share": float(sibling.mean()),
                    }
                )
    return pd.DataFrame(rows)
