"""The check of "Coded health records at scale": days grouped into windows (exercise
`ex-hr-window`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..cohort import Cohort
from ._core import call, cases, close, passed

_CASES = [(4, 30), (6, 30), (3, 7)]  # people, window in days


def _cohort(rng: np.random.Generator, people: int) -> Cohort:
    """A small cohort in the layout of `cohort.read_cohort`: days before and after day 0, some on
    a window's first day."""
    ids = np.arange(1, people + 1)

    def days(n):
        return np.concatenate([rng.integers(-400, 400, n - 4), [0, -30, 60, -1]])

    n_m, n_e = 6 * people, 3 * people
    measurements = pd.DataFrame(
        {"id": rng.choice(ids, n_m), "days": days(n_m), "test": "chol", "value": rng.random(n_m)}
    )
    events = pd.DataFrame({"id": rng.choice(ids, n_e), "days": days(n_e), "event": "E11"})
    frame = pd.DataFrame({"id": ids, "futime": rng.integers(500, 900, people), "status": 0})
    return Cohort(
        frame,
        measurements.sort_values(["id", "days"], ignore_index=True),
        events.sort_values(["id", "days"], ignore_index=True),
    )


def _rows(case, name: str, got: pd.DataFrame, expected: pd.DataFrame) -> None:
    if not isinstance(got, pd.DataFrame):
        raise case.fail(f"your {name}: a {type(got).__name__}, expected a DataFrame")
    if list(got.columns) != list(expected.columns):
        raise case.fail(
            f"your {name}: columns {list(got.columns)}, expected {list(expected.columns)}"
        )
    if len(got) != len(expected):
        raise case.fail(f"your {name}: {len(got)} rows, expected {len(expected)}")
    keys = list(expected.columns)
    got = got.sort_values(keys, ignore_index=True)
    expected = expected.sort_values(keys, ignore_index=True)
    for column in keys:
        if column == "days" or pd.api.types.is_numeric_dtype(expected[column]):
            close(
                case,
                f"your {name}, column {column} (rows sorted)",
                got[column],
                expected[column],
                0,
            )
        elif not got[column].equals(expected[column]):
            raise case.fail(f"your {name}, column {column}: changed; only the days should")


def windowed(fn) -> None:
    """Check `fn(c, days)`: a copy of cohort `c` (a `cohort.Cohort`) whose measurements and events
    each fall on the first day of their window of `days` days (windows start at day 0, every
    `days` days, before day 0 as after), the people and every other column unchanged."""
    abouts = [f"{p} people, days from -400 to 400, windows of {d} days" for p, d in _CASES]
    for case, (people, days) in zip(cases("windowed", abouts), _CASES, strict=True):
        c = _cohort(np.random.default_rng(case.number), people)
        got = call(case, fn, {"c": c, "days": days})
        if not isinstance(got, Cohort):
            raise case.fail(f"your function returned a {type(got).__name__}, expected a Cohort")
        if not got.people.equals(c.people):
            raise case.fail("your people: changed; only the days of measurements and codes should")
        for name in ("measurements", "events"):
            table = getattr(c, name)
            expected = table.assign(days=table["days"] // days * days)
            _rows(case, name, getattr(got, name), expected)
    passed("windowed", len(_CASES), "every day exactly")
