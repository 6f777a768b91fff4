"""The first recurrent network (rnnbook.basics): the scalar recurrence, the Elman layer against
nn.RNN, and the readable training loop."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from rnnbook import basics, data


def test_scalar_rnn_is_a_power_of_w():
    x = np.zeros(30)
    x[0] = 1.0
    for w in (0.5, 0.9, 1.0, 1.1):
        assert np.allclose(basics.scalar_rnn(w, x), w ** np.arange(30), rtol=1e-12, atol=0)
    # With a constant input, the state approaches x / (1 - w) for |w| < 1.
    assert basics.scalar_rnn(0.5, np.ones(60))[-1] == pytest.approx(2.0)
    assert basics.scalar_rnn(2.0, np.array([1.0]), h0=3.0).tolist() == [7.0]


def test_elman_rnn_equals_nn_rnn():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 5, batch_first=True).double()
    ours = basics.ElmanRNN(3, 5).double().copy_from(rnn)
    X = torch.randn(4, 11, 3, dtype=torch.float64)
    output, h_n = rnn(X)
    our_output, our_h = ours(X)
    assert our_output.shape == (4, 11, 5) and our_h.shape == (4, 5)
    assert torch.allclose(output, our_output, rtol=0, atol=1e-12)
    assert torch.allclose(h_n[0], our_h, rtol=0, atol=1e-12)
    # Gradients too: the loop is the layer.
    output.sum().backward()
    our_output.sum().backward()
    assert torch.allclose(rnn.weight_hh_l0.grad, ours.W_hh.weight.grad, rtol=0, atol=1e-10)


def test_classifier_reads_the_last_state():
    torch.manual_seed(0)
    model = basics.RNNClassifier(num_classes=3, num_hiddens=4)
    X = torch.randn(2, 7, 1)
    _, h_n = model.rnn(X)
    assert torch.equal(model(X), model.head(h_n[-1])) and model(X).shape == (2, 3)


def test_fit_learns_and_is_seeded(table):
    d = data.make_tensors(data.split_by_recording(table), task="binary")
    small = dataclasses.replace(
        d, X_train=d.X_train[:640], y_train=d.y_train[:640],
        X_valid=d.X_valid[:256], y_valid=d.y_valid[:256],
    )  # fmt: skip

    def run():
        torch.manual_seed(0)
        model = basics.RNNClassifier(num_classes=2, num_hiddens=8)
        return model, basics.fit(model, small, epochs=2)

    model, history = run()
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[-1]["train_loss"] < history[0]["train_loss"] * 1.5  # finite, not diverging
    assert 0 <= history[-1]["valid_accuracy"] <= 1
    assert run()[1] == history  # same seed, same numbers
    assert basics.accuracy(model, small.X_valid, small.y_valid) == history[-1]["valid_accuracy"]
