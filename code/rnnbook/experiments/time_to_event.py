"""The time-to-event chapter: follow-up and naive estimates (`follow_up`, `naive_survival`),
Kaplan-Meier by group (`km_by_group`, `km_difference`), the Cox models of the clinic
(`start_stop`, `fit_cox`, `cox_survival`), the recurrent hazard model and its comparison with
them at every test visit and after a landmark (`survival_comparison`), and competing risks
(`competing_risks`).

Times are in years. Death is the event; a transplant is censoring unless the causes say
otherwise. Every model is fitted on the training patients only; every interval is a bootstrap
over the test patients, paired across models (`rnnbook.survival.resample_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .. import evaluate, survival, visits
from ..errors import RNNBookError
from ..train import Run, train

YEAR = visits.DAYS_PER_YEAR
COX_COVARIATES = ["log_bili", "log_albumin", "log_protime", "edema", "age"]
SURVIVAL_HORIZONS = (1, 2, 5)  # years after the landmark visit
LANDMARK_DAY = 365  # each patient's landmark: the visit nearest to one year after entry
TAU = 10.0  # Uno's C counts pairs whose earlier time is within 10 years
WIDTH, NUM_INTERVALS = survival.WIDTH, survival.NUM_INTERVALS  # half-year intervals to 10 years
MAYO, COX, GRU = "Mayo score", "time-varying Cox", "recurrent hazard (GRU)"
SURVIVAL_MODELS = (MAYO, COX, GRU)
COMPARISONS = ((GRU, COX), (GRU, MAYO), (COX, MAYO))


def follow_up(table: pd.DataFrame) -> pd.DataFrame:
    """One row per patient: years of follow-up, status (0 censored, 1 transplant, 2 death),
    death (1 if the patient died), arm, and the Mayo score at the first visit."""
    first = table[table["visit"] == 0].set_index("id")
    return pd.DataFrame({
        "years": first["futime"] / YEAR,
        "status": first["status"],
        "death": (first["status"] == 2).astype(np.int64),
        "trt": first["trt"],
        "mayo": visits.visit_mayo(first),
    })  # fmt: skip


def naive_survival(patients: pd.DataFrame, years: float = 5.0) -> pd.DataFrame:
    """The chance of being alive `years` after entry, three ways: dropping the patients whose
    follow-up ended earlier without a death, counting them as alive, and Kaplan-Meier."""
    t, d = patients["years"].to_numpy(), patients["death"].to_numpy()
    known = (t >= years) | (d == 1)
    dead_by = (t < years) & (d == 1)
    km = survival.survival_at(survival.kaplan_meier(t, d), years)[0]
    return pd.DataFrame({
        "survival": [1 - dead_by[known].mean(), 1 - dead_by.mean(), km],
        "patients used": [int(known.sum()), len(t), len(t)],
    }, index=["censored patients dropped", "censored patients counted alive", "Kaplan-Meier"])  # fmt: skip


def km_by_group(patients: pd.DataFrame, groups: dict[str, np.ndarray], years: float = 5.0):
    """Kaplan-Meier tables of death (`survival.kaplan_meier_table`) for each group (a boolean
    mask over `patients`), and a summary of S(years) with its interval, one row per group."""
    tables, rows = {}, {}
    for name, mask in groups.items():
        p = patients[mask]
        tab = survival.kaplan_meier_table(p["years"], p["death"])
        tables[name] = tab
        s, lo, hi = survival.survival_at(tab[["survival", "lo", "hi"]], years)[0]
        rows[name] = {"patients": int(mask.sum()), "deaths": int(p["death"].sum()),
                      f"{years:g}-year survival": s, "95 % lo": lo, "95 % hi": hi}  # fmt: skip
    return tables, pd.DataFrame(rows).T.astype({"patients": int, "deaths": int})


def km_difference(patients: pd.DataFrame, a: np.ndarray, b: np.ndarray, years: float = 5.0,
                  n_boot: int = 300, seed: int = 0):  # fmt: skip
    """S_a(years) - S_b(years) (Kaplan-Meier of two groups) with a bootstrap interval that draws
    the patients with replacement (each group's patients within it) and its verdict."""
    t, d = patients["years"].to_numpy(), patients["death"].to_numpy()

    def at(rows):
        return survival.survival_at(survival.kaplan_meier(t[rows], d[rows]), years)[0]

    ia, ib = np.flatnonzero(a), np.flatnonzero(b)
    diff = at(ia) - at(ib)
    # Each group's patients are drawn within it (one row per patient: a patient is a group).
    _, draws_a = evaluate.group_draws(ia, n_boot, seed)
    _, draws_b = evaluate.group_draws(ib, n_boot, seed + 1)
    boot = [at(ia[da]) - at(ib[db]) for da, db in zip(draws_a, draws_b, strict=True)]
    lo, hi = evaluate.percentile_interval(np.array(boot))
    return diff, lo, hi, evaluate.verdict(diff, (lo, hi))


# --- the Cox models -------------------------------------------------------------------------------------


def start_stop(table: pd.DataFrame) -> pd.DataFrame:
    """Counting-process rows for a Cox model with time-varying covariates (as Murtaugh et al.
    1994): one row per visit, from the visit (`start`, years since entry) to the next visit or the
    end of follow-up (`stop`), `death` 1 on the last row of a patient who died; the covariates
    are those measured at the visit (age at entry), and the visit's Mayo score."""
    t = table
    stop = t.groupby("id")["day"].shift(-1).fillna(t["futime"])
    last = t["visit"] == t.groupby("id")["visit"].transform("max")
    rows = pd.DataFrame({
        "id": t["id"], "visit": t["visit"], "start": t["day"] / YEAR, "stop": stop / YEAR,
        "death": ((t["status"] == 2) & last).astype(np.int64),
        "log_bili": np.log(t["bili"]), "log_albumin": np.log(t["albumin"]),
        "log_protime": np.log(t["protime"]), "edema": t["edema"], "age": t["age"],
        "mayo": visits.visit_mayo(t),
    })  # fmt: skip
    return rows.reset_index(drop=True)


@dataclass
class CoxFits:
    """The Cox models fitted on the training patients (lifelines)."""

    baseline: object  # CoxPHFitter on the first visits
    varying: object  # CoxTimeVaryingFitter on every visit (start/stop rows)
    mayo: object  # CoxTimeVaryingFitter with the Mayo score as its only covariate

    def hazard_ratios(self, which: str = "varying") -> pd.DataFrame:
        """The hazard ratio e^beta of each covariate of one fit ("baseline", "varying" or "mayo")
        with its 95 % interval, as strings to three significant figures."""
        if which not in ("baseline", "varying", "mayo"):
            raise RNNBookError(f"which is {which!r}; use 'baseline', 'varying' or 'mayo'")
        columns = {"exp(coef)": "hazard ratio", "exp(coef) lower 95%": "95 % lo",
                   "exp(coef) upper 95%": "95 % hi"}  # fmt: skip
        table = getattr(self, which).summary[list(columns)].rename(columns=columns)
        return table.map(significant)


def significant(value: float, digits: int = 3) -> str:
    """`value` to `digits` significant figures, without an exponent (2817.7 -> "2820")."""
    text = np.format_float_positional(
        float(value), precision=digits, unique=False, fractional=False, trim="k"
    )
    return text.rstrip(".")


def fit_cox(table: pd.DataFrame, train_ids: np.ndarray, penalizer: float = 0.0) -> CoxFits:
    """A Cox model on the training patients' first visits, one with time-varying covariates on
    all their visits, and the Mayo score's own baseline survival (a Cox model on it alone)."""
    from lifelines import CoxPHFitter, CoxTimeVaryingFitter

    rows = start_stop(table[table["id"].isin(train_ids)])
    rows = rows[rows["stop"] > rows["start"]]  # a visit on the last day of follow-up adds no time
    first = rows.groupby("id").first()
    first = first.assign(
        years=rows.groupby("id")["stop"].max(), death=rows.groupby("id")["death"].max()
    )
    baseline = CoxPHFitter(penalizer=penalizer).fit(
        first[COX_COVARIATES + ["years", "death"]], duration_col="years", event_col="death"
    )
    columns = ["id", "start", "stop", "death"]
    varying = CoxTimeVaryingFitter(penalizer=penalizer).fit(
        rows[columns + COX_COVARIATES], id_col="id", event_col="death", start_col="start",
        stop_col="stop", show_progress=False,
    )  # fmt: skip
    mayo = CoxTimeVaryingFitter(penalizer=penalizer).fit(
        rows[columns + ["mayo"]], id_col="id", event_col="death", start_col="start",
        stop_col="stop", show_progress=False,
    )  # fmt: skip
    return CoxFits(baseline, varying, mayo)


def cox_survival(fitter, rows: pd.DataFrame, horizons) -> np.ndarray:
    """S(start + h | covariates at the visit) / S(start): the chance of being alive h years after
    each visit, the covariates held at their value there. (visits, horizons)."""
    H = fitter.baseline_cumulative_hazard_.iloc[:, 0]
    start = rows["start"].to_numpy()
    h0 = survival.survival_at(H, start, before=0.0)
    ends = [survival.survival_at(H, start + h, before=0.0) for h in horizons]
    risk = fitter.predict_partial_hazard(rows).to_numpy()
    return np.exp(-(np.stack(ends, axis=1) - h0[:, None]) * risk[:, None])


# --- the comparison at every visit and after a landmark -------------------------------------------------


def landmark_visits(table: pd.DataFrame, day: int = LANDMARK_DAY) -> np.ndarray:
    """Boolean over the visits: each patient's visit nearest to `day` (the earlier if two tie)."""
    distance = (table["day"] - day).abs()
    nearest = distance.groupby(table["id"]).transform("min")
    first = (distance == nearest) & ~(distance == nearest).groupby(table["id"]).shift(
        fill_value=False
    )
    return first.to_numpy()


@dataclass
class SurvivalComparison:
    """Predictions of every model at every test visit and the metrics with their intervals.

    It holds results only; the sentences the chapter glues are written from it by
    `survival_answer`, `measurable_comparisons` and `calibration_words`.
    """

    visits: pd.DataFrame  # one row per test visit: id, day, years (to the end), death, landmark
    survival: dict  # model -> (visits, horizons) predicted S at SURVIVAL_HORIZONS after each visit
    metrics: pd.DataFrame  # one row per (metric, model): value, lo, hi
    differences: pd.DataFrame  # one row per (metric, model, against): diff, lo, hi, verdict
    calibration: pd.DataFrame  # one row per (model, horizon, third): predicted, observed, lo, hi
    cox: CoxFits
    runs: dict[str, Run]

    def verdict_counts(self) -> pd.DataFrame:
        """How many metrics gave each verdict, one row per pair of models compared."""
        v = self.differences["verdict"]
        pairs = [f"{NAMES[a]} against {NAMES[b]}" for _, a, b in v.index]
        counts = pd.crosstab(np.array(pairs), v.to_numpy())
        counts = counts.rename_axis(index="comparison", columns="verdict")
        order = [f"{NAMES[a]} against {NAMES[b]}" for a, b in COMPARISONS]
        columns = [w for w in evaluate.VERDICTS if w in counts.columns]
        return counts.reindex(index=order, columns=columns, fill_value=0)

    def calibration_misses(self, horizons=(2, 5)) -> pd.DataFrame:
        """The rows of `calibration` at `horizons` whose interval of observed survival does not
        cover the mean predicted survival, with the direction of the miss. A third with no death
        by the horizon (observed survival 1, an interval of no width) is not checked."""
        c = self.calibration[self.calibration["horizon"].isin(horizons)]
        checked = c[c["lo"] < c["hi"]]
        miss = checked[
            (checked["predicted"] < checked["lo"]) | (checked["predicted"] > checked["hi"])
        ]
        return miss.assign(
            direction=np.where(miss["predicted"] > miss["hi"], "too high", "too low")
        )


NAMES = {MAYO: "the Mayo score", COX: "the time-varying Cox model", GRU: "the recurrent model"}


def _and(items) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _groups(d: pd.DataFrame):
    """(model, against, verdict) and the metrics with that verdict, in the table's order."""
    keys = {}
    for (metric, a, b), verdict in d["verdict"].items():
        keys.setdefault((a, b, verdict), []).append(metric)
    return keys.items()


# -- the comparison in words: sentences glued into the chapter, each built from the verdicts --


def measurable_comparisons(c: SurvivalComparison) -> str:
    """The comparisons whose interval excludes 0, in words ("none" if there is none)."""
    d = c.differences[c.differences["verdict"] != evaluate.VERDICTS[1]]
    parts = [
        f"{NAMES[a]} against {NAMES[b]} on {_and(rows)} ({verdict})"
        for (a, b, verdict), rows in _groups(d)
    ]
    return "; ".join(parts) if parts else "none"


def survival_answer(c: SurvivalComparison) -> str:
    """A plain answer, from the verdicts, to "is the recurrent model, which reads every
    visit, better than the two models that read only the latest visit?"."""
    v = c.differences.xs(GRU, level="model")["verdict"]
    better, worse = int((v == "better").sum()), int((v == "worse").sum())
    of = f"of its {len(v)} comparisons with the two models that read only the latest visit"
    if better == 0 and worse == 0:
        return f"Not measurably: in none {of} does the recurrent model differ measurably."
    if better == 0:
        return f"No: {of}, the recurrent model comes out worse in {worse} and better in none."
    if worse == 0 and better == len(v):
        return f"Yes: {of}, the recurrent model comes out better in every one."
    if worse == 0:
        # Were nothing different, each 95 % interval would exclude 0 one time in twenty.
        weak = stats.binom.sf(better - 1, len(v), 0.05) >= 0.05
        tail = (
            ", no more than chance alone gives among so many comparisons"
            if weak
            else ", more than chance alone would give"
        )
        return (
            f"On {better} of {len(v)} measures: {of}, the recurrent model comes out better "
            f"in {better} and worse in none{tail}."
        )
    return (
        f"The verdicts are mixed: {of}, the recurrent model comes out better in {better} "
        f"and worse in {worse}."
    )


def calibration_words(c: SurvivalComparison, horizons=(2, 5)) -> str:
    """`c.calibration_misses` in words ("none" if every interval covers its prediction)."""
    thirds = {1: "the riskiest third", 2: "the middle third", 3: "the safest third"}
    parts = [
        f"{thirds[r.group]} by {NAMES[r.model]} at {r.horizon} years "
        f"(predicted survival {r.direction})"
        for r in c.calibration_misses(horizons).itertuples()
    ]
    return _and(parts) if parts else "none"


def visit_survival(
    run: Run, vd: visits.VisitData, part: str, horizons=SURVIVAL_HORIZONS
) -> np.ndarray:
    """The recurrent model's S at `horizons` years after each visit of a part, in the order of
    `vd.steps(part)`: (visits, horizons)."""
    X, _ = vd.d.part(part)
    y_hat = run.trainer.predict(X)  # (patients, max_visits, K, 1 + C)
    keep = X[:, :, 0] > 0
    S = survival.predicted_survival(y_hat[keep])  # (visits, K)
    return S[:, [round(h / WIDTH) - 1 for h in horizons]]


def survival_comparison(table: pd.DataFrame, vd: visits.VisitData, seed: int = 0,
                        n_boot: int = 300, **changes) -> SurvivalComparison:  # fmt: skip
    """The Mayo score, the time-varying Cox model and the recurrent hazard model on the test
    patients' visits: Harrell's and Uno's C over every test visit (risk: predicted chance of death
    within five years), the time-dependent AUC and Brier score 1, 2 and 5 years after each
    patient's landmark visit, calibration there by thirds of predicted risk, with paired patient
    bootstrap intervals (`n_boot`) and a verdict for each difference."""
    cox = fit_cox(table, vd.ids["train"])
    d = survival.survival_data(vd)  # death; a transplant is censoring
    runs = {GRU: train("hazard-gru", d, seed=seed, **changes)}
    rows_all = start_stop(table)
    test = vd.steps("test")
    rows = test[["id", "visit"]].merge(rows_all, on=["id", "visit"], how="left")
    S = {MAYO: cox_survival(cox.mayo, rows, SURVIVAL_HORIZONS), COX: cox_survival(cox.varying, rows, SURVIVAL_HORIZONS),
         GRU: visit_survival(runs[GRU], vd, "test")}  # fmt: skip
    remaining = (test["futime"] - test["day"]).to_numpy() / YEAR
    death = (test["status"] == 2).to_numpy().astype(np.int64)
    ids = test["id"].to_numpy()
    landmark = landmark_visits(test)
    frame = pd.DataFrame({"id": ids, "day": test["day"].to_numpy(), "years": remaining,
                          "death": death, "landmark": landmark})  # fmt: skip

    # Censoring distributions from the training patients: of the time left after every visit,
    # and after the landmark visit.
    train_v = vd.steps("train")
    tr_years = (train_v["futime"] - train_v["day"]).to_numpy() / YEAR
    tr_death = (train_v["status"] == 2).to_numpy().astype(np.int64)
    tr_land = landmark_visits(train_v)

    W = survival.resample_weights(ids, n_boot, seed)  # (n_boot, test visits), by patient
    W_land = W[:, landmark]  # the same patient draws, one row per patient
    terms, brier = {}, {}
    five = SURVIVAL_HORIZONS.index(5)
    for name in SURVIVAL_MODELS:
        risk5 = 1 - S[name][:, five]
        terms[("Harrell's C", name)] = survival.pair_terms(remaining, death, risk5)
        terms[("Uno's C", name)] = survival.uno_terms(
            remaining, death, risk5, tr_years, tr_death, TAU
        )
        for k, h in enumerate(SURVIVAL_HORIZONS):
            s_l = S[name][landmark, k]
            terms[(f"AUC at {h} y", name)] = survival.auc_terms(
                remaining[landmark],
                death[landmark],
                1 - s_l,
                h,
                tr_years[tr_land],
                tr_death[tr_land],
            )
            brier[(f"Brier at {h} y", name)] = survival.brier_terms(
                remaining[landmark], death[landmark], s_l, h, tr_years[tr_land], tr_death[tr_land]
            )
    values, boots = {}, {}
    for key, term in terms.items():
        weights = W if key[0].endswith("C") else W_land
        values[key], boots[key] = term.value(), survival.bootstrap_ratio(term, weights)
    for key, b in brier.items():
        values[key], boots[key] = float(b.mean()), (W_land @ b) / W_land.sum(axis=1)
    metrics = pd.DataFrame({key: {"value": values[key], **dict(zip(("lo", "hi"),
                            evaluate.percentile_interval(boots[key]), strict=True))} for key in values}).T  # fmt: skip
    metrics.index.names = ["metric", "model"]
    diffs = {}
    for metric in dict.fromkeys(k[0] for k in values):
        better_high = not metric.startswith("Brier")
        for a, b in COMPARISONS:
            diff = values[(metric, a)] - values[(metric, b)]
            lo, hi = evaluate.percentile_interval(boots[(metric, a)] - boots[(metric, b)])
            diffs[(metric, a, b)] = {"diff": diff, "lo": lo, "hi": hi,
                                     "verdict": evaluate.verdict(diff, (lo, hi), better_high)}  # fmt: skip
    differences = pd.DataFrame(diffs).T.astype({"diff": float, "lo": float, "hi": float})
    differences.index.names = ["metric", "model", "against"]
    calibration = calibration_table(S, remaining[landmark], death[landmark], landmark)
    return SurvivalComparison(frame, S, metrics.astype(float), differences, calibration, cox, runs)


def calibration_table(S: dict, years: np.ndarray, death: np.ndarray, landmark: np.ndarray,
                      groups: int = 3) -> pd.DataFrame:  # fmt: skip
    """Predicted against observed survival after the landmark: for each model and horizon, the
    patients in thirds of predicted survival, their mean predicted S and the Kaplan-Meier S of
    their deaths, with its interval."""
    rows = []
    for name, s in S.items():
        for k, h in enumerate(SURVIVAL_HORIZONS):
            p = s[landmark, k]
            third = np.searchsorted(
                np.quantile(p, np.linspace(0, 1, groups + 1)[1:-1]), p, side="right"
            )
            for g in range(groups):
                m = third == g
                tab = survival.kaplan_meier_table(years[m], death[m])
                obs, lo, hi = survival.survival_at(tab[["survival", "lo", "hi"]], h)[0]
                rows.append({"model": name, "horizon": h, "group": g + 1, "patients": int(m.sum()),
                             "predicted": float(p[m].mean()), "observed": obs, "lo": lo, "hi": hi})  # fmt: skip
    return pd.DataFrame(rows)


# --- competing risks ------------------------------------------------------------------------------------


@dataclass
class CompetingRisks:
    """What `competing_risks` returns."""

    incidence: pd.DataFrame  # the whole cohort: 1 - KM against Aalen-Johansen, by cause and year
    predicted: pd.DataFrame  # test landmark: mean predicted incidence vs Aalen-Johansen, intervals
    death_c: pd.DataFrame  # Harrell's C for death of the one- and two-cause models, and the diff
    run: Run


def competing_risks(table: pd.DataFrame, vd: visits.VisitData, one_cause: Run,
                    years=(5, 10), seed: int = 0, n_boot: int = 300,
                    **changes) -> CompetingRisks:  # fmt: skip
    """Transplant as a cause of its own. On all patients: the chance of death by `years` as
    1 - Kaplan-Meier with a transplant censored, against the Aalen-Johansen cumulative incidence
    of death and of transplant. On the test patients: the recurrent model with one hazard head per
    cause (transplant, death), its mean predicted incidence of each after the landmark visit
    against the Aalen-Johansen estimate there (intervals over test patients), and its Harrell's C
    for death against the death-only model (`one_cause`) over every test visit, paired."""
    patients = follow_up(table)
    t, status = patients["years"].to_numpy(), patients["status"].to_numpy()
    km_death = survival.kaplan_meier(t, (status == 2).astype(int))
    km_tx = survival.kaplan_meier(t, (status == 1).astype(int))
    cif = survival.cumulative_incidence(t, status, causes=(1, 2))
    incidence = pd.DataFrame({
        f"{y} years": {
            "death: 1 - Kaplan-Meier (transplant censored)": 1 - survival.survival_at(km_death, y)[0],
            "death: cumulative incidence": survival.survival_at(cif[2], y, before=0.0)[0],
            "transplant: 1 - Kaplan-Meier (death censored)": 1 - survival.survival_at(km_tx, y)[0],
            "transplant: cumulative incidence": survival.survival_at(cif[1], y, before=0.0)[0],
        } for y in years
    })  # fmt: skip

    d2 = survival.survival_data(vd, causes=(1, 2))
    run = train("hazard-gru", d2, seed=seed, **changes)
    X = vd.d.X_test
    keep = X[:, :, 0] > 0
    F = survival.predicted_incidence(run.trainer.predict(X)[keep])  # (visits, K, 2)
    test = vd.steps("test")
    landmark = landmark_visits(test)
    remaining = (test["futime"] - test["day"]).to_numpy() / YEAR
    status_v = test["status"].to_numpy()
    ids = test["id"].to_numpy()
    W = survival.resample_weights(ids, n_boot, seed)[:, landmark]
    rng_rows = [np.repeat(np.arange(landmark.sum()), w.astype(int)) for w in W]
    r_l, s_l, F_l = remaining[landmark], status_v[landmark], F[landmark]
    rows = {}
    for cause, name in ((2, "death"), (1, "transplant")):
        for h in SURVIVAL_HORIZONS:
            k = round(h / WIDTH) - 1
            pred = F_l[:, k, cause - 1]

            def aj(r, cause=cause, h=h):
                return survival.survival_at(survival.cumulative_incidence(r_l[r], s_l[r])[cause], h,
                                            before=0.0)[0]  # fmt: skip

            obs = aj(np.arange(len(r_l)))
            b_pred = [pred[r].mean() for r in rng_rows]
            b_obs = [aj(r) for r in rng_rows]
            rows[(name, h)] = {"predicted": pred.mean(), "predicted lo": evaluate.percentile_interval(b_pred)[0],
                               "predicted hi": evaluate.percentile_interval(b_pred)[1], "Aalen-Johansen": obs,
                               "AJ lo": evaluate.percentile_interval(b_obs)[0], "AJ hi": evaluate.percentile_interval(b_obs)[1]}  # fmt: skip
    predicted = pd.DataFrame(rows).T
    predicted.index.names = ["cause", "years after the landmark"]

    death = (status_v == 2).astype(np.int64)
    five = round(5 / WIDTH) - 1
    risk_two = F[:, five, 1]
    risk_one = 1 - visit_survival(one_cause, vd, "test", horizons=(5,))[:, 0]
    W_all = survival.resample_weights(ids, n_boot, seed)
    t2, t1 = (
        survival.pair_terms(remaining, death, risk_two),
        survival.pair_terms(remaining, death, risk_one),
    )
    b2, b1 = survival.bootstrap_ratio(t2, W_all), survival.bootstrap_ratio(t1, W_all)
    diff = t2.value() - t1.value()
    lo, hi = evaluate.percentile_interval(b2 - b1)
    death_c = pd.DataFrame({
        "Harrell's C (death)": [t2.value(), t1.value(), diff],
        "95 % lo": [*evaluate.percentile_interval(b2)[:1], *evaluate.percentile_interval(b1)[:1], lo],
        "95 % hi": [*evaluate.percentile_interval(b2)[1:], *evaluate.percentile_interval(b1)[1:], hi],
    }, index=["two causes", "death only", "difference"])  # fmt: skip
    death_c.attrs["verdict"] = evaluate.verdict(diff, (lo, hi))
    return CompetingRisks(incidence, predicted.astype(float), death_c, run)
