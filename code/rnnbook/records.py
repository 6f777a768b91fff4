"""From a cohort's long event tables to visit sequences and tensors, without a loop over rows.

The population cohort (`rnnbook.cohort`) comes as long tables: one row per measurement, one row
per coded diagnosis, each on a day counted from the person's index date. A recurrent model reads
one sequence per person, so:

1. `visit_table`: every distinct day on which a person has a measurement or a code, up to the
   landmark day, plus the landmark itself, is a *visit* (one row each, sorted);
2. `visit_tensors` fills a padded batch `(people, max_visits, 1 + features)` in the layout of
   `rnnbook.visits.visit_data` (channel 0 is 1 at a real visit, so `VisitGRU` reads it): the
   visit's codes as a multi-hot vector, the years since the previous visit, each measurement
   (carried forward from where it was last seen, standardised), whether it was measured at this
   visit, the years since it was last seen, and the person's static facts (times as
   log(1 + years));
3. `next_codes` labels every visit with the codes the person gets within a year after it;
   `summary_features` is the order-free summary of the same history (counts of each code, last
   value and trend of each measurement), for the baselines.

Every step is a NumPy or pandas operation on whole columns (sort, `searchsorted`, `np.add.at`,
cumulative maxima), so the time grows with the number of rows, not with Python loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cohort import CODES, Cohort
from .errors import DataError
from .visits import DAYS_PER_YEAR

MEASURES = ("hdl", "sbp", "smoke", "fib4")  # what is left of the tests once the copies go
STATIC = ("age", "male", "bmi", "bmi_missing")
MAX_VISITS = 64  # the most recent visits kept per person (10 of 17,549 people have more)
NEVER_SEEN_YEARS = 10.0  # "years since last seen" of a measurement never seen, and its cap
HORIZON_DAYS = 365  # next_codes: the codes a person gets within a year after a visit


@dataclass
class RecordTensors:
    """A cohort's histories as a padded batch, in people's `ids` order.

    `X` `(people, max_visits, 1 + features)` with the channels named in `channels`; `days`
    `(people, max_visits)` the day of each visit (the landmark day at padding); `lengths`
    `(people,)` visits per person. A person's visits come first, padding after.
    """

    ids: np.ndarray
    X: np.ndarray
    days: np.ndarray
    lengths: np.ndarray
    channels: list[str]

    def channel(self, name: str) -> int:
        return self.channels.index(name)


def visit_table(cohort: Cohort, landmark: int = 0, max_visits: int = MAX_VISITS) -> pd.DataFrame:
    """One row per visit up to `landmark` (a day), sorted by person and day: `id`, `days`,
    `step` (0, 1, ... within the person). A visit is a day with a measurement or a code; every
    person also gets a visit on the landmark day, so every sequence ends there. Only the last
    `max_visits` visits of a person are kept."""
    parts = [cohort.measurements[["id", "days"]], cohort.events[["id", "days"]]]
    days = pd.concat([*parts, cohort.people[["id"]].assign(days=landmark)], ignore_index=True)
    days = days[days["days"] <= landmark].drop_duplicates()
    days = days.sort_values(["id", "days"], kind="stable").reset_index(drop=True)
    from_end = days.groupby("id").cumcount(ascending=False)  # 0 at the landmark
    days = days[from_end < max_visits].reset_index(drop=True)
    days["step"] = days.groupby("id").cumcount()
    return days


def _locate(visits: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each of `rows` (id, days), its visit's row in `visits`, and whether it has one."""
    key = visits["id"].to_numpy(np.int64) * 100_000 + visits["days"].to_numpy(np.int64)
    wanted = rows["id"].to_numpy(np.int64) * 100_000 + rows["days"].to_numpy(np.int64)
    at = np.searchsorted(key, wanted).clip(max=len(key) - 1)
    return at, key[at] == wanted


def channel_names() -> list[str]:
    """The channels of `visit_tensors`' X, in order."""
    measured = [f"{m}_measured" for m in MEASURES]
    since = [f"{m}_years_since" for m in MEASURES]
    return ["visit", *CODES, "gap_years", *MEASURES, *measured, *since, *STATIC]


def visit_tensors(
    cohort: Cohort,
    visits: pd.DataFrame,
    scale: dict[str, tuple[float, float]] | None = None,
) -> RecordTensors:
    """The padded batch of every person's visits (see the module's docstring for the channels).

    `scale` maps each measurement and `age`, `bmi` to the (mean, sd) that standardise it; None
    computes them from this cohort (pass the training part's to the others).
    """
    people = cohort.people.reset_index(drop=True)
    ids = people["id"].to_numpy()
    person = np.searchsorted(ids, visits["id"].to_numpy())  # (visits,) row of each visit's person
    step = visits["step"].to_numpy()
    N, L = len(ids), int(step.max()) + 1
    C, M = len(CODES), len(MEASURES)
    channels = channel_names()
    X = np.zeros((N, L, len(channels)), dtype=np.float32)
    days = np.zeros((N, L), dtype=np.float64)
    X[person, step, 0] = 1.0
    days[person, step] = visits["days"].to_numpy()
    lengths = np.bincount(person, minlength=N)
    last_day = days[np.arange(N), lengths - 1]
    days = np.where(X[:, :, 0] > 0, days, last_day[:, None])  # padding: the last visit's day
    # Times as log(1 + years): a gap of decades and one of days on scales a tanh can tell apart.
    X[:, 1:, 1 + C] = np.log1p(np.diff(days, axis=1) / DAYS_PER_YEAR)  # 0 at the first visit

    # Codes: a multi-hot vector per visit.
    e = cohort.events
    at, found = _locate(visits, e)
    code = pd.Categorical(e["event"], categories=CODES).codes
    keep = found & (code >= 0)
    X[person[at[keep]], step[at[keep]], 1 + code[keep]] = 1.0

    # Measurements: the mean of a day's values, standardised, carried forward; flags; ages.
    m = cohort.measurements
    scale = scale or scale_of(cohort)
    at, found = _locate(visits, m)
    test = pd.Categorical(m["test"], categories=MEASURES).codes
    keep = found & (test >= 0)
    mean = np.array([scale[t][0] for t in MEASURES])
    sd = np.array([scale[t][1] for t in MEASURES])
    z = (m["value"].to_numpy()[keep] - mean[test[keep]]) / sd[test[keep]]
    sums, counts = np.zeros((N, L, M)), np.zeros((N, L, M))
    np.add.at(sums, (person[at[keep]], step[at[keep]], test[keep]), z)
    np.add.at(counts, (person[at[keep]], step[at[keep]], test[keep]), 1.0)
    measured = counts > 0
    # Carry forward: at each visit, the index of the last visit with the measurement.
    steps = np.where(measured, np.arange(L)[None, :, None], -1)
    last = np.maximum.accumulate(steps, axis=1)  # (N, L, M), -1 where never seen yet
    value = np.where(measured, sums / np.maximum(counts, 1), 0.0)
    carried = np.take_along_axis(value, last.clip(min=0), axis=1) * (last >= 0)
    seen_day = np.take_along_axis(np.repeat(days[:, :, None], M, axis=2), last.clip(min=0), axis=1)
    since = np.where(last >= 0, (days[:, :, None] - seen_day) / DAYS_PER_YEAR, NEVER_SEEN_YEARS)
    first = 2 + C
    X[:, :, first : first + M] = carried
    X[:, :, first + M : first + 2 * M] = measured
    X[:, :, first + 2 * M : first + 3 * M] = np.log1p(since.clip(max=NEVER_SEEN_YEARS))

    # Static facts, on every visit: age and BMI standardised, BMI 0 (the mean) where missing.
    bmi = people["bmi"].to_numpy()
    static = np.stack([
        (people["age"].to_numpy() - scale["age"][0]) / scale["age"][1],
        people["male"].to_numpy(),
        np.where(np.isnan(bmi), 0.0, (bmi - scale["bmi"][0]) / scale["bmi"][1]),
        np.isnan(bmi),
    ], axis=1)  # fmt: skip
    X[:, :, -len(STATIC) :] = static[:, None, :]
    X *= X[:, :, :1]  # padding stays all zeros
    return RecordTensors(ids, X, days, lengths, channels)


def scale_of(cohort: Cohort) -> dict[str, tuple[float, float]]:
    """(mean, sd) of each measurement, of age and of BMI, in this cohort; a `DataError` if one
    of them cannot standardise (fewer than two values, or all equal: no sd to divide by)."""
    m = cohort.measurements
    columns = {t: m.loc[m["test"] == t, "value"] for t in MEASURES}
    columns |= {c: cohort.people[c].dropna() for c in ("age", "bmi")}
    scale = {}
    for name, values in columns.items():
        mean, sd = float(values.mean()), float(values.std())
        if not sd > 0:  # NaN with fewer than two values
            raise DataError(
                f"cannot standardise {name}: {len(values)} values in this cohort "
                "(at least two that differ are needed)"
            )
        scale[name] = (mean, sd)
    return scale


def next_codes(cohort: Cohort, visits: pd.DataFrame, horizon: int = HORIZON_DAYS) -> np.ndarray:
    """`(visits, codes)`: 1 if the person gets the code within `horizon` days after the visit
    (the day after it to `horizon` days later), 0 if not and still followed up then, NaN if
    follow-up ends before with no such code (unknown: censored)."""
    V, C = len(visits), len(CODES)
    key = visits["id"].to_numpy(np.int64) * 100_000 + visits["days"].to_numpy(np.int64)
    e = cohort.events
    code = pd.Categorical(e["event"], categories=CODES).codes
    base = e["id"].to_numpy(np.int64) * 100_000
    day = e["days"].to_numpy(np.int64)
    # The visits with day in [event day - horizon, event day) see the event within the horizon.
    lo = np.searchsorted(key, base + day - horizon, side="left")
    hi = np.searchsorted(key, base + day, side="left")
    marks = np.zeros((V + 1, C))
    np.add.at(marks, (lo, code), 1.0)
    np.add.at(marks, (hi, code), -1.0)
    gets = np.cumsum(marks, axis=0)[:V] > 0
    futime = cohort.people.set_index("id")["futime"].reindex(visits["id"]).to_numpy()
    followed = (visits["days"].to_numpy() + horizon <= futime)[:, None]
    return np.where(gets, 1.0, np.where(followed, 0.0, np.nan))


def summary_features(rt: RecordTensors) -> np.ndarray:
    """The order-free summary of each person's history at every visit, `(people, max_visits,
    features)`: visits so far, the count of each code so far, each measurement's last value
    (as carried forward), its trend (change per year between its first and last values so far,
    0 with fewer than two) and whether it was ever seen, and the static facts."""
    X = rt.X
    C, M = len(CODES), len(MEASURES)
    codes = np.cumsum(X[:, :, 1 : 1 + C], axis=1)
    first = 2 + C
    value, measured = X[:, :, first : first + M], X[:, :, first + M : first + 2 * M] > 0
    L = X.shape[1]
    step = np.arange(L)[None, :, None]
    first_step = np.minimum.accumulate(np.where(measured, step, L), axis=1)  # (N, L, M)
    n_seen = np.cumsum(measured, axis=1)
    day = np.repeat(rt.days[:, :, None], M, axis=2)
    first_value = np.take_along_axis(value, first_step.clip(max=L - 1), axis=1)
    first_day = np.take_along_axis(day, first_step.clip(max=L - 1), axis=1)
    last_step = np.maximum.accumulate(np.where(measured, step, -1), axis=1)
    last_day = np.take_along_axis(day, last_step.clip(min=0), axis=1)
    years = (last_day - first_day) / DAYS_PER_YEAR
    trend = np.where(
        (n_seen >= 2) & (years > 0), (value - first_value) / np.maximum(years, 1e-9), 0
    )
    visits_so_far = np.cumsum(X[:, :, :1], axis=1)
    static = X[:, :, -len(STATIC) :]
    return np.concatenate([visits_so_far, codes, value, trend, n_seen > 0, static], axis=2)
