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
  `visit_forecast` (log bilirubin visits ahead, with and without teacher forcing);
* clinical evaluation -- `clinical_evaluation`: seizure detectors trained with several seeds
  on both splits, scored as a clinician would (`rnnbook.evaluate`);
* attention -- `readout_comparison`: a GRU read out by its last state, the mean or max of its
  states or additive attention, and a small Transformer (`rnnbook.attention`), over seeds;
  `seed_spread` gives each model's mean, standard deviation and 95 % interval over the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "auroc_table",
    "READOUT_MODELS",
    "ReadoutComparison",
    "readout_comparison",
    "seed_spread",
]


# --- sequence tasks ------------------------------------------------------------------------------

# The models of the shuffled-time experiment, with their recipes (name -> builder, recipe).
SHUFFLED_TIME_MODELS = {
    "mlp": (lambda k: MLP(num_classes=k), Recipe(epochs=15, lr=1e-3)),
    "conv-gru": (
        lambda k: ConvGRU(num_classes=k, channels=(32, 64, 64), num_hiddens=32),
        Recipe(epochs=5),
    ),
    # Recurrence without convolution: does a plain GRU use the order too?
    "gru": (
        lambda k: SeqClassifier("gru", k, num_hiddens=32),
        Recipe(epochs=6, batch_size=64, lr=3e-3),
    ),
}


def shuffled_time(
    d: data.SeqData, models: dict | None = None, seed: int = 0, shuffle_seed: int = 1, **changes
) -> pd.DataFrame:
    """Test accuracy of each model trained on time in order and on time shuffled.

    The shuffled copy applies one fixed permutation of the steps to every row of every part
    (`tasks.shuffle_time`). Returns a table: one row per model, columns "in order",
    "shuffled". `changes` override every recipe (e.g. `max_batches=2` for a quick check).
    """
    shuffled = tasks.shuffle_time(d, seed=shuffle_seed)
    rows = {}
    for name, (build, recipe) in (models or SHUFFLED_TIME_MODELS).items():
        rows[name] = {
            order: train(build, part, recipe, seed=seed, **changes).test_accuracy
            for order, part in (("in order", d), ("shuffled", shuffled))
        }
    return pd.DataFrame(rows).T


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

    @property
    def found(self) -> torch.Tensor:
        return self.detected >= 0


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
    return OnsetResult(run, test, stride, detected, error_s, events, baseline)


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


def visit_forecast(
    fd: visits.VisitData,
    seed: int = 0,
    horizons: int = 4,
    recipe: Recipe = VISIT_FORECAST_RECIPE,
    num_hiddens: int = 32,
    **changes,
) -> tuple[pd.DataFrame, dict[str, Run]]:
    """Log-bilirubin forecasts 1..`horizons` visits ahead on the test patients: mean absolute
    error of the last value carried forward, and of a forecaster trained with teacher forcing
    and one trained on its own forecasts. Returns (errors: one row per method, one column per
    horizon; the runs)."""
    errors = {
        "last value carried forward": visits.forecast_errors(None, *fd.d.part("test"), horizons)
    }
    runs = {}
    for name, feed in (("teacher forcing", "teacher"), ("own forecasts", "own")):
        build = lambda k, feed=feed: VisitForecaster(k, num_hiddens=num_hiddens, feed=feed)  # noqa: E731
        runs[name] = train(build, fd.d, recipe, seed=seed, **changes)
        errors[f"trained with {name}"] = visits.forecast_errors(
            runs[name].model, *fd.d.part("test"), horizons
        )
    table = pd.DataFrame(errors, index=pd.RangeIndex(1, horizons + 1, name="visits ahead")).T
    return table, runs


# --- clinical evaluation ---------------------------------------------------------------------------


@dataclass
class ClinicalResults:
    """What `clinical_evaluation` returns: one row per (task, split, model, seed) and level
    ("row": one-second rows; "recording": one decision per recording), the bootstrap intervals
    over test recordings (seed 0), and the runs."""

    table: pd.DataFrame
    intervals: pd.DataFrame
    runs: dict  # (task, split, model, seed) -> (Run, p_test, test recordings)

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
) -> ClinicalResults:
    """Train each model (name -> epochs) with each seed on each task and split; evaluate it on
    the test part as a clinician would.

    The operating threshold is chosen on the validation part (Youden's J) and applied unchanged
    to the test part; nothing is chosen on the test part. Row-level scores treat every
    one-second row as a decision; recording-level scores average the probabilities of a
    recording's rows into one decision per recording (its threshold chosen the same way on the
    validation recordings). The 95 % intervals resample test *recordings*, not rows.
    """
    rows, intervals, runs = [], [], {}
    for task in tasks_:
        for split_name in splits:
            split = data.make_split(table, split_name)
            parts = {k: data.task_rows(getattr(split, k), task) for k in ("valid", "test")}
            groups = {k: part["recording"].to_numpy() for k, part in parts.items()}
            for name, epochs in models.items():
                d = data.make_tensors(split, task, MODELS[name].recipe.standardize)
                for seed in seeds:
                    run = train(name, d, seed=seed, epochs=epochs)
                    p_valid = evaluate.seizure_probability(
                        run.trainer.predict(d.X_valid), d.classes
                    )
                    p_test = evaluate.seizure_probability(run.y_hat, d.classes)
                    y_valid, y_test = d.y_valid.numpy(), d.y_test.numpy()
                    runs[task, split_name, name, seed] = (run, p_test, groups["test"])
                    levels = {
                        "row": ((y_valid, p_valid), (y_test, p_test)),
                        "recording": (
                            evaluate.by_group(y_valid, p_valid, groups["valid"]),
                            evaluate.by_group(y_test, p_test, groups["test"]),
                        ),
                    }
                    for level, ((yv, pv), (yt, pt)) in levels.items():
                        threshold = evaluate.threshold_on_validation(yv, pv)
                        rows.append(
                            {"task": task, "split": split_name, "model": name, "seed": seed,
                             "level": level, "threshold": threshold,
                             "accuracy": run.test_accuracy if level == "row" else np.nan,
                             **evaluate.scores(yt, pt, threshold)}
                        )  # fmt: skip
                    if seed == seeds[0]:
                        for metric, fn in (
                            ("auroc", evaluate.roc_auc),
                            ("auprc", _average_precision),
                        ):
                            low, high = evaluate.bootstrap_by_group(
                                y_test, p_test, groups["test"], fn, n_boot=n_boot
                            )
                            intervals.append(
                                {"task": task, "split": split_name, "model": name,
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
