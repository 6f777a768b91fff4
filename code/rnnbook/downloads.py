"""Where the data sets come from: each one's files, pinned by URL and SHA-256 (`Dataset`; the EEG
archives are `EEG`), found in `RNNBOOK_DATA_DIR` or the cache, or downloaded and verified
(`fetch`); a missing, tampered or unreachable file is one clear line (`DataError`), as is a
user's CSV that cannot be read (`read_csv_text`). `rnnbook.data` (the EEG) and
`rnnbook.visits` (the PBC visits) read what this fetches.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError


def data_root() -> Path:
    """The data folder: `RNNBOOK_DATA_DIR`, else a per-user cache folder."""
    env = os.environ.get("RNNBOOK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("rnnbook"))


@dataclass(frozen=True)
class Dataset:
    """A downloadable data set: its folder name, its files with their SHA-256, where it lives.

    The files are fetched by `fetch` (shared by every data set): found in the data folder and
    verified, or downloaded from `url` (overridden by the environment variable `url_env`) and
    verified before they are moved into place.
    """

    name: str  # its folder under RNNBOOK_DATA_DIR, e.g. "bonn-eeg"
    sha256: dict[str, str]  # file name -> SHA-256
    url: str  # base URL of the pinned, immutable source
    url_env: str  # environment variable that overrides the base URL
    how_to_offline: str  # what to do without internet, for the error messages
    flat_default: bool = False  # with no folder of its own, use the data folder itself


def dataset_dir(dataset: Dataset, root: str | os.PathLike | None = None) -> Path:
    """Where `dataset`'s files are (or will be downloaded to), under the data folder `root`.

    `RNNBOOK_DATA_DIR` may hold one subfolder per data set (`bonn-eeg/`, `pbcseq/`), or be the
    folder of one data set itself (e.g. the five EEG archives, no subfolder): then the other data
    sets are looked for in sibling folders (`../pbcseq` beside `../bonn-eeg`). In order:
    `root/NAME`; `root` itself if it holds any of the data set's files; the sibling
    `root/../NAME`; else `root` for the EEG (the old layout) and `root/NAME` for the others.
    """
    root = Path(root) if root is not None else data_root()
    if (root / dataset.name).is_dir():
        return root / dataset.name
    if any((root / name).is_file() for name in dataset.sha256):
        return root
    if root.name != dataset.name and (root.parent / dataset.name).is_dir():
        return root.parent / dataset.name
    return root if dataset.flat_default else root / dataset.name


def dataset_url(dataset: Dataset) -> str:
    url = os.environ.get(dataset.url_env) or dataset.url
    return url if url.endswith("/") else url + "/"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(dataset: Dataset, directory: str | os.PathLike | None = None) -> dict[str, Path]:
    """Return `{file name: path}` of the data set's verified files, downloading missing ones.

    `directory` is the data set's own folder (default: `dataset_dir(dataset)`). A file already
    there is used only if its SHA-256 matches; one that does not match is an error (never
    silently replaced: the folder may be the user's read-only copy). A download is verified by
    pooch before it is moved into place, so a corrupted download leaves no file behind.
    """
    folder = Path(directory) if directory is not None else dataset_dir(dataset)
    paths = {}
    for name, expected in dataset.sha256.items():
        path = folder / name
        if path.is_file():
            actual = sha256_of(path)
            if actual != expected:
                raise DataError(
                    f"{path}: SHA-256 does not match (expected {expected}, got {actual}); "
                    "delete the file to download it again"
                )
        else:
            _download(dataset, name, folder)
        paths[name] = path
    return paths


def _download(dataset: Dataset, name: str, folder: Path) -> None:
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")
    url = dataset_url(dataset) + name
    expected = dataset.sha256[name]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"{name} is missing and {folder} cannot be created ({err})") from None
    if not os.access(folder, os.W_OK):
        raise DataError(
            f"{name} is missing from {folder}, which is read-only; {dataset.how_to_offline}"
        )
    try:
        pooch.retrieve(url, known_hash=f"sha256:{expected}", fname=name, path=folder)
    except ValueError as err:
        if "hash" in str(err).lower():
            raise DataError(
                f"{name} downloaded from {url}: SHA-256 does not match "
                f"(expected {expected}); the download was discarded"
            ) from None
        raise
    except (requests.exceptions.RequestException, OSError) as err:
        reason = type(err).__name__
        raise DataError(
            f"{name} is not in {folder} and cannot be downloaded from {url} ({reason}); "
            f"{dataset.how_to_offline}"
        ) from None


def read_csv_text(path: Path) -> pd.DataFrame:
    """A user's CSV file with every cell as text, for validation column by column; a missing,
    empty, header-only or unparsable file is a `DataError` that names it."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataError(f"{path}: not a readable CSV file ({first})") from None
    if raw.empty:
        raise DataError(f"{path}: the file has a header but no data rows")
    return raw
