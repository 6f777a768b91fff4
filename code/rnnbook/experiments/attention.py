"""The attention chapter: a GRU read out by its last state, the mean or max of its states or
additive attention, and a small Transformer, over seeds (`readout_comparison`, `seed_spread`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import data, evaluate
from ..models import (
    count_parameters,
)
from ..train import Run, train

# The models of the readout comparison: one GRU encoder read out four ways, and a Transformer.
READOUT_MODELS = ("gru-last", "gru-mean", "gru-max", "gru-attention", "transformer")


@dataclass
class ReadoutComparison:
    """What `readout_comparison` returns: one row per (model, seed), and the runs."""

    table: pd.DataFrame  # model, seed, test_accuracy, parameters, train_seconds
    runs: dict[tuple[str, int], Run]  # keyed by (model, seed)

    @property
    def spread(self) -> pd.DataFrame:
        """`seed_spread` of the test accuracy, one row per model."""
        return seed_spread(self.table, ["model"], "test_accuracy")


def readout_comparison(
    d: data.SeqData,
    names: tuple[str, ...] = READOUT_MODELS,
    seeds: tuple[int, ...] = (0, 1, 2),
    **changes,
) -> ReadoutComparison:
    """Train each registered model of `names` once per seed on `d`, each with its own recipe.

    `changes` override every recipe (e.g. `epochs=1, max_batches=5` for a quick check).
    `train_seconds` is the time of the training epochs, validation included (`Trainer.fit`).
    """
    runs, rows = {}, []
    for name in names:
        for seed in seeds:
            run = runs[name, seed] = train(name, d, seed=seed, **changes)
            rows.append(
                {
                    "model": name,
                    "seed": seed,
                    "test_accuracy": run.test_accuracy,
                    "parameters": count_parameters(run.model),
                    "train_seconds": run.trainer.train_seconds,
                }
            )
    return ReadoutComparison(pd.DataFrame(rows), runs)


def seed_spread(
    table: pd.DataFrame, keys: list[str], value: str = "test_accuracy", level: float = 0.95
) -> pd.DataFrame:
    """Mean, standard deviation and a `level` confidence interval of `value` over the seeds.

    One row per group of `keys`, in the table's order; columns mean, sd, low, high, n. The
    interval is Student's t (`evaluate.t_interval`; with 3 seeds t = 4.30 for 95 %): it says
    how well a few seeds pin down the mean over seeds, nothing about other data. NaN with one seed.
    """
    rows = {}
    for key, values in table.groupby(keys, sort=False)[value]:
        key = key[0] if len(keys) == 1 and isinstance(key, tuple) else key
        mean, low, high = (
            evaluate.t_interval(values, level)
            if len(values) > 1
            else (values.mean(), np.nan, np.nan)
        )
        rows[key] = {"mean": mean, "sd": values.std(), "low": low, "high": high, "n": len(values)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = (
        pd.Index(out.index, name=keys[0])
        if len(keys) == 1
        else pd.MultiIndex.from_tuples(out.index, names=keys)
    )
    return out[["mean", "sd", "low", "high", "n"]]
