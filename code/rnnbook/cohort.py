"""A population cohort in the shape of health records: R `survival`'s NAFLD data (`nafld1-3`).

17,549 adults of Olmsted County, Minnesota (Allen et al. 2018): every adult diagnosed with
non-alcoholic fatty liver disease from 1997 to 2014 and up to four age- and sex-matched controls
each, with their measurements on irregular days and their coded diagnoses, every day counted
from the person's index date (day 0). What a chapter needs from it:

1. `fetch_cohort` finds the three Parquet files (`nafld/` under `RNNBOOK_DATA_DIR`) or downloads
   them from a pinned commit, each verified by SHA-256 (`rnnbook.downloads.fetch`);
2. `read_cohort` reads and validates them: the columns, their types, the keys; a fault is one
   `DataError` naming the file and the column;
3. `data_errors` finds what is wrong *inside* the valid files (copied columns, impossible blood
   pressures, events after the end of follow-up) and counts each; `clean` removes them, so
   nothing wrong is used silently.

`rnnbook.records` turns the cleaned tables into visit sequences.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .downloads import Dataset, dataset_dir, fetch
from .errors import DataError

# --- where the files come from ---------------------------------------------------------------------

# The Rdatasets Parquet files of R's survival::nafld1, nafld2, nafld3 at a pinned commit.
DEFAULT_URL = (
    "https://raw.githubusercontent.com/vincentarelbundock/Rdatasets/"
    "451b9a1cf0f490c3a5980e8470fa8f5c43ebdc72/parquet/survival/"
)
FILES = {
    "people": "nafld1.parquet",
    "measurements": "nafld2.parquet",
    "events": "nafld3.parquet",
}
NAFLD = Dataset(
    "nafld",
    {
        "nafld1.parquet": "b16909962fb998a4b8666fe9d1f378b492da6e497c329130571eeeb1d850b2d9",
        "nafld2.parquet": "ac5f1455f9e7a004466962de652db1bac929a3a810c36e463a4cb25174f119f2",
        "nafld3.parquet": "8d4a6d98ac308858d5ab5cfeded4d032eeaacb22b824283b54b5754da0050073",
    },
    DEFAULT_URL,
    "RNNBOOK_NAFLD_URL",
    "on a machine without internet, put nafld1.parquet, nafld2.parquet and nafld3.parquet in a "
    "folder nafld/ under RNNBOOK_DATA_DIR (or beside the EEG folder it names)",
)

# --- what the files hold (see the data folder's README) ---------------------------------------------

# Column -> kind: "int" (whole numbers, never missing), "float" (may be missing), "text".
COLUMNS = {
    "people": {"id": "int", "age": "int", "male": "int", "weight": "float", "height": "float",
               "bmi": "float", "case.id": "float", "futime": "int", "status": "int"},
    "measurements": {"id": "int", "days": "int", "test": "text", "value": "float"},
    "events": {"id": "int", "days": "int", "event": "text"},
}  # fmt: skip
TESTS = ("hdl", "chol", "sbp", "dbp", "smoke", "fib4")
# The ten codes, metabolic diagnoses first, then the cardiac events (which recur).
CODES = ("dyslipidemia", "htn", "diabetes", "nafld", "ang/isc", "stroke", "afib",
         "heart failure", "MI", "cardiac arrest")  # fmt: skip
# Copies found in the files: the column on the left repeats the one on the right.
COPIES = {"chol": "hdl", "dbp": "sbp"}
BLOOD_PRESSURE = ("sbp", "dbp")
PLAUSIBLE_MMHG = (50.0, 300.0)  # a systolic pressure outside this range is an entry error


def fetch_cohort(directory: str | os.PathLike | None = None) -> dict[str, Path]:
    """The paths of the three verified files, `{"people": ..., "measurements": ..., "events": ...}`."""
    paths = fetch(NAFLD, directory)
    return {part: paths[name] for part, name in FILES.items()}


def cohort_dir() -> Path:
    """The folder of the cohort's files (see `downloads.dataset_dir`)."""
    return dataset_dir(NAFLD)


# --- reading and validating --------------------------------------------------------------------------


@dataclass
class Cohort:
    """The three tables: `people` (one row per person), `measurements`, `events` (long tables)."""

    people: pd.DataFrame  # id, age, male, weight, height, bmi, case_id, futime, status
    measurements: pd.DataFrame  # id, days, test, value; sorted by id, days
    events: pd.DataFrame  # id, days, event; sorted by id, days


def _read_table(path: Path, part: str) -> pd.DataFrame:
    """One file as a DataFrame with the expected columns and types, or one `DataError`."""
    import pyarrow  # noqa: F401  (a clear error if the reader is missing, below)

    try:
        raw = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataError(f"{path}: not a readable Parquet file ({first})") from None
    table = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for column, kind in COLUMNS[part].items():
        if column not in raw.columns:
            raise DataError(f"{path}: column {column} is missing")
        values = raw[column]
        if kind == "text":
            if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
                raise DataError(f"{path}: column {column} should hold text")
            table[column] = values.astype(str).to_numpy()
            continue
        if not pd.api.types.is_numeric_dtype(values):
            raise DataError(f"{path}: column {column} should hold numbers")
        if kind == "int":
            if values.isna().any():
                raise DataError(
                    f"{path}: column {column} has {int(values.isna().sum())} missing values"
                )
            if not np.array_equal(values, np.round(values)):
                raise DataError(f"{path}: column {column} should hold whole numbers")
            table[column] = values.astype(np.int64).to_numpy()
        else:
            table[column] = values.astype(np.float64).to_numpy()
    if table.empty:
        raise DataError(f"{path}: the file has no rows")
    return table.rename(columns={"case.id": "case_id"})


def read_cohort(directory: str | os.PathLike | None = None) -> Cohort:
    """The three tables, read and validated (types, keys, allowed values), sorted by id and day.

    With no `directory`, the verified files from `fetch_cohort`. Validation stops at the first
    fault, as one `DataError` naming the file and column; what is wrong inside valid files is
    `data_errors`' business.
    """
    paths = fetch_cohort(directory)
    people = _read_table(paths["people"], "people")
    measurements = _read_table(paths["measurements"], "measurements")
    events = _read_table(paths["events"], "events")

    def check(ok, path: Path, what: str) -> None:
        if not ok:
            raise DataError(f"{path}: {what}")

    check(people["id"].is_unique, paths["people"], "column id repeats a person")
    for column in ("male", "status"):
        check(people[column].isin((0, 1)).all(), paths["people"], f"column {column} must be 0 or 1")
    check((people["futime"] > 0).all(), paths["people"], "column futime must be positive")
    known = set(people["id"])
    for part, table in (("measurements", measurements), ("events", events)):
        strangers = ~table["id"].isin(known)
        check(not strangers.any(), paths[part],
              f"column id names {int(strangers.sum())} rows of people not in {FILES['people']}")  # fmt: skip
    unknown = sorted(set(measurements["test"]) - set(TESTS))
    check(not unknown, paths["measurements"], f"column test has unknown tests {unknown[:3]}")
    unknown = sorted(set(events["event"]) - set(CODES))
    check(not unknown, paths["events"], f"column event has unknown codes {unknown[:3]}")
    return Cohort(
        people.sort_values("id", kind="stable").reset_index(drop=True),
        measurements.sort_values(["id", "days"], kind="stable").reset_index(drop=True),
        events.sort_values(["id", "days"], kind="stable").reset_index(drop=True),
    )


# --- errors inside valid files ------------------------------------------------------------------------


def data_errors(cohort: Cohort) -> pd.DataFrame:
    """What is wrong inside the files, found by checks anyone can rerun: one row per check with
    `rows` (how many rows it finds), `found` (what the check saw) and `action` (what `clean` does).

    * a column that copies another: every (id, day) that has both holds the same value;
    * blood pressures outside `PLAUSIBLE_MMHG` (no living person has 13,682 mmHg);
    * coded events dated after the person's follow-up ended.
    """
    m = cohort.measurements
    rows = {}
    for copy, original in COPIES.items():
        pairs = m[m["test"].isin((copy, original))]
        wide = pairs.pivot_table(index=["id", "days"], columns="test", values="value")
        both = wide.reindex(columns=[copy, original]).dropna()  # days with both tests
        equal = int((both[copy] == both[original]).sum())
        # A copy only on evidence: equal on every day with both, and at least one such day.
        action = f"{copy} dropped" if 0 < equal == len(both) else "kept"
        found = f"{equal:,} of the {len(both):,} days with both are equal"
        rows[f"{copy} copies {original}"] = ((m["test"] == copy).sum(), found, action)

    low, high = PLAUSIBLE_MMHG
    bp = m.loc[m["test"].isin(BLOOD_PRESSURE), "value"]
    above, below = int((bp > high).sum()), int((bp < low).sum())
    found = f"{above} above, {below} below; the highest {bp.max():,.0f} mmHg"
    rows[f"blood pressure outside {low:g}-{high:g} mmHg"] = (above + below, found, "removed")

    ends = cohort.events.merge(cohort.people[["id", "futime"]], on="id")
    late = ends[ends["days"] > ends["futime"]]
    found = (
        f"{late['id'].nunique()} people; up to {(late['days'] - late['futime']).max():,} days late"
    )
    rows["event after the end of follow-up"] = (
        len(late),
        found if len(late) else "none",
        "removed",
    )

    table = pd.DataFrame.from_dict(rows, orient="index", columns=["rows", "found", "action"])
    return table.rename_axis("check").astype({"rows": int})


def clean(cohort: Cohort) -> Cohort:
    """The cohort without what `data_errors` finds: the copied columns (when every shared day is
    equal), blood pressures outside `PLAUSIBLE_MMHG`, events after the end of follow-up."""
    errors = data_errors(cohort)
    m = cohort.measurements
    dropped = [c for c in COPIES if errors.loc[f"{c} copies {COPIES[c]}", "action"] != "kept"]
    low, high = PLAUSIBLE_MMHG
    implausible = m["test"].isin(BLOOD_PRESSURE) & ((m["value"] < low) | (m["value"] > high))
    m = m[~m["test"].isin(dropped) & ~implausible]
    e = cohort.events.merge(cohort.people[["id", "futime"]], on="id")
    e = e[e["days"] <= e["futime"]].drop(columns="futime")
    return Cohort(cohort.people, m.reset_index(drop=True), e.reset_index(drop=True))


def summary(cohort: Cohort) -> pd.DataFrame:
    """The cohort's counts (people, cases, deaths, rows), for `rnnbook data info` and a chapter."""
    p = cohort.people
    facts = {
        "people": len(p),
        "NAFLD cases": int((p["id"] == p["case_id"]).sum()),
        "deaths": int(p["status"].sum()),
        "measurements": len(cohort.measurements),
        "coded events": len(cohort.events),
        "people with a measurement": cohort.measurements["id"].nunique(),
        "people with a coded event": cohort.events["id"].nunique(),
    }
    return pd.DataFrame({"count": facts})


# --- the split ----------------------------------------------------------------------------------------

SPLIT = (0.6, 0.2, 0.2)  # training, validation, test shares of the matched sets


def matched_sets(people: pd.DataFrame) -> np.ndarray:
    """Each person's matched set: the id of their NAFLD case (`case_id`); a person with no
    matched case is a set alone (minus their own id, which no case id equals)."""
    return people["case_id"].fillna(-people["id"]).to_numpy()


def split_sets(people: pd.DataFrame, seed: int = 0, shares=SPLIT) -> dict[str, np.ndarray]:
    """`{"train", "valid", "test"}` -> the sorted ids of each part, drawn by *matched set*: a case
    and its controls (same `case_id`) stay in one part, so a part never holds a control matched
    to a case of another; a person with no matched case is a set alone."""
    sets = matched_sets(people)
    names = np.unique(sets)
    order = np.random.default_rng(seed).permutation(len(names))
    cut = np.cumsum(np.round(np.array(shares[:-1]) * len(names)).astype(int))
    part_of = np.empty(len(names), dtype=object)
    for part, chosen in zip(("train", "valid", "test"), np.split(order, cut), strict=True):
        part_of[chosen] = part
    parts = part_of[np.searchsorted(names, sets)]
    ids = people["id"].to_numpy()
    return {part: np.sort(ids[parts == part]) for part in ("train", "valid", "test")}
