"""RETAIN and GRU-D (rnnbook.healthcare): exactness against their equations, the pairing of
RETAIN's weights with their visits, causality, padding, GRU-D's data on the PBC visits, golden
outputs, the registry, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnnbook import experiments, healthcare, visit_models, visits
from rnnbook.errors import DataError, RNNBookError
from rnnbook.models import MODELS, build_model
from rnnbook.train import train


@pytest.fixture(scope="module")
def pbc():
    table = visits.read_pbcseq()
    split = visits.split_patients(table, seed=0)
    return table, split


def assert_one_line_error(call, error, pattern: str) -> None:
    """`call()` raises `error`, whose message is one line matching `pattern`."""
    with pytest.raises(error, match=pattern) as info:
        call()
    assert "\n" not in str(info.value)


def padded_batch(lengths, features=4, seed=0, dtype=torch.float64):
    """Random visits of patients with `lengths` visits, padded with zeros; channel 0 real."""
    g = torch.Generator().manual_seed(seed)
    steps = max(lengths)
    X = torch.zeros(len(lengths), steps, 1 + features, dtype=dtype)
    for i, n in enumerate(lengths):
        X[i, :n, 0] = 1
        X[i, :n, 1:] = torch.randn(n, features, generator=g, dtype=dtype)
    return X


# --- RETAIN ---------------------------------------------------------------------------------------


def retain(features=4, seed=0):
    torch.manual_seed(seed)
    return visit_models.RETAIN(2, 1 + features, num_embed=5, num_hiddens=6).double().eval()


def by_hand(model, x):
    """RETAIN's logits at the last visit of one patient `x` (visits, K), from the paper: both
    GRUs read v_T, ..., v_1 step by step; alpha_j and beta_j belong to the visit v_j that
    their GRU read. Also returns the context of the bug that pairs them with the reversed order."""
    v = model.embed(x)  # (T, E)
    states = {}
    for name in ("alpha", "beta"):
        rnn = getattr(model, f"rnn_{name}")
        cell = torch.nn.GRUCell(rnn.input_size, rnn.hidden_size).double()
        for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, p).data.copy_(getattr(rnn, f"{p}_l0"))
        h, out = torch.zeros(1, rnn.hidden_size, dtype=x.dtype), {}
        for j in reversed(range(len(x))):  # v_T first
            h = cell(v[j : j + 1], h)
            out[j] = h[0]
        states[name] = torch.stack([out[j] for j in range(len(x))])  # in visit order
    alpha = torch.softmax(model.w_alpha(states["alpha"]).squeeze(1), dim=0)  # (T,)
    beta = torch.tanh(model.W_beta(states["beta"]))  # (T, E)
    c = (alpha[:, None] * beta * v).sum(0)
    # The bug: weights computed in reading order (v_T first) multiplied with v_1, ..., v_T.
    c_wrong = (alpha.flip(0)[:, None] * beta.flip(0) * v).sum(0)
    return model.head(c), model.head(c_wrong), alpha


def test_retain_pairs_each_weight_with_its_own_visit():
    model = retain()
    X = padded_batch([5, 3])
    with torch.no_grad():
        y_hat = model(X)
        alpha, _, _ = model.attend(X)
        for i, n in enumerate((5, 3)):
            right, wrong, a = by_hand(model, X[i, :n, 1:])
            assert torch.allclose(y_hat[i, n - 1], right, atol=1e-12)
            assert torch.allclose(alpha[i, n - 1, :n], a, atol=1e-12)
            # The reversed pairing gives another answer: a model with the bug fails above.
            assert (wrong - right).abs().max() > 1e-3


def test_retain_every_prefix_is_the_patient_cut_there():
    """The prediction at visit t is RETAIN run on visits 1..t alone (its reverse GRUs start at
    t): so it reads no later visit, however much later visits change."""
    model = retain()
    X = padded_batch([6])
    with torch.no_grad():
        y_hat = model(X)
        for t in range(1, 7):
            cut = X[:, :t]
            assert torch.allclose(y_hat[:, t - 1], model(cut)[:, -1], atol=1e-12)
        changed = X.clone()
        changed[:, 3:, 1:] += 5.0
        assert torch.allclose(model(changed)[:, :3], y_hat[:, :3], atol=1e-12)
        assert not torch.allclose(model(changed)[:, 3:], y_hat[:, 3:])


def test_retain_padding_is_never_attended():
    model = retain()
    X = padded_batch([2, 7])
    with torch.no_grad():
        alone = model(X[:1, :2])
        batch = model(X)
        alpha, _, _ = model.attend(X)
    assert torch.allclose(batch[0, :2], alone[0], atol=1e-12)
    assert torch.all(alpha[0, :, 2:] == 0)  # padded visits get no weight
    assert torch.all(alpha.triu(diagonal=1) == 0)  # nor later visits
    assert torch.allclose(alpha.sum(2), torch.ones(2, 7, dtype=X.dtype))
    assert batch.shape == (2, 7, 2)


def test_contributions_sum_to_the_logit():
    model = retain()
    X = padded_batch([4, 6, 1])
    contributions, bias = visit_models.retain_contributions(model, X)
    with torch.no_grad():
        y_hat = model(X)
    assert contributions.shape == (3, 6, 6, 4)
    total = contributions.sum(dim=(2, 3)) + bias
    assert torch.allclose(total, y_hat[..., 1] - y_hat[..., 0], atol=1e-12)
    assert torch.all(contributions[1].sum(-1).triu(diagonal=1) == 0)  # nothing from later visits


def test_patient_contributions_on_pbc(pbc):
    table, split = pbc
    vd = visits.visit_data(table, split)
    torch.manual_seed(0)
    model = visit_models.RETAIN(2, vd.d.X_train.shape[2])
    pid = int(split.test[0])
    frame = experiments.patient_contributions(model, vd, pid)
    n = int((table["id"] == pid).sum())
    assert len(frame) == n
    parts = frame.filter(like="RETAIN: ").sum(axis=1) + frame["bias"]
    assert np.allclose(parts, frame["logit"], atol=1e-10)
    # Mayo's split: its weights times the standardised inputs, summing to the score minus the
    # score of the training means.
    mayo = frame.filter(like="Mayo: ").sum(axis=1).to_numpy()
    score = table.loc[table["id"] == pid].pipe(visits.visit_mayo)
    means = vd.scaler.mean
    at_mean = sum(w * means[k] for k, w in experiments.MAYO_WEIGHTS.items())
    assert np.allclose(mayo, score - at_mean, atol=1e-9)
    assert experiments.MAYO_WEIGHTS["log_bili"] == pytest.approx(
        visits.mayo_score(np.e, 1, 0, 1, 0) - visits.mayo_score(1, 1, 0, 1, 0)
    )


# --- GRU-D ------------------------------------------------------------------------------------------


def test_delta_follows_the_papers_recursion():
    # One irregular patient (days 0, 30, 100, 250) and a second one starting afresh.
    days = np.array([0, 30, 100, 250, 0, 40])
    mask = np.array([[1, 0], [0, 0], [1, 1], [0, 1], [0, 1], [1, 1]])
    first = np.array([True, False, False, False, True, False])
    delta = healthcare.time_since_observed(days, mask, first)
    expected = [[0, 0], [30, 30], [100, 100], [150, 150], [0, 0], [40, 40]]
    assert delta.tolist() == expected
    mask[2, 0] = 0  # not measured at day 100 either: the time keeps adding up
    assert healthcare.time_since_observed(days, mask, first)[3, 0] == 250


def test_delta_and_mask_on_a_pbc_patient(pbc):
    table, split = pbc
    gd = healthcare.grud_data(table, split)
    D = len(gd.variables)
    pid = int(split.train[0])
    rows = table[table["id"] == pid]
    X = gd.d.X_train[0, : len(rows)].double()
    chol = gd.variables.index("log_chol")
    assert X[:, 1 + D + chol].tolist() == rows["chol"].notna().astype(float).tolist()
    years = rows["day"].to_numpy() / 365.25
    assert X[1, 1 + 2 * D + chol].item() == pytest.approx(years[1] - years[0], abs=1e-6)


def test_training_mean_comes_from_training_patients_only(pbc):
    table, split = pbc
    gd = healthcare.grud_data(table, split)
    raw = healthcare.raw_values(table)
    train_rows = table["id"].isin(split.train).to_numpy()
    pd.testing.assert_series_equal(gd.mean, raw[train_rows].mean())
    assert not np.allclose(gd.mean, raw.mean())
    # Changing every test patient's values changes neither the mean nor the training inputs.
    other = table.copy()
    other.loc[other["id"].isin(split.test), "bili"] *= 10
    gd2 = healthcare.grud_data(other, split)
    pd.testing.assert_series_equal(gd.mean, gd2.mean)
    assert torch.equal(gd.d.X_train, gd2.d.X_train)
    assert not torch.equal(gd.d.X_test, gd2.d.X_test)


def test_zero_decay_and_mask_weights_make_a_gru_on_forward_filled_values(pbc):
    table, split = pbc
    gd = healthcare.grud_data(healthcare.remove_values(table, 0.5, seed=1), split)
    D, H = len(gd.variables), 8
    torch.manual_seed(0)
    model = visit_models.GRUD(2, D, H).double().eval()
    with torch.no_grad():
        for p in (model.decay_x_weight, model.decay_x_bias, model.decay_h.weight,
                  model.decay_h.bias):  # fmt: skip
            p.zero_()
        model.cell.weight_ih[:, D:] = 0.0  # V: the mask's weights
        reference = torch.nn.GRU(D, H, batch_first=True).double()
        reference.weight_ih_l0.copy_(model.cell.weight_ih[:, :D])
        for p in ("weight_hh", "bias_ih", "bias_hh"):
            getattr(reference, f"{p}_l0").copy_(getattr(model.cell, p))
        X = gd.d.X_test.double()
        filled = healthcare.grud_view(gd, "forward").X_test.double()[:, :, 1:]  # pandas ffill
        real = X[:, :, 0] > 0
        diff = (model(X) - model.head(reference(filled)[0]))[real].abs().max().item()
    assert diff <= 1e-10
    assert (gd.d.X_test[:, :, 1 + D : 1 + 2 * D][real] == 0).float().mean() > 0.3  # many gaps


def test_removal_at_random_and_tied_to_death(pbc):
    table, _ = pbc
    near = healthcare.died_within(table)
    tied = healthcare.remove_values(table, 0.5, tied=True, seed=0)
    lost = tied[healthcare.LABS].isna() & table[healthcare.LABS].notna()
    assert not lost[~near].any().any() and lost[near].to_numpy().mean() > 0.4
    at_random = healthcare.remove_values(table, 0.3, seed=0)
    lost = at_random["bili"].isna().mean()
    assert 0.25 < lost < 0.35
    assert table["bili"].notna().all()  # the table itself is untouched


def test_views_have_the_papers_inputs(pbc):
    table, split = pbc
    gd = healthcare.grud_data(table, split)
    D = len(gd.variables)
    widths = {"mean": 1 + D, "forward": 1 + D, "simple": 1 + 3 * D, "decay": 1 + 3 * D}
    for view, width in widths.items():
        d = healthcare.grud_view(gd, view)
        assert d.X_train.shape == (len(split.train), 16, width)
        assert torch.equal(d.y_test, gd.d.y_test)
    assert_one_line_error(
        lambda: healthcare.grud_view(gd, "median"), RNNBookError, "unknown GRU-D view"
    )


# --- both models: shapes, golden outputs, the registry, bad input -----------------------------------

# Logits at the first visit of the first test patient, for torch.manual_seed(0), recorded with
# torch 2.13.0 (CPU). A change here means a model's definition or initialisation changed.
GOLDEN = {"retain": [0.061271, -0.217688], "gru-d": [-0.080581, -0.138976]}


def test_registered_models_shapes_and_golden_outputs(pbc):
    table, split = pbc
    inputs = {
        "retain": visits.visit_data(table, split).d.X_test[:4],
        "gru-d": healthcare.grud_data(table, split).d.X_test[:4],
    }
    for name, X in inputs.items():
        assert MODELS[name].category == "many-to-many"
        torch.manual_seed(0)
        model = build_model(name, 2).eval()
        with torch.no_grad():
            y_hat = model(X)
        assert y_hat.shape == (4, 16, 2) and torch.isfinite(y_hat).all()
        assert y_hat[0, 0].tolist() == pytest.approx(GOLDEN[name], abs=1e-5)


def test_gru_d_trains_through_train(pbc):
    table, split = pbc
    gd = healthcare.grud_data(table, split)
    run = train("gru-d", gd.d, epochs=1, seed=0)
    assert run.y_hat.shape == (len(split.test), 16, 2)
    assert len(run.history.train_loss) == 1


def test_bad_input_gives_one_clear_line():
    x = torch.zeros(2, 3, 4)
    m, delta = torch.ones(2, 3, 4), torch.zeros(2, 3, 4)
    assert_one_line_error(lambda: visit_models.grud_input(x[:, :, 0], x, m[:, :, :3], delta),
                          RNNBookError, r"mask m has shape \(2, 3, 3\), expected \(2, 3, 4\)")  # fmt: skip
    delta[1, 2, 0] = -0.5
    assert_one_line_error(lambda: visit_models.grud_input(x[:, :, 0], x, m, delta), RNNBookError,
                          r"delta is negative \(patient 1, visit 2, variable 0\)")  # fmt: skip
    model = visit_models.GRUD(2, 4)
    assert_one_line_error(lambda: model(torch.zeros(2, 3, 5)), RNNBookError,
                          r"X has shape \(2, 3, 5\), expected \(batch, steps, 13\)")  # fmt: skip
    bad_mask = visit_models.grud_input(x[:, :, 0] + 1, x, m, delta.abs())
    bad_mask[0, 0, 5] = 0.5
    assert_one_line_error(lambda: model(bad_mask), RNNBookError, r"other than 0 or 1")
    assert_one_line_error(lambda: visit_models.RETAIN(2, 5)(torch.zeros(1, 3, 5)), RNNBookError,
                          "a patient without a visit")  # fmt: skip
    assert_one_line_error(
        lambda: healthcare.time_since_observed([0, 10, 5], np.ones((3, 1)), [True, False, False]),
        DataError, "a visit before the previous one",
    )  # fmt: skip
    assert_one_line_error(lambda: healthcare.remove_values(pd.DataFrame(), 1.5), RNNBookError,
                          "rate must be between 0 and 1")  # fmt: skip
