"""The patient-visits chapter: death within two years at every visit (`visit_risk`: the Mayo
score, logistic regression and recurrent models, AUROCs with patient-bootstrap intervals), the
input ablation (`visit_input_ablation`) and forecasting with and without teacher forcing
(`visit_forecast`, `forecast_differences`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .. import evaluate, visits
from ..data import IGNORE_INDEX
from ..errors import RNNBookError
from ..recipe import Recipe
from ..train import Run, train
from ..visit_models import VisitForecaster, VisitGRU
from ..visits import forecast_items

VISIT_RISK_RECIPE = Recipe(epochs=40, batch_size=32, lr=3e-3)
VISIT_FORECAST_RECIPE = Recipe(epochs=40, batch_size=32, lr=3e-3, loss="mse")
MAYO = "Mayo score (this visit)"
VISIT_GRU = "GRU (visit history)"  # the risk model of the patient-visits chapter
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
    keep = y != IGNORE_INDEX  # (patients, max_visits)
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
    labelled = steps[steps["label"] != IGNORE_INDEX]
    scores = {MAYO: labelled["mayo"].to_numpy()}
    X_fit, y_fit = current_visit(vd, "train")
    logistic = LogisticRegression(max_iter=2000).fit(X_fit, y_fit)
    X_test, y_test = current_visit(vd, "test")
    if not np.array_equal(y_test, labelled["label"].to_numpy()):  # the same visits, in order
        raise RNNBookError("the logistic regression's test visits are not the labelled visits")
    scores[LOGISTIC] = logistic.predict_proba(X_test)[:, 1]
    runs = {}
    keep = vd.d.y_test != IGNORE_INDEX
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
    labelled = steps[steps["label"] != IGNORE_INDEX]
    keep = vd.d.y_test != IGNORE_INDEX
    scores, runs = {}, {}
    for name, dropped in variants.items():
        part = visits.without(vd, dropped)
        build = visit_risk_models(part.d.X_train.shape[2], num_hiddens)[VISIT_GRU]
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
    auc = evaluate.roc_auc  # equal to scikit-learn's AUROC, from ranks: fast enough for a bootstrap
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
