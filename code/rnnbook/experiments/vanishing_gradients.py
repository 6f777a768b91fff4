"""The memory experiments of the vanishing-gradients, gated-cells and beyond-gates chapters: every
cell trained at every gap of a task (`run_long_gap`), over seeds (`run_long_gap_seeds`), with the
spread over seeds (`long_gap_spread`); the classifiers, plain (`long_gap_classifier`) or with a
remedy of the beyond-gates chapter (`REMEDIES`, `remedy_classifier`).

Two tasks (`TASKS`): the temporal-order task (`tasks.make_order_data`, which only a model that
remembers the order can answer; trained with `ORDER_RECIPE` and `ORDER_HIDDENS`) and the
long-gap task (`tasks.make_long_gap_data`, a loud cue to carry; `LONG_GAP_RECIPE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from torch import nn

from .. import cells, data, initialisation, tasks
from ..gradients import first_step_ratio
from ..models import MinRNNClassifier, SeqClassifier
from ..recipe import Recipe
from ..train import History, train

# How every (cell, gap) is trained: 10 epochs of AdamW at a constant learning rate, clipping the
# gradient's norm at 1 (no weight decay: nothing should pull the memory gates back).
LONG_GAP_RECIPE = Recipe(
    epochs=10, batch_size=32, lr=2e-3, weight_decay=0.0, schedule="constant", clip=1.0
)
LONG_GAP_HIDDENS = 32

# The temporal-order task: up to 30 epochs, stopped when the validation accuracy has not risen for
# 5 epochs (the best epoch's weights are kept), so a run that finds the order converges and one
# that does not stops early. 16 hidden units and batches of 64 (the learning rate doubled with the
# batch) pay for ten seeds.
ORDER_RECIPE = LONG_GAP_RECIPE.but(epochs=30, patience=5, batch_size=64, lr=4e-3)
ORDER_HIDDENS = 16
# A run whose test accuracy stays below this is "near chance": it did not learn the task (fixed
# before any run; chance is 0.5).
NEAR_CHANCE = 0.6

TASKS = {"order": tasks.make_order_data, "long-gap": tasks.make_long_gap_data}

# The models of the experiment: name -> (cell, bias of the memory gate; None = PyTorch's init).
LONG_GAP_CONFIGS = {
    "RNN": ("rnn", None),
    "LSTM": ("lstm", None),
    "GRU": ("gru", None),
    "LSTM, forget bias 1": ("lstm", 1.0),
    "GRU, update bias 1": ("gru", 1.0),
}


def long_gap_classifier(
    cell: str,
    memory_bias: float | None = None,
    input_size: int = tasks.SAMPLES_PER_STEP,
    num_hiddens: int = LONG_GAP_HIDDENS,
):
    """The builder (`num_classes -> SeqClassifier`) of the long-gap experiment's models."""

    def build(num_classes: int = 2) -> nn.Module:
        return SeqClassifier(
            cell, num_classes, input_size=input_size, num_hiddens=num_hiddens,
            memory_bias=memory_bias,
        )  # fmt: skip

    build.__name__ = cell if memory_bias is None else f"{cell}, memory bias {memory_bias:g}"
    return build


@dataclass
class LongGapRun:
    """One model trained at one gap."""

    name: str  # a key of LONG_GAP_CONFIGS
    cell: str
    memory_bias: float | None
    gap_seconds: float
    test_accuracy: float  # on the test part (held-out recordings)
    ratio_init: float  # first_step_ratio on the test sequences, before training
    ratio_trained: float  # ... and after
    initial: SeqClassifier  # the untrained model
    model: SeqClassifier  # the trained one
    history: History


@dataclass
class LongGapResults:
    """What ``run_long_gap`` returns: a table, the runs and the data of every gap."""

    table: pd.DataFrame
    runs: dict[tuple[str, float], LongGapRun]  # keyed by (name, gap_seconds)
    datasets: dict[float, data.SeqData]  # keyed by gap_seconds


def run_long_gap(
    recordings: list[data.Recording],
    configs: dict[str, tuple[str, float | None] | str] = LONG_GAP_CONFIGS,
    gaps_seconds: tuple[float, ...] = tasks.GAPS_SECONDS,
    sizes: tuple[int, int, int] = tasks.SIZES,
    recipe: Recipe = LONG_GAP_RECIPE,
    seed: int = 0,
    task: str = "long-gap",
    num_hiddens: int = LONG_GAP_HIDDENS,
) -> LongGapResults:
    """Train every model of ``configs`` once at every gap of ``task`` (a key of ``TASKS``);
    measure it.

    ``configs`` maps a name to ``(cell, memory_bias)`` (``long_gap_classifier`` with
    ``num_hiddens`` units) or to the name of a remedy (``REMEDIES``, built by
    ``remedy_classifier``).

    For each (name, gap): the test accuracy, the epoch at which the validation accuracy first
    reached 0.8 (the end of the plateau; NaN if never), and ``first_step_ratio`` on the test
    sequences before and after training. The table has one row per run.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    runs, datasets, rows = {}, {}, []
    for gap in gaps_seconds:
        d = datasets[gap] = TASKS[task](recordings, gap, sizes, seed=seed)
        for name, spec in configs.items():
            if isinstance(spec, str):  # a remedy (REMEDIES)
                cell, bias = spec, None
                build = remedy_classifier(
                    spec, d.X_train.shape[2], t_max=d.X_train.shape[1], num_hiddens=num_hiddens
                )
            else:
                cell, bias = spec
                build = long_gap_classifier(cell, bias, d.X_train.shape[2], num_hiddens)
            trained = train(build, d, recipe, seed=seed)
            run = LongGapRun(
                name,
                cell,
                bias,
                gap,
                trained.test_accuracy,
                first_step_ratio(trained.initial, d.X_test, d.y_test),
                first_step_ratio(trained.model, d.X_test, d.y_test),
                trained.initial,
                trained.model,
                trained.history,
            )
            runs[(name, gap)] = run
            learnt = [i for i, a in enumerate(run.history.valid_acc, start=1) if a >= 0.8]
            rows.append(
                {
                    "model": name,
                    "gap_seconds": gap,
                    "gap_steps": tasks.steps_for(gap),
                    "seq_len": d.X_test.shape[1],
                    "test_accuracy": run.test_accuracy,
                    "epoch_valid_0.8": learnt[0] if learnt else np.nan,
                    "ratio_init": run.ratio_init,
                    "ratio_trained": run.ratio_trained,
                }
            )
    return LongGapResults(pd.DataFrame(rows), runs, datasets)


@dataclass
class LongGapSeeds:
    """What ``run_long_gap_seeds`` returns: every seed's results, and all runs in one table."""

    results: dict[int, LongGapResults]  # keyed by seed
    table: pd.DataFrame  # the tables of run_long_gap, with a "seed" column

    @property
    def spread(self) -> pd.DataFrame:
        return long_gap_spread(self.table)


def run_long_gap_seeds(
    recordings: list[data.Recording], seeds: tuple[int, ...] = (0, 1, 2), **kwargs
) -> LongGapSeeds:
    """``run_long_gap`` once per seed (``kwargs`` go to it). The seed draws both the task's
    sequences (``TASKS``) and every model's initial weights and batches."""
    results = {seed: run_long_gap(recordings, seed=seed, **kwargs) for seed in seeds}
    table = pd.concat([r.table.assign(seed=seed) for seed, r in results.items()], ignore_index=True)
    return LongGapSeeds(results, table)


def long_gap_spread(table: pd.DataFrame, value: str = "test_accuracy") -> pd.DataFrame:
    """Mean, standard deviation, min and max of ``value`` over the seeds, one row per (model,
    gap_seconds) in the table's order; ``n`` counts the seeds."""
    grouped = table.groupby(["model", "gap_seconds"], sort=False)[value]
    return grouped.agg(mean="mean", sd="std", min="min", max="max", n="count")


# What each remedy changes in the long-gap experiment's plain RNN, LSTM or GRU classifier.
REMEDIES = {
    "orthogonal": "tanh RNN, random orthogonal W_hh (Saxe et al. 2014)",
    "irnn": "ReLU RNN, W_hh = identity, zero biases (Le, Jaitly & Hinton 2015)",
    "layernorm": "tanh RNN, layer normalisation of the summed input at every step (Ba et al. 2016)",
    "chrono-lstm": "LSTM, forget-gate biases log U(1, T - 1), input gate the opposite "
    "(Tallec & Ollivier 2018)",
    "chrono-gru": "GRU, update-gate biases log U(1, T - 1) (Tallec & Ollivier 2018)",
    "mingru": "minGRU (Feng et al. 2024), 1 block: gates that read only the input",
    "chrono-mingru": "minGRU, update-gate biases as chrono (its 1 - z keeps the state)",
}


def remedy_classifier(
    remedy: str,
    input_size: int = tasks.SAMPLES_PER_STEP,
    t_max: int | None = None,
    num_hiddens: int = LONG_GAP_HIDDENS,
):
    """The builder (``num_classes -> model``) of a long-gap classifier with one remedy applied.

    ``remedy`` is a key of ``REMEDIES``; ``t_max`` (the sequence length, in steps) is the
    longest timescale of the chrono initialisation. Everything else is as in
    ``long_gap_classifier``: 32 hidden units, the last state read by a linear layer.
    """
    if remedy not in REMEDIES:
        raise ValueError(f"unknown remedy {remedy!r}; choose one of {sorted(REMEDIES)}")
    if "chrono" in remedy and (t_max is None or t_max <= 2):
        raise ValueError("chrono initialisation needs t_max, the sequence length in steps (> 2)")

    def build(num_classes: int = 2) -> nn.Module:
        if remedy.endswith("mingru"):
            # One block; the loop over time: the same numbers as the scan, faster on a CPU
            # at this length (the chapter measures both).
            model = MinRNNClassifier(
                "mingru", num_classes, input_size, num_hiddens, 1, "sequential"
            )
            if remedy == "chrono-mingru":
                initialisation.chrono_bias(model.rnns[0], t_max)
            return model
        cell = {"chrono-lstm": "lstm", "chrono-gru": "gru"}.get(remedy, "rnn")
        model = SeqClassifier(cell, num_classes, input_size=input_size, num_hiddens=num_hiddens)
        if remedy == "orthogonal":
            initialisation.orthogonal_recurrent(model.rnn)
        elif remedy == "irnn":
            model.rnn = initialisation.identity_recurrent(
                nn.RNN(input_size, num_hiddens, nonlinearity="relu", batch_first=True)
            )
        elif remedy == "layernorm":
            model.rnn = cells.LayerNormRNN(input_size, num_hiddens)
        else:
            initialisation.chrono_bias(model.rnn, t_max)
        return model

    build.__name__ = remedy
    return build
