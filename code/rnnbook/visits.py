"""Real patient visit sequences: the Mayo Clinic trial in primary biliary cirrhosis (`pbcseq`).

Every clinic visit of the 312 patients of the Mayo Clinic trial of D-penicillamine in primary
biliary cirrhosis (PBC), enrolled 1974-1984, with follow-up extended to 30 April 1988 (Murtaugh
et al. 1994; distributed with R's `survival` package, Therneau & Grambsch 2000). What a chapter
needs from it:

1. `fetch_pbcseq` finds `pbcseq.csv` in the data folder (`pbcseq/` under `RNNBOOK_DATA_DIR`, or
   beside the EEG folder) or downloads it from a pinned commit, verified by SHA-256
   (`rnnbook.downloads.fetch`, the same code as for the EEG archives);
2. `read_pbcseq` reads and validates it: one row per visit, sorted by patient and day; any
   fault is one `DataError` naming the file, row and column;
3. `mayo_score` is the clinical baseline: the original Mayo model (Dickson et al. 1989), fitted
   on the patients' first visits, computed here at any visit (not the updated model that
   Murtaugh et al. 1994 fitted on these repeated visits);
4. `landmark_labels`: at every visit (a *landmark*), will the patient die within two years?
   The label uses the outcome and the landmark's day only, never a later visit;
5. `split_patients` keeps every patient in one part; `visit_data` pads the visits of each patient
   into tensors `(patients, max_visits, channels)` for the risk task (a label per visit, -100
   where unknown or padded) and the bilirubin forecast (the next visit's log bilirubin, NaN where
   there is none); `without` leaves input channels out (the time gap, the missingness flags);
6. `forecast` and `forecast_errors` run a forecaster on its own predictions, horizon by horizon.

PyTorch is imported lazily: `rnnbook data verify` reads this module without it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .data import IGNORE_INDEX, SeqData
from .downloads import Dataset, dataset_dir, fetch, read_csv_text
from .errors import DataError

if TYPE_CHECKING:
    import torch
    from torch import nn

# --- where the file comes from ---------------------------------------------------------------------

# The Rdatasets CSV of R's survival::pbcseq at a pinned commit (immutable).
DEFAULT_URL = (
    "https://raw.githubusercontent.com/vincentarelbundock/Rdatasets/"
    "6c264b0114977e2eb501fd009ab660970cf699ae/csv/survival/"
)
FILE = "pbcseq.csv"
SHA256 = "7ac35d87f8376b8cfabf91a1adb759d4135a360014da861028ce2a9638b16069"
PBCSEQ = Dataset(
    "pbcseq",
    {FILE: SHA256},
    DEFAULT_URL,
    "RNNBOOK_PBCSEQ_URL",
    "on a machine without internet, put pbcseq.csv in a folder pbcseq/ under RNNBOOK_DATA_DIR "
    "(or beside the EEG folder it names)",
)

# --- facts about the file (see the data folder's README) ------------------------------------------

HORIZON_DAYS = 730  # the risk task: death within two years of a visit
# The Mayo model's weights (Dickson et al. 1989), per unit of the book's visit features.
MAYO_WEIGHTS = {
    "log_bili": 0.871,
    "log_albumin": -2.53,
    "log_protime": 2.38,
    "edema": 0.859,
    "age": 0.039,
}
DAYS_PER_YEAR = 365.25  # the PBC file counts days; the chapters speak in years
STATUS = {0: "censored", 1: "transplant", 2: "death"}

# Columns and what each may hold. Constant per patient: futime, status, trt, age, sex.
PER_PATIENT = ["futime", "status", "trt", "age", "sex"]
REQUIRED = ["id", "futime", "status", "trt", "age", "sex", "day", "edema", "bili", "albumin",
            "protime"]  # fmt: skip
MAY_BE_MISSING = ["ascites", "hepato", "spiders", "chol", "alk.phos", "ast", "platelet", "stage"]
COLUMNS = REQUIRED + MAY_BE_MISSING
ALLOWED = {
    "status": (0, 1, 2),
    "trt": (0, 1),
    "edema": (0, 0.5, 1),
    "ascites": (0, 1),
    "hepato": (0, 1),
    "spiders": (0, 1),
    "stage": (1, 2, 3, 4),
}
POSITIVE = ["futime", "age", "bili", "albumin", "protime", "chol", "alk.phos", "ast", "platelet"]
LOGGED = ["bili", "albumin", "protime", "chol", "alk.phos", "ast", "platelet"]  # skewed labs


def fetch_pbcseq(directory: str | os.PathLike | None = None) -> Path:
    """The path of the verified `pbcseq.csv`, downloaded if it is missing (see `downloads.fetch`)."""
    return fetch(PBCSEQ, directory)[FILE]


def pbcseq_dir() -> Path:
    """The folder of `pbcseq.csv` (see `downloads.dataset_dir`)."""
    return dataset_dir(PBCSEQ)


# --- reading and validating ------------------------------------------------------------------------


def read_pbcseq(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The visits, one row per visit, validated, sorted by patient `id` and `day`.

    With no `path`, the verified file from `fetch_pbcseq`. Errors name the file and the row
    (counted from 1 after the header, as a spreadsheet shows the data rows) and column at fault.
    `sex` becomes `male` (1 for "m"); missing values are NaN.
    """
    path = Path(path) if path is not None else fetch_pbcseq()
    raw = read_csv_text(path)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise DataError(f"{path}: column {missing[0]} is missing{more}")

    def fail(row: int, column: str, what: str) -> DataError:
        return DataError(f"{path}: row {row + 1}, column {column} {what}")

    table = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for column in COLUMNS:
        text = raw[column].str.strip()
        if column == "sex":
            bad = ~text.isin(["f", "m"])
            if bad.any():
                row = int(np.argmax(bad.to_numpy()))
                raise fail(row, column, f"is {text.iloc[row]!r}, expected 'f' or 'm'")
            table["male"] = (text == "m").astype(np.int64)
            continue
        absent = text.isin(["", "NA"]).to_numpy()
        if column in REQUIRED and absent.any():
            raise fail(int(np.argmax(absent)), column, "is empty (it may not be missing)")
        values = pd.to_numeric(text.where(~absent), errors="coerce").to_numpy(np.float64)
        bad = np.isnan(values) & ~absent
        if bad.any():
            row = int(np.argmax(bad))
            raise fail(row, column, f"is not a number: {text.iloc[row]!r}")
        if column in ALLOWED:
            bad = ~np.isin(values, ALLOWED[column]) & ~absent
            if bad.any():
                row = int(np.argmax(bad))
                allowed = ", ".join(f"{v:g}" for v in ALLOWED[column])
                raise fail(row, column, f"is {text.iloc[row]}, expected one of {allowed}")
        if column in POSITIVE:
            bad = (values <= 0) & ~absent
            if bad.any():
                row = int(np.argmax(bad))
                raise fail(row, column, f"is {text.iloc[row]}, expected a number above 0")
        table[column] = values

    id_, day = table["id"].to_numpy(), table["day"].to_numpy()
    bad = (id_ != np.round(id_)) | (id_ < 1)
    if bad.any():
        raise fail(int(np.argmax(bad)), "id", f"is {raw['id'].iloc[int(np.argmax(bad))]}, "
                   "expected a whole number from 1")  # fmt: skip
    bad = day < 0
    if bad.any():
        raise fail(int(np.argmax(bad)), "day", "is negative")
    bad = day > table["futime"].to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise fail(
            row,
            "day",
            f"is {day[row]:g}, after the end of follow-up (futime {table['futime'].iloc[row]:g})",
        )
    for column in PER_PATIENT:
        name = "male" if column == "sex" else column
        first = table.groupby("id")[name].transform("first")
        bad = (table[name] != first).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise fail(row, column, f"differs from the first row of patient {id_[row]:g}")
    duplicate = table.duplicated(["id", "day"]).to_numpy()
    if duplicate.any():
        row = int(np.argmax(duplicate))
        raise fail(row, "day", f"repeats a visit of patient {id_[row]:g} on day {day[row]:g}")

    for column in ("id", "futime", "status", "trt", "day"):
        table[column] = table[column].astype(np.int64)
    table["row"] = np.arange(1, len(table) + 1)  # the row in the file, for messages
    table = table.sort_values(["id", "day"], kind="stable").reset_index(drop=True)
    table["visit"] = table.groupby("id").cumcount()  # 0-based visit number
    return table


# --- the clinical baseline and the labels ------------------------------------------------------------


def age_at_visit(table: pd.DataFrame) -> pd.Series:
    """Age in years at each visit: age at registration plus the visit's day."""
    return table["age"] + table["day"] / DAYS_PER_YEAR


def mayo_score(
    bili: np.ndarray, albumin: np.ndarray, age: np.ndarray, protime: np.ndarray, edema: np.ndarray
) -> np.ndarray:
    """The Mayo risk score R of the original Mayo model (Dickson et al. 1989, fitted on first
    visits); higher means shorter survival.

    R = 0.871 ln(bilirubin mg/dl) - 2.53 ln(albumin g/dl) + 0.039 age (years)
        + 2.38 ln(prothrombin time s) + 0.859 edema (0, 0.5 or 1).
    """
    w = MAYO_WEIGHTS
    bili, albumin, protime = (np.asarray(v, dtype=np.float64) for v in (bili, albumin, protime))
    return (
        w["log_bili"] * np.log(bili)
        + w["log_albumin"] * np.log(albumin)
        + w["age"] * np.asarray(age, dtype=np.float64)
        + w["log_protime"] * np.log(protime)
        + w["edema"] * np.asarray(edema, dtype=np.float64)
    )


def visit_mayo(table: pd.DataFrame) -> np.ndarray:
    """The Mayo score at every visit, with the patient's age at that visit."""
    t = table
    return mayo_score(t["bili"], t["albumin"], age_at_visit(t), t["protime"], t["edema"])


def landmark_labels(table: pd.DataFrame, horizon_days: int = HORIZON_DAYS) -> np.ndarray:
    """At every visit: 1 if the patient dies within `horizon_days` of it, 0 if alive after them,
    `IGNORE_INDEX` (-100) if follow-up ends earlier without a death (censored or transplanted: unknown).

    A label reads only the patient's outcome (futime, status) and the visit's own day: no later
    visit can change it.
    """
    remaining = (table["futime"] - table["day"]).to_numpy()
    died = (table["status"] == 2).to_numpy()
    return np.where(
        died & (remaining <= horizon_days), 1, np.where(remaining > horizon_days, 0, IGNORE_INDEX)
    ).astype(np.int64)


# --- features of a visit -------------------------------------------------------------------------------


def visit_features(table: pd.DataFrame) -> pd.DataFrame:
    """What is known at each visit, one row per visit (same order as `table`).

    Skewed labs are logged; a value missing at a visit is carried forward from the patient's
    earlier visits (never back from later ones), with `measured_<lab>` saying whether it was
    measured at this visit; what was never measured stays NaN (filled by `Scaler`). Plus age at
    the visit, sex, treatment arm, years since registration and years since the previous visit.
    """
    t = table
    out = pd.DataFrame(index=t.index)
    for column in ["bili", "albumin", "protime", "edema"] + MAY_BE_MISSING:
        values = np.log(t[column]) if column in LOGGED else t[column]
        name = f"log_{column}" if column in LOGGED else column
        out[name] = values.groupby(t["id"]).ffill()
        if column in MAY_BE_MISSING:
            out[f"measured_{column}"] = t[column].notna().astype(np.float64)
    out["age"] = age_at_visit(t)
    out["male"] = t["male"].astype(np.float64)
    out["trt"] = t["trt"].astype(np.float64)
    out["years"] = t["day"] / DAYS_PER_YEAR
    out["gap"] = t.groupby("id")["day"].diff().fillna(0) / DAYS_PER_YEAR
    return out


@dataclass
class Scaler:
    """Fill-in values and standardisation fitted on the training part's visits only."""

    median: pd.Series
    mean: pd.Series
    std: pd.Series

    @classmethod
    def fit(cls, features: pd.DataFrame) -> Scaler:
        median = features.median()
        filled = features.fillna(median)
        std = filled.std().replace(0, 1.0)
        return cls(median, filled.mean(), std)

    def __call__(self, features: pd.DataFrame) -> pd.DataFrame:
        return (features.fillna(self.median) - self.mean) / self.std


# --- splits and tensors -------------------------------------------------------------------------------


@dataclass
class PatientSplit:
    """Patient ids of the train / valid / test parts: every patient in exactly one."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray

    def part_of(self, ids: np.ndarray) -> np.ndarray:
        """The part ("train", "valid", "test") of each id."""
        out = np.full(len(ids), "", dtype=object)
        for name in ("train", "valid", "test"):
            out[np.isin(ids, getattr(self, name))] = name
        return out


def split_patients(table: pd.DataFrame, seed: int = 0, test: float = 0.2) -> PatientSplit:
    """60 / 20 / 20 % of the patients, stratified by whether they died during follow-up."""
    from sklearn.model_selection import train_test_split

    patients = table.groupby("id")["status"].first()
    ids, died = patients.index.to_numpy(), (patients == 2).to_numpy()
    rest, test_ids, rest_died, _ = train_test_split(
        ids, died, test_size=test, random_state=seed, stratify=died
    )
    train_ids, valid_ids = train_test_split(
        rest, test_size=test / (1 - test), random_state=seed, stratify=rest_died
    )
    return PatientSplit(np.sort(train_ids), np.sort(valid_ids), np.sort(test_ids))


TASKS = ("death-2y", "bili-next")


@dataclass
class VisitData:
    """Padded visit tensors of a patient split, with what is needed to read them back.

    `d` is the `SeqData` the Trainer reads. For "death-2y", X is `(patients, max_visits,
    1 + len(features))`: channel 0 is 1 at a real visit and 0 at padding (models derive the
    lengths from it), then the standardised features; y `(patients, max_visits)` is the landmark
    label, `IGNORE_INDEX` where unknown or padded. For "bili-next", X is `(patients, max_visits, 2)`:
    log bilirubin and years to the next visit; y is the next visit's log bilirubin, NaN at the
    last visit and at padding.
    """

    d: SeqData
    task: str
    features: list[str]
    ids: dict[str, np.ndarray]  # the patient id of each row of X_train, X_valid, X_test
    visits: pd.DataFrame  # the table with label, mayo, part, and the features
    scaler: Scaler | None = field(default=None, repr=False)

    def steps(self, part: str) -> pd.DataFrame:
        """The visits of a part in the order of its padded tensor's valid steps (row-major)."""
        v = self.visits[self.visits["part"] == part]
        order = pd.Categorical(v["id"], categories=self.ids[part], ordered=True)
        return v.assign(_order=order).sort_values(["_order", "visit"]).drop(columns="_order")


def pad(values: np.ndarray, ids: np.ndarray, order: np.ndarray, max_visits: int, fill: float):
    """Rows of visits (sorted by id, then day) as `(len(order), max_visits, ...)`, `fill`-padded."""
    shape = (len(order), max_visits) + values.shape[1:]
    out = np.full(shape, fill, dtype=np.float64)
    where = {pid: i for i, pid in enumerate(order)}
    starts = np.r_[0, np.flatnonzero(np.diff(ids)) + 1]
    for start, stop in zip(starts, np.r_[starts[1:], len(ids)], strict=True):
        out[where[ids[start]], : stop - start] = values[start:stop]
    return out


def visit_data(
    table: pd.DataFrame,
    split: PatientSplit,
    task: str = "death-2y",
    horizon_days: int = HORIZON_DAYS,
) -> VisitData:
    """Pad each part's patients into tensors for `task` ("death-2y" or "bili-next").

    Every part is padded to the longest patient of the whole table, so predictions of any part
    line up. Standardisation (and fill-in of never-measured labs) is fitted on training visits.
    """
    import torch

    if task not in TASKS:
        raise DataError(f"unknown visit task {task!r}; choose one of: {', '.join(TASKS)}")
    t = table.copy()
    t["label"] = landmark_labels(t, horizon_days)
    t["mayo"] = visit_mayo(t)
    t["part"] = split.part_of(t["id"].to_numpy())
    max_visits = int(t.groupby("id").size().max())
    scaler = None
    if task == "death-2y":
        raw = visit_features(t)
        scaler = Scaler.fit(raw[t["part"] == "train"])
        features = list(raw.columns)
        values = np.c_[np.ones(len(t)), scaler(raw).to_numpy()]  # channel 0: a real visit
        target, fill_y = t["label"].to_numpy(np.float64), float(IGNORE_INDEX)
    else:
        log_bili = np.log(t["bili"].to_numpy())
        next_day = t.groupby("id")["day"].shift(-1)
        features = ["log_bili", "years_to_next"]
        values = np.c_[log_bili, ((next_day - t["day"]) / DAYS_PER_YEAR).fillna(0).to_numpy()]
        target, fill_y = np.log(t.groupby("id")["bili"].shift(-1)).to_numpy(), np.nan
    tensors, ids = [], {}
    for part in ("train", "valid", "test"):
        keep = (t["part"] == part).to_numpy()
        pids = getattr(split, part)
        X = pad(values[keep], t["id"].to_numpy()[keep], pids, max_visits, 0.0)
        y = pad(target[keep], t["id"].to_numpy()[keep], pids, max_visits, fill_y)
        X = torch.tensor(X, dtype=torch.float32)  # (patients, max_visits, channels)
        y = torch.tensor(y, dtype=torch.long if task == "death-2y" else torch.float32)
        tensors += [X, y]
        ids[part] = pids
    died = f"died within {horizon_days} days"
    classes = (
        (f"alive after {horizon_days} days", died) if task == "death-2y" else ("log bilirubin",)
    )
    d = SeqData(*tensors, task=task, split="patient", classes=classes, mean=0.0, std=1.0)
    raw_features = visit_features(t) if task == "death-2y" else t[[]]
    return VisitData(d, task, features, ids, pd.concat([t, raw_features], axis=1), scaler)


# The inputs that answer irregular time and missing values, by channel name (task "death-2y").
TIME_GAP = ["gap"]  # years since the previous visit
MISSINGNESS = [f"measured_{column}" for column in MAY_BE_MISSING]  # the mask of GRU-D's idea


def without(vd: VisitData, names: list[str]) -> VisitData:
    """The same patients, split and labels with the input channels `names` left out.

    Standardisation is per channel, so this is exactly the data `visit_data` would give had the
    channels never been computed. Channel 0 of "death-2y" (1 at a real visit) cannot be dropped:
    the models read the lengths from it. An unknown name is a `DataError`.
    """
    import dataclasses

    unknown = [name for name in names if name not in vd.features]
    if unknown:
        raise DataError(
            f"no input channel {unknown[0]!r} to leave out; the channels are: "
            + ", ".join(vd.features)
        )
    offset = 1 if vd.task == "death-2y" else 0  # channel 0: a real visit
    keep = list(range(offset)) + [
        offset + i for i, name in enumerate(vd.features) if name not in names
    ]
    d = dataclasses.replace(
        vd.d, **{f"X_{part}": vd.d.part(part)[0][:, :, keep] for part in ("train", "valid", "test")}
    )
    features = [name for name in vd.features if name not in names]
    return dataclasses.replace(vd, d=d, features=features)


# --- forecasting on one's own predictions ---------------------------------------------------------------


def forecast(model: nn.Module, X: torch.Tensor, observed: int) -> torch.Tensor:
    """Predictions of a forecaster that sees the true values of the first `observed` visits only.

    `model(X, observed=k)` must feed its own predictions from step k on (as
    `visit_models.VisitForecaster` does). Output on the CPU: `(batch, steps)`, where step s >= k - 1
    forecasts visit s + 1, that is s - k + 2 visits ahead of the last observed one.
    """
    import torch

    from .utils import module_device

    model.eval()
    with torch.no_grad():
        y_hat = model(X.to(module_device(model)), observed=observed)
    return y_hat.reshape(X.shape[0], X.shape[1]).cpu()


def forecast_items(
    model: nn.Module | None,
    X: torch.Tensor,
    y: torch.Tensor,
    horizons: int = 4,
    ids: np.ndarray | None = None,
) -> pd.DataFrame:
    """Every forecast that `forecast_errors` averages, one row each: `id` (the patient,
    `ids[row of X]`, or the row), `landmark` (visits observed), `horizon` (visits ahead),
    `true` and `forecast`. `model=None` is the last observed value carried forward. The mean of
    |true - forecast| at each horizon is `forecast_errors(model, X, y, horizons)`."""
    import torch

    ids = np.arange(len(X)) if ids is None else np.asarray(ids)
    steps, parts = X.shape[1], []
    for k in range(1, steps):
        if model is None:
            y_hat = X[:, k - 1 : k, 0].expand(-1, steps)  # the last observed value, for ever
        else:
            y_hat = forecast(model, X, observed=k)
        for h in range(1, min(horizons, steps - k + 1) + 1):
            s = k - 2 + h  # the step whose output forecasts visit k - 1 + h
            ok = ~torch.isnan(y[:, s])
            parts.append(pd.DataFrame({
                "id": ids[ok.numpy()], "landmark": k, "horizon": h,
                "true": y[ok, s].numpy().astype(np.float64),
                "forecast": y_hat[ok, s].numpy().astype(np.float64),
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def forecast_errors(
    model: nn.Module | None, X: torch.Tensor, y: torch.Tensor, horizons: int = 4
) -> np.ndarray:
    """Mean absolute error at horizons 1..`horizons` visits ahead, over every landmark: the mean
    of |true - forecast| of `forecast_items` at each horizon (0 where there is none).
    `model=None` is the persistence baseline: the last observed value, carried forward.
    Returns `(horizons,)` errors, in the units of y."""
    items = forecast_items(model, X, y, horizons)
    errors = (items["true"] - items["forecast"]).abs().groupby(items["horizon"]).mean()
    return errors.reindex(range(1, horizons + 1), fill_value=0.0).to_numpy()
