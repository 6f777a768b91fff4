"""The checks of "The data": the mean standard deviation of a row per class (exercise
`ex-data-amplitude`), and the rows of a recording rebuilt from its samples (`ex-data-chunks`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import CHUNKS_PER_RECORDING, FEATURES, SEQ_LEN, Recording, uci_table
from ._core import Case, call, cases, close, passed

_ROWS = [{1: 3, 2: 2, 3: 4, 4: 2, 5: 3}, {5: 6, 1: 1, 3: 2}, {2: 5, 4: 5}]  # rows per class


def _table(rng: np.random.Generator, rows: dict[int, int]) -> pd.DataFrame:
    """A small table in the layout of `data.uci_table`, rows of many sizes, classes shuffled."""
    labels = rng.permutation(np.repeat(list(rows), list(rows.values())))
    size = rng.choice([5.0, 20.0, 80.0, 300.0], len(labels))  # rows that swing more or less
    offset = rng.normal(0, 200, len(labels))
    values = offset[:, None] + size[:, None] * rng.normal(size=(len(labels), len(FEATURES)))
    table = pd.DataFrame(np.round(values), columns=FEATURES)
    table["y"] = labels
    table["recording"] = [f"Z{k:03d}" for k in range(len(labels))]
    table["chunk"] = 1
    return table


def _series(case: Case, got) -> pd.Series:
    if isinstance(got, dict):
        got = pd.Series(got)
    if not isinstance(got, pd.Series):
        raise case.fail(f"your function returned a {type(got).__name__}, expected a pandas Series")
    return got


def mean_row_std(fn) -> None:
    """Check `fn(table)`: for each class `y` of a table in the layout of `data.uci_table`, the mean
    over its rows of the standard deviation of the row's 178 samples, as a Series indexed by `y`.
    Either standard deviation passes: the sample one (pandas' default, ddof=1) or NumPy's (ddof=0)."""
    rtol = 1e-9
    abouts = [f"{sum(r.values())} rows of classes {sorted(r)}" for r in _ROWS]
    for case, rows in zip(cases("mean_row_std", abouts), _ROWS, strict=True):
        table = _table(np.random.default_rng(case.number), rows)
        got = _series(case, call(case, fn, {"table": table}))
        if sorted(got.index.tolist()) != sorted(rows):
            raise case.fail(
                f"the Series is indexed by {sorted(got.index.tolist())!r}, expected the classes "
                f"y present in the table, {sorted(rows)!r}"
            )
        got = got.sort_index().to_numpy(dtype=float)
        by_ddof = [
            table[FEATURES].std(axis=1, ddof=ddof).groupby(table["y"]).mean().sort_index()
            for ddof in (1, 0)
        ]
        nearer = min(by_ddof, key=lambda e: float(np.abs(got - e.to_numpy()).max()))
        for k, label in enumerate(nearer.index):
            close(case, f"your value for class y = {label}", got[k], nearer[label], 0, rtol)
    passed("mean_row_std", len(_ROWS), f"rtol {rtol:g}, either ddof")


_LENGTHS = [4097, 4094, 4200]  # samples in a recording: as Bonn's, none left over, 106 left over


def rows_from_samples(fn) -> None:
    """Check `fn(samples)`: a recording's samples cut into rows of 178 consecutive samples, the
    last samples dropped, as an array (rows, 178); against `data.uci_table`'s rows."""
    abouts = [
        f"{n} samples, {n - CHUNKS_PER_RECORDING * SEQ_LEN} left over after the rows"
        for n in _LENGTHS
    ]
    for case, n in zip(cases("rows_from_samples", abouts), _LENGTHS, strict=True):
        samples = np.random.default_rng(case.number).integers(-2000, 2000, n)
        recording = Recording(set="Z", name="Z001", label=5, samples=samples)
        expected = uci_table([recording])[FEATURES].to_numpy()
        got = call(case, fn, {"samples": samples})
        close(case, "your rows", got, expected, 0)
    passed("rows_from_samples", len(_LENGTHS), "exactly, against data.uci_table")
