"""The streaming comparison (rnnbook.experiments.streaming_comparison) and its stateless labeller
(rnnbook.models.WindowLabeller): what each model can see, and the table the chapter reads."""

from __future__ import annotations

import torch

from rnnbook import experiments, models
from rnnbook.utils import set_seed


def test_window_labeller_sees_its_window_and_nothing_else():
    """The label of step t depends on the samples of steps t - window + 1 .. t only."""
    set_seed(0)
    stride, window = 8, 4
    model = models.WindowLabeller(2, 16, stride, window).double()
    X = torch.randn(1, 20 * stride, 1, dtype=torch.float64, requires_grad=True)
    y_hat = model(X)
    assert y_hat.shape == (1, 20, 2)  # (batch, steps, classes)
    t = 12
    (grad,) = torch.autograd.grad(y_hat[0, t].sum(), X)
    touched = grad[0, :, 0].abs() > 0
    seen = torch.zeros(20 * stride, dtype=torch.bool)
    seen[(t - window + 1) * stride : (t + 1) * stride] = True
    assert torch.equal(touched, seen)


def test_streaming_comparison_table(recordings, table):
    """A tiny run: a row per (model, seed), memory as the chapter states it, and paired
    differences against the GRU."""
    recipe = experiments.ONSET_RECIPE.but(epochs=1, max_batches=2)
    result = experiments.streaming_comparison(
        table, recordings, seeds=(0, 1), seconds=2.0, recipe=recipe
    )
    t = result.table
    assert len(t) == 2 * (1 + len(experiments.STREAMING_WINDOWS))
    memory = t.drop_duplicates("model").set_index("model")["memory"]
    assert memory[experiments.STREAMING_GRU] == 32
    assert memory["window of 4 steps"] == 32 and memory["window of 22 steps"] == 176
    assert t["accuracy"].between(0, 1).all() and (t["parameters"] > 0).all()
    diffs = result.differences()
    assert list(diffs.index) == list(experiments.STREAMING_WINDOWS)
    assert set(diffs["verdict"]) <= {"better", "no measurable difference", "worse"}
    assert (diffs["low"] <= diffs["diff"]).all() and (diffs["diff"] <= diffs["high"]).all()


OUTCOMES = {
    "better": (0.05, 0.04, 0.06),
    "no measurable difference": (0.004, -0.001, 0.009),
    "worse": (-0.05, -0.06, -0.04),
}


def differences(equal: str, wide: str):
    import pandas as pd

    rows = {}
    for name, outcome in (("window of 4 steps", equal), ("window of 22 steps", wide)):
        diff, low, high = OUTCOMES[outcome]
        rows[name] = dict(diff=diff, low=low, high=high, verdict=outcome)
    return pd.DataFrame(rows).T


def test_each_streaming_sentence_reads_for_each_outcome():
    compared = {
        "better": "measurably higher than",
        "no measurable difference": "not measurably different from",
        "worse": "measurably lower than",
    }
    for outcome, (diff, _, _) in OUTCOMES.items():
        said = experiments.streaming_sentences(differences(outcome, outcome), 5.5)
        assert said["s_equal"] == (
            "With the same memory, the GRU's per-step accuracy is "
            f"{compared[outcome]} the window's (mean difference {diff:+.3f})."
        )
        assert said["s_wide"] == (
            "Against the window that keeps 5.5 times as many numbers, it is "
            f"{compared[outcome]} the window's ({diff:+.3f})."
        )
    pays = {
        ("better", "better"): "On this task the state paid: at equal effort and latency it beat",
        ("better", "no measurable difference"): "On this task the state paid at equal memory;",
        ("better", "worse"): "On this task the state paid at equal memory;",
        ("no measurable difference", "better"): "On this task the state did not measurably pay",
        ("worse", "worse"): "On this task the state did not measurably pay",
    }
    points = {
        ("better", "better"): "and than a window several times larger",
        ("better", "no measurable difference"): "though not than a window several times larger",
        ("worse", "better"): "did no better, on real EEG, with a small state than with a window",
    }
    for (equal, wide), end in points.items():
        point = experiments.streaming_sentences(differences(equal, wide), 5.5)["s_point"]
        assert point.startswith("a monitor that must answer at every step from what it has kept")
        assert end in point
    for (equal, wide), start in pays.items():
        assert experiments.streaming_sentences(differences(equal, wide), 5.5)["s_pays"].startswith(
            start
        )
