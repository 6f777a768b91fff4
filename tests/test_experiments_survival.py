"""The time-to-event chapter's experiments (`rnnbook.experiments.time_to_event`), on the real PBC
visits, reduced where they train: follow-up, the naive estimates against Kaplan-Meier, start/stop
rows, the landmark visit, the Cox fits, and the whole comparison and competing-risks runs with a
brief training and few bootstrap draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnbook import evaluate, survival
from rnnbook.experiments import time_to_event as tte

BRIEF = dict(epochs=2, n_boot=20)  # two epochs of the hazard model, 20 bootstrap draws


@pytest.fixture(scope="module")
def patients(pbc_table):
    return tte.follow_up(pbc_table)


def test_follow_up_has_one_row_per_patient(pbc_table, patients):
    assert len(patients) == pbc_table["id"].nunique() == 312
    assert set(patients["status"]) == {0, 1, 2}
    assert (patients["death"] == (patients["status"] == 2)).all()
    assert np.allclose(patients["years"], pbc_table.groupby("id")["futime"].first() / tte.YEAR)


def test_naive_estimates_bracket_kaplan_meier(patients):
    naive = tte.naive_survival(patients, years=5)
    drop, alive, km = naive["survival"]
    # Dropping the censored keeps early deaths and loses survivors; counting them alive adds
    # survivors who might have died: the two bracket the Kaplan-Meier estimate.
    assert drop < km < alive
    censored_early = int(((patients["years"] < 5) & (patients["death"] == 0)).sum())
    assert naive["patients used"].tolist() == [312 - censored_early, 312, 312]


def test_km_by_group_and_difference(patients):
    high = (patients["mayo"] > patients["mayo"].median()).to_numpy()
    tables, summary = tte.km_by_group(patients, {"high": high, "low": ~high})
    assert summary["patients"].tolist() == [int(high.sum()), int((~high).sum())]
    assert summary.loc["high", "5-year survival"] < summary.loc["low", "5-year survival"]
    diff, lo, hi, said = tte.km_difference(patients, high, ~high, n_boot=50)
    assert np.isfinite([diff, lo, hi]).all() and lo <= hi and said in evaluate.VERDICTS


def test_start_stop_rows_cover_each_follow_up(pbc_table):
    rows = tte.start_stop(pbc_table)
    assert len(rows) == len(pbc_table)
    assert (rows["stop"] > rows["start"]).all()
    per = rows.groupby("id")
    assert (per["death"].sum() == (pbc_table.groupby("id")["status"].first() == 2)).all()
    assert np.allclose(per["stop"].max(), pbc_table.groupby("id")["futime"].first() / tte.YEAR)


def test_landmark_is_one_visit_per_patient_nearest_the_day(pbc_table):
    land = tte.landmark_visits(pbc_table)
    chosen = pbc_table[land]
    assert chosen["id"].is_unique and len(chosen) == pbc_table["id"].nunique()
    distance = (pbc_table["day"] - tte.LANDMARK_DAY).abs()
    assert (distance[land].to_numpy() == distance.groupby(pbc_table["id"]).min().to_numpy()).all()


def test_cox_fits_predict_survival_that_falls_with_the_horizon(pbc_table, pbc_visits):
    cox = tte.fit_cox(pbc_table, pbc_visits.ids["train"])
    rows = tte.start_stop(pbc_table).head(50)
    S = tte.cox_survival(cox.varying, rows, tte.SURVIVAL_HORIZONS)
    assert S.shape == (50, len(tte.SURVIVAL_HORIZONS))
    assert ((0 <= S) & (S <= 1)).all() and (np.diff(S, axis=1) <= 1e-12).all()
    ratios = cox.hazard_ratios("varying")
    assert list(ratios.index) == tte.COX_COVARIATES
    with pytest.raises(Exception, match="which is"):
        cox.hazard_ratios("other")


def test_survival_comparison_and_competing_risks_brief(pbc_table, pbc_visits):
    comparison = tte.survival_comparison(pbc_table, pbc_visits, seed=0, **BRIEF)
    frame = comparison.visits
    assert frame["landmark"].sum() == frame["id"].nunique() == len(pbc_visits.ids["test"])
    assert set(comparison.differences["verdict"]) <= set(evaluate.VERDICTS)
    m = comparison.metrics
    assert ((m["lo"] <= m["value"] + 1e-12) & (m["value"] <= m["hi"] + 1e-12)).all()
    assert set(comparison.survival) == set(tte.SURVIVAL_MODELS)
    counts = comparison.verdict_counts()
    assert counts.to_numpy().sum() == len(comparison.differences)
    cal = comparison.calibration
    assert set(cal["group"]) == {1, 2, 3}
    competing = tte.competing_risks(
        pbc_table, pbc_visits, comparison.runs[tte.GRU], years=(5,), seed=0, **BRIEF
    )
    assert isinstance(competing.incidence, pd.DataFrame)
    assert competing.death_c.attrs["verdict"] in evaluate.VERDICTS
    d = survival.survival_data(pbc_visits, causes=(1, 2))
    assert d.classes == ("transplant", "death")
