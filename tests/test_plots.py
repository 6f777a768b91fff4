"""The chapters' plot functions on small made-up inputs of the shapes the chapters pass: each
draws a figure with the panels, lines or points its data call for (the chapters draw them on the
real results in `make book`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from rnnbook import plots
from rnnbook.train import History


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def lines_of(ax) -> list:
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 1]


def test_plot_scalar_memory_draws_one_line_per_weight():
    curves = {w: w ** np.arange(20.0) for w in (0.5, 1.0, 1.5)}
    ax = plots.plot_scalar_memory(curves).axes[0]
    assert [line.get_label() for line in lines_of(ax)] == ["w = 0.5", "w = 1", "w = 1.5"]
    assert ax.get_yscale() == "log"


def test_plot_truncation_errors_and_bptt_cost():
    errors = pd.DataFrame(
        {"k1 = k2": [0.5, 0.25, 0.1], "k1 = k2 / 2": [0.1, 0.01, 1e-4]}, index=[10, 20, 40]
    )
    ax = plots.plot_truncation_errors(errors).axes[0]
    assert len(lines_of(ax)) == 2 and ax.get_xscale() == "log"
    cost = pd.DataFrame(
        {"seconds": [0.01, 0.02, 0.04], "saved_bytes": [1e6, 2e6, 4e6]}, index=[178, 356, 712]
    )
    fig = plots.plot_bptt_cost(cost, window=178)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_lines()[-1].get_ydata()[0] == pytest.approx(1e6 / 2**20)  # the window


def test_plot_gradient_flows_solid_trained_dashed_initial():
    flows = {"RNN": np.linspace(1e-3, 1, 10), "GRU": np.linspace(0.1, 1, 10)}
    ax = plots.plot_gradient_flows(flows, {k: v / 10 for k, v in flows.items()}).axes[0]
    styles = [line.get_linestyle() for line in lines_of(ax)]
    assert styles.count("-") == 2 and styles.count("--") == 2


def test_plot_memory_gates_one_panel_per_model():
    gates = {"LSTM": (np.full(8, 0.5), np.linspace(0.4, 0.99, 8)), "GRU": (np.full(8, 0.7),) * 2}
    fig = plots.plot_memory_gates(gates)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()][:2] == ["LSTM", "GRU"]


def test_training_plots():
    h = History(
        train_loss=[1.0, 0.8],
        valid_loss=[0.9, 0.85],
        train_acc=[0.5, 0.6],
        valid_acc=[0.55, 0.58],
    )
    ax = plots.plot_history({"a": h, "b": {"valid_acc": [0.4, 0.5, 0.6]}}).axes[0]
    assert [len(line.get_xdata()) for line in lines_of(ax)] == [2, 3]
    fig = plots.plot_learning_curves(h, title="t")
    assert len(fig.axes) == 2 and all(len(lines_of(ax)) == 2 for ax in fig.axes)
    ax = plots.plot_confusion([[8, 2], [1, 9]], ["no", "yes"]).axes[0]
    assert ax.images[0].get_array()[0, 0] == pytest.approx(0.8)  # shares of the true class
    ax = plots.plot_roc({"m": (np.array([0, 0.5, 1]), np.array([0, 0.8, 1]), 0.9)}).axes[0]
    assert "AUC 0.9000" in ax.get_legend().get_texts()[0].get_text()
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 200), rng.random(200)
    fig = plots.plot_reliability({"m": (y, p)})
    assert len(fig.axes) == 2


def test_visit_plots():
    auroc = pd.DataFrame(
        {"auroc": [0.8, 0.7], "lo": [0.7, 0.6], "hi": [0.9, 0.8]}, index=["a", "b"]
    )
    ax = plots.plot_auroc_intervals(auroc).axes[0]
    at = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    assert at["a"] > at["b"]  # the first row on top
    errors = pd.DataFrame([[0.2, 0.3], [0.25, 0.35]], index=["x", "y"], columns=[1, 2])
    ax = plots.plot_forecast_errors(errors).axes[0]
    assert len(lines_of(ax)) == 2


def test_plot_grud_auroc_a_dot_per_seed_and_a_mean_per_model():
    aurocs = pd.DataFrame({
        "setting": ["as recorded"] * 4,
        "model": ["GRU-forward"] * 2 + ["GRU-D"] * 2,
        "seed": [0, 1, 0, 1],
        "auroc": [0.8, 0.82, 0.79, 0.81],
    })  # fmt: skip
    ax = plots.plot_grud_auroc(aurocs).axes[0]
    points = [line for line in ax.get_lines()]
    assert sum(len(line.get_xdata()) for line in points) == 4 + 2  # 4 seeds, 2 means


def test_plot_streaming_accuracy_and_cost_vs_length():
    table = pd.DataFrame({
        "model": ["GRU"] * 3 + ["window"] * 3,
        "seed": [0, 1, 2] * 2,
        "accuracy": [0.9, 0.91, 0.92, 0.85, 0.86, 0.84],
        "memory": [32] * 3 + [4] * 3,
    })  # fmt: skip
    ax = plots.plot_streaming_accuracy(table).axes[0]
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(c.get_offsets()) for c in dots] == [3, 3]
    cost = pd.DataFrame({
        "model": ["a"] * 3 + ["b"] * 3,
        "seq_len": [178, 512, 1024] * 2,
        "seconds": [0.01, 0.03, 0.06, 0.02, 0.1, 0.4],
    })  # fmt: skip
    ax = plots.plot_cost_vs_length(cost).axes[0]
    assert ax.get_xscale() == "log" and len(lines_of(ax)) == 2 + 2  # two models, two guides


def test_plot_initial_flows_first_model_black():
    flows = {"RNN": np.geomspace(1e-6, 1, 20), "IRNN": np.geomspace(0.1, 1, 20)}
    ax = plots.plot_initial_flows(flows).axes[0]
    first, second = lines_of(ax)
    assert first.get_color() == "black" and second.get_ydata()[-1] == pytest.approx(1.0)


def test_plot_attention_weights_one_panel_per_row():
    X, weights = np.zeros((2, 16)), np.full((2, 4), 0.25)
    fig = plots.plot_attention_weights(X, weights, ["a", "b"], samples_per_step=4, fs=16.0)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["a", "b"]
    assert all(len(ax.patches) >= 4 for ax in fig.axes)  # a shaded span per step


def test_plot_onset_marks_the_true_onset():
    X, y = np.zeros(40), np.r_[np.zeros(20), np.ones(20)]
    fig = plots.plot_onset(X, y, p_seizure=np.linspace(0, 1, 10), stride=4, fs=10.0)
    top = fig.axes[0]
    onsets = [line.get_xdata()[0] for line in top.get_lines() if line.get_linestyle() == "--"]
    assert onsets == [pytest.approx(2.0)]  # sample 20 at 10 Hz


def test_plot_step_gradients_and_gate_activations():
    panels = {"RNN": {"a": np.geomspace(1e-3, 1, 8)}, "GRU": {"a": np.ones(8), "b": np.ones(8)}}
    fig = plots.plot_step_gradients(panels, cue_steps=2)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["RNN", "GRU"]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 178))
    gates = {"z": rng.random((2, 178, 4))}
    fig = plots.plot_gate_activations(X, gates, ["seizure", "other"])
    assert sum(len(ax.images) for ax in fig.axes) == 2  # a heatmap per row of X


def test_plot_long_gap_examples_draws_each_label():
    X = np.zeros((4, 6, 3))
    fig = plots.plot_long_gap_examples(X, [0, 1, 0, 1], cue_steps=2, shade="markers")
    assert [ax.get_title() for ax in fig.axes] == [
        "label 1: seizure cue",
        "label 0: seizure-free cue",
    ]


@pytest.fixture(scope="module")
def pbc(pbc_table):
    return pbc_table


def test_plot_follow_up_and_visit_trajectories(pbc):
    ids = [1, 2, 3]
    ax = plots.plot_follow_up(pbc, ids).axes[0]
    assert len(ax.get_legend().get_texts()) == 3  # death, transplant, end of follow-up
    fig = plots.plot_visit_trajectories(pbc, ids)
    assert fig.axes and len(fig.axes[0].get_lines()) >= len(ids)


def test_survival_curves_plots(pbc):
    from rnnbook import survival
    from rnnbook.experiments import follow_up

    patients = follow_up(pbc)
    t, status = patients["years"], patients["status"]
    table = survival.kaplan_meier_table(t, (status == 2).astype(int))
    fig = plots.plot_kaplan_meier({"all": {"everyone": table}, "again": {"everyone": table}})
    assert [ax.get_title() for ax in fig.axes] == ["all", "again"]
    cif = survival.cumulative_incidence(t, status, causes=(1, 2))
    km_d = survival.kaplan_meier(t, (status == 2).astype(int))
    ax = plots.plot_incidence(km_d, cif, {2: "death", 1: "transplant"}).axes[0]
    assert ax.get_ylim()[1] <= 1.05
    cal = pd.DataFrame({
        "model": ["a"] * 3 + ["b"] * 3, "horizon": [2] * 6, "group": [1, 2, 3] * 2,
        "predicted": [0.5, 0.7, 0.9] * 2, "observed": [0.45, 0.72, 0.93] * 2,
        "lo": [0.35, 0.6, 0.85] * 2, "hi": [0.55, 0.82, 0.98] * 2,
    })  # fmt: skip
    fig = plots.plot_calibration(cal, horizons=(2,))
    assert len(fig.axes[0].get_legend().get_texts()) == 2


def test_plot_class_segments_one_panel_per_class_from_the_real_table(table):
    fig = plots.plot_class_segments(table, chunk=3, number=2)
    assert len(fig.axes) == 5
    for y, ax in enumerate(fig.axes, start=1):  # one panel per class, y = 1..5 from the top
        assert ax.get_title().startswith(f"y={y}")
        letter = ax.get_title().split("(set ")[1][0]
        (line,) = ax.get_lines()
        expected = table.loc[f"X3.{letter}002"][[f"X{i}" for i in range(1, 179)]].to_numpy(float)
        assert np.array_equal(line.get_ydata(), expected)


def test_plot_stream_memory_shades_each_window_and_the_state():
    X = np.sin(np.arange(400) / 7.0)
    fig = plots.plot_stream_memory(
        X, onset=200, stride=8, fs=173.61, windows={"4 steps": 4}, at_step=30
    )
    state, window = fig.axes
    end = 31 * 8 / 173.61
    (state_span,) = state.patches
    (window_span,) = window.patches
    # The state spans everything from 0 to the step; the window only its last 4 x 8 samples.
    assert state_span.get_x() == pytest.approx(0) and state_span.get_width() == pytest.approx(end)
    assert window_span.get_width() == pytest.approx(32 / 173.61)
    assert window_span.get_x() + window_span.get_width() == pytest.approx(end)


def test_plot_patient_contributions_stacks_signed_bars_per_visit():
    years = np.array([0.0, 1.0, 2.5])
    frame = pd.DataFrame({
        "years": years, "label": [0, 0, 1], "logit": [-1.0, 0.5, 2.0], "bias": -0.5,
        "RETAIN: bilirubin": [0.2, 0.8, 1.5], "RETAIN: albumin": [-0.7, 0.2, 1.0],
        "Mayo: bilirubin": [0.1, 0.3, 0.9], "Mayo: age": [-0.2, -0.1, 0.0],
    })  # fmt: skip
    fig = plots.plot_patient_contributions({"patient A": frame, "patient B": frame})
    retain, mayo = fig.axes[:2]
    assert len(fig.axes) == 4
    assert len(retain.patches) == 2 * 3 and len(mayo.patches) == 2 * 3  # groups x visits
    # A negative part goes down from 0: the albumin bar at the first visit.
    albumin_first = retain.patches[3]
    assert albumin_first.get_height() == pytest.approx(-0.7) and albumin_first.get_y() == 0
    dots = [line for line in mayo.get_lines() if line.get_marker() == "o"][0]
    assert np.allclose(dots.get_ydata(), [-0.1, 0.2, 0.9])  # the Mayo parts' net sum


def test_plot_visit_curves_one_step_curve_per_visit_from_its_day():
    curves = np.array([[0.95, 0.9, 0.8], [0.9, 0.7, 0.5]])  # (visits, intervals)
    days = np.array([0, 365.25 * 2])
    fig = plots.plot_visit_curves(curves, days, [1, 3], width=0.5, end=4.0, died=True)
    ax = fig.axes[0]
    steps = lines_of(ax)[:2]
    assert [line.get_xdata()[0] for line in steps] == pytest.approx([0.0, 2.0])
    assert list(steps[1].get_ydata()) == [1.0, 0.9, 0.7, 0.5]  # S starts at 1 at its visit
    assert ax.get_xlim()[1] == pytest.approx(2.0 + 3 * 0.5)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "death" in labels and "visit 3 (year 2.0)" in labels
