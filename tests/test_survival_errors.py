"""Bad input to rnnbook.survival: one clear line each, naming the argument and the problem."""

from __future__ import annotations

import numpy as np
import pytest

from rnnbook import survival
from rnnbook.errors import RNNBookError


def one_line(call, fragment: str) -> None:
    with pytest.raises(RNNBookError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and fragment in message, message


def test_negative_time():
    one_line(lambda: survival.kaplan_meier([1.0, -2.0, 3.0], [1, 0, 1]), "time has 1 negative")


def test_missing_time():
    one_line(
        lambda: survival.concordance_index([1.0, np.nan], [1, 0], [0.1, 0.2]), "missing values"
    )


def test_event_outside_zero_one():
    one_line(lambda: survival.kaplan_meier([1.0, 2.0], [1, 2]), "outside {0, 1}")


def test_cause_codes():
    one_line(lambda: survival.cumulative_incidence([1.0, 2.0], [3, 1], causes=(1, 2)),
             "outside {0, 1, 2}")  # fmt: skip


def test_risk_of_the_wrong_length():
    one_line(lambda: survival.concordance_index([1.0, 2.0, 3.0], [1, 0, 1], [0.1, 0.2]),
             "risk has 2 values for 3 times")  # fmt: skip


def test_event_of_the_wrong_length():
    one_line(
        lambda: survival.kaplan_meier([1.0, 2.0, 3.0], [1, 0]), "event has 2 values for 3 times"
    )


def test_no_comparable_pair():
    one_line(
        lambda: survival.concordance_index([1.0, 2.0], [0, 0], [0.1, 0.2]), "no comparable pairs"
    )


def test_hazard_ratios_of_an_unknown_fit():
    from rnnbook.experiments.time_to_event import CoxFits

    one_line(lambda: CoxFits(None, None, None).hazard_ratios("first"), "which is 'first'")
