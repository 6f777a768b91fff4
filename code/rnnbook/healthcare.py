"""The PBC visits as GRU-D reads them, and values removed on purpose.

The data GRU-D (Che et al. 2018; the model is `rnnbook.visit_models.GRUD`, beside RETAIN) needs
from the PBC visits (`grud_data`): values not carried forward, the mask, `delta` by the paper's
recursion (`time_since_observed`), standardised with the mean and spread of the values observed
in the training patients; the inputs of the paper's baselines GRU-mean, GRU-forward and
GRU-simple (`grud_view`); values removed on purpose, at random or tied to the outcome
(`remove_values`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from . import visits
from .data import IGNORE_INDEX, SeqData
from .errors import DataError, RNNBookError

# --- the PBC visits as GRU-D reads them --------------------------------------------------------

# Variables measured at visits (these may be removed on purpose), then those always known.
LABS = [
    "bili",
    "albumin",
    "protime",
    "edema",
    "ascites",
    "hepato",
    "spiders",
    "chol",
    "alk.phos",
    "ast",
    "platelet",
    "stage",
]
ALWAYS = ["age", "male", "trt"]
GRUD_VARIABLES = [f"log_{c}" if c in visits.LOGGED else c for c in LABS] + ALWAYS


def raw_values(table: pd.DataFrame) -> pd.DataFrame:
    """The GRU-D variables of every visit, as measured: skewed labs logged, NaN where a value
    is missing (nothing carried forward), age at the visit."""
    out = pd.DataFrame(index=table.index)
    for column, name in zip(LABS, GRUD_VARIABLES, strict=False):
        out[name] = np.log(table[column]) if column in visits.LOGGED else table[column]
    out["age"] = visits.age_at_visit(table)
    out["male"] = table["male"].astype(np.float64)
    out["trt"] = table["trt"].astype(np.float64)
    return out


def time_since_observed(days: np.ndarray, mask: np.ndarray, first: np.ndarray) -> np.ndarray:
    """delta of Che et al. (2018), in the units of `days`, by the paper's recursion:

        delta_t = s_t - s_{t-1} + delta_{t-1}   if t > 1 and m_{t-1} = 0
                  s_t - s_{t-1}                 if t > 1 and m_{t-1} = 1
                  0                             if t = 1

    `days` (rows,) the time of each visit, `mask` (rows, D), `first` (rows,) True at a
    patient's first visit; rows sorted by patient, then time. Returns (rows, D).
    """
    days, mask = np.asarray(days, dtype=np.float64), np.asarray(mask, dtype=np.float64)
    delta = np.zeros(mask.shape)
    for i in range(len(days)):
        if first[i]:
            continue
        gap = days[i] - days[i - 1]
        if gap < 0:
            raise DataError(
                f"row {i}: a visit before the previous one ({days[i]:g} < "
                f"{days[i - 1]:g}); sort the visits by patient, then time"
            )
        delta[i] = gap + np.where(mask[i - 1] == 1, 0.0, delta[i - 1])
    return delta


def died_within(table: pd.DataFrame, horizon_days: int = visits.HORIZON_DAYS) -> np.ndarray:
    """True at the visits followed by death within `horizon_days` (landmark label 1)."""
    return visits.landmark_labels(table, horizon_days) == 1


def remove_values(
    table: pd.DataFrame, rate: float, tied: bool = False, seed: int = 0, columns=LABS
) -> pd.DataFrame:
    """A copy of the visits with lab values removed on purpose (a synthetic stress test).

    At random (`tied=False`): each value of `columns` at each visit is removed with
    probability `rate`. Tied to the outcome (`tied=True`): only at the visits followed by
    death within two years, each value with probability `rate`; the other visits keep theirs.
    """
    if not 0 <= rate <= 1:
        raise RNNBookError(f"rate must be between 0 and 1, got {rate}")
    out = table.copy()
    rng = np.random.default_rng(seed)
    drop = rng.random((len(out), len(columns))) < rate  # (visits, labs)
    if tied:
        drop &= died_within(out)[:, None]
    for i, column in enumerate(columns):
        out.loc[drop[:, i], column] = np.nan
    return out


@dataclass
class GRUDData:
    """The PBC visits as GRU-D reads them, split by patient.

    `d.X_*` `(patients, max_visits, 1 + 3 D)` = [real visit, x, m, delta] (`grud_input`): x
    standardised with `mean` and `std` of the values *observed in the training patients* (so
    the training mean is 0, and 0 where m = 0), delta in years; y the landmark label, -100
    where unknown or padded. `filled` holds the values carried forward (`pandas` ffill, the
    training mean where never observed), standardised alike, for GRU-forward and GRU-simple.
    """

    d: SeqData
    variables: list[str]
    mean: pd.Series
    std: pd.Series
    ids: dict[str, np.ndarray]
    visits: pd.DataFrame  # the table with label and part
    filled: dict[str, torch.Tensor] = field(repr=False, default_factory=dict)


def grud_data(
    table: pd.DataFrame, split: visits.PatientSplit, horizon_days: int = visits.HORIZON_DAYS
) -> GRUDData:
    """Pad each part's patients into GRU-D's input (see `GRUDData`); the landmark labels of
    `visits.landmark_labels`, the patient split `split`."""
    t = table.copy()
    t["label"] = visits.landmark_labels(t, horizon_days)
    t["part"] = split.part_of(t["id"].to_numpy())
    raw = raw_values(t)
    observed = raw.notna()
    training = (t["part"] == "train").to_numpy()
    mean, std = raw[training].mean(), raw[training].std().replace(0, 1.0)  # skips NaN
    z = (raw - mean) / std
    ids = t["id"].to_numpy()
    first = t["visit"].to_numpy() == 0
    delta = time_since_observed(
        t["day"].to_numpy() / visits.DAYS_PER_YEAR, observed.to_numpy(), first
    )
    ffilled = z.groupby(t["id"]).ffill().fillna(0.0).to_numpy()  # 0: the training mean
    values = np.c_[np.ones(len(t)), z.fillna(0.0).to_numpy(), observed.to_numpy(), delta]
    max_visits = int(t.groupby("id").size().max())
    tensors, parts, filled = [], {}, {}
    for part in ("train", "valid", "test"):
        keep = (t["part"] == part).to_numpy()
        pids = getattr(split, part)
        X = visits.pad(values[keep], ids[keep], pids, max_visits, 0.0)
        y = visits.pad(
            t["label"].to_numpy(np.float64)[keep], ids[keep], pids, max_visits, float(IGNORE_INDEX)
        )
        tensors += [torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.long)]
        filled[part] = torch.tensor(
            visits.pad(ffilled[keep], ids[keep], pids, max_visits, 0.0), dtype=torch.float32
        )
        parts[part] = pids
    classes = (f"alive after {horizon_days} days", f"died within {horizon_days} days")
    d = SeqData(*tensors, task="death-2y", split="patient", classes=classes, mean=0.0, std=1.0)
    return GRUDData(d, list(GRUD_VARIABLES), mean, std, parts, t, filled)


GRUD_VIEWS = ("mean", "forward", "simple", "decay")


def grud_view(gd: GRUDData, view: str) -> SeqData:
    """The inputs of the paper's models, on the same patients and labels (channel 0 first):
    "mean" the values with every missing one at the training mean (GRU-mean), "forward" the
    last observed value (GRU-forward), "simple" the last observed value, the mask and delta
    (GRU-simple), "decay" GRU-D's own input [x, m, delta]."""
    import dataclasses

    if view not in GRUD_VIEWS:
        raise RNNBookError(f"unknown GRU-D view {view!r}; choose one of: {', '.join(GRUD_VIEWS)}")
    D = len(gd.variables)
    parts = {}
    for part in ("train", "valid", "test"):
        X = gd.d.part(part)[0]
        real, x, rest = X[:, :, :1], X[:, :, 1 : 1 + D], X[:, :, 1 + D :]
        filled = gd.filled[part]
        parts[f"X_{part}"] = {
            "mean": torch.cat([real, x], 2),
            "forward": torch.cat([real, filled], 2),
            "simple": torch.cat([real, filled, rest], 2),
            "decay": X,
        }[view]
    return dataclasses.replace(gd.d, **parts)
