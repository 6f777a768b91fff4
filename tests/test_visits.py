"""The PBC visit sequences on the real file: its facts, the Mayo score, the labels (no leakage),
padding and packing, the forecaster's cell loop, and the chapter's experiments at reduced size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from rnnbook import data, downloads, evaluate, experiments, visit_models, visits
from rnnbook.train import train
from rnnbook.utils import set_seed


@pytest.fixture(scope="module")
def table():
    return visits.read_pbcseq()


@pytest.fixture(scope="module")
def split(table):
    return visits.split_patients(table, seed=0)


@pytest.fixture(scope="module")
def risk(table, split):
    return visits.visit_data(table, split, "death-2y")


@pytest.fixture(scope="module")
def bili(table, split):
    return visits.visit_data(table, split, "bili-next")


# --- the file ------------------------------------------------------------------------------------


def test_checksum_and_where_the_file_is():
    path = visits.fetch_pbcseq()
    assert path.name == "pbcseq.csv" and path.parent.name == "pbcseq"
    assert downloads.sha256_of(path) == visits.SHA256


def test_the_facts_of_the_shared_readme(table):
    """Every number of the data folder's README, measured again."""
    assert len(table) == 1945
    patients = table.groupby("id")
    assert table["id"].nunique() == 312 and sorted(table["id"].unique()) == list(range(1, 313))
    sizes = patients.size()
    assert (sizes.min(), sizes.median(), round(sizes.mean(), 2), sizes.max()) == (1, 5, 6.23, 16)
    assert (patients["day"].min() == 0).all()
    assert (table["day"].min(), table["day"].max()) == (0, 5152)
    assert (table["futime"].min(), table["futime"].max()) == (41, 5225)
    first = patients.first()
    assert first["status"].value_counts().to_dict() == {2: 140, 1: 29, 0: 143}
    assert first["male"].value_counts().to_dict() == {0: 276, 1: 36}
    assert (round(first["age"].min(), 1), round(first["age"].max(), 1)) == (26.3, 78.4)
    missing = table[[c for c in visits.COLUMNS if c != "sex"]].isna().sum()
    assert missing[missing > 0].to_dict() == {
        "ascites": 60, "hepato": 61, "spiders": 58, "chol": 821, "alk.phos": 60, "platelet": 73,
    }  # fmt: skip
    last = patients.agg(day=("day", "max"), futime=("futime", "first"), status=("status", "first"))
    died = last[last["status"] == 2]
    assert ((died["futime"] - died["day"]) <= 730).sum() == 123
    # Missingness is informative: labs other than cholesterol, at the last visit before death or
    # transplant against every other visit; AST and stage are never missing.
    labs = ["bili", "albumin", "alk.phos", "ast", "platelet", "protime"]
    final = (table["visit"] == patients["visit"].transform("max")) & (table["status"] > 0)
    gaps = table[labs].isna().any(axis=1)
    counts = (final.sum(), gaps[final].sum(), (~final).sum(), gaps[~final].sum())
    assert counts == (169, 56, 1776, 19)
    assert (round(100 * gaps[final].mean(), 1), round(100 * gaps[~final].mean(), 1)) == (33.1, 1.1)
    flags = visits.visit_features(table)[visits.MISSINGNESS]
    assert list(flags.columns[flags.nunique() == 1]) == ["measured_ast", "measured_stage"]


def test_mayo_score_of_a_hand_computed_visit(table):
    """Patient 1's first visit: bilirubin 14.5, albumin 2.6, age 58.7652, prothrombin 12.2, edema 1.

    0.871 ln 14.5 = 2.329184; 2.53 ln 2.6 = 2.417443; 0.039 * 58.765229 = 2.291844;
    2.38 ln 12.2 = 5.953417; 0.859 * 1 = 0.859. R = 2.329184 - 2.417443 + 2.291844 + 5.953417
    + 0.859 = 9.016002.
    """
    row = table.iloc[0]
    assert (row["id"], row["day"], row["bili"], row["albumin"], row["protime"]) == (
        1,
        0,
        14.5,
        2.6,
        12.2,
    )
    assert visits.visit_mayo(table)[0] == pytest.approx(9.016002, abs=1e-5)
    # A later visit counts the years since registration into the age.
    later = table.iloc[[1]]
    expected = visits.mayo_score(21.3, 2.94, 58.7652292950034 + 192 / 365.25, 11.2, 1)
    assert visits.visit_mayo(later)[0] == pytest.approx(expected, abs=1e-12)


def test_landmark_labels(table):
    labels = visits.landmark_labels(table)
    values, counts = np.unique(labels, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist(), strict=True)) == {
        -100: 191, 0: 1489, 1: 265,
    }  # fmt: skip
    remaining = table["futime"] - table["day"]
    assert (labels[(table["status"] != 2) & (remaining <= 730)] == data.IGNORE_INDEX).all()
    assert (labels[(table["status"] == 2) & (remaining <= 730)] == 1).all()


def test_a_label_never_depends_on_a_later_visit(table, split):
    """Cut every patient's visits after a landmark: the landmark's label and features stay."""
    early = table["visit"].to_numpy() <= 2
    cut = table[early].reset_index(drop=True)
    assert np.array_equal(visits.landmark_labels(cut), visits.landmark_labels(table)[early])
    features_cut = visits.visit_features(cut)
    features_full = visits.visit_features(table)[early]
    pd.testing.assert_frame_equal(features_cut, features_full.reset_index(drop=True))
    # The model's output at a visit is the same whatever follows it.
    vd = visits.visit_data(table, split)
    set_seed(0)
    model = visit_models.VisitGRU(2, vd.d.X_test.shape[2]).eval()
    X = vd.d.X_test.clone()
    lengths = X[:, :, 0].sum(1).long()
    changed = X.clone()
    changed[:, 3:, 1:] += torch.randn_like(changed[:, 3:, 1:])  # visits 4.. of every patient
    with torch.no_grad():
        assert torch.equal(model(X)[:, :3], model(changed)[:, :3])
    assert (lengths > 3).any()


def test_split_by_patient(table, split):
    parts = [set(split.train), set(split.valid), set(split.test)]
    assert [len(p) for p in parts] == [186, 63, 63]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert set.union(*parts) == set(range(1, 313))


# --- tensors -------------------------------------------------------------------------------------


def test_padded_tensors(table, risk):
    d = risk.d
    assert d.X_train.shape == (186, 16, 1 + len(risk.features))
    assert d.y_train.dtype == torch.long and d.X_train.dtype == torch.float32
    present = d.X_train[:, :, 0]
    counts = table[table["id"].isin(risk.ids["train"])].groupby("id").size()
    assert present.sum(1).long().tolist() == counts.loc[risk.ids["train"]].tolist()
    assert (d.y_train[present == 0] == data.IGNORE_INDEX).all()  # padding is never a label
    assert (d.X_train[present == 0] == 0).all()
    # The labelled steps line up with the visits of the table.
    steps = risk.steps("test")
    assert np.array_equal(d.y_test[d.X_test[:, :, 0] == 1].numpy(), steps["label"].to_numpy())
    # Standardised on the training visits only.
    train_steps = d.X_train[present == 1][:, 1:]
    assert train_steps.mean(0).abs().max() < 1e-4


def test_forecast_tensors(table, bili):
    d = bili.d
    assert d.X_test.shape[2] == 2 and d.y_test.dtype == torch.float32
    first = table[table["id"] == bili.ids["test"][0]]
    n = len(first)
    assert torch.allclose(
        d.X_test[0, :n, 0], torch.tensor(np.log(first["bili"].to_numpy()), dtype=torch.float32)
    )
    assert torch.allclose(d.y_test[0, : n - 1], d.X_test[0, 1:n, 0])  # the next visit's value
    assert torch.isnan(d.y_test[0, n - 1 :]).all()


# --- models --------------------------------------------------------------------------------------


def test_packing_equals_running_each_patient_alone(risk):
    X = risk.d.X_test[:12]
    set_seed(0)
    for cell in ("gru", "lstm"):
        model = visit_models.VisitGRU(2, X.shape[2], num_hiddens=8, cell=cell).double().eval()
        with torch.no_grad():
            batch = model(X.double())  # (12, max_visits, 2)
            for i in range(len(X)):
                n = int(X[i, :, 0].sum())
                alone = model(X[i : i + 1, :n].double())
                assert (batch[i, :n] - alone[0]).abs().max() < 1e-12
                assert torch.allclose(
                    batch[i, n:], model.head.bias.double().expand(X.shape[1] - n, 2)
                )


def test_gru_cell_loop_equals_nn_gru(bili):
    """With teacher forcing, the forecaster's GRUCell loop is nn.GRU with the same weights."""
    set_seed(0)
    model = visit_models.VisitForecaster(1, num_hiddens=8).double().eval()
    gru = nn.GRU(2, 8, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, f"{name}_l0").copy_(getattr(model.cell, name))
        X = bili.d.X_test.double()
        out, _ = gru(X)  # (batch, steps, 8)
        assert (model(X) - model.head(out)).abs().max() < 1e-12


def test_forecasting_on_its_own_predictions(bili):
    set_seed(0)
    model = visit_models.VisitForecaster(1, num_hiddens=8).eval()
    X = bili.d.X_test
    changed = X.clone()
    changed[:, 3:, 0] += 5.0  # the true values after the third visit
    y_hat = visits.forecast(model, X, observed=3)
    assert y_hat.shape == X.shape[:2]
    assert torch.equal(y_hat, visits.forecast(model, changed, observed=3))  # never read
    assert not torch.equal(visits.forecast(model, X, 5), visits.forecast(model, changed, 5))
    # Persistence is the baseline: its error at one visit ahead is that of the last value.
    errors = visits.forecast_errors(None, X, bili.d.y_test, horizons=2)
    keep = ~torch.isnan(bili.d.y_test)
    assert errors[0] == pytest.approx(
        float((bili.d.y_test - X[:, :, 0]).abs()[keep].mean()), abs=1e-5
    )


def test_training_with_own_forecasts_is_seeded(bili):
    """feed="own" draws how many visits each batch observes from torch's generator: seeded."""
    runs = [
        train(
            lambda k: visit_models.VisitForecaster(k, num_hiddens=8, feed="own"),
            bili.d,
            experiments.VISIT_FORECAST_RECIPE,
            seed=3,
            epochs=2,
        )  # fmt: skip
        for _ in range(2)
    ]
    assert runs[0].history.valid_loss == runs[1].history.valid_loss
    assert np.isnan(runs[0].test_accuracy)


# --- the chapter's experiments, reduced --------------------------------------------------------------


def test_visit_risk_reduced(risk):
    result = experiments.visit_risk(risk, n_boot=50, epochs=2)
    assert list(result.auroc.index) == [
        experiments.MAYO, experiments.LOGISTIC, "GRU (visit history)", "LSTM (visit history)",
    ]  # fmt: skip
    auroc = result.auroc
    assert ((auroc["lo"] <= auroc["auroc"]) & (auroc["auroc"] <= auroc["hi"])).all()
    assert auroc.loc[experiments.MAYO, "diff"] == 0
    assert len(result.scores) == int((risk.d.y_test != data.IGNORE_INDEX).sum())
    # The formula needs no training: its AUROC is that of the scores, exactly.
    mayo = result.scores[experiments.MAYO]
    assert auroc.loc[experiments.MAYO, "auroc"] == evaluate.roc_auc(result.scores["label"], mayo)
    assert auroc.loc[experiments.MAYO, "verdict"] == "reference"
    assert set(auroc["verdict"].iloc[1:]) <= set(evaluate.VERDICTS)


def test_visit_forecast_reduced(bili):
    result = experiments.visit_forecast(bili, horizons=3, epochs=2, n_boot=50)
    errors, runs = result.errors, result.runs
    assert errors.shape == (3, 3) and list(errors.columns) == [1, 2, 3]
    assert list(errors.index) == list(experiments.FORECASTS)
    assert set(runs) == {"teacher forcing", "own forecasts"}
    # The errors are those of visits.forecast_errors, from the same forecasts one by one.
    X, y = bili.d.part("test")
    models_ = (None, runs["teacher forcing"].model, runs["own forecasts"].model)
    for name, model in zip(experiments.FORECASTS, models_, strict=True):
        expected = visits.forecast_errors(model, X, y, horizons=3)
        assert errors.loc[name].to_numpy() == pytest.approx(expected, abs=1e-5)
    d = result.differences
    assert len(d) == 3 * len(experiments.FORECAST_COMPARISONS)
    assert set(d["verdict"]) <= set(evaluate.VERDICTS)
    # h visits ahead needs a patient with at least h + 1 visits.
    n_visits = bili.visits[bili.visits["part"] == "test"].groupby("id").size()
    for (_, _, h), row in d.iterrows():
        assert row["patients"] == int((n_visits >= h + 1).sum())


def test_forecast_differences_are_paired_over_patients():
    """A method against itself differs by exactly 0 on every resample; a forecast that is the
    truth beats a noisy one at every horizon; misaligned forecasts are refused."""
    rng = np.random.default_rng(0)
    n = 300
    base = pd.DataFrame({"id": rng.integers(0, 40, n), "landmark": 1,
                         "horizon": rng.integers(1, 3, n), "true": rng.normal(0, 1, n)})  # fmt: skip
    exact = base.assign(forecast=base["true"])
    noisy = base.assign(forecast=base["true"] + rng.normal(0, 1, n))
    items = {"exact": exact, "noisy": noisy, "again": noisy.copy()}
    d = experiments.forecast_differences(
        items, [("exact", "noisy"), ("again", "noisy")], n_boot=200
    )
    assert list(d.index.get_level_values("visits ahead")) == [1, 2, 1, 2]
    d = d.sort_index()
    same = d.xs(("again", "noisy"))
    assert (same[["diff", "lo", "hi"]] == 0).all().all()
    assert (same["verdict"] == "no measurable difference").all()
    better = d.xs(("exact", "noisy"))
    assert (better["hi"] < 0).all() and (better["verdict"] == "better").all()
    for h in (1, 2):
        assert better.loc[h, "patients"] == base.loc[base["horizon"] == h, "id"].nunique()
    with pytest.raises(ValueError, match="not scored on the same forecasts"):
        experiments.forecast_differences(
            {"a": exact, "b": noisy.iloc[::-1]}, [("a", "b")], n_boot=10
        )


def test_auroc_table_pairs_the_resamples():
    """A monotone transform of the reference has the same AUROC on every resample: a paired
    difference of exactly 0, with an interval of exactly (0, 0)."""
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 5)
    y = rng.integers(0, 2, len(groups))
    ref = y + rng.normal(0, 1.5, len(y))
    noise = rng.normal(0, 1, len(y))
    scores = {"ref": ref, "monotone": np.exp(ref), "noisy": ref + noise}
    table = experiments.auroc_table(y, scores, groups, "ref", n_boot=200)
    assert table.loc["monotone", ["diff", "diff_lo", "diff_hi"]].tolist() == [0, 0, 0]
    assert table.loc["monotone", "lo"] == table.loc["ref", "lo"]
    noisy = table.loc["noisy"]
    assert noisy["diff_lo"] < noisy["diff"] < noisy["diff_hi"] and noisy["lo"] < noisy["auroc"]


def test_without_leaves_input_channels_out(risk):
    dropped = visits.TIME_GAP + visits.MISSINGNESS
    assert set(dropped) <= set(risk.features) and len(visits.MISSINGNESS) == 8
    less = visits.without(risk, dropped)
    kept = [name for name in risk.features if name not in dropped]
    assert less.features == kept and less.task == risk.task
    for part in ("train", "valid", "test"):
        X, y = risk.d.part(part)
        X_less, y_less = less.d.part(part)
        assert X_less.shape == (*X.shape[:2], 1 + len(kept))
        assert torch.equal(X_less[:, :, 0], X[:, :, 0])  # the real-visit channel stays
        for i, name in enumerate(kept):
            assert torch.equal(X_less[:, :, 1 + i], X[:, :, 1 + risk.features.index(name)])
        assert y_less is y
    assert risk.d.X_train.shape[2] == 1 + len(risk.features)  # the original is untouched
    with pytest.raises(data.DataError, match="no input channel 'gaps'"):
        visits.without(risk, ["gaps"])


def test_visit_input_ablation_reduced(risk):
    """Two variants that leave nothing out are the same seeded training: a paired difference of
    exactly 0; leaving channels out trains on fewer inputs."""
    variants = {"all": [], "again": [], "no gap": visits.TIME_GAP}
    result = experiments.visit_input_ablation(risk, variants, n_boot=20, epochs=1)
    assert list(result.auroc.index) == list(variants)
    assert np.array_equal(result.scores["all"], result.scores["again"])
    assert result.auroc.loc["again", ["diff", "diff_lo", "diff_hi"]].tolist() == [0, 0, 0]
    assert result.runs["no gap"].model.rnn.input_size == risk.d.X_train.shape[2] - 1
    assert len(result.scores) == int((risk.d.y_test != data.IGNORE_INDEX).sum())
