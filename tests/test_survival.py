"""rnnbook.survival against the established libraries (lifelines, scikit-survival) on random data
with ties and heavy censoring; the hazard loss against a hand computation; the patient
bootstrap's weights against an explicit resample; the Trainer's "hazard" loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnbook import survival, visit_models
from rnnbook.data import SeqData
from rnnbook.recipe import Recipe
from rnnbook.train import step_loss, train


def tied(seed: int, n: int = 150, censored: float = 0.7):
    """Integer times (many ties), heavy censoring, integer risks (many ties)."""
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 25, n).astype(float)
    event = (rng.random(n) > censored).astype(int)
    risk = rng.integers(0, 6, n).astype(float)
    return time, event, risk


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kaplan_meier_matches_lifelines(seed):
    from lifelines import KaplanMeierFitter

    time, event, _ = tied(seed)
    ours = survival.kaplan_meier_table(time, event)
    fitter = KaplanMeierFitter().fit(time, event)
    assert list(ours.index) == sorted(set(time[event == 1]))  # the distinct event times
    np.testing.assert_allclose(survival.kaplan_meier(time, event), ours["survival"])
    np.testing.assert_allclose(
        ours["survival"], fitter.survival_function_.loc[ours.index].iloc[:, 0]
    )
    np.testing.assert_allclose(
        ours[["lo", "hi"]], fitter.confidence_interval_.loc[ours.index], atol=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harrell_matches_lifelines(seed):
    from lifelines.utils import concordance_index

    time, event, risk = tied(seed)
    ours = survival.concordance_index(time, event, risk)
    assert ours == pytest.approx(concordance_index(time, -risk, event), abs=1e-12)


def test_harrell_by_hand():
    # Comparable: (0, 1), (0, 2) and (1, 2), since patient 2, censored at the time of patient
    # 1's death, counts as having lived longer; risks 3, 1, 1: concordant, concordant, a tie.
    time, event = [1, 2, 2], [1, 1, 0]
    assert survival.concordance_index(time, event, [3, 1, 1]) == pytest.approx(2.5 / 3)
    # Two deaths at the same time are not comparable.
    assert survival.concordance_index([1, 1, 2], [1, 1, 0], [0, 1, 0.5]) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_ipcw_metrics_match_scikit_survival(seed):
    from sksurv.metrics import brier_score, concordance_index_ipcw, cumulative_dynamic_auc
    from sksurv.util import Surv

    time, event, risk = tied(seed, censored=0.6)
    tr_time, tr_event, _ = tied(seed + 10, n=300, censored=0.6)
    tr_time[0], tr_event[0] = 30.0, 0  # the training follow-up outlasts the test's
    y_tr, y_te = Surv.from_arrays(tr_event == 1, tr_time), Surv.from_arrays(event == 1, time)
    for tau in (None, 15.0):
        ours = survival.uno_concordance(time, event, risk, tr_time, tr_event, tau)
        assert ours == pytest.approx(
            concordance_index_ipcw(y_tr, y_te, risk, tau=tau)[0], abs=1e-12
        )
    rng = np.random.default_rng(seed)
    for t in (3.0, 8.5, 15.0):
        auc = survival.cumulative_dynamic_auc(time, event, risk, t, tr_time, tr_event)
        assert auc == pytest.approx(cumulative_dynamic_auc(y_tr, y_te, risk, t)[0][0], abs=1e-12)
        s = rng.random(len(time))
        ours = survival.brier_score(time, event, s, t, tr_time, tr_event)
        assert ours == pytest.approx(brier_score(y_tr, y_te, s, t)[1][0], abs=1e-12)


def test_cumulative_incidence_matches_lifelines():
    from lifelines import AalenJohansenFitter

    rng = np.random.default_rng(0)
    time = rng.exponential(5.0, 200)  # no ties: lifelines would jitter them
    cause = rng.choice([0, 1, 2], 200, p=[0.5, 0.2, 0.3])
    ours = survival.cumulative_incidence(time, cause, causes=(1, 2))
    for c in (1, 2):
        fitter = AalenJohansenFitter(calculate_variance=False).fit(time, cause, event_of_interest=c)
        theirs = fitter.cumulative_density_.iloc[:, 0]
        np.testing.assert_allclose(ours[c], survival.survival_at(theirs, ours.index, before=0.0))
    # The incidences and the Kaplan-Meier survival of any event add up to one.
    km_any = survival.kaplan_meier(time, cause > 0)
    np.testing.assert_allclose(ours.sum(axis=1) + km_any.to_numpy(), 1.0)


def test_bootstrap_weights_equal_an_explicit_resample():
    time, event, risk = tied(3, n=60)
    groups = np.repeat(np.arange(20), 3)  # 20 patients of 3 rows
    W = survival.resample_weights(groups, n_boot=5, seed=1)
    assert W.shape == (5, 60) and (W.sum(axis=1) == 60).all()
    boots = survival.bootstrap_ratio(survival.pair_terms(time, event, risk), W)
    for w, value in zip(W, boots, strict=True):
        rows = np.repeat(np.arange(60), w.astype(int))
        assert value == pytest.approx(
            survival.concordance_index(time[rows], event[rows], risk[rows])
        )


def test_hazard_targets_and_loss_by_hand():
    y = survival.hazard_targets([0.2, 1.2, 1.7, 9.0], [2, 0, 1, 2], width=0.5, num_intervals=3)
    # interval of the event or censoring, and its cause; beyond the horizon: censored at K
    assert y.tolist() == [[0, 2], [2, 0], [3, 0], [3, 0]]
    torch.manual_seed(0)
    logits = torch.randn(4, 3, 3)  # (visits, K, 1 + C)
    p = torch.softmax(logits, dim=-1).double()
    hand = (
        -(
            torch.log(p[0, 0, 2])  # death in interval 0
            + torch.log(p[1, 0, 0] * p[1, 1, 0])  # censored in interval 2: survived 0 and 1
            + torch.log(p[2, :, 0].prod())  # beyond the horizon: survived all three
            + torch.log(p[3, :, 0].prod())
        )
        / 4
    )
    padded = torch.cat([torch.tensor(y), torch.full((2, 2), -100)])  # two padded steps
    loss, correct, counted = survival.hazard_loss(torch.cat([logits, logits[:2]]), padded)
    assert (correct, counted) == (0, 4)
    assert loss.item() == pytest.approx(hand.item(), abs=1e-6)
    # The Trainer's step_loss routes "hazard" to it.
    assert step_loss(logits, torch.tensor(y), "hazard")[0].item() == pytest.approx(
        hand.item(), abs=1e-6
    )


def test_predicted_curves_add_up():
    logits = torch.randn(5, 4, 3)
    S, F = survival.predicted_survival(logits), survival.predicted_incidence(logits)
    assert S.shape == (5, 4) and F.shape == (5, 4, 2)
    np.testing.assert_allclose(S + F.sum(axis=-1), 1.0, atol=1e-12)
    assert (np.diff(S, axis=1) <= 0).all()


def synthetic_hazard_data(seed: int = 0) -> SeqData:
    """Patients whose single feature sets how soon they die: the model can learn it."""
    g = torch.Generator().manual_seed(seed)
    n, visits = 48, 3
    x = torch.randn(n, 1, generator=g)
    X = torch.cat([torch.ones(n, visits, 1), x[:, None, :].expand(n, visits, 1)], dim=2)
    interval = (x[:, 0] > 0).long() * 3 + 1  # (n,)
    y = torch.stack(
        [interval[:, None].expand(n, visits), torch.ones(n, visits, dtype=torch.long)], 2
    )
    y[::4, 2] = -100  # padding at the last step of some patients
    X[::4, 2] = 0.0
    return SeqData(
        X, y, X, y, X, y, task="hazard", split="random", classes=("death",), mean=0.0, std=1.0
    )


def test_trainer_hazard_loss_learns_and_is_deterministic():
    d = synthetic_hazard_data()
    build = lambda k: visit_models.HazardGRU(k, 6, input_size=2, num_hiddens=8)  # noqa: E731
    recipe = Recipe(epochs=15, batch_size=16, lr=1e-2, loss="hazard")
    a, b = train(build, d, recipe, seed=0), train(build, d, recipe, seed=0)
    assert a.history.train_loss == b.history.train_loss
    assert a.history.train_loss[-1] < 0.7 * a.history.train_loss[0]
    assert np.isnan(a.test_accuracy)
    # Patients with the higher feature die later: their predicted survival is higher.
    S = survival.predicted_survival(a.y_hat[:, 0])  # (patients, K) at the first visit
    late = (d.X_test[:, 0, 1] > 0).numpy()
    assert S[late, 2].mean() > S[~late, 2].mean()


def test_registered_hazard_model_builds():
    from rnnbook.models import MODELS

    spec = MODELS["hazard-gru"]
    assert spec.recipe.loss == "hazard" and spec.category == "many-to-many"
    out = spec.build(2)(torch.ones(3, 4, 26))
    assert out.shape == (3, 4, 20, 3)


def test_significant_figures():
    from rnnbook.experiments.time_to_event import significant

    values = (2817.72, 175.759, 0.0654, 3.0, 1.034)
    assert [significant(v) for v in values] == ["2820", "176", "0.0654", "3.00", "1.03"]


def test_verdicts_and_calibration_in_words():
    import pandas as pd

    from rnnbook.experiments import time_to_event as tte

    metrics = ("Harrell's C", "Brier at 1 y")
    index = pd.MultiIndex.from_tuples(
        [(m, a, b) for m in metrics for a, b in tte.COMPARISONS],
        names=["metric", "model", "against"],
    )
    verdicts = ["better"] + ["no measurable difference"] * 4 + ["worse"]
    diffs = pd.DataFrame({"diff": 0.0, "lo": 0.0, "hi": 0.0, "verdict": verdicts}, index=index)
    calibration = pd.DataFrame({
        "model": [tte.MAYO] * 3, "horizon": [5] * 3, "group": [1, 2, 3], "patients": 20,
        "predicted": [0.6, 0.9, 0.99], "observed": [0.3, 0.9, 1.0],
        "lo": [0.1, 0.7, 1.0], "hi": [0.5, 1.0, 1.0],
    })  # fmt: skip
    c = tte.SurvivalComparison(None, {}, None, diffs, calibration, None, {})
    assert tte.measurable_comparisons(c) == (
        "the recurrent model against the time-varying Cox model on Harrell's C (better); "
        "the time-varying Cox model against the Mayo score on Brier at 1 y (worse)"
    )
    assert tte.survival_answer(c) == (
        "On 1 of 4 measures: of its 4 comparisons with the two models that read only the latest "
        "visit, the recurrent model comes out better in 1 and worse in none, no more than chance "
        "alone gives among so many comparisons."
    )
    counts = c.verdict_counts()
    assert counts.to_numpy().sum() == 6
    assert counts.loc["the time-varying Cox model against the Mayo score", "worse"] == 1
    # The safest third had no death: no interval, not checked; the riskiest third misses.
    assert tte.calibration_words(c) == (
        "the riskiest third by the Mayo score at 5 years (predicted survival too high)"
    )
    all_fine = calibration.assign(predicted=[0.3, 0.9, 0.99])
    fine = tte.SurvivalComparison(None, {}, None, diffs, all_fine, None, {})
    assert tte.calibration_words(fine) == "none"
