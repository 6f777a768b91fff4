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
baseline over the same test people (a bootstrap that draws whole matched sets), so what makes a
person easy or hard cancels.
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
    its 95 % bootstrap interval over `groups` (matched sets, or people), and the verdict."""
    rows = []
    for a, b in pairs:
        diff, lo, hi = evaluate.paired_difference(y, p[a], p[b], groups, evaluate.roc_auc,
                                                  n_boot, seed)  # fmt: skip
        rows.append({"model": a, "against": b, "difference": diff, "low": lo, "high": hi,
                     "verdict": evaluate.verdict(diff, (lo, hi))})  # fmt: skip
    return pd.DataFrame(rows)


def scores_table(y: np.ndarray, p: dict[str, np.ndarray], groups, n_boot: int = 1000):
    """AUROC (with its 95 % interval over `groups`), AUPRC, Brier score and mean predicted risk
    against the observed rate, one row per model."""
    rows = []
    for name, prob in p.items():
        s = evaluate.scores(y, prob, 0.5)
        lo, hi = evaluate.bootstrap_by_group(y, prob, groups, evaluate.roc_auc, n_boot)
        rows.append({"model": name, "AUROC": s["auroc"], "low": lo, "high": hi,
                     "AUPRC": s["auprc"], "Brier": s["brier"], "mean risk": prob.mean(),
                     "observed": y.mean()})  # fmt: skip
    return pd.DataFrame(rows).set_index("model")


def subgroups(
    y: np.ndarray, p: np.ndarray, people: pd.DataFrame, n_boot: int = 500
) -> pd.DataFrame:
    """AUROC (95 % interval over matched sets) and mean predicted risk against the observed death
    rate, by sex and by age band: where a model serves some people worse than others."""
    band = pd.cut(people["age"], AGE_BANDS, right=False,
                  labels=["under 50", "50 to 64", "65 and over"])  # fmt: skip
    groups = {"women": people["male"] == 0, "men": people["male"] == 1}
    groups |= {f"age {b}": band == b for b in band.cat.categories}
    ids = cohort_module.matched_sets(people)  # resample whole matched sets
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


def seed_check(rd: RecordData, death: DeathComparison, seeds=(1, 2), recipe=DEATH_RECIPE):
    """The GRU against its shuffled twin and against the order-free summary, retrained with other
    seeds: one row per (seed, baseline) with the paired AUROC difference over matched sets and its
    verdict. The intervals above hold the training seed fixed; this shows how much it moves them."""
    d = death_data(rd)
    sets = cohort_module.matched_sets(death.people)
    rows = []
    for seed in seeds:
        shuffled = death_data(rd, shuffle_visits(rd.tensors.X, rd.tensors.lengths, seed))
        p = {SUMMARY: death.p[SUMMARY]}
        for name, data in ((GRU, d), (SHUFFLED, shuffled)):
            run = train(code_gru(), data, recipe, seed=seed)
            p[name] = last_step(run.y_hat, run.data.y_test)
        table = compare(death.y, p, [(GRU, SHUFFLED), (GRU, SUMMARY)], sets)
        rows.append(table.assign(seed=seed))
    return pd.concat(rows, ignore_index=True)


# --- task 2: the codes of the next year, at every visit ---------------------------------------------


@dataclass
class CodesComparison:
    """Every model's P(code within a year) at every test visit, `(visits, codes)` each."""

    y: np.ndarray  # (visits, codes): 1, 0, or NaN (unknown)
    groups: np.ndarray  # (visits,) the matched set of each visit's person
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
    sets = cohort_module.matched_sets(
        rd.cohort.people.set_index("id").loc[rt.ids[te]].reset_index()
    )
    groups = np.repeat(sets, real[te].sum(axis=1))  # each visit's matched set
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


# --- task 3: time to death from the index date ---------------------------------------------------------

HAZARD_RECIPE = Recipe(epochs=8, batch_size=128, lr=1e-2, loss="hazard", bucket=True)
COX_SUMMARY, COX_STATIC, HAZARD_GRU = "Cox, order-free summary", "Cox, static facts", "hazard GRU"
SURVIVAL_PAIRS = [(HAZARD_GRU, COX_SUMMARY), (HAZARD_GRU, COX_STATIC), (COX_SUMMARY, COX_STATIC)]
HORIZON_YEARS = 5.0  # the AUC and the Brier score at five years after the index date
TAU_YEARS = 10.0  # Uno's C counts the pairs whose earlier death is within ten years


@dataclass
class RecordSurvival:
    """Each model's S(5 years) for the same test people, and the metrics with their intervals."""

    years: np.ndarray  # (people,) from the index date to death or the end of follow-up (or TAU)
    death: np.ndarray  # (people,) 1 died then, 0 censored
    survival: dict[str, np.ndarray]  # model -> (people,) predicted S(HORIZON_YEARS)
    metrics: pd.DataFrame  # one row per (metric, model): value, low, high
    differences: (
        pd.DataFrame
    )  # one row per (metric, model, against): difference, low, high, verdict
    run: Run


def hazard_gru(num_hiddens: int = NUM_HIDDENS):
    """The builder of the survival chapter's recurrent hazard model on the records' channels
    (one cause: death)."""
    from ..visit_models import HazardGRU

    def build(num_classes: int) -> HazardGRU:
        return HazardGRU(1, survival.NUM_INTERVALS, len(records.channel_names()), num_hiddens, 0.0)

    build.__name__ = "hazard GRU over the visits"
    return build


def _cox_fit(features: np.ndarray, years: np.ndarray, death: np.ndarray, rows: dict):
    """Cox's model (lifelines, a ridge penalty of 0.1 on standardised inputs: without it the
    correlated summary columns do not converge) on the
    training people; returns S(HORIZON_YEARS) for the test people."""
    from lifelines import CoxPHFitter

    keep = features[rows["train"]].std(axis=0) > 0  # a constant column has no coefficient
    mean = features[rows["train"]][:, keep].mean(axis=0)
    sd = features[rows["train"]][:, keep].std(axis=0)
    columns = [f"x{k}" for k in range(int(keep.sum()))]

    def frame(part: str) -> pd.DataFrame:
        return pd.DataFrame((features[rows[part]][:, keep] - mean) / sd, columns=columns)

    train_frame = frame("train").assign(years=years[rows["train"]], death=death[rows["train"]])
    fitter = CoxPHFitter(penalizer=0.1).fit(train_frame, "years", "death")
    curve = fitter.predict_survival_function(frame("test"), times=[HORIZON_YEARS])
    return curve.to_numpy()[0]


def records_survival(rd: RecordData, seed: int = 0, recipe: Recipe = HAZARD_RECIPE,
                     n_boot: int = 300) -> RecordSurvival:  # fmt: skip
    """The hazard GRU on each person's history up to the index date, against Cox's model on the
    order-free summary of the same history and on the static facts, every person followed from
    the index date (censoring handled by the likelihood and by the metrics' weights). Uno's C,
    the AUC and the Brier score at five years, with a bootstrap over the same test people (whole matched sets)."""
    rt = rd.tensors
    p = rd.cohort.people.set_index("id").loc[rt.ids]
    years = p["futime"].to_numpy() / DAYS_PER_YEAR
    death = p["status"].to_numpy().astype(np.int64)
    N, L = rt.X.shape[:2]
    y = np.full((N, L, 2), IGNORE_INDEX, dtype=np.int64)
    y[np.arange(N), rt.lengths - 1] = survival.hazard_targets(years, death, causes=(0, 1))
    d = SeqData(*_part_tensors(rd, rt.X, y), task="survival", split="matched set",
                classes=("death",), mean=0.0, std=1.0)  # fmt: skip
    run = train(hazard_gru(), d, recipe, seed=seed)
    te, tr = rd.rows["test"], rd.rows["train"]
    landmark = run.y_hat[torch.arange(len(te)), torch.from_numpy(rt.lengths[te] - 1)]
    k = round(HORIZON_YEARS / survival.WIDTH) - 1  # the interval ending at five years
    features = death_features(rd)
    S = {
        COX_STATIC: _cox_fit(features[STATIC_ONLY], years, death, rd.rows),
        COX_SUMMARY: _cox_fit(features[SUMMARY], years, death, rd.rows),
        HAZARD_GRU: survival.predicted_survival(landmark)[:, k],
    }
    # Follow-up ends at TAU_YEARS for the metrics (deaths later count as censored there): beyond
    # the training people's longest follow-up the censoring weights do not exist.
    t, e = np.minimum(years[te], TAU_YEARS), death[te] * (years[te] <= TAU_YEARS)
    sets = cohort_module.matched_sets(p.iloc[te].reset_index())
    W = survival.resample_weights(sets, n_boot, seed)  # (n_boot, test people), by matched set
    values, boots = {}, {}
    for name, s in S.items():
        for metric, terms in (
            ("Uno's C", survival.uno_terms(t, e, 1 - s, years[tr], death[tr], TAU_YEARS)),
            ("AUC at 5 y", survival.auc_terms(t, e, 1 - s, HORIZON_YEARS, years[tr], death[tr])),
        ):
            values[(metric, name)] = terms.value()
            boots[(metric, name)] = survival.bootstrap_ratio(terms, W)
        brier = survival.brier_terms(t, e, s, HORIZON_YEARS, years[tr], death[tr])
        values[("Brier at 5 y", name)] = float(brier.mean())
        boots[("Brier at 5 y", name)] = (W @ brier) / W.sum(axis=1)
    metrics = pd.DataFrame(
        [(m, n, v, *evaluate.percentile_interval(boots[(m, n)])) for (m, n), v in values.items()],
        columns=["metric", "model", "value", "low", "high"],
    ).set_index(["metric", "model"])
    rows = []
    for metric in dict.fromkeys(m for m, _ in values):
        for a, b in SURVIVAL_PAIRS:
            diff = values[(metric, a)] - values[(metric, b)]
            lo, hi = evaluate.percentile_interval(boots[(metric, a)] - boots[(metric, b)])
            higher = not metric.startswith("Brier")  # a lower Brier score is better
            rows.append({"metric": metric, "model": a, "against": b, "difference": diff,
                         "low": lo, "high": hi,
                         "verdict": evaluate.verdict(diff, (lo, hi), higher)})  # fmt: skip
    return RecordSurvival(t, e, S, metrics, pd.DataFrame(rows), run)
