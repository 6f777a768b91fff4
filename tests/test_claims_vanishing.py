"""The claims of book/vanishing_gradients.md, and of the long-gap part of book/gated_cells.md
(the memory-gate bias, the gates over the gap), checked on the real EEG.

Same package functions, seeds and settings as the chapter. What is asserted are facts of fixed,
seeded, untrained draws (the initial weights, the rescaled RNN, one optimiser step) and exact
properties of the code; each threshold is the measured value with a margin (measured values in
the comments). The trained long-gap models' test accuracies are not asserted: the chapter reports
them and computes its verdicts from them (paired by seed), whatever they are. One smoke test
checks, on validation accuracy, that the long-gap training learns the task without a gap.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from helpers import long_gap_model

from rnnbook import data, experiments, gradients, tasks

RADII = [0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0]
BIASED = ("LSTM, forget bias 1", "GRU, update bias 1")
UNBIASED = ("RNN", "LSTM", "GRU")


@pytest.fixture(scope="module")
def rows(table):
    """The chapter's 64 random test rows (split by recording) of the seizure-vs-rest task."""
    d = data.make_tensors(data.split_by_recording(table), task="binary")
    pick = torch.randperm(len(d.y_test), generator=torch.Generator().manual_seed(0))[:64]
    return d.X_test[pick], d.y_test[pick]


@pytest.fixture(scope="module")
def scaled_rnns():
    """The chapter's untrained vanilla RNN (seed 0) with W_hh rescaled to each radius."""
    base = long_gap_model("rnn", input_size=1, seed=0)
    models = {}
    for r in RADII:
        model = copy.deepcopy(base)
        model.rnn = gradients.scale_spectral_radius(model.rnn, r)
        models[r] = model
    return models


@pytest.fixture(scope="module")
def four_seconds(recordings):
    """The gated-cells chapter's 4-second-gap temporal-order task, seed 0 (the sequences its
    seed-0 runs train and test on)."""
    return tasks.make_order_data(recordings, 4.0, seed=0)


def order_model(cell, bias=None, seed=0):
    """The temporal-order experiment's untrained classifier (16 hidden units)."""
    return long_gap_model(cell, bias, seed=seed, num_hiddens=experiments.ORDER_HIDDENS)


def test_at_initialisation_all_three_cells_lose_the_first_step(rows):
    """Measured over seeds 0-4: 6e-47 to 9e-31 of the last step's gradient, all cells alike."""
    X, y = rows
    for cell in ("rnn", "lstm", "gru"):
        for seed in range(3):
            model = long_gap_model(cell, input_size=1, seed=seed)
            assert 0 < gradients.first_step_ratio(model, X, y) < 1e-25, (cell, seed)


def test_spectral_radius_turns_vanishing_into_exploding(rows, scaled_rnns):
    """Measured first-step ratios: 5e-54 at rho 0.5 ... 1.7e7 at 2 and 8e20 at 3."""
    X, y = rows
    ratios = [gradients.first_step_ratio(scaled_rnns[r], X, y) for r in RADII]
    assert ratios == sorted(ratios)  # the larger the radius, the more reaches the first step
    by_radius = dict(zip(RADII, ratios, strict=True))
    assert by_radius[0.5] < 1e-30
    assert by_radius[1.5] > 10
    assert by_radius[2.0] > 1e4
    assert by_radius[3.0] > 1e15


def test_saturation_holds_the_growth_far_below_the_radius(rows, scaled_rnns):
    """Factor per step ((T-1)-th root of the first-step ratio): 0.50 at rho 0.5, 0.80 at 0.8,
    but 1.02 at 1.2, 1.10 at 2 and 1.31 at 3; the mean tanh' falls from 0.95 at rho 1 to 0.33
    at 3 as the hidden units saturate."""
    X, y = rows
    steps = X.shape[1] - 1
    factor = {r: gradients.first_step_ratio(m, X, y) ** (1 / steps) for r, m in scaled_rnns.items()}
    for r in (0.5, 0.8):
        assert factor[r] == pytest.approx(r, abs=0.02)
    for r in (1.2, 1.5, 2.0, 3.0):
        assert 1 < factor[r] < 1 + (r - 1) / 2, r  # far below rho itself
    tanh_prime = {}
    for r, m in scaled_rnns.items():
        with torch.no_grad():
            H, _ = m.rnn(X)
        tanh_prime[r] = float((1 - H**2).mean())
    above = [tanh_prime[r] for r in RADII if r >= 1]
    assert above == sorted(above, reverse=True)
    assert tanh_prime[3.0] < 0.5 < 0.9 < tanh_prime[1.0]


def test_exploding_gradient_and_clipping(rows, scaled_rnns):
    """rho = 2: gradient norm 2.5e6 (0.5 at rho 0.5). An unclipped SGD step (lr 0.1) changes W_hh
    by 1.7e4 times its size and saturates every hidden value; the clipped step changes it by
    0.7 % and leaves 6 % saturated."""
    X, y = rows
    steep = scaled_rnns[2.0]
    assert gradients.gradient_norm(scaled_rnns[0.5], X, y) < 10
    assert gradients.gradient_norm(steep, X, y) > 1e4
    W = steep.rnn.weight_hh_l0.detach().double()
    raw = gradients.sgd_step(steep, X, y, lr=0.1)
    clipped = gradients.sgd_step(steep, X, y, lr=0.1, max_norm=1.0)
    change = {
        name: float((m.rnn.weight_hh_l0.detach() - W).norm() / W.norm())
        for name, m in (("raw", raw), ("clipped", clipped))
    }
    assert change["raw"] > 100 and change["clipped"] < 0.02
    assert gradients.saturation(raw, X) > 0.9
    assert gradients.saturation(clipped, X) < 0.2
    # After the raw step no gradient reaches W_hh (measured: exactly 0), nor any input step;
    # after the clipped one it still explodes (measured 1.5e6).
    assert gradients.gradient_norm(raw, X, y, ["rnn.weight_hh_l0"]) < 1e-10
    assert gradients.gradient_flow(raw, X, y, dtype=torch.float64).max() < 1e-10
    assert gradients.gradient_norm(clipped, X, y, ["rnn.weight_hh_l0"]) > 1e4


def test_adams_first_step_does_not_grow_with_the_gradient(rows, scaled_rnns):
    """The same first Adam step at rho = 2 (gradient norm 2.5e6), clipped to norm 1 or not, and
    at rho = 0.5 (norm 0.5): no weight moves by more than the learning rate (measured 0.1)."""
    X, y = rows
    lr = 0.1
    steps = {}
    for name, model, max_norm in [
        ("raw", scaled_rnns[2.0], None),
        ("clipped", scaled_rnns[2.0], 1.0),
        ("small", scaled_rnns[0.5], None),
    ]:
        W = model.rnn.weight_hh_l0.detach().double()
        steps[name] = gradients.adam_step(model, X, y, lr=lr, max_norm=max_norm).rnn.weight_hh_l0
        steps[name] = (steps[name].detach() - W).abs()
        assert steps[name].max() <= lr * (1 + 1e-9), name
        assert steps[name].max() > 0.9 * lr, name
    # Clipping rescales the gradient; Adam's first step divides the scale out, up to eps
    # (measured: no weight's step differs by more than 8e-5 of the learning rate's 0.1).
    assert (steps["raw"] - steps["clipped"]).abs().max() < 1e-3 * lr
    # The model given is left as it was.
    assert scaled_rnns[2.0].rnn.weight_hh_l0.grad is None


def test_every_model_learns_the_task_without_a_gap(recordings):
    """A smoke test of the long-gap training, on validation accuracy (the test part is only
    reported by the chapter): with no gap, every model of the experiment reaches a validation
    accuracy above 0.85 in some epoch (measured at seed 0: 0.955 for the RNN to 0.975)."""
    gap0 = experiments.run_long_gap(recordings, gaps_seconds=(0.0,))
    for name in experiments.LONG_GAP_CONFIGS:
        assert max(gap0.runs[(name, 0.0)].history.valid_acc) > 0.85, name


def test_memory_bias_raises_the_initial_gradient_less_than_the_direct_path_predicts(four_seconds):
    """First-step ratios of the untrained models on the 4-s temporal-order test sequences (32
    steps: 10 of markers, 22 of gap, so 31 step-to-step Jacobians). Measured: LSTM 8.4e-7, GRU
    1.4e-7; the bias of 1 multiplies the LSTM's by 2.9e3 and the GRU's by 2.3e3, less than
    (sigma(1)/0.5)^31 = 1.3e5, the gain of the direct path through the gates alone."""
    X, y = four_seconds.X_test, four_seconds.y_test
    n_jacobians = X.shape[1] - 1
    assert n_jacobians == 2 * tasks.steps_for(tasks.CUE_SECONDS) + tasks.steps_for(4.0) - 1 == 31
    predicted = (1 / (1 + np.exp(-1.0)) / 0.5) ** n_jacobians
    ratio = {
        name: gradients.first_step_ratio(order_model(cell, bias), X, y)
        for name, (cell, bias) in experiments.LONG_GAP_CONFIGS.items()
    }
    for name in experiments.LONG_GAP_CONFIGS:
        assert ratio[name] < 0.02, name
    for cell, biased in (("LSTM", BIASED[0]), ("GRU", BIASED[1])):
        gain = ratio[biased] / ratio[cell]
        assert 100 < gain < predicted, (cell, gain, predicted)


def test_the_lstm_ratio_approaches_the_direct_path_as_the_bias_grows(four_seconds):
    """The chapter's exercise: measured ratio / sigmoid(b)^31 = 590, 40, 7.9, 2.9 for b = 0-3."""
    X, y = four_seconds.X_test, four_seconds.y_test
    n = X.shape[1] - 1
    excess = []
    for b in (0.0, 1.0, 2.0, 3.0):
        ratio = gradients.first_step_ratio(order_model("lstm", b), X, y)
        excess.append(ratio / (1 / (1 + np.exp(-b))) ** n)
    assert all(e > 1 for e in excess)
    assert excess == sorted(excess, reverse=True)


def test_the_memory_bias_opens_the_initial_gates(four_seconds):
    """Mean memory gate of each unit over the gap of the 4-s temporal-order test sequences,
    untrained: most open 0.58 (LSTM) at PyTorch's initialisation, 0.75 with the forget bias 1,
    0.75 for the GRU with the update bias 1 (sigmoid(1) = 0.73)."""
    gap_start = 2 * tasks.steps_for(tasks.CUE_SECONDS)
    X = four_seconds.X_test

    def gates(cell, bias):
        return gradients.memory_gate(order_model(cell, bias), X, first_step=gap_start)

    plain = gates("lstm", None)
    assert 0.4 < plain.mean() < 0.6 and plain.max() < 0.65
    for cell in ("lstm", "gru"):
        biased = gates(cell, 1.0)
        assert 0.65 < biased.min() and biased.max() < 0.8, cell


def test_at_default_initialisation_sigma_max_exceeds_one_and_the_radius_does_not():
    """The chapter's untrained RNN (1 input, 32 hidden), seeds 0-4: sigma_max(W_hh) 1.06-1.12,
    so the bound sigma_max^(T-k) grows; the spectral radius 0.57-0.67 is what decays."""
    for seed in range(5):
        W = long_gap_model("rnn", input_size=1, seed=seed).rnn.weight_hh_l0
        sigma, rho = gradients.largest_singular_value(W), gradients.spectral_radius(W)
        assert sigma > 1 > rho, (seed, sigma, rho)
    W = torch.tensor([[0.0, 2.0], [0.0, 0.5]])  # eigenvalues 0 and 0.5; rank 1
    assert gradients.spectral_radius(W) == pytest.approx(0.5)
    assert gradients.largest_singular_value(W) == pytest.approx(4.25**0.5)  # = ||W||_F
    assert gradients.largest_singular_value(torch.diag(torch.tensor([3.0, -4.0]))) == pytest.approx(
        4
    )


def test_run_long_gap_seeds_repeats_run_long_gap_per_seed(recordings):
    """A tiny run (one model, one gap, one epoch): each seed's table is run_long_gap's at that
    seed, and the spread summarises them."""
    small = {
        "configs": {"RNN": ("rnn", None)},
        "gaps_seconds": (1.0,),
        "sizes": (64, 32, 32),
        "recipe": experiments.LONG_GAP_RECIPE.but(epochs=1),
    }
    seeded = experiments.run_long_gap_seeds(recordings, seeds=(0, 1), **small)
    assert sorted(seeded.table["seed"]) == [0, 1]
    again = experiments.run_long_gap(recordings, seed=1, **small)
    assert (
        seeded.results[1].table["test_accuracy"].tolist() == again.table["test_accuracy"].tolist()
    )
    assert not torch.equal(seeded.results[0].datasets[1.0].X_test, again.datasets[1.0].X_test)
    spread = seeded.spread.loc[("RNN", 1.0)]
    accs = seeded.table["test_accuracy"]
    assert spread["n"] == 2 and spread["min"] == accs.min() and spread["max"] == accs.max()
    assert spread["mean"] == pytest.approx(accs.mean())


def test_a_long_gap_run_does_not_depend_on_the_other_models_trained_with_it(recordings):
    """vanishing_gradients trains the plain RNN alone, gated_cells the gated models and the RNN
    again at two gaps: the split is sound only if a run depends on its model, gap and seed alone.
    """
    small = {
        "gaps_seconds": (1.0,),
        "sizes": (64, 32, 32),
        "recipe": experiments.LONG_GAP_RECIPE.but(epochs=1),
        "seed": 1,
    }
    both = {"RNN": ("rnn", None), "GRU, update bias 1": ("gru", 1.0)}
    together = experiments.run_long_gap(recordings, configs=both, **small)
    for name, spec in both.items():
        alone = experiments.run_long_gap(recordings, configs={name: spec}, **small)
        a, b = together.runs[(name, 1.0)], alone.runs[(name, 1.0)]
        assert a.test_accuracy == b.test_accuracy, name
        assert a.history.valid_acc == b.history.valid_acc, name
        for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
            assert torch.equal(p, q), name


def test_the_accuracy_plot_orders_the_gaps_when_a_model_skips_some():
    """gated_cells plots the RNN at two gaps and the gated cells at three, the RNN first."""
    import pandas as pd

    from rnnbook import plots

    table = pd.DataFrame(
        {
            "model": ["RNN", "RNN", "LSTM", "LSTM", "LSTM"],
            "gap_seconds": [2.0, 4.0, 2.0, 4.0, 8.0],
            "gap_steps": [11, 22, 11, 22, 43],
            "test_accuracy": [0.7, 0.5, 0.9, 0.5, 0.5],
        }
    )
    fig = plots.plot_long_gap_accuracy(table)
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [2.0, 4.0, 8.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2 s\n11 steps", "4 s\n22 steps",
                                                           "8 s\n43 steps"]  # fmt: skip
