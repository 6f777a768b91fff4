"""The health-records chapter: coded histories of a population cohort, two tasks, honest baselines.

`record_data` reads the cohort (`rnnbook.cohort`), splits it by matched set and builds every
person's visits up to the index date (`rnnbook.records`). Two tasks, each against baselines
stated before training:

* many-to-one, `death_data`: death within `DEATH_YEARS` years of the index date, from the
  history before it (people censored earlier have no label and are left out);
* many-to-many, `codes_data`: at every visit, which of the ten codes the person gets within a
  year (recall@k and per-code AUROC).

The models: `CodeGRU` on the history; the same on the history with its visit order shuffled
(`shuffle_visits`); logistic regression on the order-free summary of the same history
(`records.summary_features`) and on the static facts alone. `compare` pairs each model with a
baseline over the same test people (a bootstrap over people), so what makes a person easy or
hard cancels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .. import cohort as cohort_module
from .. import evaluate, records, survival
from ..cohort import CODES, Cohort
from ..data import IGNORE_INDEX, SeqData
from ..recipe import Recipe
from ..train import Run, train
from ..visit_models import CodeGRU
from ..visits import DAYS_PER_YEAR

DEATH_YEARS = 5
# No early stopping (validation accuracy says nothing when 93 % of people survive): a fixed
# number of epochs, each recipe the best on the validation part of three tried (8 or 16 epochs,
# a one-cycle rate peaking at 3e-3 or 1e-2; batches of 128 or 64 people).
DEATH_RECIPE = Recipe(epochs=8, batch_size=128, lr=1e-2, bucket=True)
CODES_RECIPE = Recipe(epochs=10, batch_size=64, lr=1e-2, loss="multilabel", bucket=True)
NUM_EMBED, NUM_HIDDENS = 8, 32
RECALL_K = 3
AGE_BANDS = (0, 50, 65, 200)  # under 50, 50 to 64, 65 and over


@dataclass
class RecordData:
    """A cohort as tensors, with its split: `rows[part]` indexes the people of a part in
    `tensors` (`tensors.ids` order)."""

    cohort: Cohort
    visits: pd.DataFrame
    tensors: records.RecordTensors
    rows: dict[str, np.ndarray]


def record_data(c: Cohort, seed: int = 0, max_visits: int = records.MAX_VISITS) -> RecordData:
    """The cleaned cohort's visits up to the index date as tensors, standardised with the
    training part's measurements, and the split by matched set."""
    ids = cohort_module.split_sets(c.people, seed)
    train_part = Cohort(
        c.people[c.people["id"].isin(ids["train"])],
        c.measurements[c.measurements["id"].isin(ids["train"])],
        c.events[c.events["id"].isin(ids["train"])],
    )
    visits = records.visit_table(c, max_visits=max_visits)
    rt = records.visit_tensors(c, visits, records.scale_of(train_part))
    rows = {part: np.searchsorted(rt.ids, part_ids) for part, part_ids in ids.items()}
    return RecordData(c, visits, rt, rows)


def death_labels(rd: RecordData, years: float = DEATH_YEARS) -> np.ndarray:
    """Per person: 1 died within `years` of the index date, 0 followed up longer, -100 unknown
    (alive when follow-up ended earlier: censored)."""
    p = rd.cohort.people.set_index("id").loc[rd.tensors.ids]
    horizon = years * DAYS_PER_YEAR
    died = (p["status"] == 1) & (p["futime"] <= horizon)
    return np.where(died, 1, np.where(p["futime"] > horizon, 0, IGNORE_INDEX))


def _part_tensors(rd: RecordData, X: np.ndarray, y: np.ndarray, keep: np.ndarray | None = None):
    tensors = []
    for part in ("train", "valid", "test"):
        rows = rd.rows[part] if keep is None else rd.rows[part][keep[rd.rows[part]]]
        tensors += [torch.from_numpy(X[rows]), torch.from_numpy(y[rows])]
    return tensors


def death_data(rd: RecordData, X: np.ndarray | None = None) -> SeqData:
    """Many-to-one as many-to-many: the label sits on each person's last visit (the index date)
    and every earlier visit is unlabelled (-100), so `CodeGRU` reads the whole history and is
    scored where it ends. People with no label are left out. `X` replaces the inputs (e.g.
    shuffled)."""
    X = rd.tensors.X if X is None else X
    label = death_labels(rd)
    N, L = X.shape[:2]
    y = np.full((N, L), IGNORE_INDEX, dtype=np.int64)
    y[np.arange(N), rd.tensors.lengths - 1] = label
    tensors = _part_tensors(rd, X, y, keep=label != IGNORE_INDEX)
    return SeqData(*tensors, task="death", split="matched set", classes=("alive", "died"),
                   mean=0.0, std=1.0)  # fmt: skip


def codes_data(rd: RecordData) -> SeqData:
    """Many-to-many: at every visit, a 0/1 target per code (NaN where unknown or padded)."""
    rt = rd.tensors
    labels = records.next_codes(rd.cohort, rd.visits)  # (visits, codes)
    y = np.full((*rt.X.shape[:2], len(CODES)), np.nan, dtype=np.float32)
    person = np.searchsorted(rt.ids, rd.visits["id"].to_numpy())
    y[person, rd.visits["step"].to_numpy()] = labels
    return SeqData(*_part_tensors(rd, rt.X, y), task="codes", split="matched set",
                   classes=CODES, mean=0.0, std=1.0)  # fmt: skip


def shuffle_visits(X: np.ndarray, lengths: np.ndarray, seed: int = 0) -> np.ndarray:
    """A copy of X with each person's visits before the last (the index date) in a random order:
    the same visits, the order gone. The last visit keeps its place, with what was carried
    forward to it (each measurement's last value), so only the order is taken away."""
    N, L = X.shape[:2]
    keys = np.random.default_rng(seed).random((N, L))
    step = np.arange(L)[None, :]
    keys = np.where(step < (lengths - 1)[:, None], keys, 1.0 + step)  # last and padding stay
    order = np.argsort(keys, axis=1)
    return np.take_along_axis(X, order[:, :, None], axis=1)


def code_gru(num_embed: int = NUM_EMBED, num_hiddens: int = NUM_HIDDENS):
    """The builder (`num_classes -> CodeGRU`) of both tasks' recurrent model."""
    input_size = len(records.channel_names())

    def build(num_classes: int) -> CodeGRU:
        return CodeGRU(num_classes, input_size, len(CODES), num_embed, num_hiddens)

    build.__name__ = "GRU over the visits, codes embedded"
    return build


def last_step(y_hat: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """P(died) at each person's labelled visit (the last), from logits `(people, visits, 2)`."""
    where = y != IGNORE_INDEX  # one labelled step per person
    return torch.softmax(y_hat[where], dim=-1)[:, 1].numpy().astype(np.float64)


def logistic_baseline(features: np.ndarray, y: np.ndarray, rows: dict, weight: str | None = None):
    """Logistic regression (scikit-learn, standardised inputs) fitted on the training rows;
    returns P(y = 1) for the test rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight=weight))
    model.fit(features[rows["train"]], y[rows["train"]])
    return model.predict_proba(features[rows["test"]])[:, 1]


def death_features(rd: RecordData) -> dict[str, np.ndarray]:
    """The baselines' inputs per person, at the index date: the static facts alone, and the
    order-free summary of the history (`records.summary_features` at the last visit)."""
    rt = rd.tensors
    summary = records.summary_features(rt)[np.arange(len(rt.ids)), rt.lengths - 1]
    static = rt.X[np.arange(len(rt.ids)), 0, -len(records.STATIC) :]
    return {"static facts": static, "order-free summary": summary}


def compare(y, p: dict[str, np.ndarray], pairs, groups, n_boot: int = 1000, seed: int = 0):
    """One row per (model, baseline) pair: the AUROC difference over the same test people with
    its 95 % bootstrap interval over people, and the verdict."""
    rows = []
    for a, b in pairs:
        diff, lo, hi = evaluate.paired_difference(y, p[a], p[b], groups, evaluate.roc_auc,
                                                  n_boot, seed)  # fmt: skip
        rows.append({"model": a, "against": b, "difference": diff, "low": lo, "high": hi,
                     "verdict": evaluate.verdict(diff, (lo, hi))})  # fmt: skip
    return pd.DataFrame(rows)


def scores_table(y: np.ndarray, p: dict[str, np.ndarray], groups, n_boot: int = 1000):
    """AUROC (with its 95 % interval over people), AUPRC, Brier score and mean predicted risk
    against the observed rate, one row per model."""
    W = survival.resample_weights(groups, n_boot)  # (n_boot, people): the same draws for all
    rows = []
    for name, prob in p.items():
        s = evaluate.scores(y, prob, 0.5)
        lo, hi = evaluate.percentile_interval(evaluate.weighted_auroc(y, prob, W))
        rows.append({"model": name, "AUROC": s["auroc"], "low": lo, "high": hi,
                     "AUPRC": s["auprc"], "Brier": s["brier"], "mean risk": prob.mean(),
                     "observed": y.mean()})  # fmt: skip
    return pd.DataFrame(rows).set_index("model")


def subgroups(
    y: np.ndarray, p: np.ndarray, people: pd.DataFrame, n_boot: int = 500
) -> pd.DataFrame:
    """AUROC (95 % interval over people) and mean predicted risk against the observed death rate,
    by sex and by age band: where a model serves some people worse than others."""
    band = pd.cut(people["age"], AGE_BANDS, right=False,
                  labels=["under 50", "50 to 64", "65 and over"])  # fmt: skip
    groups = {"women": people["male"] == 0, "men": people["male"] == 1}
    groups |= {f"age {b}": band == b for b in band.cat.categories}
    ids = people["id"].to_numpy()
    rows = []
    for name, mask in groups.items():
        m = mask.to_numpy()
        both = len(np.unique(y[m])) == 2  # AUROC needs a death and a survivor
        auroc = evaluate.roc_auc(y[m], p[m]) if both else np.nan
        lo, hi = evaluate.bootstrap_by_group(y[m], p[m], ids[m], evaluate.roc_auc, n_boot)
        rows.append({"group": name, "people": int(m.sum()), "deaths": int(y[m].sum()),
                     "AUROC": auroc, "low": lo, "high": hi,
                     "mean risk": p[m].mean(), "observed": y[m].mean()})  # fmt: skip
    return pd.DataFrame(rows).set_index("group")


def recall_at_k(y: np.ndarray, p: np.ndarray, k: int = RECALL_K) -> float:
    """Of the codes people got within the year (summed over visits), the share that were among
    the `k` codes the model ranked highest at that visit (Doctor AI's recall@k). Visits where
    nothing came are skipped; `y` (visits, codes) 0/1 with NaN unknown counts as 0."""
    got = np.nan_to_num(y) > 0
    top = np.argsort(-p, axis=1)[:, :k]
    hit = np.take_along_axis(got, top, axis=1).sum()
    return float(hit / got.sum())


def per_code_auroc(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """AUROC of each code over the visits where its target is known."""
    out = np.full(y.shape[1], np.nan)
    for c in range(y.shape[1]):
        known = ~np.isnan(y[:, c])
        if 0 < y[known, c].sum() < known.sum():
            out[c] = evaluate.roc_auc(y[known, c], p[known, c])
    return out


# --- task 1: death within five years of the index date -------------------------------------------------

GRU, SHUFFLED, WEIGHTED = "GRU", "GRU, visits shuffled", "GRU, weighted loss"
STATIC_ONLY, SUMMARY = "static facts", "order-free summary"
RECORD_MODELS = (STATIC_ONLY, SUMMARY, SHUFFLED, GRU, WEIGHTED)  # in the tables' order
DEATH_PAIRS = [(GRU, SUMMARY), (GRU, SHUFFLED), (GRU, STATIC_ONLY), (SUMMARY, STATIC_ONLY)]


@dataclass
class DeathComparison:
    """Every model's P(died within five years) for the same test people."""

    y: np.ndarray  # (people,) 1 died, 0 survived
    people: pd.DataFrame  # the test people: id, age, male, ...
    p: dict[str, np.ndarray]  # model -> (people,) predicted risk
    runs: dict[str, Run]
    class_weights: tuple[float, float]  # of the weighted loss: survived, died


def death_comparison(rd: RecordData, seed: int = 0, recipe: Recipe = DEATH_RECIPE):
    """Train the three recurrent models and fit the two baselines on the same people."""
    label = death_labels(rd)
    keep = {part: rows[label[rows] != IGNORE_INDEX] for part, rows in rd.rows.items()}
    p = {name: logistic_baseline(f, label, keep) for name, f in death_features(rd).items()}
    d = death_data(rd)
    died = float((label[keep["train"]] == 1).mean())
    weights = (1.0, (1 - died) / died)  # both classes weigh the same in total
    runs = {
        SHUFFLED: train(code_gru(), death_data(rd, shuffle_visits(rd.tensors.X, rd.tensors.lengths,
                                                                  seed)), recipe, seed=seed),
        GRU: train(code_gru(), d, recipe, seed=seed),
        WEIGHTED: train(code_gru(), d, recipe.but(class_weights=weights), seed=seed),
    }  # fmt: skip
    p |= {name: last_step(run.y_hat, run.data.y_test) for name, run in runs.items()}
    people = rd.cohort.people.set_index("id").loc[rd.tensors.ids[keep["test"]]].reset_index()
    p = {k: p[k] for k in RECORD_MODELS}
    return DeathComparison(label[keep["test"]], people, p, runs, weights)


# --- task 2: the codes of the next year, at every visit ---------------------------------------------


@dataclass
class CodesComparison:
    """Every model's P(code within a year) at every test visit, `(visits, codes)` each."""

    y: np.ndarray  # (visits, codes): 1, 0, or NaN (unknown)
    groups: np.ndarray  # (visits,) the person of each visit
    p: dict[str, np.ndarray]
    run: Run


def codes_comparison(rd: RecordData, seed: int = 0, recipe: Recipe = CODES_RECIPE):
    """The recurrent model and, per code, logistic regression on the order-free summary at each
    visit and on the static facts alone, trained on the same visits."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    d = codes_data(rd)
    run = train(code_gru(), d, recipe, seed=seed)
    rt = rd.tensors
    real = rt.X[:, :, 0] > 0  # (people, visits)
    summary = records.summary_features(rt)
    tr, te = rd.rows["train"], rd.rows["test"]
    y_train = d.y_train.numpy()[real[tr]]  # (visits, codes)
    p = {}
    for name, columns in ((STATIC_ONLY, slice(-len(records.STATIC), None)), (SUMMARY, slice(None))):
        scaler = StandardScaler().fit(summary[tr][real[tr]][:, columns])
        x_train = scaler.transform(summary[tr][real[tr]][:, columns])
        x_test = scaler.transform(summary[te][real[te]][:, columns])
        p[name] = np.zeros((len(x_test), len(CODES)))
        for k in range(len(CODES)):
            known = ~np.isnan(y_train[:, k])
            fit = LogisticRegression(max_iter=1000).fit(x_train[known], y_train[known, k])
            p[name][:, k] = fit.predict_proba(x_test)[:, 1]
    p[GRU] = torch.sigmoid(run.y_hat).numpy()[real[te]].astype(np.float64)
    groups = np.repeat(rt.ids[te], real[te].sum(axis=1))
    return CodesComparison(d.y_test.numpy()[real[te]], groups, p, run)


def macro_auroc(y: np.ndarray, p: np.ndarray) -> float:
    """The mean of the per-code AUROCs (each code counts the same, however rare)."""
    return float(np.nanmean(per_code_auroc(y, p)))


def codes_table(cc: CodesComparison) -> pd.DataFrame:
    """Recall@k and macro AUROC of each model, and the AUROC of each code."""
    rows = {
        name: {f"recall@{RECALL_K}": recall_at_k(cc.y, p), "macro AUROC": macro_auroc(cc.y, p),
               **dict(zip(CODES, per_code_auroc(cc.y, p), strict=True))}
        for name, p in cc.p.items()
    }  # fmt: skip
    return pd.DataFrame(rows)


def codes_differences(cc: CodesComparison, against=(SUMMARY, STATIC_ONLY), n_boot: int = 300):
    """The GRU minus each baseline on recall@k and macro AUROC, paired over the same test people:
    every resample draws people (all of a person's visits together) and scores both models on
    them, computed for all resamples at once as weights (`survival.resample_weights`)."""
    W = survival.resample_weights(cc.groups, n_boot)  # (n_boot, visits)

    def resampled(p: np.ndarray) -> dict[str, np.ndarray]:  # each metric under each resample
        got = np.nan_to_num(cc.y) > 0
        top = np.argsort(-p, axis=1)[:, :RECALL_K]
        hits = np.take_along_axis(got, top, axis=1).sum(axis=1)
        aurocs = [
            evaluate.weighted_auroc(cc.y[known, k], p[known, k], W[:, known])
            for k in range(len(CODES))
            for known in [~np.isnan(cc.y[:, k])]
        ]
        return {f"recall@{RECALL_K}": (W @ hits) / (W @ got.sum(axis=1)),
                "macro AUROC": np.nanmean(aurocs, axis=0)}  # fmt: skip

    ours = resampled(cc.p[GRU])
    point = {f"recall@{RECALL_K}": recall_at_k, "macro AUROC": macro_auroc}
    rows = []
    for b in against:
        theirs = resampled(cc.p[b])
        for metric, statistic in point.items():
            diff = statistic(cc.y, cc.p[GRU]) - statistic(cc.y, cc.p[b])
            lo, hi = evaluate.percentile_interval(ours[metric] - theirs[metric])
            rows.append({"metric": metric, "model": GRU, "against": b, "difference": diff,
                         "low": lo, "high": hi, "verdict": evaluate.verdict(diff, (lo, hi))})  # fmt: skip
    return pd.DataFrame(rows)


def code_similarity(model: CodeGRU) -> pd.DataFrame:
    """Cosine similarity between the learned embeddings of the codes (the columns of E)."""
    E = model.embed.weight.detach().cpu().numpy().T  # (num_codes, num_embed)
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    return pd.DataFrame(unit @ unit.T, index=CODES, columns=CODES)
