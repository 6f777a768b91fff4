"""The check of "Time to event": Harrell's C by two nested loops (exercise `ex-tte-loop`)."""

from __future__ import annotations

import numpy as np

from ..survival import concordance_index
from ._core import call, cases, close, number, passed

_SIZES = [12, 30, 25]  # patients


def _case(rng: np.random.Generator, n: int) -> dict:
    return {
        "time": rng.integers(1, 8, n).astype(float),  # few distinct times: ties
        "event": (rng.random(n) < 0.6).astype(int),
        "risk": np.round(rng.normal(size=n), 1),  # rounded: ties in risk
    }


def harrell_loop(fn) -> None:
    """Check `fn(time, event, risk)`: Harrell's C on patients with ties in time (an event and a
    censoring on the same day, two events on the same day) and in risk; against
    `survival.concordance_index`."""
    atol = 1e-12
    abouts = [f"{n} patients, ties in time and risk" for n in _SIZES]
    for case, n in zip(cases("harrell_loop", abouts), _SIZES, strict=True):
        inputs = _case(np.random.default_rng(case.number), n)
        expected = concordance_index(inputs["time"], inputs["event"], inputs["risk"])
        got = number(case, "your C", call(case, fn, inputs))
        close(case, "your C", got, expected, atol)
    passed("harrell_loop", len(_SIZES), f"atol {atol:g}, against survival.concordance_index")
