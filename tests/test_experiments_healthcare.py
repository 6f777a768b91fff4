"""The healthcare chapter's experiments (`rnnbook.experiments.healthcare_rnns`) on the real PBC visits,
with brief trainings: RETAIN against the GRU and the Mayo score, its weights beside Mayo's, and
GRU-D against its baselines under removed values (two seeds, two settings)."""

from __future__ import annotations

import numpy as np

from rnnbook import evaluate, experiments
from rnnbook.data import IGNORE_INDEX
from rnnbook.recipe import Recipe

BRIEF = Recipe(epochs=2, batch_size=64, lr=3e-3)


def test_retain_risk_and_its_weights_brief(pbc_visits):
    risk = experiments.retain_risk(pbc_visits, seed=0, n_boot=20, recipe=BRIEF)
    labelled = int((pbc_visits.d.y_test != IGNORE_INDEX).sum())
    assert len(risk.scores) == labelled
    assert set(risk.auroc.index) >= {experiments.VISIT_GRU, experiments.RETAIN_NAME}
    assert risk.versus_gru["verdict"] in evaluate.VERDICTS
    assert risk.versus_gru["lo"] <= risk.versus_gru["hi"]
    model = risk.runs[experiments.RETAIN_NAME].model.cpu()
    against = experiments.weights_against_mayo(model, pbc_visits)
    assert len(against) == len(experiments.MAYO_WEIGHTS)
    assert set(against["same sign"]) <= {True, False}


def test_grud_comparison_brief(pbc_table, pbc_split):
    settings = {k: experiments.GRUD_SETTINGS[k] for k in ("as recorded", "random, 60 %")}
    grud = experiments.grud_comparison(
        pbc_table, pbc_split, settings=settings, seeds=(0, 1), recipe=BRIEF, n_boot=20
    )
    assert list(grud.table.index) == list(settings)
    assert list(grud.table.columns) == list(experiments.GRUD_MODELS)
    assert len(grud.aurocs) == len(settings) * len(experiments.GRUD_MODELS) * 2
    assert set(grud.differences["seed_verdict"]) <= set(evaluate.VERDICTS)
    assert set(grud.differences["patient_verdict"]) <= set(evaluate.VERDICTS)
    # Removing 60 % of the lab values at random leaves more of them missing than recorded.
    assert grud.missing["random, 60 %"] > grud.missing["as recorded"]
    assert np.isfinite(grud.table.to_numpy(dtype=float)).all()
