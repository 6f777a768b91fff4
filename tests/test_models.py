"""Every model: shapes, seeded golden outputs, the registry and the course recipe."""

from __future__ import annotations

import pytest
import torch
from helpers import fixed_input

from rnnbook import models
from rnnbook.models import EEG_MODELS, MODELS, build_model, count_parameters

# First three logits of row 0, for torch.manual_seed(0) and the fixed input `fixed_input()`,
# recorded with torch 2.13.0 (CPU). A change here means a model's definition or init changed.
GOLDEN = {
    "mlp": [0.0843, 0.079678, -0.123565],
    "mlp-features": [-0.134041, -0.09123, -0.091051],
    "cnn": [0.004331, 0.074165, -0.075278],
    "rnn": [0.025433, -0.026326, 0.027907],
    "lstm": [0.107993, 0.011332, 0.110668],
    "gru": [0.198533, 0.124041, -0.145744],
    "gru-scratch": [0.198533, 0.124041, -0.145744],  # the same weights and numbers as "gru"
    "mingru": [0.159679, 0.081215, -0.883214],
    "mingru-seq": [0.159679, 0.081218, -0.883207],  # the same model as "mingru", run by a loop
    "minlstm": [-1.371197, 1.494901, -1.399248],
    "course-gru": [0.00678, -0.168429, -0.197391],
    "conv-gru": [0.005097, -0.028435, -0.041687],
    "conv-gru-binary": [0.005097, -0.028435, -0.041687],
    "gru-last": [-0.155875, 0.051136, -0.085078],
    "gru-mean": [-0.054036, 0.133041, -0.152625],
    "gru-max": [-0.142399, 0.136167, -0.137269],
    "gru-attention": [-0.060979, 0.21064, -0.008428],
    "transformer": [-0.137764, -0.511499, -0.026089],
}


# The models of the EEG table; those of the PBC visits have their shape and golden tests in
# test_survival.py and test_healthcare.py.
@pytest.mark.parametrize("name", list(EEG_MODELS))
@pytest.mark.parametrize("num_classes", [5, 2])
def test_output_shape(name, num_classes):
    torch.manual_seed(0)
    model = build_model(name, num_classes).eval()
    y_hat = model(fixed_input())
    assert y_hat.shape == (4, num_classes)
    assert torch.isfinite(y_hat).all()


@pytest.mark.parametrize("name", list(EEG_MODELS))
def test_golden_outputs(name):
    torch.manual_seed(0)
    model = build_model(name, 5).eval()
    with torch.no_grad():
        y_hat = model(fixed_input())
    assert y_hat[0, :3].tolist() == pytest.approx(GOLDEN[name], abs=1e-5)


def test_registry_descriptions_and_recommended():
    assert list(MODELS) == [
        "mlp", "mlp-features", "cnn", "rnn", "lstm", "gru", "gru-scratch", "mingru",
        "mingru-seq", "minlstm", "course-gru", "conv-gru", "conv-gru-binary", "gru-last",
        "gru-mean", "gru-max", "gru-attention", "transformer", "hazard-gru", "retain", "gru-d",
    ]  # fmt: skip
    assert [n for n, s in MODELS.items() if s.data == "pbc-visits"] == [
        "hazard-gru",
        "retain",
        "gru-d",
    ]
    assert models.RECOMMENDED == {
        "five-class": "conv-gru",
        "binary": "conv-gru-binary",
        "intracranial": "conv-gru-binary",
    }
    assert MODELS["conv-gru"].recipe.epochs == 40 and MODELS["conv-gru-binary"].recipe.epochs == 20


def test_memory_bias_is_set_at_construction():
    for cell, blocks in (("lstm", 4), ("gru", 3)):
        model = models.SeqClassifier(cell, 2, num_hiddens=8, memory_bias=1.5)
        bias = (model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0).detach().view(blocks, 8)
        assert torch.equal(bias[1], torch.full((8,), 1.5))  # the forget / update gate


@pytest.mark.parametrize(
    ("cell", "options", "named"),
    [
        ("mingru", {"scratch": True}, "scratch"),
        ("minlstm", {"bidirectional": True}, "bidirectional"),
        ("gru", {"scratch": True, "bidirectional": True}, "bidirectional"),
        ("mingru", {"num_layers": 2, "dropout": 0.5}, "dropout"),
        ("mingru", {"memory_bias": 1.0}, "memory_bias"),
        ("rnn", {"memory_bias": 1.0}, "memory_bias"),
        ("lstm", {"mode": "parallel"}, "mode"),
        ("gru", {"scratch": True, "mode": "sequential"}, "mode"),
        ("transformer", {}, "unknown cell"),
    ],
)
def test_an_option_that_does_not_apply_is_refused_in_one_line(cell, options, named):
    with pytest.raises(ValueError, match=named) as caught:
        models.SeqClassifier(cell, 2, num_hiddens=4, **options)
    assert "\n" not in str(caught.value)


def test_every_valid_combination_builds():
    for cell in ("rnn", "lstm", "gru"):
        for scratch in (False, True):
            models.SeqClassifier(cell, 2, num_hiddens=4, scratch=scratch, num_layers=2, dropout=0.1)
        models.SeqClassifier(cell, 2, num_hiddens=4, bidirectional=True)
    for cell in ("mingru", "minlstm"):
        for mode in (None, "parallel", "sequential"):
            models.SeqClassifier(cell, 2, num_hiddens=4, mode=mode)


def test_course_gru_is_the_lab_recipe():
    spec = MODELS["course-gru"]
    model = build_model("course-gru", 5)
    gru = model.rnn
    assert isinstance(gru, torch.nn.GRU)
    assert (gru.num_layers, gru.hidden_size, gru.dropout, gru.batch_first) == (2, 32, 0.5, True)
    r = spec.recipe
    assert (r.optimizer, r.lr, r.weight_decay, r.batch_size, r.epochs) == (
        "adam",
        1e-3,
        0.0,
        10,
        15,
    )
    assert r.standardize is False and r.schedule == "constant" and r.clip is None
    # nn.GRU(1, 32, 2 layers) + Linear(32, 5): the lab's parameter count.
    assert (
        count_parameters(model) == 3 * (32 * 1 + 32 * 32 + 64) + 3 * (32 * 32 * 2 + 64) + 32 * 5 + 5
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_scratch_classifier_equals_torch_classifier(cell):
    torch.manual_seed(1)
    fast = models.SeqClassifier(cell, 5, num_hiddens=8, num_layers=2).eval()
    slow = models.SeqClassifier(cell, 5, num_hiddens=8, num_layers=2, scratch=True).eval()
    slow.load_state_dict(fast.state_dict())
    X = fixed_input()
    torch.testing.assert_close(slow(X), fast(X), atol=1e-5, rtol=1e-5)


def test_bidirectional_classifier_reads_both_ends():
    torch.manual_seed(0)
    model = models.SeqClassifier("gru", 3, num_hiddens=6, bidirectional=True).eval()
    assert model.head.in_features == 12
    assert model(fixed_input()).shape == (4, 3)


def test_summary_features():
    X = fixed_input()
    f = models.summary_features(X)
    assert f.shape == (4, 11)
    assert torch.allclose(f[:, 6:].sum(1), torch.ones(4))  # band shares add up to 1
    # A pure sine of 3 + i cycles per second lands its power in the lowest band.
    assert (f[:, 6] > 0.9).all()


def test_labeller_is_many_to_many():
    torch.manual_seed(0)
    model = models.SeqLabeller(num_classes=2, num_hiddens=8, stride=2)
    assert model(fixed_input(seq_len=20)).shape == (4, 10, 2)


def test_unknown_model():
    with pytest.raises(KeyError):
        build_model("mamba", 5)
