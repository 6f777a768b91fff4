"""The check of "Clinical evaluation": the expected calibration error by hand (exercise
`ex-clin-ece`)."""

from __future__ import annotations

import numpy as np

from ..evaluate import expected_calibration_error
from ._core import call, cases, close, number, passed

# Probabilities on bin edges that a bin written as [k/10, (k+1)/10) puts in bin k however it is
# computed (k/10 * 10 is exactly k for these, and np.linspace(0, 1, 11) has them exactly).
_EDGES = np.array([0.0, 0.1, 0.2, 0.4, 0.5, 0.8, 0.9, 1.0])
_ABOUTS = [
    "200 rows, probabilities spread over [0, 1], some on bin edges and at 1",
    "60 rows, probabilities only below 0.3 or from 0.9: empty bins",
    "150 rows, a confident detector: most probabilities near 0 and 1",
]


def _case(rng: np.random.Generator, number: int) -> dict:
    if number == 1:
        p = np.concatenate([rng.random(184), np.repeat(_EDGES, 2)])
    elif number == 2:
        p = np.concatenate([0.3 * rng.random(40), 0.9 + 0.1 * rng.random(17), [0.9, 1.0, 1.0]])
    else:
        p = np.clip(rng.beta(0.3, 0.3, 150), 0, 1)
    p = rng.permutation(p)
    y = (rng.random(len(p)) < p**1.3).astype(int)
    y[np.flatnonzero(p == 1)[:1]] = 0  # a confident mistake: p = 1 where there was no seizure
    return {"y": y, "p": p}


def ece(fn) -> None:
    """Check `fn(y, p)`: the expected calibration error of probabilities `p` for 0/1 labels `y` over
    ten equal-width bins [k/10, (k+1)/10), with p = 1 in the last; against
    `evaluate.expected_calibration_error`."""
    atol = 1e-12
    for case in cases("ece", _ABOUTS):
        inputs = _case(np.random.default_rng(case.number), case.number)
        expected = expected_calibration_error(inputs["y"], inputs["p"])
        got = number(case, "your ECE", call(case, fn, inputs))
        close(case, "your ECE", got, expected, atol)
    passed("ece", len(_ABOUTS), f"atol {atol:g}, against evaluate.expected_calibration_error")
