"""The chapter on healthcare's recurrent models: RETAIN against the GRU and the Mayo score
(`retain_risk`), what RETAIN's contributions say next to the Mayo score's fixed weights
(`mayo_per_sd`, `retain_weights`, `patient_contributions`), and GRU-D against the paper's
baselines with the values as recorded and with values removed on purpose (`grud_comparison`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .. import evaluate, visits
from ..data import IGNORE_INDEX
from ..healthcare import LABS, GRUDData, grud_data, grud_view, remove_values
from ..recipe import Recipe
from ..train import Run, train
from ..visit_models import GRUD, RETAIN, VisitGRU, retain_coefficients, retain_contributions
from .visit_sequences import MAYO, VISIT_GRU, VISIT_RISK_RECIPE, auroc_table, visit_risk_models

GRU = VISIT_GRU
RETAIN_NAME = "RETAIN (visit history)"

# The Mayo score's weights per unit of the book's visit features (`visits.mayo_score`).
MAYO_WEIGHTS = visits.MAYO_WEIGHTS
# How the chapter groups RETAIN's inputs: Mayo's five one by one, then the rest.
INPUT_GROUPS = {
    "bilirubin": ["log_bili"],
    "albumin": ["log_albumin"],
    "prothrombin time": ["log_protime"],
    "oedema": ["edema"],
    "age": ["age"],
    "other labs": [
        "ascites",
        "hepato",
        "spiders",
        "log_chol",
        "log_alk.phos",
        "log_ast",
        "log_platelet",
        "stage",
    ],  # fmt: skip
    "missingness flags": visits.MISSINGNESS,
    "time, sex, arm": ["years", "gap", "male", "trt"],
}
# The Mayo score's five inputs by the names the chapter uses (the first five groups above).
MAYO_NAMES = {"log_bili": "bilirubin", "log_albumin": "albumin", "log_protime": "prothrombin time",
              "edema": "oedema", "age": "age"}  # fmt: skip


@dataclass
class RetainResult:
    """Scores of every labelled test visit, AUROCs against Mayo's, RETAIN against the GRU."""

    scores: pd.DataFrame  # one row per labelled test visit: id, visit, day, label, a model each
    auroc: pd.DataFrame  # `auroc_table`, the Mayo score the reference
    versus_gru: dict  # RETAIN's AUROC minus the GRU's: diff, lo, hi, verdict
    runs: dict[str, Run]


def retain_risk(
    vd: visits.VisitData,
    seed: int = 0,
    n_boot: int = 1000,
    recipe: Recipe = VISIT_RISK_RECIPE,
    num_hiddens: int = 16,
    **changes,
) -> RetainResult:
    """Death within two years of each test visit: the Mayo score, the patient-visits chapter's
    GRU and RETAIN, trained alike (same recipe, seed and patients) through `train.train`.
    AUROCs over the labelled test visits with intervals over test patients."""
    steps = vd.steps("test")
    labelled = steps[steps["label"] != IGNORE_INDEX]
    keep = vd.d.y_test != IGNORE_INDEX
    input_size = vd.d.X_train.shape[2]
    builders = {
        GRU: visit_risk_models(input_size, num_hiddens)[GRU],
        RETAIN_NAME: lambda k: RETAIN(k, input_size, num_hiddens, num_hiddens),
    }
    scores, runs = {MAYO: labelled["mayo"].to_numpy()}, {}
    for name, build in builders.items():
        runs[name] = train(build, vd.d, recipe, seed=seed, **changes)
        scores[name] = torch.softmax(runs[name].y_hat, dim=-1)[..., 1][keep].numpy()
    table = labelled[["id", "visit", "day", "label"]].reset_index(drop=True).assign(**scores)
    y, ids = table["label"].to_numpy(), table["id"].to_numpy()
    auroc = auroc_table(y, scores, ids, MAYO, n_boot=n_boot, seed=seed)
    diff, lo, hi = evaluate.paired_difference(
        y, scores[RETAIN_NAME], scores[GRU], ids, evaluate.roc_auc, n_boot, seed
    )
    versus = dict(diff=diff, lo=lo, hi=hi, verdict=evaluate.verdict(diff, (lo, hi)))
    return RetainResult(table, auroc, versus, runs)


def mayo_per_sd(vd: visits.VisitData) -> pd.Series:
    """The Mayo score's weight per training standard deviation of each of its five inputs (in
    the units the models read them): what a one-SD rise adds to the score."""
    std = vd.scaler.std
    return pd.Series({name: w * float(std[name]) for name, w in MAYO_WEIGHTS.items()})


def retain_weights(model: RETAIN, vd: visits.VisitData, part: str = "test") -> pd.DataFrame:
    """RETAIN's weight of each input at each labelled visit t of `part`: the coefficients of
    `retain_coefficients` summed over the visits j <= t, i.e. what the logit would gain if the
    standardised input were one SD higher at every visit so far. One row per labelled visit,
    in the order of `vd.steps(part)`, one column per input."""
    X, y = vd.d.part(part)
    coef, _ = retain_coefficients(model.cpu(), X)  # (patients, t, j, K)
    summed = coef.sum(dim=2)[y != IGNORE_INDEX]  # (labelled visits, K)
    return pd.DataFrame(summed.double().numpy(), columns=vd.features)


def weights_against_mayo(model: RETAIN, vd: visits.VisitData, part: str = "test") -> pd.DataFrame:
    """Mayo's fixed weight per SD of each of its inputs beside RETAIN's (median and quartiles
    over the labelled visits of `part`), each also relative to bilirubin's, and whether the two
    agree in sign (RETAIN's median against Mayo's weight). Rows named as in `MAYO_NAMES`."""
    mayo = mayo_per_sd(vd)
    w = retain_weights(model, vd, part)[list(MAYO_WEIGHTS)]
    median = w.median()
    out = pd.DataFrame({
        "Mayo per SD": mayo,
        "Mayo / bilirubin": mayo / mayo["log_bili"],
        "RETAIN per SD (median)": median,
        "RETAIN 25 %": w.quantile(0.25),
        "RETAIN 75 %": w.quantile(0.75),
        "RETAIN / bilirubin": median / median["log_bili"],
    })  # fmt: skip
    out["same sign"] = np.sign(out["Mayo per SD"]) == np.sign(out["RETAIN per SD (median)"])
    return out.rename(index=MAYO_NAMES)


def patient_contributions(
    model: RETAIN, vd: visits.VisitData, pid: int, part: str = "test"
) -> pd.DataFrame:
    """One patient's risk logit at each of their visits, split by `INPUT_GROUPS` (each group's
    contributions summed over the visits so far), beside the Mayo score's own split of the
    same visit (weight x distance from the training mean, for its five inputs).

    Columns: years, label, logit, bias, then `RETAIN: <group>` and `Mayo: <input>` columns.
    The RETAIN columns plus bias sum to the logit.
    """
    X, _ = vd.d.part(part)
    row = int(np.flatnonzero(vd.ids[part] == pid)[0])
    x = X[row : row + 1].double()
    net = RETAIN(model.head.out_features, x.shape[2], model.embed.out_features,
                 model.rnn_alpha.hidden_size).double()  # fmt: skip
    net.load_state_dict({k: v.double().cpu() for k, v in model.state_dict().items()})
    contributions, bias = (c.numpy() for c in retain_contributions(net, x))
    n = int(x[0, :, 0].sum())
    with torch.no_grad():
        logits = net(x)[0, :n]
    steps = vd.steps(part)
    steps = steps[steps["id"] == pid]
    out = pd.DataFrame({
        "years": steps["day"].to_numpy() / visits.DAYS_PER_YEAR,
        "label": steps["label"].to_numpy(),
        "logit": (logits[:, 1] - logits[:, 0]).numpy(),
        "bias": float(bias),
    })  # fmt: skip
    per_input = contributions[0, :n].sum(axis=1)  # (t, K): summed over the visits j <= t
    for group, names in INPUT_GROUPS.items():
        columns = [vd.features.index(name) for name in names]
        out[f"RETAIN: {group}"] = per_input[:, columns].sum(axis=1)
    mayo = mayo_per_sd(vd)
    for group, name in zip(INPUT_GROUPS, MAYO_WEIGHTS, strict=False):
        z = x[0, :n, 1 + vd.features.index(name)].numpy()
        out[f"Mayo: {group}"] = mayo[name] * z
    return out


# --- GRU-D against the paper's baselines ---------------------------------------------------------

GRUD_MODELS = {"GRU-mean": "mean", "GRU-forward": "forward", "GRU-simple": "simple",
               "GRU-D": "decay"}  # fmt: skip
# name -> (rate, tied to the outcome): the values as recorded, then removed on purpose.
GRUD_SETTINGS = {
    "as recorded": (0.0, False),
    "random, 30 %": (0.3, False),
    "random, 60 %": (0.6, False),
    "tied to death, 30 %": (0.3, True),
    "tied to death, 60 %": (0.6, True),
}
# Fixed in advance, not chosen on validation or test patients: the grid trains every model of
# GRUD_MODELS under every setting with several seeds (60 trainings with three seeds), so for cost
# it takes half the epochs of VISIT_RISK_RECIPE in batches twice as large.
GRUD_RECIPE = Recipe(epochs=20, batch_size=64, lr=3e-3)
# The paired comparisons: (model, against).
GRUD_COMPARISONS = (("GRU-D", "GRU-forward"), ("GRU-D", "GRU-simple"),
                    ("GRU-simple", "GRU-forward"))  # fmt: skip


def grud_builders(gd: GRUDData, num_hiddens: int = 16) -> dict:
    """Model name -> builder: the three GRU baselines (`VisitGRU` on their view) and GRU-D."""
    D = len(gd.variables)
    widths = {"mean": 1 + D, "forward": 1 + D, "simple": 1 + 3 * D}
    out = {}
    for name, view in GRUD_MODELS.items():
        if view == "decay":
            out[name] = lambda k: GRUD(k, D, num_hiddens, dropout=0.1)
        else:
            out[name] = lambda k, n=widths[view]: VisitGRU(k, n, num_hiddens, dropout=0.1)
    return out


@dataclass
class GRUDResult:
    """What `grud_comparison` returns."""

    aurocs: pd.DataFrame  # one row per (setting, model, seed): auroc
    table: pd.DataFrame  # one row per setting, one column per model: mean AUROC over seeds
    differences: pd.DataFrame  # one row per (setting, model, against): both intervals, verdicts
    scores: dict[str, pd.DataFrame]  # setting -> labelled test visits, seed-mean risk per model
    missing: pd.Series  # setting -> share of lab values missing (all visits)


def grud_comparison(
    table: pd.DataFrame,
    split: visits.PatientSplit,
    settings: dict = GRUD_SETTINGS,
    seeds=(0, 1, 2),
    recipe: Recipe = GRUD_RECIPE,
    num_hiddens: int = 16,
    n_boot: int = 500,
    removal_seed: int = 0,
) -> GRUDResult:
    """GRU-mean, GRU-forward, GRU-simple and GRU-D on the same patients, split and labels, under
    each missingness setting (`remove_values`, the same removal in every part), each with
    every seed. AUROC of every run on the labelled test visits; for each of
    `GRUD_COMPARISONS`, the difference paired by seed (`evaluate.seed_difference`) and the
    difference of the seed-averaged risks paired over test patients
    (`evaluate.paired_difference`), each with its verdict."""
    rows, scores, diffs, missing = [], {}, {}, {}
    for setting, (rate, tied) in settings.items():
        removed = remove_values(table, rate, tied, removal_seed) if rate > 0 else table
        gd = grud_data(removed, split)
        D = len(gd.variables)
        X_all = torch.cat([gd.d.part(p)[0] for p in ("train", "valid", "test")])
        real = X_all[:, :, 0] > 0
        masks = X_all[:, :, 1 + D : 1 + 2 * D][real][:, : len(LABS)]  # the labs
        missing[setting] = float(1 - masks.mean())
        keep = gd.d.y_test != IGNORE_INDEX
        y = gd.d.y_test[keep].numpy()
        ids = np.repeat(gd.ids["test"], keep.sum(dim=1).numpy())
        risk = {}
        for name, build in grud_builders(gd, num_hiddens).items():
            d = grud_view(gd, GRUD_MODELS[name])
            per_seed = []
            for seed in seeds:
                run = train(build, d, recipe, seed=seed)
                p = torch.softmax(run.y_hat, dim=-1)[..., 1][keep].numpy()
                per_seed.append(p)
                rows.append(dict(setting=setting, model=name, seed=seed,
                                 auroc=evaluate.roc_auc(y, p)))  # fmt: skip
            risk[name] = np.mean(per_seed, axis=0)
        scores[setting] = pd.DataFrame({"id": ids, "label": y, **risk})
        runs = pd.DataFrame(rows)
        runs = runs[runs["setting"] == setting]
        for a, b in GRUD_COMPARISONS:
            auc_a = runs[runs["model"] == a].set_index("seed")["auroc"]
            auc_b = runs[runs["model"] == b].set_index("seed")["auroc"]
            s_diff, s_lo, s_hi = evaluate.seed_difference(auc_a, auc_b.loc[auc_a.index])
            p_diff, p_lo, p_hi = evaluate.paired_difference(
                y, risk[a], risk[b], ids, evaluate.roc_auc, n_boot, removal_seed
            )
            diffs[(setting, a, b)] = dict(
                seed_diff=s_diff, seed_lo=s_lo, seed_hi=s_hi,
                seed_verdict=evaluate.verdict(s_diff, (s_lo, s_hi)),
                patient_diff=p_diff, patient_lo=p_lo, patient_hi=p_hi,
                patient_verdict=evaluate.verdict(p_diff, (p_lo, p_hi)),
            )  # fmt: skip
    aurocs = pd.DataFrame(rows)
    summary = aurocs.pivot_table(index="setting", columns="model", values="auroc", aggfunc="mean")
    summary = summary.loc[list(settings), list(GRUD_MODELS)]
    differences = pd.DataFrame(diffs).T
    differences.index.names = ["setting", "model", "against"]
    floats = [c for c in differences.columns if not c.endswith("verdict")]
    differences = differences.astype(dict.fromkeys(floats, float))
    return GRUDResult(aurocs, summary, differences, scores, pd.Series(missing))
