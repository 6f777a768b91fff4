"""The central claims of the chapters "Recurrent networks and back-propagation through time"
(book/bptt.md) and "Gated cells: LSTM and GRU" (book/gated_cells.md), checked on the real EEG
with the same package functions and settings as the chapters.

Thresholds are the measured values with a margin (the measurement is in the comment), never
hopes. What is asserted are exact facts (equality with autograd and PyTorch, counts) and facts of
fixed, seeded, untrained draws; the briefly trained classifiers' gates and gradients are reported
by the chapter in words computed from its numbers, not asserted here. One smoke test checks, on
validation accuracy, that the brief training learns the task. The brief training of the three
classifiers is shared by a module-scoped fixture.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnbook import bptt, cells, data, experiments, gradients, models
from rnnbook.utils import max_abs_diffs, sci, set_seed


@pytest.fixture(scope="module")
def d(table):
    """The binary task on the course's random split, as in both chapters."""
    return data.make_tensors(data.split_random(table), task="binary")


@pytest.fixture(scope="module")
def small_rnn(d):
    """The BPTT chapter's setup: 64 training rows in float64, a 16-unit nn.RNN and a read-out."""
    X, y = d.X_train[:64].double(), d.y_train[:64]
    set_seed(0)
    rnn = nn.RNN(1, 16, batch_first=True).double()
    head = nn.Linear(16, d.num_classes).double()
    return rnn, head, bptt.RNNParams.from_modules(rnn, head), X, y


# --- back-propagation through time ----------------------------------------------------------------


def test_hand_written_bptt_equals_autograd_on_eeg(small_rnn):
    rnn, head, params, X, y = small_rnn
    result = bptt.bptt(params, X, y)
    loss, reference = bptt.autograd_grads(rnn, head, X, y)
    diffs = max_abs_diffs({**result.grads.as_dict(), "X": result.dX}, reference)
    assert len(diffs) == 7
    assert max(diffs.values()) < 1e-10  # measured 8e-17
    assert abs(result.loss.item() - loss) < 1e-12
    # The vanilla RNN's gradient at the first state is a vanishing fraction of the last's.
    dh = result.dHs.norm(dim=(0, 2))
    assert dh[0] / dh[-1] < 1e-30  # measured 5e-47


def test_many_to_many_bptt_equals_autograd_on_eeg(small_rnn):
    rnn, head, params, X, y = small_rnn
    Y = y[:, None].expand(-1, X.shape[1])
    result = bptt.bptt(params, X, Y, many_to_many=True)
    _, reference = bptt.autograd_grads(rnn, head, X, Y, many_to_many=True)
    diffs = max_abs_diffs({**result.grads.as_dict(), "X": result.dX}, reference)
    assert max(diffs.values()) < 1e-10


@pytest.mark.parametrize(("k1", "k2"), [(20, 20), (10, 30)])
def test_truncated_bptt_equals_autograd_on_detached_windows(small_rnn, k1, k2):
    rnn, head, params, X, y = small_rnn
    Y = y[:, None].expand(-1, X.shape[1])
    ours = bptt.truncated_bptt(params, X, Y, k1, k2).grads.as_dict()
    reference = bptt.autograd_truncated(rnn, head, X, Y, k1, k2)
    assert max(max_abs_diffs(ours, reference).values()) < 1e-10  # measured 6e-17


def test_truncation_error_falls_slowly_with_k1_eq_k2_fast_with_half(small_rnn):
    _, _, params, X, y = small_rnn
    Y = y[:, None].expand(-1, X.shape[1])
    errors = bptt.truncation_errors(params, X, Y, [10, 20, 40, 80])
    equal, half = errors["k1 = k2"], errors["k1 = k2 / 2"]
    assert np.all(np.diff(equal) < 0) and np.all(np.diff(half) < 0)
    assert equal.loc[40] > 1e-3  # measured 7.0e-3: about 1/k
    assert half.loc[40] < 1e-6  # measured 3.8e-8: exponential
    assert equal.loc[80] > 0.3 * equal.loc[40]  # halves per doubling (measured 0.50)
    assert half.loc[80] < 1e-3 * half.loc[40]  # measured 3e-6
    # One window covering the whole sequence is full BPTT.
    seq_len = X.shape[1]
    full = bptt.bptt(params, X, Y, many_to_many=True).grads.weight_hh
    whole = bptt.truncated_bptt(params, X, Y, seq_len, seq_len).grads.weight_hh
    assert (full - whole).abs().max() < 1e-12


def test_bptt_memory_grows_linearly_with_seq_len(recordings, d):
    chosen = [r for r in recordings if r.set == "S"][:16] + [r for r in recordings if r.set == "Z"][
        :16
    ]
    set_seed(0)
    rnn, head = nn.RNN(1, 32, batch_first=True), nn.Linear(32, 2)
    cost = bptt.bptt_cost(rnn, head, chosen, [178, 356, 712, 1424], d.mean, d.std)
    T = cost.index.to_numpy()
    per_step = np.diff(cost["saved_bytes"].to_numpy()) / np.diff(T)
    # Exactly one (batch, hidden) state and one (batch, 1) input per step, in float32.
    assert np.all(per_step == len(chosen) * (32 + 1) * 4)
    assert list(cost["saved_tensors"].diff().dropna()) == list(np.diff(T))
    assert (cost["seconds"] > 0).all()  # times are measured; the chapter shows them, unasserted
    # Truncated BPTT through windows of 178 keeps what one window keeps, whatever the length.
    X = data.recording_windows(chosen, 178, d.mean, d.std)
    assert bptt.saved_activations(lambda: rnn(X))[1] == cost.loc[178, "saved_bytes"]


# --- gated cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_scratch_cells_equal_torch_on_eeg(d, name):
    torch_class, our_class = getattr(nn, name), getattr(cells, name)
    X = d.X_train[:64].double()
    set_seed(0)
    reference = torch_class(1, 16, batch_first=True).double()
    diffs = cells.compare_layers(reference, our_class.from_torch(reference), X)
    assert ("c_n" in diffs) == (name == "LSTM")
    assert len([k for k in diffs if k.startswith("dL/")]) == 5
    assert max(diffs.values()) < 1e-10  # measured 6e-13 (dL/dweight_ih_l0)


@pytest.mark.parametrize(("input_size", "num_hiddens"), [(1, 16), (1, 32), (7, 32)])
def test_gru_has_three_quarters_of_the_lstm_parameters(input_size, num_hiddens):
    counts = {
        cell: models.count_parameters(cls(input_size, num_hiddens, batch_first=True))
        for cell, cls in models.RECURRENT.items()
    }
    for cell, cls in models.SCRATCH.items():
        assert models.count_parameters(cls(input_size, num_hiddens)) == counts[cell]
    block = num_hiddens * (input_size + num_hiddens) + 2 * num_hiddens
    assert counts == {"rnn": block, "gru": 3 * block, "lstm": 4 * block}
    assert counts["gru"] / counts["lstm"] == 0.75


@pytest.fixture(scope="module")
def brief(d):
    """The gated chapter's brief training: RNN, LSTM and GRU, same recipe, seed and batches."""
    runs = experiments.brief_runs(d, num_hiddens=16, seed=0)
    is_seizure = d.y_test == 1
    X = torch.cat([d.X_test[is_seizure][:64], d.X_test[~is_seizure][:64]])  # (128, 178, 1)
    return runs, X


def reach(flow: np.ndarray) -> float:
    """How much of the gradient at the last step reaches the first: ||dL/dh_1|| / ||dL/dh_T||."""
    return float(flow[0] / flow[-1])


def test_brief_training_learns_the_binary_task(d, brief):
    """A smoke test on validation accuracy (the chapter only reports the test accuracy):
    measured at the last epoch 0.92 (rnn) to 0.96, against 0.80 for always "no seizure"."""
    runs, _ = brief
    majority = 1 - d.y_valid.float().mean().item()
    for cell, run in runs.items():
        assert run.trainer.history.valid_acc[-1] > majority + 0.08, cell


def test_at_initialisation_the_gru_already_passes_far_more_gradient(brief):
    """||dL/dh_1|| / ||dL/dh_T|| over 178 steps at the classifiers' initial weights (seed 0):
    measured gru 1.8e-27, lstm 1.0e-41, rnn 3.3e-47, so the GRU passes 5.6e19 times the RNN's;
    per step 0.71 (gru), 0.59 (lstm), 0.55 (rnn). The GRU's direct path alone (most open unit's
    prod z_s, 7e-41) keeps far less, and its mean update gate (0.52) is below its factor per
    step."""
    runs, X = brief
    initial = {cell: reach(gradients.hidden_flow(run.initial, X)) for cell, run in runs.items()}
    assert initial["gru"] > initial["lstm"] > initial["rnn"] > 0
    assert initial["gru"] > 1e15 * initial["rnn"]
    assert max(initial.values()) < 1e-20
    steps = X.shape[1] - 1
    z0 = gradients.record_gates(runs["gru"].initial, X)["z"]
    assert gradients.gate_products(z0)[:, 0].mean(axis=0).max() < initial["gru"] / 1e6
    assert initial["gru"] ** (1 / steps) > z0.mean() + 0.1
    # PyTorch's initialisation starts the forget gates half open: measured 0.46.
    f0 = gradients.record_gates(runs["lstm"].initial, X)["f"]
    assert 0.35 < f0.mean() < 0.6


def test_recorded_gates_and_the_direct_path(brief):
    """The gates recorded by the from-scratch copies of the trained layers have the batch's
    shape and are gates (in [0, 1]); gate_products of a recorded gate is the product over the
    later steps, as hidden_flow's direct path needs."""
    runs, X = brief
    z = gradients.record_gates(runs["gru"].model, X)["z"]  # (128, 178, 16)
    f = gradients.record_gates(runs["lstm"].model, X)["f"]
    assert z.shape == f.shape == (128, 178, 16)
    for gate in (z, f):
        assert gate.min() >= 0 and gate.max() <= 1
    kept = gradients.gate_products(z[:2, :5])
    assert np.allclose(kept[:, 0], z[:2, 1:5].prod(axis=1))


def test_forget_bias_one_opens_the_initial_gates_and_passes_more_gradient(d, brief):
    """At the initial weights (seed 0, untrained): with the forget-gate bias 1 the LSTM's forget
    gates average 0.73 (0.46 without, sigmoid(1) = 0.73), and more gradient reaches the first
    step (measured 5.8e-17 against 1.0e-41)."""
    runs, X = brief
    set_seed(0)
    biased = models.SeqClassifier("lstm", d.num_classes, num_hiddens=16, memory_bias=1.0)
    assert torch.equal(
        biased.rnn.weight_hh_l0, runs["lstm"].initial.rnn.weight_hh_l0
    )  # the same draw, only the bias differs
    f = gradients.record_gates(biased, X)["f"]
    assert 0.65 < f.mean() < 0.8
    default = reach(gradients.hidden_flow(runs["lstm"].initial, X))
    assert reach(gradients.hidden_flow(biased, X)) > 30 * default


# --- the helpers themselves -------------------------------------------------------------------------


def test_gate_products():
    gate = np.array([[[0.5], [0.25], [0.8], [1.0]]])  # (1, 4, 1)
    expected = np.array([0.25 * 0.8 * 1.0, 0.8 * 1.0, 1.0, 1.0])
    assert np.allclose(gradients.gate_products(gate)[0, :, 0], expected)
    assert gradients.gate_products(np.zeros((2, 3, 4))).shape == (2, 3, 4)
    tiny = np.full((1, 2000, 1), 0.1)  # 0.1 ** 1999 underflows to 0, not NaN
    assert gradients.gate_products(tiny)[0, 0, 0] == 0.0


def test_helpers_check_their_inputs(recordings):
    with pytest.raises(ValueError, match="shape"):
        max_abs_diffs({"a": torch.zeros(2)}, {"a": torch.zeros(3)})
    with pytest.raises(ValueError, match="seq_len"):
        data.recording_windows(recordings[:2], 5000)
    X = data.recording_windows(recordings[:3], 10)
    assert X.shape == (3, 10, 1) and X.dtype == torch.float32
    assert torch.equal(X[1, :, 0], torch.tensor(recordings[1].samples[:10], dtype=torch.float32))


def test_sci_formats_numbers_for_the_prose():
    assert sci(8.3e-17) == "8.3 × 10⁻¹⁷"
    assert sci(8e18, 0) == "8 × 10¹⁸"
    assert sci(0.25) == "0.25"
    assert sci(123.4) == "120"
    assert sci(0.0) == "0"
    assert sci(np.float64(-3e-5)) == "-3.0 × 10⁻⁵"
    assert sci(0.25, always=True) == "2.5 × 10⁻¹" and sci(0.014, always=True) == "1.4 × 10⁻²"
