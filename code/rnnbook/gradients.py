"""How gradients flow back in time, and the gates and weights that decide it.

The measurements of the chapters on vanishing gradients and gated cells, for any model:

* ``gradient_flow`` -- ``||dL/dx_t||`` per input step: how strongly the loss still "sees" step t;
  ``first_step_ratio`` -- its first step over its last;
* ``hidden_gradient_flow`` -- ``||dL/dh_t||`` per step inside a :mod:`rnnbook.cells` layer;
  ``hidden_flow`` -- the same for a trained classifier, through its from-scratch copy;
* ``spectral_radius`` / ``scale_spectral_radius`` -- the recurrent weight's largest eigenvalue
  modulus, and a copy of an RNN rescaled to a chosen one; ``largest_singular_value`` -- its
  spectral norm sigma_max, which bounds one step's stretch (and is never below the radius);
* ``gradient_norm`` / ``sgd_step`` -- the gradient's norm, and one plain step with or without
  clipping (Pascanu et al. 2013); ``adam_step`` -- Adam's first step, whose size does not grow
  with the gradient's;
* ``saturation`` -- the share of tanh units in their flat region;
* ``record_gates`` / ``memory_gate`` / ``gate_products`` -- the gate activations of a trained
  LSTM or GRU, its memory gate per unit, and what the gated direct path keeps from step t.

Every function runs on the device of the model it is given (inputs are moved there) and returns
NumPy arrays or Python floats on the CPU. Precision: the norms are computed in float64, but a
model run in float32 cannot carry a gradient below ~1e-45 (float32's smallest subnormal) -- such
entries become exactly 0. Pass ``dtype=torch.float64`` to run a float64 copy of the model when a
plot should show ratios like 1e-40 or smaller.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .cells import _RecurrentLayer
from .models import SCRATCH, SeqClassifier
from .recording import record
from .utils import module_device

__all__ = [
    "gradient_flow",
    "hidden_gradient_flow",
    "first_step_ratio",
    "hidden_flow",
    "spectral_radius",
    "largest_singular_value",
    "scale_spectral_radius",
    "gradient_norm",
    "sgd_step",
    "adam_step",
    "saturation",
    "scratch_copy",
    "record_gates",
    "memory_gate",
    "gate_products",
]


def _model_dtype(model: nn.Module) -> torch.dtype | None:
    param = next(model.parameters(), None)
    return None if param is None else param.dtype


def _step_norms(grad: Tensor) -> np.ndarray:
    """``(batch, T, d)`` -> ``(T,)`` Euclidean norm over batch and features, in float64.

    Cast first: squaring a float32 gradient of 1e-25 would underflow to 0.
    """
    return grad.detach().to(torch.float64).pow(2).sum(dim=(0, 2)).sqrt().cpu().numpy()


def gradient_flow(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    *,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    dtype: torch.dtype | None = None,
    eval_mode: bool = True,
    **forward_kwargs,
) -> np.ndarray:
    """How strongly the loss depends on each input step: ``||dL/dx_t||`` for t = 1..T.

    Works for any model with ``model(X, **forward_kwargs) -> logits (batch, num_classes)``
    (if the model returns a tuple, its first element is used). The loss is
    ``loss_fn(logits, y)``, by default the mean cross-entropy; the norm at step t is taken over
    the batch and the input features together. A flat curve means the early steps still matter
    to the loss; a curve that drops by orders of magnitude towards t = 1 is a vanishing gradient.

    The gradient is computed with ``torch.autograd.grad`` w.r.t. X only, so the parameters'
    ``.grad`` are untouched. The model runs in eval mode (no dropout) unless ``eval_mode=False``
    (then in its current mode); its train/eval mode is restored afterwards. With
    ``dtype=torch.float64`` a float64 *copy* of the model is used (see the module docstring on
    float32 underflow).

    Returns a float64 NumPy array of length seq_len.
    """
    if dtype is not None and dtype != _model_dtype(model):
        model = copy.deepcopy(model).to(dtype)
    dtype = _model_dtype(model) or X.dtype
    X = X.detach().to(device=module_device(model), dtype=dtype).clone().requires_grad_(True)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    was_training = model.training
    model.train(not eval_mode and was_training)
    try:  # cuDNN's RNN has no backward in eval mode: PyTorch's own kernels serve instead
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            logits = model(X, **forward_kwargs)
            if isinstance(logits, (tuple, list)):
                logits = logits[0]
            loss = loss_fn(logits, y.to(logits.device))
            (dX,) = torch.autograd.grad(loss, X)
    finally:
        model.train(was_training)
    return _step_norms(dX)


def hidden_gradient_flow(
    layer: nn.Module,
    X: Tensor,
    hx=None,
    *,
    loss_fn: Callable[[Tensor], Tensor] | None = None,
    dtype: torch.dtype | None = None,
    seed: int = 0,
) -> np.ndarray:
    """``||dL/dh_t||`` for t = 1..T at the last layer of a :mod:`rnnbook.cells` layer.

    Records the layer's per-step hidden states (:func:`rnnbook.recording.record`), so it
    measures the *total* gradient reaching h_t -- through the output at t and through every
    later step. The loss is ``loss_fn(output)`` with ``output`` the layer output
    ``(batch, seq_len, hidden)``. By default it is ``L = sum_b v . h_T[b]`` for a fixed random
    unit vector v (drawn from ``seed``): the loss depends on the last state only, so the curve is
    pure back-propagation through the recurrence, with ``||dL/dh_T|| = sqrt(batch)``.

    The layer runs in eval mode; ``dtype`` runs a copy in that dtype. The layer's mode and its
    parameters' ``.grad`` are left as they were.
    Returns a float64 NumPy array of length seq_len.
    """
    if not isinstance(layer, _RecurrentLayer):
        raise TypeError("hidden_gradient_flow needs an rnnbook.cells RNN/LSTM/GRU layer")
    if dtype is not None and dtype != _model_dtype(layer):
        layer = copy.deepcopy(layer).to(dtype)
    dtype = _model_dtype(layer)
    device = module_device(layer)
    X = X.detach().to(device=device, dtype=dtype)
    if hx is not None:
        hx = (
            tuple(s.to(device=device, dtype=dtype) for s in hx)
            if isinstance(hx, (tuple, list))
            else hx.to(device=device, dtype=dtype)
        )
    was_training = layer.training
    layer.eval()
    try:
        with torch.enable_grad(), record(layer) as rec:
            output, _ = layer(X, hx)  # (batch, seq_len, hidden)
            if loss_fn is None:
                gen = torch.Generator().manual_seed(seed)
                v = torch.randn(layer.hidden_size, generator=gen, dtype=torch.float64)
                v = (v / v.norm()).to(dtype=dtype, device=output.device)
                loss = (output[:, -1] @ v).sum()
            else:
                loss = loss_fn(output)
            dHs = rec.gradients(loss)  # (batch, seq_len, hidden)
    finally:
        layer.train(was_training)
    return _step_norms(dHs)


def first_step_ratio(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """``||dL/dx_1|| / ||dL/dx_T||``: the gradient reaching the first input step, relative to
    the last step's, from ``gradient_flow`` in float64 (where 1e-40 does not underflow)."""
    flow = gradient_flow(model, X, y, dtype=torch.float64)
    return float(flow[0] / flow[-1])


@torch.no_grad()
def memory_gate(model: SeqClassifier, X: torch.Tensor, first_step: int = 0) -> np.ndarray:
    """Mean of the memory gate of every hidden unit over ``X`` and steps ``first_step``...T.

    The LSTM's forget gate f or the GRU's update gate z: the share of the old memory a unit
    keeps at each step. Runs the recording ``rnnbook.cells`` copy of the model's (one-layer)
    recurrent layer; returns ``(num_hiddens,)`` float64.
    """
    key = {"lstm": "f", "gru": "z"}.get(model.cell)
    if key is None:
        raise ValueError("memory_gate needs an LSTM or a GRU classifier")
    gate = record_gates(model, X)[key][:, first_step:]  # (batch, steps, hidden)
    return gate.astype(np.float64).mean(axis=(0, 1))


def spectral_radius(weight: torch.Tensor) -> float:
    """The largest absolute value of the eigenvalues of a square matrix."""
    return float(torch.linalg.eigvals(weight.detach().cpu().to(torch.float64)).abs().max())


def largest_singular_value(weight: torch.Tensor) -> float:
    """``sigma_max(W)``, the largest singular value (spectral norm): the most one multiplication
    by ``W`` can stretch a vector, ``||W v|| <= sigma_max ||v||``. Never below
    ``spectral_radius(W)``, which sets the rate of *long* products of ``W`` instead."""
    return float(torch.linalg.matrix_norm(weight.detach().cpu().to(torch.float64), ord=2))


def scale_spectral_radius(layer: nn.Module, radius: float) -> nn.Module:
    """A copy of a one-layer RNN (``nn.RNN`` or ``cells.RNN``) whose recurrent weight
    ``weight_hh_l0`` is multiplied by ``radius / spectral_radius(weight_hh_l0)``: same
    eigenvectors, spectral radius ``radius``."""
    layer = copy.deepcopy(layer)
    with torch.no_grad():
        weight = layer.weight_hh_l0
        weight.mul_(radius / spectral_radius(weight))
    return layer


def _gradient(model: SeqClassifier, X: torch.Tensor, y: torch.Tensor) -> SeqClassifier:
    """A float64 copy of ``model`` whose parameters' ``.grad`` hold d(cross-entropy)/d(param)."""
    model = copy.deepcopy(model).to(torch.float64)
    model.zero_grad()
    device = module_device(model)
    X, y = X.to(device=device, dtype=torch.float64), y.to(device)
    with torch.backends.cudnn.flags(enabled=False):  # as in gradient_flow
        nn.functional.cross_entropy(model(X), y).backward()
    return model


def gradient_norm(
    model: SeqClassifier, X: torch.Tensor, y: torch.Tensor, names: list[str] | None = None
) -> float:
    """Norm of the loss's gradient over the parameters ``names`` (e.g. ``["rnn.weight_hh_l0"]``)
    taken together, or over all parameters when None; computed in float64."""
    params = dict(_gradient(model, X, y).named_parameters())
    grads = [params[n].grad.flatten() for n in (params if names is None else names)]
    return float(torch.cat(grads).norm())


def sgd_step(
    model: SeqClassifier,
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    max_norm: float | None = None,
) -> SeqClassifier:
    """One plain gradient-descent step on ``(X, y)``, taken by a float64 copy of ``model``.

    With ``max_norm`` the gradient is first clipped to at most that norm over all parameters
    (``torch.nn.utils.clip_grad_norm_``, Pascanu et al. 2013): the same direction, a shorter
    step. Without, it is used as it is. Returns the stepped copy.
    """
    model = _gradient(model, X, y)
    if max_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    with torch.no_grad():
        for param in model.parameters():
            param -= lr * param.grad
    return model


def adam_step(
    model: SeqClassifier,
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    max_norm: float | None = None,
) -> SeqClassifier:
    """Adam's first step on ``(X, y)`` (``torch.optim.AdamW`` without weight decay, as the
    long-gap recipe), taken by a float64 copy of ``model``; ``max_norm`` clips first, as in
    ``sgd_step``. Returns the stepped copy.

    On a first step the bias-corrected running means are m = g and v = g**2, so each parameter
    moves by lr * g / (|g| + eps), about lr: a gradient a million times larger, or the same one
    clipped, gives (up to eps) the same step.
    """
    model = _gradient(model, X, y)
    if max_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0).step()
    return model


@torch.no_grad()
def saturation(model: SeqClassifier, X: torch.Tensor, threshold: float = 0.99) -> float:
    """Share of the hidden values ``h_t`` (all rows, steps and units) with ``|h_t| > threshold``:
    where tanh is flat, its derivative ``1 - h_t^2`` is near 0 and stops the gradient."""
    param = next(model.parameters())
    output, _ = model.rnn(X.to(device=param.device, dtype=param.dtype))  # (batch, seq_len, hidden)
    return float((output.abs() > threshold).to(torch.float64).mean())


def scratch_copy(model: SeqClassifier) -> nn.Module:
    """The from-scratch (:mod:`rnnbook.cells`) twin of a classifier's ``torch.nn`` layer."""
    return SCRATCH[model.cell].from_torch(model.rnn).eval()


@torch.no_grad()
def record_gates(model: SeqClassifier, X: Tensor) -> dict[str, np.ndarray]:
    """Per-step gate activations of a trained classifier on ``X`` (batch, seq_len, 1).

    Returns the recording of the from-scratch copy's first layer: for a GRU ``"r", "z", "n",
    "h"``, for an LSTM ``"i", "f", "g", "o", "c", "h"``, each a float array
    (batch, seq_len, hidden).
    """
    layer = scratch_copy(model)
    param = next(layer.parameters())
    with record(layer) as rec:
        layer(X.to(device=param.device, dtype=param.dtype))
    return {key: value.cpu().numpy() for key, value in rec.trace[0].items()}


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

    ``hidden_gradient_flow`` on the from-scratch copy: the loss depends on the last state
    only, so the curve shows how much of a gradient at step T reaches each earlier step.
    """
    return hidden_gradient_flow(scratch_copy(model), X, dtype=torch.float64)
