"""What the gated-cells chapter measures: brief training runs, gate recordings, gradient flow.

* ``BRIEF`` and ``train_brief`` -- the short, seeded training run the chapter (and its tests)
  give an RNN, an LSTM and a GRU classifier, all with the same recipe, so that their gates and
  gradients can be compared after the *same* training;
* ``compare_layers`` -- a ``torch.nn`` recurrent layer against its :mod:`rnnbook.cells` twin:
  the largest absolute difference of the outputs, the final states and every gradient;
* ``record_gates`` -- run the from-scratch copy of a trained model's recurrent layer with
  ``record=True`` and return its per-step gate activations;
* ``gate_products`` -- the running product of a gate from step t to the end, the factor by
  which the gated cell's direct (additive) path scales a gradient on its way back to step t;
* ``hidden_flow`` -- ``bptt.hidden_gradient_flow`` of a trained model's recurrent layer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

from . import bptt
from .data import SeqData
from .models import SCRATCH, Recipe, SeqClassifier
from .train import Trainer
from .utils import set_seed

__all__ = [
    "BRIEF",
    "BRIEF_BATCHES",
    "initial_model",
    "train_brief",
    "compare_layers",
    "scratch_copy",
    "record_gates",
    "gate_products",
    "hidden_flow",
]

# The brief training: 4 epochs of 50 batches of 64 rows (a random 3,200 of the training rows per
# epoch), AdamW with a one-cycle schedule peaking at lr = 0.01, gradients clipped at norm 1.
BRIEF = Recipe(epochs=4, batch_size=64, lr=1e-2)
BRIEF_BATCHES = 50


def initial_model(cell: str, num_classes: int, num_hiddens: int = 16, seed: int = 0) -> nn.Module:
    """``SeqClassifier(cell, num_classes, num_hiddens)`` with its seeded initial weights.

    The model ``train_brief`` starts from, for before-and-after comparisons.
    """
    set_seed(seed)
    return SeqClassifier(cell, num_classes, num_hiddens=num_hiddens)


def train_brief(
    cell: str,
    d: SeqData,
    num_hiddens: int = 16,
    seed: int = 0,
    recipe: Recipe = BRIEF,
    init: Callable[[nn.Module], None] | None = None,
) -> Trainer:
    """Train ``initial_model(cell, ...)`` with ``recipe`` for ``BRIEF_BATCHES`` batches an epoch.

    Every cell gets the same seed, recipe and batches, so differences come from the cell alone.
    ``init(model)``, if given, may change the initial weights in place before training.
    """
    model = initial_model(cell, d.num_classes, num_hiddens, seed)
    if init is not None:
        with torch.no_grad():
            init(model)
    trainer = Trainer(model, recipe, seed=seed, max_train_batches=BRIEF_BATCHES)
    trainer.fit(d)
    return trainer


def _max_abs(a: Tensor, b: Tensor) -> float:
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
    return float((a - b).abs().max())


def compare_layers(reference: nn.Module, ours: nn.Module, X: Tensor, seed: int = 0) -> dict:
    """Largest absolute differences between two recurrent layers run on the same input ``X``.

    Both layers read ``X`` (batch, seq_len, input_size); the loss is ``sum(output * R)`` for a
    fixed random ``R`` of the output's shape, so every step's output sends a gradient back.
    Returns ``{"output": ..., "h_n": ..., ["c_n": ...,] "dL/dX": ..., "dL/d<param>": ...}``
    (Python floats). The layers' parameter ``.grad`` are overwritten.
    """
    results, grads = {}, {}
    gen = torch.Generator().manual_seed(seed)
    R = None
    for name, layer in (("reference", reference), ("ours", ours)):
        layer.zero_grad(set_to_none=True)
        X_in = X.detach().clone().requires_grad_(True)
        output, state = layer(X_in)  # (batch, seq_len, hidden), final state(s)
        if R is None:
            R = torch.randn(output.shape, generator=gen, dtype=output.dtype)
        (output * R).sum().backward()
        states = state if isinstance(state, tuple) else (state,)
        results[name] = (output.detach(), *(s.detach() for s in states))
        grads[name] = {"X": X_in.grad, **{n: p.grad for n, p in layer.named_parameters()}}
    keys = ["output", "h_n", "c_n"][: len(results["ours"])]
    diffs = {
        key: _max_abs(a, b)
        for key, a, b in zip(keys, results["reference"], results["ours"], strict=True)
    }
    for name, grad in grads["reference"].items():
        diffs[f"dL/d{name}"] = _max_abs(grad, grads["ours"][name])
    return diffs


def scratch_copy(model: SeqClassifier, record: bool = True) -> nn.Module:
    """The from-scratch (:mod:`rnnbook.cells`) twin of a classifier's ``torch.nn`` layer."""
    layer = SCRATCH[model.cell].from_torch(model.rnn)
    layer.record = record
    return layer.eval()


@torch.no_grad()
def record_gates(model: SeqClassifier, X: Tensor) -> dict[str, np.ndarray]:
    """Per-step gate activations of a trained classifier on ``X`` (batch, seq_len, 1).

    Returns the recording of the from-scratch copy's first layer: for a GRU ``"r", "z", "n",
    "h"``, for an LSTM ``"i", "f", "g", "o", "c", "h"``, each a float array
    (batch, seq_len, hidden).
    """
    layer = scratch_copy(model, record=True)
    layer(X.to(next(layer.parameters()).dtype))
    return {key: value.cpu().numpy() for key, value in layer.trace[0].items()}


def gate_products(gate: np.ndarray) -> np.ndarray:
    """``P[b, t, j] = prod_{s > t} gate[b, s, j]``: what the direct path keeps from step t.

    For an LSTM with forget gate f, ``dc_T/dc_t`` along the cell's direct path is
    ``prod_{s=t+1}^{T} f_s`` (element-wise); for a GRU with update gate z, ``dh_T/dh_t`` along
    the path that copies the old state is ``prod_{s=t+1}^{T} z_s``. The last step's product is
    1 (nothing is multiplied). Input and output: (batch, seq_len, hidden). Computed in log
    space, so products far below float64's range come out as exactly 0 rather than NaN.
    """
    log_gate = np.log(np.clip(gate.astype(np.float64), 1e-300, None))
    after = np.cumsum(log_gate[:, ::-1], axis=1)[:, ::-1]  # sum_{s >= t}
    log_prod = np.concatenate([after[:, 1:], np.zeros_like(after[:, :1])], axis=1)  # s > t
    return np.exp(log_prod)


def hidden_flow(model: SeqClassifier, X: Tensor) -> np.ndarray:
    """``||dL/dh_t||`` (t = 1..seq_len) of a classifier's recurrent layer, in float64.

    ``bptt.hidden_gradient_flow`` on the from-scratch copy: the loss depends on the last state
    only, so the curve shows how much of a gradient at step T reaches each earlier step.
    """
    return bptt.hidden_gradient_flow(scratch_copy(model, record=False), X, dtype=torch.float64)
