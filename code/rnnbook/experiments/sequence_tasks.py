"""The sequence-tasks chapter: the same models on EEG in time order and shuffled (`shuffled_time`),
and the many-to-many seizure-onset labeller (`onset_labeller`); the streaming chapter: the
labeller's state against stateless windows at equal effort, latency and memory
(`streaming_comparison`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .. import data, evaluate, tasks
from ..models import (
    MLP,
    ConvGRU,
    SeqClassifier,
    SeqLabeller,
    WindowLabeller,
    count_parameters,
)
from ..recipe import Recipe
from ..train import Run, train

# The models of the shuffled-time experiment, with their recipes (name -> builder, recipe). One
# budget for all, stated before training: SHUFFLED_TIME_EPOCHS epochs, and each run keeps the
# epoch with the best validation accuracy (patience = the budget: no early stop, best restored).
SHUFFLED_TIME_EPOCHS = 5
_budget = dict(epochs=SHUFFLED_TIME_EPOCHS, patience=SHUFFLED_TIME_EPOCHS)
SHUFFLED_TIME_MODELS = {
    "mlp": (lambda k: MLP(num_classes=k), Recipe(lr=1e-3, **_budget)),
    "conv-gru": (
        lambda k: ConvGRU(num_classes=k, channels=(32, 64, 64), num_hiddens=32),
        Recipe(**_budget),
    ),
    # Recurrence without convolution: does a plain GRU use the order too?
    "gru": (
        lambda k: SeqClassifier("gru", k, num_hiddens=32),
        Recipe(batch_size=64, lr=3e-3, **_budget),
    ),
}


@dataclass
class ShuffledTime:
    """What `shuffled_time` returns: the test accuracies and the runs behind them."""

    table: pd.DataFrame  # one row per model; columns "in order", "shuffled"
    runs: dict[tuple[str, str], Run]  # (model, "in order" or "shuffled") -> its run

    def drops(self, groups: np.ndarray, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
        """In-order minus shuffled test accuracy of each model, paired over `groups` (the test
        rows' recordings: both copies have the same rows, only the order of each row's samples
        differs), with its bootstrap interval and `evaluate.verdict`. Columns diff, low, high,
        verdict ("better": time in order scored higher)."""
        rows = {}
        for name in self.table.index:
            a, b = self.runs[name, "in order"], self.runs[name, "shuffled"]
            y = a.data.y_test.numpy()
            diff, low, high = evaluate.paired_difference(
                y,
                a.y_hat.argmax(1).numpy(),
                b.y_hat.argmax(1).numpy(),
                groups,
                evaluate.label_accuracy,
                n_boot,
                seed,
            )
            rows[name] = dict(
                diff=diff, low=low, high=high, verdict=evaluate.verdict(diff, (low, high))
            )
        return pd.DataFrame(rows).T.astype({c: float for c in ("diff", "low", "high")})


def shuffled_time(
    d: data.SeqData, models: dict | None = None, seed: int = 0, shuffle_seed: int = 1, **changes
) -> ShuffledTime:
    """Test accuracy of each model trained on time in order and on time shuffled.

    The shuffled copy applies one fixed permutation of the steps to every row of every part
    (`tasks.shuffle_time`). Returns the table (one row per model, columns "in order",
    "shuffled") and the runs. `changes` override every recipe (e.g. `max_batches=2` for a
    quick check).
    """
    shuffled = tasks.shuffle_time(d, seed=shuffle_seed)
    rows, runs = {}, {}
    for name, (build, recipe) in (models or SHUFFLED_TIME_MODELS).items():
        for order, part in (("in order", d), ("shuffled", shuffled)):
            runs[name, order] = train(build, part, recipe, seed=seed, **changes)
        rows[name] = {order: runs[name, order].test_accuracy for order in ("in order", "shuffled")}
    return ShuffledTime(pd.DataFrame(rows).T, runs)


@dataclass
class OnsetResult:
    """The onset labeller's run, its test sequences, and where it raised an alarm."""

    run: Run
    test: tasks.OnsetData
    stride: int
    detected: torch.Tensor  # (n,) first step of the first seizure run, -1 for none
    error_s: torch.Tensor  # (n,) |detected - true onset| in seconds (for found onsets)
    events: dict  # tasks.onset_events: sensitivity, latency from the alarm, false alarms per hour
    baseline_accuracy: float  # per-step accuracy of tasks.position_baseline (no EEG at all)
    baseline: torch.Tensor  # (steps,) the position baseline's label at every step

    @property
    def found(self) -> torch.Tensor:
        return self.detected >= 0

    def versus_baseline(self, n_boot: int = 1000, seed: int = 0) -> tuple[float, float, float]:
        """Per-step test accuracy of the labeller minus that of the position baseline, with its
        paired bootstrap interval (`evaluate.paired_difference`) over the test *seizure
        recordings*: each test sequence goes with the recording its seizure part was cut from.
        (Sequences that share a seizure-free recording are not independent either, so the
        interval, if anything, is too narrow.) Returns (diff, low, high)."""
        y = self.run.data.y_test  # (n, steps)
        steps = y.shape[1]
        said = self.run.y_hat.argmax(-1).reshape(-1).numpy()
        base = self.baseline.expand(len(y), steps).reshape(-1).numpy()
        groups = np.repeat(self.test.sources[:, 1], steps)
        return evaluate.paired_difference(
            y.reshape(-1).numpy(), said, base, groups, evaluate.label_accuracy, n_boot, seed
        )


ONSET_RECIPE = Recipe(epochs=8, batch_size=32, lr=5e-3)


def onset_labeller(
    table: pd.DataFrame,
    recordings: list[data.Recording],
    stride: int = 8,
    recipe: Recipe = ONSET_RECIPE,
    seed: int = 0,
    **task,
) -> OnsetResult:
    """Train the causal `SeqLabeller` on the onset task (split by recording) and find onsets.

    `task` goes to `tasks.onset_task` (n_train=512, n_test=128, seconds=8 by default).
    """
    onset_data, test = tasks.onset_task(
        data.split_by_recording(table), recordings, stride=stride, **task
    )
    run = train(
        lambda k: SeqLabeller(num_classes=k, num_hiddens=32, stride=stride),
        onset_data,
        recipe,
        seed=seed,
    )
    detected = tasks.detected_onsets(run.y_hat)
    error_s = (detected - test.onset // stride).abs().float() * stride / data.SAMPLING_RATE
    events = tasks.onset_events(run.y_hat, test.onset, stride)
    by_position = tasks.position_baseline(onset_data.y_train)  # (steps,)
    baseline = (onset_data.y_test == by_position).float().mean().item()
    return OnsetResult(run, test, stride, detected, error_s, events, baseline, by_position)


# --- where state pays: a streaming labeller against windows ---------------------------------------

# The stateless labellers of the streaming comparison: name -> window, in steps of `stride`
# samples. With 8 samples a step, 4 steps keep 32 samples, as many numbers as the GRU's state
# (equal memory); 22 steps keep about one second.
STREAMING_WINDOWS = {"window of 4 steps": 4, "window of 22 steps": 22}
STREAMING_GRU = "GRU"
# Fewer and shorter training sequences than the onset labeller's 512 of 8 s, to pay for ten seeds.
STREAMING_TRAIN, STREAMING_SECONDS = 384, 4.0


@dataclass
class Streaming:
    """What `streaming_comparison` returns: one row per (model, seed)."""

    table: pd.DataFrame  # model, seed, accuracy, memory, parameters, sensitivity, false alarms

    def differences(self, value: str = "accuracy", higher_is_better: bool = True) -> pd.DataFrame:
        """The GRU minus each window, paired by seed (`evaluate.seed_difference`): columns
        diff, low, high, verdict ("better": the GRU scored better; for a measure such as false
        alarms per hour, pass `higher_is_better=False`), one row per window."""
        wide = self.table.pivot_table(index="seed", columns="model", values=value)
        rows = {}
        for name in dict.fromkeys(self.table["model"]):  # in the table's order
            if name == STREAMING_GRU:
                continue
            diff, low, high = evaluate.seed_difference(wide[STREAMING_GRU], wide[name])
            said = evaluate.verdict(diff, (low, high), higher_is_better)
            rows[name] = dict(diff=diff, low=low, high=high, verdict=said)
        return pd.DataFrame(rows).T.astype({c: float for c in ("diff", "low", "high")})


def streaming_comparison(
    table: pd.DataFrame,
    recordings: list[data.Recording],
    seeds: tuple[int, ...] = tuple(range(10)),
    windows: dict[str, int] = STREAMING_WINDOWS,
    stride: int = 8,
    seconds: float = STREAMING_SECONDS,
    n_train: int = STREAMING_TRAIN,
    num_hiddens: int = 32,
    recipe: Recipe = ONSET_RECIPE,
) -> Streaming:
    """The onset labeller (`SeqLabeller`: a GRU) against `WindowLabeller`s on the onset task.

    Every model answers at the end of every step (the same latency) and trains with the same
    recipe, seed and batches (the same effort). Seed *i* draws the task's sequences
    (`tasks.onset_task`, split by recording, `n_train` training sequences of `seconds` each)
    and every model's weights, so the models are paired by seed. `memory` counts the numbers a
    model keeps between steps when it runs on a stream: the GRU's state, or a window's samples.
    Accuracy is per step, on the test sequences; sensitivity and false alarms per hour are
    `tasks.onset_events`'.
    """
    split = data.split_by_recording(table)
    builders = {STREAMING_GRU: (lambda k: SeqLabeller(k, num_hiddens, stride), num_hiddens)}
    for name, window in windows.items():
        builders[name] = (
            lambda k, w=window: WindowLabeller(k, num_hiddens, stride, w),
            window * stride,
        )
    rows = []
    for seed in seeds:
        d, test = tasks.onset_task(
            split, recordings, n_train=n_train, stride=stride, seconds=seconds, seed=seed
        )
        for name, (build, memory) in builders.items():
            run = train(build, d, recipe, seed=seed)
            events = tasks.onset_events(run.y_hat, test.onset, stride)
            rows.append(
                {
                    "model": name,
                    "seed": seed,
                    "accuracy": run.test_accuracy,
                    "memory": memory,
                    "parameters": count_parameters(run.model),
                    "sensitivity": events["sensitivity"],
                    "false_alarms_per_hour": events["false_alarms_per_hour"],
                }
            )
    return Streaming(pd.DataFrame(rows))


def streaming_sentences(differences: pd.DataFrame, ratio: float) -> dict[str, str]:
    """The streaming chapter's sentences from `Streaming.differences()` (rows: the window of equal
    memory, then the wider one, which keeps `ratio` times as many numbers), with their own words
    for each outcome (tests/test_streaming.py renders each)."""
    equal, wide = (differences.iloc[k] for k in range(2))
    compared = dict(
        zip(
            evaluate.VERDICTS,
            ("measurably higher than", "not measurably different from", "measurably lower than"),
            strict=True,
        )
    )
    s_equal = (
        "With the same memory, the GRU's per-step accuracy is "
        f"{compared[equal['verdict']]} the window's (mean difference {equal['diff']:+.3f})."
    )
    s_wide = (
        f"Against the window that keeps {ratio:.1f} times as many numbers, it is "
        f"{compared[wide['verdict']]} the window's ({wide['diff']:+.3f})."
    )
    paid = [row["verdict"] == evaluate.VERDICTS[0] for row in (equal, wide)]
    point = "a monitor that must answer at every step from what it has kept did " + (
        "better, on real EEG, with a small state than with a window of the same size, and than "
        "a window several times larger"
        if all(paid)
        else "better, on real EEG, with a small state than with a window of the same size, "
        "though not than a window several times larger"
        if paid[0]
        else "no better, on real EEG, with a small state than with a window of the same size"
    )
    if all(paid):
        s_pays = (
            "On this task the state paid: at equal effort and latency it beat a window of the "
            "same memory, and a window several times larger as well."
        )
    elif paid[0]:
        s_pays = (
            "On this task the state paid at equal memory; a window several times larger did "
            "not measurably fall behind it, so the state's advantage is one of memory."
        )
    else:
        s_pays = (
            "On this task the state did not measurably pay, even at equal memory: what the "
            "labeller needs lies within a few steps."
        )
    return {"s_equal": s_equal, "s_wide": s_wide, "s_pays": s_pays, "s_point": point}
