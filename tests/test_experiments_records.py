"""The health-records chapter's experiments at reduced size (a few hundred matched sets of the
real cohort, one epoch): each runs, returns what the chapter reads, and keeps its invariants.
The chapter runs them at full size in `make book`; no test number is asserted here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnnbook import evaluate, experiments, plots, records
from rnnbook.cohort import CODES, Cohort
from rnnbook.data import IGNORE_INDEX
from rnnbook.experiments import health_records as hr

ONE_EPOCH = {"epochs": 1}


@pytest.fixture(scope="module")
def small(nafld_clean) -> hr.RecordData:
    """About 2,000 people: every member of 400 randomly chosen matched sets."""
    people = nafld_clean.people
    sets = people["case_id"].dropna().unique()
    chosen = np.random.default_rng(0).choice(sets, 400, replace=False)
    ids = people.loc[people["case_id"].isin(chosen), "id"]

    def only(table: pd.DataFrame) -> pd.DataFrame:
        return table[table["id"].isin(ids)].reset_index(drop=True)

    c = Cohort(only(people), only(nafld_clean.measurements), only(nafld_clean.events))
    return experiments.record_data(c, seed=0)


def test_record_data_splits_people_and_scales_on_training_people(small):
    rows = small.rows
    assert sum(len(r) for r in rows.values()) == len(small.tensors.ids)
    assert not set(rows["train"]) & set(rows["test"])
    sets = small.cohort.people.set_index("id").loc[small.tensors.ids, "case_id"].to_numpy()
    assert not set(sets[rows["train"]]) & set(sets[rows["test"]])  # matched sets stay whole
    hdl = small.tensors.channel("hdl")
    measured = small.tensors.X[rows["train"], :, small.tensors.channel("hdl_measured")] > 0
    values = small.tensors.X[rows["train"], :, hdl][measured]
    assert abs(values.mean()) < 0.1  # standardised with the training people's own values


def test_death_labels_and_data(small):
    label = hr.death_labels(small)
    p = small.cohort.people.set_index("id").loc[small.tensors.ids]
    horizon = hr.DEATH_YEARS * 365.25
    assert ((label == 1) == ((p["status"] == 1) & (p["futime"] <= horizon)).to_numpy()).all()
    assert (
        (label == IGNORE_INDEX) == ((p["status"] == 0) & (p["futime"] <= horizon)).to_numpy()
    ).all()
    d = hr.death_data(small)
    labelled = d.y_train != IGNORE_INDEX
    assert (labelled.sum(dim=1) == 1).all()  # one label per person
    lengths = (d.X_train[:, :, 0] > 0).sum(dim=1)
    assert (labelled.float().argmax(dim=1) == lengths - 1).all()  # on the last visit


def test_shuffle_keeps_the_landmark_and_each_persons_visits(small):
    X, lengths = small.tensors.X, small.tensors.lengths
    shuffled = hr.shuffle_visits(X, lengths, seed=3)
    last = np.arange(len(X)), lengths - 1
    assert np.array_equal(shuffled[last], X[last])
    for i in np.flatnonzero(lengths > 3)[:50]:
        n = lengths[i]
        assert np.array_equal(np.sort(shuffled[i, :n], axis=0), np.sort(X[i, :n], axis=0))
        assert np.array_equal(shuffled[i, n:], X[i, n:])  # padding stays
    assert any(not np.array_equal(shuffled[i], X[i]) for i in np.flatnonzero(lengths > 3))


def test_death_comparison_at_reduced_size(small):
    death = hr.death_comparison(small, recipe=hr.DEATH_RECIPE.but(**ONE_EPOCH))
    assert list(death.p) == list(experiments.RECORD_MODELS)
    n = len(death.y)
    assert len(death.people) == n and set(np.unique(death.y)) <= {0, 1}
    for p in death.p.values():
        assert p.shape == (n,) and ((p >= 0) & (p <= 1)).all()
    train_labels = hr.death_labels(small)[small.rows["train"]]
    died = (train_labels[train_labels != IGNORE_INDEX] == 1).mean()  # among the labelled
    assert death.class_weights == pytest.approx((1.0, (1 - died) / died), rel=1e-6)
    ids = death.people["id"].to_numpy()
    scores = experiments.scores_table(death.y, death.p, ids, n_boot=50)
    assert list(scores.index) == list(death.p)
    assert ((scores["low"] <= scores["AUROC"]) & (scores["AUROC"] <= scores["high"])).all()
    diffs = experiments.compare(death.y, death.p, experiments.DEATH_PAIRS, ids, n_boot=50)
    assert set(diffs["verdict"]) <= set(evaluate.VERDICTS)
    assert (diffs["low"] <= diffs["high"]).all()
    again = experiments.seed_check(
        small, death, seeds=(1,), recipe=hr.DEATH_RECIPE.but(**ONE_EPOCH)
    )
    assert list(again["against"]) == [hr.SHUFFLED, hr.SUMMARY] and set(again["seed"]) == {1}
    groups = experiments.subgroups(death.y, death.p["GRU"], death.people, n_boot=50)
    assert groups.loc["women", "people"] + groups.loc["men", "people"] == n
    bands = [g for g in groups.index if g.startswith("age")]
    assert groups.loc[bands, "people"].sum() == n


def test_codes_comparison_at_reduced_size(small):
    cc = hr.codes_comparison(small, recipe=hr.CODES_RECIPE.but(**ONE_EPOCH))
    visits = int((small.tensors.X[small.rows["test"], :, 0] > 0).sum())
    assert cc.y.shape == (visits, len(CODES)) and len(cc.groups) == visits
    for p in cc.p.values():
        assert p.shape == cc.y.shape and ((p >= 0) & (p <= 1)).all()
    table = experiments.codes_table(cc)
    assert list(table.columns) == list(cc.p) and "recall@3" in table.index
    diffs = experiments.codes_differences(cc, n_boot=30)
    assert len(diffs) == 4 and set(diffs["verdict"]) <= set(evaluate.VERDICTS)
    similarity = experiments.code_similarity(cc.run.model)
    assert np.allclose(np.diag(similarity), 1) and np.allclose(similarity, similarity.T)
    plots.plot_code_similarity(similarity)


def test_recall_at_k_by_hand():
    y = np.array([[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, np.nan, 0]])
    p = np.array([[0.9, 0.8, 0.1, 0.2], [0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.9, 0.3]])
    # Visit 1: codes 0 and 3 came; top 2 are 0 and 1: 1 hit. Visit 3: code 1 came; top 2 are
    # 2 and 3: no hit. Three codes came in all.
    assert hr.recall_at_k(y, p, k=2) == pytest.approx(1 / 3)
    assert hr.recall_at_k(y, p, k=4) == pytest.approx(1.0)


def test_the_person_timeline_draws_codes_and_measurements(nafld_clean):
    fig = plots.plot_person_timeline(nafld_clean, 4)
    top = fig.axes[0]
    labels = [t.get_text() for t in top.get_yticklabels()]
    assert labels == ["dyslipidemia", "htn", "ang/isc"]
    tests = [ax.get_ylabel() for ax in fig.axes[1:]]
    assert tests == ["hdl", "sbp", "fib4"]
    hdl = fig.axes[1].get_lines()[-1]
    person = nafld_clean.measurements
    expected = person[(person["id"] == 4) & (person["test"] == "hdl")]
    assert np.allclose(hdl.get_ydata(), expected["value"])


def test_records_summary_features_first_channels_count_visits_and_codes(small):
    S = records.summary_features(small.tensors)
    real = small.tensors.X[:, :, 0] > 0
    assert np.array_equal(S[:, :, 0][real], np.cumsum(real, axis=1)[real])
    codes = np.cumsum(small.tensors.X[:, :, 1 : 1 + len(CODES)], axis=1)
    assert np.array_equal(S[:, :, 1 : 1 + len(CODES)], codes)


def test_code_gru_builder_reads_the_record_channels():
    model = hr.code_gru()(2)
    X = torch.zeros(3, 5, len(records.channel_names()))
    X[:, :2, 0] = 1
    assert model(X).shape == (3, 5, 2)


def test_records_survival_at_reduced_size(small):
    surv = hr.records_survival(small, recipe=hr.HAZARD_RECIPE.but(**ONE_EPOCH), n_boot=30)
    n = len(small.rows["test"])
    assert len(surv.years) == len(surv.death) == n and set(np.unique(surv.death)) <= {0, 1}
    assert list(surv.survival) == [hr.COX_STATIC, hr.COX_SUMMARY, hr.HAZARD_GRU]
    for s in surv.survival.values():
        assert s.shape == (n,) and ((s > 0) & (s <= 1)).all()
    assert len(surv.metrics) == 3 * 3 and len(surv.differences) == 3 * len(hr.SURVIVAL_PAIRS)
    assert set(surv.differences["verdict"]) <= set(evaluate.VERDICTS)
    brier = surv.differences[surv.differences["metric"] == "Brier at 5 y"].iloc[0]
    # A lower Brier score is better: the verdict reads the interval that way round.
    expected = evaluate.verdict(brier["difference"], (brier["low"], brier["high"]), False)
    assert brier["verdict"] == expected
