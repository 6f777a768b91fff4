"""The chapters' experiments, each one function that the chapter and its checks both call.

A chapter computes its numbers by calling these; a claim about them is asserted where they are
computed (a hidden cell of the chapter, so a cold build fails if it stops holding) or by a test
that calls the same function at a smaller size. Nothing here trains in a way of its own: every
run goes through `rnnbook.train.train`.

* sequence tasks -- `shuffled_time` (the same models on time in order and shuffled) and
  `onset_labeller` (the many-to-many seizure-onset labeller);
* gated cells -- `BRIEF` and `brief_runs`: RNN, LSTM and GRU classifiers after the same short
  training, for comparing their gates and gradients;
* vanishing gradients -- `long_gap_classifier`, `LONG_GAP_RECIPE`, `LONG_GAP_CONFIGS` and
  `run_long_gap`: every cell trained at every gap of the long-gap task; `run_long_gap_seeds`
  repeats it over seeds and `long_gap_spread` summarises the spread;
* beyond gates -- `REMEDY_CONFIGS` and `remedy_classifier`: the long-gap task again, for the
  remedies that came after gates (orthogonal and identity initialisation, layer normalisation,
  chrono initialisation) and for minGRU, run by `run_long_gap_seeds`;
* visit sequences -- `visit_risk` (death within two years at every visit: Mayo score, logistic
  regression, recurrent models over the visit history, AUROCs with patient-bootstrap CIs),
  `visit_input_ablation` (the same GRU without the time gap or the missingness flags) and
  `visit_forecast` (log bilirubin visits ahead, with and without teacher forcing, with paired
  patient-bootstrap differences, `forecast_differences`);
* clinical evaluation -- `clinical_evaluation`: seizure detectors trained with several seeds
  on both splits, scored as a clinician would (`rnnbook.evaluate`), also on a subset of their
  rows (the intracranial ones) without training again;
* attention -- `readout_comparison`: a GRU read out by its last state, the mean or max of its
  states or additive attention, and a small Transformer (`rnnbook.attention`), over seeds;
  `seed_spread` gives each model's mean, standard deviation and 95 % interval over the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import cells, data, evaluate, tasks, visits
from .gradients import first_step_ratio
from .models import (
    MLP,
    MODELS,
    ConvGRU,
    MinRNNClassifier,
    SeqClassifier,
    SeqLabeller,
    VisitForecaster,
    VisitGRU,
    count_parameters,
)
from .recipe import Recipe
from .train import History, Run, train

__all__ = [
    "SHUFFLED_TIME_EPOCHS",
    "ShuffledTime",
    "shuffled_time",
    "OnsetResult",
    "onset_labeller",
    "BRIEF",
    "brief_runs",
    "LONG_GAP_RECIPE",
    "LONG_GAP_CONFIGS",
    "LONG_GAP_HIDDENS",
    "long_gap_classifier",
    "LongGapRun",
    "LongGapResults",
    "run_long_gap",
    "LongGapSeeds",
    "run_long_gap_seeds",
    "long_gap_spread",
    "REMEDIES",
    "REMEDY_CONFIGS",
    "remedy_classifier",
    "visit_risk",
    "VisitRiskResult",
    "visit_input_ablation",
    "VISIT_INPUT_VARIANTS",
    "visit_forecast",
    "ForecastResult",
    "forecast_items",
    "forecast_differences",
    "auroc_table",
    "Scored",
    "ClinicalResults",
    "clinical_evaluation",
    "READOUT_MODELS",
    "ReadoutComparison",
    "readout_comparison",
    "seed_spread",
]


# --- sequence tasks ------------------------------------------------------------------------------

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


def _accuracy(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(y == predicted))


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
                y, a.y_hat.argmax(1).numpy(), b.y_hat.argmax(1).numpy(), groups, _accuracy,
                n_boot, seed,
            )  # fmt: skip
            rows[name] = dict(diff=diff, low=low, high=high,
                              verdict=evaluate.verdict(diff, (low, high)))  # fmt: skip
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
            y.reshape(-1).numpy(), said, base, groups, _accuracy, n_boot, seed
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
        onset_data, recipe, seed=seed,
    )  # fmt: skip
    detected = tasks.detected_onsets(run.y_hat)
    error_s = (detected - test.onset // stride).abs().float() * stride / data.SAMPLING_RATE
    events = tasks.onset_events(run.y_hat, test.onset, stride)
    by_position = tasks.position_baseline(onset_data.y_train)  # (steps,)
    baseline = (onset_data.y_test == by_position).float().mean().item()
    return OnsetResult(run, test, stride, detected, error_s, events, baseline, by_position)


# --- gated cells -----------------------------------------------------------------------------------

# The brief training: 4 epochs of 50 batches of 64 rows (a random 3,200 of the training rows per
# epoch), AdamW with a one-cycle schedule peaking at lr = 0.01, gradients clipped at norm 1.
BRIEF = Recipe(epochs=4, batch_size=64, lr=1e-2, max_batches=50)


def brief_runs(
    d: data.SeqData,
    cells: tuple[str, ...] = ("rnn", "lstm", "gru"),
    num_hiddens: int = 16,
    memory_bias: float | None = None,
    seed: int = 0,
    recipe: Recipe = BRIEF,
) -> dict[str, Run]:
    """One `SeqClassifier` per cell, each trained with the same recipe, seed and batches, so that
    differences come from the cell alone. `run.initial` keeps each model before training."""
    return {
        cell: train(
            lambda k, cell=cell: SeqClassifier(
                cell, k, num_hiddens=num_hiddens, memory_bias=memory_bias
            ),
            d,
            recipe,
            seed=seed,
        )  # fmt: skip
        for cell in cells
    }


# --- vanishing gradients: the long-gap experiment ----------------------------------------------------

# How every (cell, gap) is trained: 10 epochs of AdamW at a constant learning rate, clipping the
# gradient's norm at 1 (no weight decay: nothing should pull the memory gates back).
LONG_GAP_RECIPE = Recipe(
    epochs=10, batch_size=32, lr=2e-3, weight_decay=0.0, schedule="constant", clip=1.0
)
LONG_GAP_HIDDENS = 32

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
) -> LongGapResults:
    """Train every model of ``configs`` once at every gap; measure it.

    ``configs`` maps a name to ``(cell, memory_bias)`` (``long_gap_classifier``) or to the name
    of a remedy (``REMEDIES``, built by ``remedy_classifier``).

    For each (name, gap): the test accuracy, the epoch at which the validation accuracy first
    reached 0.8 (the end of the plateau; NaN if never), and ``first_step_ratio`` on the test
    sequences before and after training. The table has one row per run.
    """
    runs, datasets, rows = {}, {}, []
    for gap in gaps_seconds:
        d = datasets[gap] = tasks.make_long_gap_data(recordings, gap, sizes, seed=seed)
        for name, spec in configs.items():
            if isinstance(spec, str):  # a remedy (REMEDIES)
                cell, bias = spec, None
                build = remedy_classifier(spec, d.X_train.shape[2], t_max=d.X_train.shape[1])
            else:
                cell, bias = spec
                build = long_gap_classifier(cell, bias, input_size=d.X_train.shape[2])
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
    sequences (``tasks.make_long_gap_data``) and every model's initial weights and batches."""
    results = {seed: run_long_gap(recordings, seed=seed, **kwargs) for seed in seeds}
    table = pd.concat([r.table.assign(seed=seed) for seed, r in results.items()], ignore_index=True)
    return LongGapSeeds(results, table)


def long_gap_spread(table: pd.DataFrame, value: str = "test_accuracy") -> pd.DataFrame:
    """Mean, standard deviation, min and max of ``value`` over the seeds, one row per (model,
    gap_seconds) in the table's order; ``n`` counts the seeds."""
    grouped = table.groupby(["model", "gap_seconds"], sort=False)[value]
    return grouped.agg(mean="mean", sd="std", min="min", max="max", n="count")


# --- beyond gates: remedies on the long-gap task ----------------------------------------------------

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

# The experiment of the beyond-gates chapter: each remedy beside the model it changes.
REMEDY_CONFIGS = {
    "RNN": ("rnn", None),
    "RNN, orthogonal": "orthogonal",
    "IRNN": "irnn",
    "RNN, layer norm": "layernorm",
    "LSTM, forget bias 1": ("lstm", 1.0),
    "LSTM, chrono": "chrono-lstm",
    "GRU, update bias 1": ("gru", 1.0),
    "GRU, chrono": "chrono-gru",
    "minGRU": "mingru",
    "minGRU, chrono": "chrono-mingru",
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
                cells.chrono_bias(model.rnns[0], t_max)
            return model
        cell = {"chrono-lstm": "lstm", "chrono-gru": "gru"}.get(remedy, "rnn")
        model = SeqClassifier(cell, num_classes, input_size=input_size, num_hiddens=num_hiddens)
        if remedy == "orthogonal":
            cells.orthogonal_recurrent(model.rnn)
        elif remedy == "irnn":
            model.rnn = cells.identity_recurrent(
                nn.RNN(input_size, num_hiddens, nonlinearity="relu", batch_first=True)
            )
        elif remedy == "layernorm":
            model.rnn = cells.LayerNormRNN(input_size, num_hiddens)
        else:
            cells.chrono_bias(model.rnn, t_max)
        return model

    build.__name__ = remedy
    return build


# --- patient visit sequences -------------------------------------------------------------------

VISIT_RISK_RECIPE = Recipe(epochs=40, batch_size=32, lr=3e-3)
VISIT_FORECAST_RECIPE = Recipe(epochs=40, batch_size=32, lr=3e-3, loss="mse")
MAYO = "Mayo score (this visit)"
LOGISTIC = "logistic regression (this visit)"


def visit_risk_models(input_size: int, num_hiddens: int = 16) -> dict:
    """The recurrent risk models over the visit history: name -> builder."""
    return {
        f"{cell.upper()} (visit history)": (
            lambda k, cell=cell: VisitGRU(k, input_size, num_hiddens, dropout=0.1, cell=cell)
        )
        for cell in ("gru", "lstm")
    }


def current_visit(vd: visits.VisitData, part: str) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of the labelled visits of a part, each visit on its own: no history
    beyond the values carried forward into it. Rows in the order of `vd.steps(part)`."""
    X, y = vd.d.part(part)
    keep = y != visits.IGNORE  # (patients, max_visits)
    return X[keep][:, 1:].numpy(), y[keep].numpy()  # drop channel 0 (a real visit)


@dataclass
class VisitRiskResult:
    """Every score of every labelled test visit, and their AUROCs with patient-bootstrap CIs."""

    scores: (
        pd.DataFrame
    )  # one row per labelled test visit: id, visit, day, label, one column a model
    auroc: pd.DataFrame  # one row per model: auroc, lo, hi, diff / diff_lo / diff_hi vs the first
    runs: dict[str, Run]


def visit_risk(
    vd: visits.VisitData,
    seed: int = 0,
    n_boot: int = 1000,
    recipe: Recipe = VISIT_RISK_RECIPE,
    num_hiddens: int = 16,
    **changes,
) -> VisitRiskResult:
    """Death within two years of each test visit, scored by the Mayo formula, a logistic
    regression on the visit's own features, and recurrent models over the visits so far.

    Every model is trained on the training patients only (the recurrent ones through
    `train.train`); AUROCs are over the labelled test visits, with intervals that resample
    test *patients* (`auroc_table`), and each score's difference from Mayo's.
    """
    from sklearn.linear_model import LogisticRegression

    steps = vd.steps("test")
    labelled = steps[steps["label"] != visits.IGNORE]
    scores = {MAYO: labelled["mayo"].to_numpy()}
    X_fit, y_fit = current_visit(vd, "train")
    logistic = LogisticRegression(max_iter=2000).fit(X_fit, y_fit)
    X_test, y_test = current_visit(vd, "test")
    assert np.array_equal(y_test, labelled["label"].to_numpy())  # the same visits, in order
    scores[LOGISTIC] = logistic.predict_proba(X_test)[:, 1]
    runs = {}
    keep = vd.d.y_test != visits.IGNORE
    for name, build in visit_risk_models(vd.d.X_train.shape[2], num_hiddens).items():
        runs[name] = train(build, vd.d, recipe, seed=seed, **changes)
        scores[name] = torch.softmax(runs[name].y_hat, dim=-1)[..., 1][keep].numpy()
    table = labelled[["id", "visit", "day", "label"]].reset_index(drop=True).assign(**scores)
    auroc = auroc_table(table["label"], scores, table["id"], MAYO, n_boot=n_boot, seed=seed)
    return VisitRiskResult(table, auroc, runs)


ALL_INPUTS = "all inputs"
# The inputs left out in each variant of `visit_input_ablation`: name -> channel names.
VISIT_INPUT_VARIANTS = {
    ALL_INPUTS: [],
    "without the time gap": visits.TIME_GAP,
    "without the missingness flags": visits.MISSINGNESS,
    "without both": visits.TIME_GAP + visits.MISSINGNESS,
}


def visit_input_ablation(
    vd: visits.VisitData,
    variants: dict[str, list[str]] | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    recipe: Recipe = VISIT_RISK_RECIPE,
    num_hiddens: int = 16,
    **changes,
) -> VisitRiskResult:
    """Does an input help? The GRU risk model of `visit_risk`, trained with the same seed and
    recipe on the same patients, once per variant with some input channels left out
    (`visits.without`; default `VISIT_INPUT_VARIANTS`: the time since the previous visit, the
    flags saying whether a lab was measured, both).

    AUROCs over the labelled test visits with patient-bootstrap intervals, and each variant's
    paired difference from the first variant's (`auroc_table`).
    """
    variants = VISIT_INPUT_VARIANTS if variants is None else variants
    steps = vd.steps("test")
    labelled = steps[steps["label"] != visits.IGNORE]
    keep = vd.d.y_test != visits.IGNORE
    scores, runs = {}, {}
    for name, dropped in variants.items():
        part = visits.without(vd, dropped)
        build = visit_risk_models(part.d.X_train.shape[2], num_hiddens)["GRU (visit history)"]
        runs[name] = train(build, part.d, recipe, seed=seed, **changes)
        scores[name] = torch.softmax(runs[name].y_hat, dim=-1)[..., 1][keep].numpy()
    table = labelled[["id", "visit", "day", "label"]].reset_index(drop=True).assign(**scores)
    reference = next(iter(variants))
    auroc = auroc_table(table["label"], scores, table["id"], reference, n_boot=n_boot, seed=seed)
    return VisitRiskResult(table, auroc, runs)


def auroc_table(
    y: np.ndarray,
    scores: dict,
    groups: np.ndarray,
    reference: str,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """AUROC of each score with its bootstrap interval over groups (patients), and its difference
    from the `reference` score's AUROC with the paired interval (`evaluate.paired_difference`:
    both scores on the same resamples) and its `evaluate.verdict`.
    Columns auroc, lo, hi, diff, diff_lo, diff_hi, verdict; one row per score."""
    auc = evaluate.roc_auc  # scikit-learn's AUROC, from ranks: fast enough for a bootstrap
    y, base, rows = np.asarray(y), np.asarray(scores[reference]), {}
    for name, p in scores.items():
        p = np.asarray(p)
        lo, hi = evaluate.bootstrap_by_group(y, p, groups, auc, n_boot, seed)
        if name == reference:
            diff, d_lo, d_hi, said = 0.0, 0.0, 0.0, "reference"
        else:
            diff, d_lo, d_hi = evaluate.paired_difference(y, p, base, groups, auc, n_boot, seed)
            said = evaluate.verdict(diff, (d_lo, d_hi))
        rows[name] = dict(auroc=auc(y, p), lo=lo, hi=hi, diff=diff, diff_lo=d_lo, diff_hi=d_hi,
                          verdict=said)  # fmt: skip
    return pd.DataFrame(rows).T.astype(
        {c: float for c in ("auroc", "lo", "hi", "diff", "diff_lo", "diff_hi")}
    )


FORECASTS = (
    "last value carried forward",
    "trained with teacher forcing",
    "trained with own forecasts",
)
# The paired comparisons of `visit_forecast`: (method, against), each at every horizon.
FORECAST_COMPARISONS = (
    ("trained with own forecasts", "last value carried forward"),
    ("trained with own forecasts", "trained with teacher forcing"),
    ("trained with teacher forcing", "last value carried forward"),
)


@dataclass
class ForecastResult:
    """What `visit_forecast` returns: mean absolute errors, their paired differences, the runs."""

    errors: pd.DataFrame  # one row per method (`FORECASTS`), one column per horizon
    differences: pd.DataFrame  # one row per (method, against, visits ahead)
    items: dict[str, pd.DataFrame]  # method -> every forecast (`forecast_items`)
    runs: dict[str, Run]  # "teacher forcing", "own forecasts"


def forecast_items(
    model: nn.Module | None,
    X: torch.Tensor,
    y: torch.Tensor,
    horizons: int = 4,
    ids: np.ndarray | None = None,
) -> pd.DataFrame:
    """Every forecast that `visits.forecast_errors` averages, one row each: `id` (the patient,
    `ids[row of X]`, or the row), `landmark` (visits observed), `horizon` (visits ahead),
    `true` and `forecast`. `model=None` is the last observed value carried forward. The mean of
    |true - forecast| at each horizon is `visits.forecast_errors(model, X, y, horizons)`."""
    ids = np.arange(len(X)) if ids is None else np.asarray(ids)
    steps, parts = X.shape[1], []
    for k in range(1, steps):
        if model is None:
            y_hat = X[:, k - 1 : k, 0].expand(-1, steps)  # the last observed value, for ever
        else:
            y_hat = visits.forecast(model, X, observed=k)
        for h in range(1, min(horizons, steps - k + 1) + 1):
            s = k - 2 + h  # the step whose output forecasts visit k - 1 + h
            ok = ~torch.isnan(y[:, s])
            parts.append(pd.DataFrame({
                "id": ids[ok.numpy()], "landmark": k, "horizon": h,
                "true": y[ok, s].numpy().astype(np.float64),
                "forecast": y_hat[ok, s].numpy().astype(np.float64),
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def forecast_differences(
    items: dict[str, pd.DataFrame],
    comparisons=FORECAST_COMPARISONS,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean absolute error of `method` minus that of `against`, at each horizon, with the paired
    bootstrap interval over patients (`evaluate.paired_difference`: each replicate draws the
    patients with replacement, all their forecasts with them, and scores both methods on them)
    and its `evaluate.verdict` (a lower error is better: "better" means `method` errs less).

    `items`: method -> `forecast_items`, all of the same forecasts (same rows). One row per
    (method, against, visits ahead): diff, lo, hi, verdict, patients (how many patients have a
    forecast that far ahead), forecasts (how many forecasts)."""

    def mae(y, p):
        return float(np.mean(np.abs(y - p)))

    rows = {}
    for method, against in comparisons:
        a, b = items[method], items[against]
        key = ["id", "landmark", "horizon", "true"]
        if not a[key].equals(b[key]):
            raise ValueError(f"{method!r} and {against!r} were not scored on the same forecasts")
        for h, rows_h in a.groupby("horizon", sort=True):
            y, ids = rows_h["true"].to_numpy(), rows_h["id"].to_numpy()
            p_b = b.loc[rows_h.index, "forecast"].to_numpy()
            diff, lo, hi = evaluate.paired_difference(
                y, rows_h["forecast"].to_numpy(), p_b, ids, mae, n_boot, seed
            )
            rows[(method, against, int(h))] = dict(
                diff=diff, lo=lo, hi=hi,
                verdict=evaluate.verdict(diff, (lo, hi), higher_is_better=False),
                patients=len(np.unique(ids)), forecasts=len(y),
            )  # fmt: skip
    table = pd.DataFrame(rows).T.astype({"diff": float, "lo": float, "hi": float,
                                         "patients": int, "forecasts": int})  # fmt: skip
    table.index.names = ["method", "against", "visits ahead"]
    return table


def visit_forecast(
    fd: visits.VisitData,
    seed: int = 0,
    horizons: int = 4,
    recipe: Recipe = VISIT_FORECAST_RECIPE,
    num_hiddens: int = 32,
    n_boot: int = 1000,
    **changes,
) -> ForecastResult:
    """Log-bilirubin forecasts 1..`horizons` visits ahead on the test patients: the last value
    carried forward, a forecaster trained with teacher forcing and one trained on its own
    forecasts. Their mean absolute errors (`errors`: one row per method, one column per
    horizon), and the paired patient-bootstrap differences of `FORECAST_COMPARISONS` at every
    horizon with their verdicts (`forecast_differences`)."""
    X, y = fd.d.part("test")
    runs = {}
    for name, feed in (("teacher forcing", "teacher"), ("own forecasts", "own")):
        build = lambda k, feed=feed: VisitForecaster(k, num_hiddens=num_hiddens, feed=feed)  # noqa: E731
        runs[name] = train(build, fd.d, recipe, seed=seed, **changes)
    models = dict(zip(FORECASTS, (None, runs["teacher forcing"].model, runs["own forecasts"].model),
                      strict=True))  # fmt: skip
    items = {name: forecast_items(m, X, y, horizons, fd.ids["test"]) for name, m in models.items()}
    errors = pd.DataFrame({
        name: (it["true"] - it["forecast"]).abs().groupby(it["horizon"]).mean()
        for name, it in items.items()
    }).T  # fmt: skip
    errors.columns = pd.RangeIndex(1, horizons + 1, name="visits ahead")
    differences = forecast_differences(items, n_boot=n_boot, seed=seed)
    return ForecastResult(errors, differences, items, runs)


# --- clinical evaluation ---------------------------------------------------------------------------


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
                keep = {k: part.index.isin(data.task_rows(part, other).index)
                        for k, part in parts.items()}  # fmt: skip
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
                            "recording": (evaluate.by_group(yv, pv, gv),
                                          evaluate.by_group(yt, pt, gt)),
                        }  # fmt: skip
                        for level, ((yv_, pv_), (yt_, pt_)) in levels.items():
                            threshold = evaluate.threshold_on_validation(yv_, pv_)
                            rows.append(
                                {"task": on, "trained_on": task, "split": split_name,
                                 "model": name, "seed": seed, "level": level,
                                 "threshold": threshold,
                                 "accuracy": accuracy if level == "row" else np.nan,
                                 **evaluate.scores(yt_, pt_, threshold)}
                            )  # fmt: skip
                        if seed == seeds[0]:
                            for metric, fn in (
                                ("auroc", evaluate.roc_auc),
                                ("auprc", _average_precision),
                            ):
                                low, high = evaluate.bootstrap_by_group(
                                    yt, pt, gt, fn, n_boot=n_boot
                                )
                                intervals.append(
                                    {"task": on, "split": split_name, "model": name,
                                     "metric": metric, "low": low, "high": high}
                                )  # fmt: skip
    return ClinicalResults(pd.DataFrame(rows), pd.DataFrame(intervals), runs)


def _average_precision(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, p))


# --- attention, the successor ---------------------------------------------------------------------

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
    interval is Student's t, mean ± t(n - 1) · sd / √n (with 3 seeds t = 4.30 for 95 %): it says
    how well a few seeds pin down the mean over seeds, nothing about other data. NaN with one seed.
    """
    from scipy import stats  # installed with scikit-learn

    out = table.groupby(keys, sort=False)[value].agg(mean="mean", sd="std", n="count")
    t = stats.t.ppf(0.5 + level / 2, (out["n"] - 1).clip(lower=1))
    half = np.where(out["n"] > 1, t * out["sd"] / np.sqrt(out["n"]), np.nan)
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out[["mean", "sd", "low", "high", "n"]]
