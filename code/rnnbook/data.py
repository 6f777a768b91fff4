"""The Bonn EEG recordings and the UCI Epileptic Seizure Recognition table rebuilt from them.

Everything a chapter needs from the data goes through this module:

1. `fetch_archives` finds the five original archives (Z, O, N, F, S) in `RNNBOOK_DATA_DIR` or
   downloads them with pooch, and verifies each by SHA-256 (`fetch`, the one way every data set
   of the book is found, downloaded and verified; `dataset_dir` says where each data set lives);
2. `load_recordings` reads the 500 recordings (4097 samples each) from the archives, in memory;
3. `uci_table` cuts every recording into 23 one-second chunks of 178 samples: the UCI table,
   11,500 rows, with the recording and chunk of every row; `read_uci_csv` reads a user's copy
   of the published CSV into the same layout;
4. `split_random` (the course lab's protocol) and `split_by_recording` (no recording in two
   parts) divide the rows into train / valid / test;
5. `make_tensors` shapes a split for a recurrent layer: `(batch, seq_len, input_size)`.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .downloads import Dataset, dataset_dir, fetch, read_csv_text
from .errors import DataError

if TYPE_CHECKING:  # torch and scikit-learn load lazily: `rnnbook data ...` starts fast
    import torch

# --- facts about the recordings (see Andrzejak et al. 2001) -------------------------------------

SETS = ("Z", "O", "N", "F", "S")  # Bonn sets A, B, C, D, E
UCI_LABEL = {"Z": 5, "O": 4, "N": 3, "F": 2, "S": 1}
# The course lab's names for the UCI labels 1..5 (index = y - 1).
CLASS_NAMES = ("Seizure", "TumorArea", "HealthyArea", "EyesClosed", "EyesOpen")
DESCRIPTION = {
    "Z": "surface EEG, healthy volunteers, eyes open",
    "O": "surface EEG, healthy volunteers, eyes closed",
    "N": "intracranial, seizure-free, hippocampal formation of the opposite hemisphere",
    "F": 'intracranial, seizure-free, epileptogenic zone (UCI: "tumor area")',
    "S": "intracranial, during a seizure",
}
SAMPLING_RATE = 173.61  # Hz
SAMPLES_PER_RECORDING = 4097
SEQ_LEN = 178  # samples per UCI row, about one second
CHUNKS_PER_RECORDING = SAMPLES_PER_RECORDING // SEQ_LEN  # 23; the last 3 samples are unused
RECORDINGS_PER_SET = 100

# five-class: the UCI labels; binary: seizure (S) against the other four sets, as in most papers;
# intracranial: seizure (S) against the seizure-free intracranial sets (N, F) only. The binary task
# is confounded: its healthy sets (Z, O) are surface EEG of volunteers, the others intracranial
# EEG of patients, so a model may learn the recording method as much as the seizure.
TASKS = ("five-class", "binary", "intracranial")

# The label of a step with no target: padding, or an outcome nobody knows (PyTorch's
# `ignore_index`; the losses of `rnnbook.train` skip it).
IGNORE_INDEX = -100
INTRACRANIAL_LABELS = (1, 2, 3)  # UCI labels of sets S, F and N
SEED = 6250  # the course lab's random_state

# --- where the archives come from ----------------------------------------------------------------

# An immutable mirror of the original distribution (a pinned commit of cesium-ml/cesium-data).
DEFAULT_URL = (
    "https://raw.githubusercontent.com/cesium-ml/cesium-data/"
    "2ad85e77b6c1fea00124e055cedbc45181e9f6ba/andrzejak/"
)
SHA256 = {
    "F": "081b499ffeeefc660443a4615572543f635f7f8e96a6a754e31cc448f3a3a8ed",
    "N": "46ed8a2ccb089f5c6a58d2fa8976b3407c877bc95241f4a4909067e50d91b08b",
    "O": "ac9b3ea66b0d1343c28c6979aed23c17e42e52eb55a967d93b6208a43cfb4428",
    "S": "6d3880381b687529e2c0651e07368bb32fc1efc84cf69f52c0d6ffd85f86f92b",
    "Z": "584c7d81a783ef337619574da29fd13f1eecf4ccfdbf18899c8fcde58cd7a0b2",
}
HOW_TO_OFFLINE = (
    "on a machine without internet, put Z.zip, O.zip, N.zip, F.zip and S.zip in a folder "
    "and set RNNBOOK_DATA_DIR=/path/to/that/folder (or to its parent, naming it bonn-eeg)"
)


EEG = Dataset(
    "bonn-eeg",
    {f"{letter}.zip": SHA256[letter] for letter in SETS},
    DEFAULT_URL,
    "RNNBOOK_DATA_URL",
    HOW_TO_OFFLINE,
    flat_default=True,  # the layout before there were two data sets: the five zips, no subfolder
)


def data_dir() -> Path:
    """The folder of the EEG archives (see `dataset_dir`)."""
    return dataset_dir(EEG)


def fetch_archives(directory: str | os.PathLike | None = None) -> dict[str, Path]:
    """Return the paths of the five verified EEG archives, `{letter: path}` (see `fetch`)."""
    paths = fetch(EEG, directory)
    return {letter: paths[f"{letter}.zip"] for letter in SETS}


# --- reading the archives ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """One single-channel EEG segment of 23.6 s from the Bonn database."""

    set: str  # archive letter: Z, O, N, F or S
    name: str  # e.g. "O080"
    label: int  # UCI label y: Z→5, O→4, N→3, F→2, S→1
    samples: np.ndarray = field(repr=False)  # (4097,) integers
    fs: float = SAMPLING_RATE  # sampling rate in Hz

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.fs


def member_names(letter: str) -> list[str]:
    """The 100 member names an archive must hold (N's members end in upper-case .TXT)."""
    suffix = ".TXT" if letter == "N" else ".txt"
    return [f"{letter}{i:03d}{suffix}" for i in range(1, RECORDINGS_PER_SET + 1)]


def read_archive(path: str | os.PathLike, letter: str) -> dict[str, np.ndarray]:
    """Read one archive in memory: {member stem: (4097,) int array}, validated strictly."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise DataError(f"{path}: not a readable zip archive ({err})") from None
    with archive:
        found = set(archive.namelist())
        expected = member_names(letter)
        missing = [m for m in expected if m not in found]
        if missing:
            raise DataError(
                f"{path}: member {missing[0]} is missing ({len(missing)} missing in all)"
            )
        extra = sorted(found - set(expected))
        if extra:
            raise DataError(
                f"{path}: unexpected member {extra[0]} ({len(extra)} unexpected in all)"
            )
        return {m[:4]: _parse_member(archive.read(m), path, m) for m in expected}


def _parse_member(raw: bytes, path: Path, member: str) -> np.ndarray:
    lines = raw.split()
    if len(lines) != SAMPLES_PER_RECORDING:
        raise DataError(
            f"{path}: member {member} has {len(lines)} values, expected {SAMPLES_PER_RECORDING}"
        )
    try:
        return np.array([int(v) for v in lines], dtype=np.int64)
    except ValueError:
        for i, v in enumerate(lines, start=1):
            if not re.fullmatch(rb"[+-]?\d+", v):
                shown = v.decode("utf-8", "replace")[:20]
                raise DataError(
                    f"{path}: member {member}, value {i} is not an integer: {shown!r}"
                ) from None
        raise


def load_recordings(directory: str | os.PathLike | None = None) -> list[Recording]:
    """All 500 recordings, in archive order Z, O, N, F, S and file order 001…100."""
    paths = fetch_archives(directory)
    return list(_load_cached(tuple(str(paths[s].resolve()) for s in SETS)))


@lru_cache(maxsize=2)
def _load_cached(paths: tuple[str, ...]) -> tuple[Recording, ...]:
    records = []
    for letter, path in zip(SETS, paths, strict=True):
        for name, samples in read_archive(path, letter).items():
            samples.setflags(write=False)
            records.append(Recording(letter, name, UCI_LABEL[letter], samples))
    return tuple(records)


# --- the UCI table -------------------------------------------------------------------------------

FEATURES = [f"X{i}" for i in range(1, SEQ_LEN + 1)]


def uci_table(recordings: list[Recording] | None = None) -> pd.DataFrame:
    """The UCI Epileptic Seizure Recognition table rebuilt from the recordings.

    11,500 rows: chunk k (1…23) of every recording holds samples (k-1)*178 … k*178-1. Columns
    `X1`…`X178`, `y` (1…5), plus `recording` (e.g. "O080") and `chunk` (k). The index is the id
    `X{k}.{recording}`, in the spirit of the UCI ids `X{k}.V1.{n}` (whose n is opaque).
    """
    if recordings is None:
        recordings = load_recordings()
    n = CHUNKS_PER_RECORDING
    values = np.stack([r.samples[: n * SEQ_LEN].reshape(n, SEQ_LEN) for r in recordings])
    values = values.reshape(-1, SEQ_LEN)  # (500 * 23, 178)
    table = pd.DataFrame(values, columns=FEATURES)
    table["y"] = np.repeat([r.label for r in recordings], n)
    table["recording"] = np.repeat([r.name for r in recordings], n)
    table["chunk"] = np.tile(np.arange(1, n + 1), len(recordings))
    table.index = pd.Index(
        [f"X{k}.{name}" for name, k in zip(table["recording"], table["chunk"], strict=True)],
        name="id",
    )
    return table


def export_uci_csv(path: str | os.PathLike, table: pd.DataFrame | None = None) -> Path:
    """Write the table in the UCI layout (header `id,X1,…,X178,y`), atomically."""
    from .utils import atomic_path

    table = uci_table() if table is None else table
    path = Path(path)
    if not path.parent.is_dir():
        raise DataError(f"{path}: folder {path.parent} does not exist")
    with atomic_path(path, suffix=".csv") as tmp:
        table[FEATURES + ["y"]].to_csv(tmp, index=True, index_label="id")
    return path


_UCI_ID = re.compile(r"^X(\d+)\.(.+)$")


def read_uci_csv(path: str | os.PathLike) -> pd.DataFrame:
    """Read a copy of the published UCI CSV into the layout of `uci_table`, validated.

    The file has an id column (unnamed in the published file), `X1`…`X178` and `y`. Errors name
    the file and the column, row or value at fault; rows are counted from 1 after the header.
    """
    path = Path(path)
    raw = read_csv_text(path)
    columns = list(raw.columns)
    missing = [c for c in FEATURES + ["y"] if c not in columns]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise DataError(f"{path}: column {missing[0]} is missing{more}")
    id_column = columns[0] if columns[0] not in FEATURES + ["y"] else None

    numbers = {}
    for column in FEATURES + ["y"]:
        text = raw[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            cell = text.iloc[row]
            what = f"is not a number: {cell!r}" if isinstance(cell, str) and cell else "is empty"
            raise DataError(f"{path}: row {row + 1}, column {column} {what}")
        numbers[column] = values.to_numpy()
    y = numbers["y"]
    bad = ~np.isin(y, [1, 2, 3, 4, 5])
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{path}: row {row + 1}, column y has label {raw['y'].iloc[row].strip()!r}, expected 1 to 5"
        )

    table = pd.DataFrame({c: numbers[c] for c in FEATURES})
    table["y"] = y.astype(np.int64)
    ids = (
        raw[id_column].astype(str)
        if id_column
        else pd.Series([f"row{i}" for i in range(1, len(raw) + 1)])
    )
    parsed = ids.str.extract(_UCI_ID)
    # Chunks of one recording share the id's suffix (e.g. "V1.791"), so the split by recording
    # still works on the published file.
    table["recording"] = parsed[1].fillna(ids).to_numpy()
    table["chunk"] = pd.to_numeric(parsed[0], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    table.index = pd.Index(ids.to_numpy(), name="id")
    return table


# --- splits --------------------------------------------------------------------------------------


@dataclass
class Split:
    """Train / validation / test parts of a table, with the name of the protocol."""

    name: str  # "random" or "recording"
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame

    def sizes(self) -> tuple[int, int, int]:
        return len(self.train), len(self.valid), len(self.test)

    def leaked_test_rows(self) -> int:
        """Test rows whose recording also has rows in the training part."""
        return int(self.test["recording"].isin(set(self.train["recording"])).sum())


def split_random(table: pd.DataFrame, seed: int = SEED) -> Split:
    """The course lab's protocol: random rows, 20 % test, then 20 % of the rest for validation.

    This is what most published results on the UCI table use. Chunks of one recording land in
    both training and test parts (every test row has sibling rows in training), so it measures
    accuracy on new seconds of recordings the model has already seen.
    """
    from sklearn.model_selection import train_test_split

    rest, test = train_test_split(table, test_size=0.2, random_state=seed)
    train, valid = train_test_split(rest, test_size=0.2, random_state=seed)
    return Split("random", train, valid, test)


def split_by_recording(table: pd.DataFrame, seed: int = SEED) -> Split:
    """The same proportions, stratified by class, with every recording in exactly one part.

    This removes what the random split leaks (seconds of one recording on both sides). It cannot
    remove the person: 10 people made all 500 recordings (5 volunteers: sets Z, O; 5 patients:
    sets N, F, S; Andrzejak et al. 2001) and which recording belongs to whom is not published, so
    every test recording shares its person with training recordings. Its estimate is for new
    recordings of the same people, not for a new patient.
    """
    from sklearn.model_selection import train_test_split

    recordings = table.groupby("recording", sort=True)["y"].first()
    if recordings.value_counts().min() < 5:
        raise DataError("the split by recording needs at least 5 recordings of every class")
    names, labels = recordings.index.to_numpy(), recordings.to_numpy()
    rest, test, rest_y, _ = train_test_split(
        names, labels, test_size=0.2, random_state=seed, stratify=labels
    )
    train, valid = train_test_split(rest, test_size=0.2, random_state=seed, stratify=rest_y)
    part = table["recording"]
    return Split(
        "recording",
        table[part.isin(set(train))],
        table[part.isin(set(valid))],
        table[part.isin(set(test))],
    )


SPLITS = {"random": split_random, "recording": split_by_recording}


def make_split(table: pd.DataFrame, split: str = "random", seed: int = SEED) -> Split:
    """Split a table by name: "random" (the course lab's) or "recording"."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    return SPLITS[split](table, seed)


# --- tensors for recurrent layers ----------------------------------------------------------------


def class_names(task: str) -> tuple[str, ...]:
    """Names of the classes, in the order of the 0-based labels."""
    check_task(task)
    if task == "intracranial":
        return ("seizure-free intracranial", "seizure")
    return CLASS_NAMES if task == "five-class" else ("non-seizure", "seizure")


def check_task(task: str) -> None:
    if task not in TASKS:
        raise DataError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")


def labels_for(y: np.ndarray, task: str) -> np.ndarray:
    """0-based labels: five-class y-1 (0 = Seizure); binary and intracranial 1 = seizure (y == 1),
    else 0 (the intracranial task keeps only the rows of sets S, F and N: `task_rows`)."""
    check_task(task)
    y = np.asarray(y)
    return (y - 1) if task == "five-class" else (y == 1).astype(np.int64)


@dataclass
class SeqData:
    """A split as tensors: X `(n, seq_len, 1)` float32 and 0-based labels y `(n,)` int64."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_valid: torch.Tensor
    y_valid: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    task: str
    split: str
    classes: tuple[str, ...]
    mean: float  # standardisation fitted on the training part (0 and 1 when not standardised)
    std: float

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def part(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(X, y) of "train", "valid" or "test"."""
        return getattr(self, f"X_{name}"), getattr(self, f"y_{name}")


def task_rows(frame: pd.DataFrame, task: str) -> pd.DataFrame:
    """The rows of a table (or part) that a task uses: all, or for "intracranial" the rows of the
    intracranial sets S, F and N."""
    check_task(task)
    return frame[frame["y"].isin(INTRACRANIAL_LABELS)] if task == "intracranial" else frame


def make_tensors(split: Split, task: str = "five-class", standardize: bool = True) -> SeqData:
    """Shape a split for a recurrent layer with `batch_first=True`.

    PyTorch's recurrent layers read `(seq_len, batch, input_size)` unless `batch_first=True`;
    this book always uses `(batch, seq_len, input_size)`: one EEG sample per time step, so
    `input_size` is 1. Standardisation uses one mean and one standard deviation of the training
    part only: nothing about the validation or test rows leaks into training.
    """
    import torch

    check_task(task)
    parts = [task_rows(part, task) for part in (split.train, split.valid, split.test)]
    train = parts[0][FEATURES].to_numpy(np.float64)
    mean, std = (float(train.mean()), float(train.std())) if standardize else (0.0, 1.0)

    def tensors(frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
        X = (frame[FEATURES].to_numpy(np.float64) - mean) / std
        X = torch.tensor(X, dtype=torch.float32).unsqueeze(2)  # (n, 178) -> (n, 178, 1)
        y = torch.tensor(labels_for(frame["y"].to_numpy(), task), dtype=torch.long)
        return X, y

    return SeqData(
        *tensors(parts[0]),
        *tensors(parts[1]),
        *tensors(parts[2]),
        task=task,
        split=split.name,
        classes=class_names(task),
        mean=mean,
        std=std,
    )


def load_data(
    task: str = "five-class",
    split: str = "random",
    standardize: bool = True,
    csv: str | os.PathLike | None = None,
    seed: int = SEED,
) -> SeqData:
    """One call from the archives (or a user's UCI CSV) to tensors ready for training."""
    table = read_uci_csv(csv) if csv is not None else uci_table()
    return make_tensors(make_split(table, split, seed), task, standardize)


def recording_windows(
    recordings: list[Recording],
    seq_len: int,
    mean: float = 0.0,
    std: float = 1.0,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """The first `seq_len` samples of each recording, standardised: `(batch, seq_len, 1)`.

    Whole recordings (up to 4,097 samples), for measuring how costs grow with sequence length.
    `dtype` defaults to float32.
    """
    import torch

    longest = min(len(r.samples) for r in recordings)
    if not 1 <= seq_len <= longest:
        raise ValueError(f"seq_len must be in 1..{longest}, got {seq_len}")
    samples = np.stack([r.samples[:seq_len] for r in recordings]).astype(np.float64)
    X = torch.tensor((samples - mean) / std, dtype=dtype or torch.float32)
    return X.unsqueeze(-1)


def summary(recordings: list[Recording] | None = None) -> pd.DataFrame:
    """One row per class: set, UCI label, name, recordings, UCI rows, seconds of EEG."""
    recordings = load_recordings() if recordings is None else recordings
    rows = []
    for letter in SETS:
        mine = [r for r in recordings if r.set == letter]
        rows.append(
            {
                "set": letter,
                "y": UCI_LABEL[letter],
                "class": CLASS_NAMES[UCI_LABEL[letter] - 1],
                "recorded": DESCRIPTION[letter],
                "recordings": len(mine),
                "rows": len(mine) * CHUNKS_PER_RECORDING,
                "seconds": round(sum(r.duration for r in mine), 1),
            }
        )
    return pd.DataFrame(rows).sort_values("y").reset_index(drop=True)
