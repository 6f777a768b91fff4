"""Back-propagation through time, by hand -- and how gradients flow back in time.

The first half works on one model: a single-layer tanh RNN with a linear read-out,

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)        (PyTorch's layout and names)
    z   = W_hy h_T + b_y            (many-to-one: one prediction per sequence)
    z_t = W_hy h_t + b_y            (many-to-many: one prediction per step)
    L   = cross-entropy, averaged over the batch (and over the steps for many-to-many),

with the forward *and the backward* written as plain tensor algebra -- no autograd. The backward
is the BPTT recursion: with the total gradient dL/dh_t = (from the read-out at t) +
W_hh^T delta_{t+1} and delta_t = dL/dh_t * (1 - h_t^2) (the gradient at the tanh's input),

    dL/dW_ih = sum_t delta_t^T x_t          dL/db_ih = dL/db_hh = sum_t delta_t
    dL/dW_hh = sum_t delta_t^T h_{t-1}      dL/dx_t  = delta_t W_ih
    dL/dh_0  = delta_1 W_hh

(rows are batch elements). ``bptt`` returns all of these plus every dL/dh_t; the tests check
them against autograd to 1e-10. ``truncated_bptt`` is the TBPTT(k1, k2) used to train on long
streams, and ``RNNParams.from_modules`` takes the weights of a real ``nn.RNN``/``cells.RNN`` and
``nn.Linear``, so the book can show "the hand-written backward equals autograd".

The second half measures gradient flow for *any* model: ``gradient_flow`` gives ||dL/dx_t|| per
step (how much the loss can still "see" the input at step t) and ``hidden_gradient_flow`` gives
||dL/dh_t|| for the from-scratch layers of :mod:`rnnbook.cells`. These are the curves of the
vanishing-gradient figures.

Precision: the gradient norms are always computed in float64, but a model run in float32
cannot carry a gradient below ~1e-45 (float32's smallest subnormal; below ~1e-38 it already
loses digits) -- such entries become exactly 0. Pass ``dtype=torch.float64`` to run a float64
copy of the model when the plot should show ratios like 1e-40 or smaller.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "RNNParams",
    "BPTTResult",
    "TruncatedBPTTResult",
    "rnn_forward",
    "rnn_backward",
    "forward",
    "cross_entropy",
    "bptt",
    "truncated_bptt",
    "gradient_flow",
    "hidden_gradient_flow",
]


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


@dataclass
class RNNParams:
    """Weights of a one-layer tanh RNN plus a linear read-out (PyTorch layout).

    Also used to hold *gradients*: ``bptt(...).grads.weight_hh`` is dL/dW_hh.
    """

    weight_ih: Tensor  # (H, input_size)
    weight_hh: Tensor  # (H, H)
    bias_ih: Tensor  # (H,)
    bias_hh: Tensor  # (H,)
    weight_hy: Tensor  # (C, H)   read-out, C = number of classes
    bias_y: Tensor  # (C,)

    @property
    def hidden_size(self) -> int:
        return self.weight_hh.shape[0]

    @classmethod
    def from_modules(cls, rnn: nn.Module, linear: nn.Linear) -> RNNParams:
        """Detached copies of the weights of an ``nn.RNN``/``cells.RNN`` and an ``nn.Linear``.

        The RNN must have one layer and tanh; missing biases (bias=False) become zeros.
        """
        if getattr(rnn, "num_layers", None) != 1 or getattr(rnn, "nonlinearity", None) != "tanh":
            raise ValueError("need a one-layer tanh RNN (nn.RNN or rnnbook.cells.RNN)")
        if getattr(rnn, "bidirectional", False):
            raise ValueError("bidirectional RNNs are not supported")
        w_ih, w_hh = rnn.weight_ih_l0, rnn.weight_hh_l0
        b_ih = getattr(rnn, "bias_ih_l0", None)
        b_hh = getattr(rnn, "bias_hh_l0", None)
        b_y = linear.bias
        tensors = [
            w_ih,
            w_hh,
            w_hh.new_zeros(w_hh.shape[0]) if b_ih is None else b_ih,
            w_hh.new_zeros(w_hh.shape[0]) if b_hh is None else b_hh,
            linear.weight,
            linear.weight.new_zeros(linear.out_features) if b_y is None else b_y,
        ]
        return cls(*(t.detach().clone() for t in tensors))

    @classmethod
    def random(
        cls,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float64,
    ) -> RNNParams:
        """Random weights ~ U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's RNN init), from a private seed."""
        gen = torch.Generator().manual_seed(seed)
        bound = 1.0 / hidden_size**0.5
        shapes = [
            (hidden_size, input_size),
            (hidden_size, hidden_size),
            (hidden_size,),
            (hidden_size,),
            (num_classes, hidden_size),
            (num_classes,),
        ]
        return cls(*((torch.rand(s, generator=gen, dtype=dtype) * 2 - 1) * bound for s in shapes))

    def as_dict(self) -> dict[str, Tensor]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ---------------------------------------------------------------------------------------------
# Forward, loss and the BPTT recursion -- plain tensors, no autograd
# ---------------------------------------------------------------------------------------------


def rnn_forward(p: RNNParams, X: Tensor, h0: Tensor | None = None) -> Tensor:
    """Hidden states of the tanh RNN. ``X`` (batch, T, in) -> ``Hs`` (batch, T, H)."""
    batch, num_steps, _ = X.shape
    h = X.new_zeros(batch, p.hidden_size) if h0 is None else h0  # (batch, H)
    x_proj = X @ p.weight_ih.T + p.bias_ih  # (batch, T, H): input part for all steps at once
    Hs = []
    for t in range(num_steps):
        h = torch.tanh(x_proj[:, t] + h @ p.weight_hh.T + p.bias_hh)  # (batch, H)
        Hs.append(h)
    return torch.stack(Hs, dim=1)


def forward(
    p: RNNParams, X: Tensor, h0: Tensor | None = None, many_to_many: bool = False
) -> tuple[Tensor, Tensor]:
    """Logits and hidden states.

    Returns ``(logits, Hs)``: logits ``(batch, C)`` from the last step (many-to-one) or
    ``(batch, T, C)`` from every step (many-to-many); ``Hs`` ``(batch, T, H)``.
    """
    Hs = rnn_forward(p, X, h0)
    read = Hs if many_to_many else Hs[:, -1]  # (batch, T, H) or (batch, H)
    return read @ p.weight_hy.T + p.bias_y, Hs


def _softmax(logits: Tensor) -> Tensor:
    shifted = logits - logits.max(dim=-1, keepdim=True).values  # avoids overflow in exp
    e = shifted.exp()
    return e / e.sum(dim=-1, keepdim=True)


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Mean cross-entropy over all leading dims. logits ``(..., C)``, integer y ``(...)``."""
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    return -log_probs.gather(-1, y.unsqueeze(-1)).mean()


def _dlogits(logits: Tensor, y: Tensor, num_terms: int) -> Tensor:
    """d(sum of CE terms / num_terms)/d(logits) = (softmax - one_hot) / num_terms."""
    one_hot = F.one_hot(y, logits.shape[-1]).to(logits.dtype)
    return (_softmax(logits) - one_hot) / num_terms


def rnn_backward(
    p: RNNParams, X: Tensor, h0: Tensor, Hs: Tensor, dHs_out: Tensor
) -> tuple[dict[str, Tensor], Tensor, Tensor, Tensor]:
    """The BPTT recursion for the recurrent part, given upstream gradients on each h_t.

    Args:
        X: inputs ``(batch, T, in)``; h0: initial state ``(batch, H)``;
        Hs: hidden states from ``rnn_forward`` ``(batch, T, H)``;
        dHs_out: the gradient reaching each h_t *directly* (from the read-out), ``(batch, T, H)``.

    Returns ``(grads, dX, dh0, dHs)``: ``grads`` has ``weight_ih, weight_hh, bias_ih, bias_hh``;
    ``dX`` (batch, T, in); ``dh0`` (batch, H); ``dHs`` (batch, T, H) the *total* dL/dh_t.
    """
    num_steps = X.shape[1]
    dW_ih, dW_hh = torch.zeros_like(p.weight_ih), torch.zeros_like(p.weight_hh)
    db = torch.zeros_like(p.bias_hh)
    dX, dHs = torch.zeros_like(X), torch.zeros_like(Hs)
    dh_next = torch.zeros_like(h0)  # gradient arriving at h_t from step t+1: W_hh^T delta_{t+1}
    for t in reversed(range(num_steps)):
        h_prev = h0 if t == 0 else Hs[:, t - 1]  # (batch, H)
        dh = dHs_out[:, t] + dh_next  # total dL/dh_t  (batch, H)
        delta = dh * (1 - Hs[:, t] ** 2)  # through tanh: tanh' = 1 - tanh^2
        dW_ih += delta.T @ X[:, t]  # sum over the batch of outer products
        dW_hh += delta.T @ h_prev
        db += delta.sum(dim=0)
        dX[:, t] = delta @ p.weight_ih
        dh_next = delta @ p.weight_hh  # on to step t-1
        dHs[:, t] = dh
    grads = {"weight_ih": dW_ih, "weight_hh": dW_hh, "bias_ih": db, "bias_hh": db.clone()}
    return grads, dX, dh_next, dHs


@dataclass
class BPTTResult:
    """What ``bptt`` returns: the loss and dL/d(everything)."""

    loss: Tensor  # scalar
    grads: RNNParams  # dL/d(each weight), same field names as the parameters
    dh0: Tensor  # (batch, H)
    dX: Tensor  # (batch, T, input_size)
    dHs: Tensor  # (batch, T, H): total dL/dh_t, via the read-out and all later steps


def bptt(
    p: RNNParams, X: Tensor, y: Tensor, h0: Tensor | None = None, many_to_many: bool = False
) -> BPTTResult:
    """Full back-propagation through time, written out (no autograd).

    Args:
        X: ``(batch, T, input_size)``; y: class indices ``(batch,)``, or ``(batch, T)`` when
        ``many_to_many``; h0: ``(batch, H)`` or None for zeros.
    """
    batch, num_steps, _ = X.shape
    h0 = X.new_zeros(batch, p.hidden_size) if h0 is None else h0
    logits, Hs = forward(p, X, h0, many_to_many)
    loss = cross_entropy(logits, y)

    # Read-out layer: logits = h W_hy^T + b_y
    if many_to_many:
        dz = _dlogits(logits, y, batch * num_steps)  # (batch, T, C)
        dW_hy = torch.einsum("btc,bth->ch", dz, Hs)  # sum over batch and steps
        db_y = dz.sum(dim=(0, 1))
        dHs_out = dz @ p.weight_hy  # (batch, T, H)
    else:
        dz = _dlogits(logits, y, batch)  # (batch, C)
        dW_hy, db_y = dz.T @ Hs[:, -1], dz.sum(dim=0)
        dHs_out = torch.zeros_like(Hs)
        dHs_out[:, -1] = dz @ p.weight_hy  # only h_T feeds the loss directly

    grads, dX, dh0, dHs = rnn_backward(p, X, h0, Hs, dHs_out)
    return BPTTResult(loss, RNNParams(**grads, weight_hy=dW_hy, bias_y=db_y), dh0, dX, dHs)


@dataclass
class TruncatedBPTTResult:
    """What ``truncated_bptt`` returns."""

    loss: Tensor  # scalar: the full-sequence many-to-many loss (mean over batch and steps)
    grads: RNNParams  # the truncated gradient, summed over all backward windows
    dh0: Tensor  # (batch, H): nonzero only if some window reaches back to step 0
    h_n: Tensor  # (batch, H): the final hidden state, to carry into the next chunk of stream
    num_windows: int


def truncated_bptt(
    p: RNNParams, X: Tensor, y: Tensor, k1: int, k2: int, h0: Tensor | None = None
) -> TruncatedBPTTResult:
    """Truncated BPTT(k1, k2) (Williams & Peng 1990; Sutskever 2013, sec. 2.8.6), many-to-many.

    The stream is processed forward ``k1`` steps at a time; after each block the errors of
    the steps *in that block* are back-propagated through a window of the last ``k2`` steps
    (k2 >= k1: the error at the block's last step goes back through k2 steps, the error at its
    first step through k2 - k1 + 1).

    Exactly (steps counted from 0): block j holds steps ``s_j <= t < e_j`` with ``s_j = j * k1``
    and ``e_j = min(s_j + k1, T)``; its window starts ``k2 - k1`` steps earlier, at
    ``w_j = max(0, s_j - (k2 - k1))``. The returned gradient is

        sum_j  d/dtheta [ sum_{s_j <= t < e_j} CE_t(theta; state before step w_j held fixed) ] / T

    where CE_t is the batch-mean cross-entropy at step t and the state before step 0 is h0.
    This is what autograd gives when, for each block, you rerun the RNN over steps w_j..e_j-1
    from the *detached* state before w_j, take ``(sum of the block's per-step losses) / T``
    and call backward, accumulating over blocks. A last block shorter than k1 (T not a
    multiple of k1) keeps the same window start, so its window is shorter than k2. Hence:

    * k1 == k2: the windows are the blocks -- autograd run window by window with the hidden
      state detached between windows, the gradients summed;
    * k1 == k2 >= T: the full many-to-many ``bptt`` gradient.

    ``loss`` is always the full many-to-many loss (mean over batch and all T steps).

    Args:
        X: ``(batch, T, input_size)``; y: ``(batch, T)`` targets at every step;
        h0: ``(batch, H)`` or None (zeros). ``dh0`` is the gradient w.r.t. h0 collected from
        the windows that start at step 0 (for k1 == k2: the first window only).
    """
    if not 1 <= k1 <= k2:
        raise ValueError(f"need 1 <= k1 <= k2, got k1={k1}, k2={k2}")
    batch, num_steps, _ = X.shape
    h0 = X.new_zeros(batch, p.hidden_size) if h0 is None else h0
    h = h0  # the state carried forward from block to block
    zeros = RNNParams(*(torch.zeros_like(t) for t in p.as_dict().values()))
    total, dh0 = zeros.as_dict(), torch.zeros_like(h)
    Hs = X.new_zeros(batch, num_steps, p.hidden_size)  # all states so far, filled block by block
    loss_sum, num_windows = X.new_zeros(()), 0

    for start in range(0, num_steps, k1):
        end = min(start + k1, num_steps)
        # Forward the k1 new steps from the carried state.
        Hs[:, start:end] = rnn_forward(p, X[:, start:end], h)
        h = Hs[:, end - 1]
        # Errors of this block's steps, read out from its hidden states.
        logits = Hs[:, start:end] @ p.weight_hy.T + p.bias_y  # (batch, k1, C)
        loss_sum = loss_sum + cross_entropy(logits, y[:, start:end]) * (end - start)
        dz = _dlogits(logits, y[:, start:end], batch * num_steps)  # scaled so the sum is /T
        total["weight_hy"] += torch.einsum("btc,bth->ch", dz, Hs[:, start:end])
        total["bias_y"] += dz.sum(dim=(0, 1))
        # Back-propagate them through the window [w, end): k2 steps for a full block.
        w = max(0, start - (k2 - k1))
        h_w = h0 if w == 0 else Hs[:, w - 1]  # the window's (fixed) initial state
        dHs_out = torch.zeros_like(Hs[:, w:end])
        dHs_out[:, start - w :] = dz @ p.weight_hy  # no error is injected before the block
        grads, _, dh_w, _ = rnn_backward(p, X[:, w:end], h_w, Hs[:, w:end], dHs_out)
        for name, g in grads.items():
            total[name] += g
        if w == 0:
            dh0 += dh_w
        num_windows += 1

    return TruncatedBPTTResult(
        loss_sum / num_steps, RNNParams(**total), dh0, h.clone(), num_windows
    )


# ---------------------------------------------------------------------------------------------
# Gradient flow through time, for any model
# ---------------------------------------------------------------------------------------------


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
    X = X.detach().to(dtype).clone().requires_grad_(True)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    was_training = model.training
    model.train(not eval_mode and was_training)
    try:
        with torch.enable_grad():
            logits = model(X, **forward_kwargs)
            if isinstance(logits, (tuple, list)):
                logits = logits[0]
            loss = loss_fn(logits, y)
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

    Uses the layer's recorded per-step hidden states (``record=True``, switched on just for
    this call), so it measures the *total* gradient reaching h_t -- through the output at t and
    through every later step. The loss is ``loss_fn(output)`` with ``output`` the layer output
    ``(batch, seq_len, hidden)``. By default it is ``L = sum_b v . h_T[b]`` for a fixed random
    unit vector v (drawn from ``seed``): the loss depends on the last state only, so the curve is
    pure back-propagation through the recurrence, with ``||dL/dh_T|| = sqrt(batch)``.

    The layer runs in eval mode; ``dtype`` runs a copy in that dtype. The layer's mode,
    ``record``, ``trace`` and parameter ``.grad`` are left as they were.
    Returns a float64 NumPy array of length seq_len.
    """
    if not hasattr(layer, "hidden_steps"):
        raise TypeError("hidden_gradient_flow needs an rnnbook.cells RNN/LSTM/GRU layer")
    if dtype is not None and dtype != _model_dtype(layer):
        layer = copy.deepcopy(layer).to(dtype)
    dtype = _model_dtype(layer)
    X = X.detach().to(dtype)
    if hx is not None:
        hx = tuple(s.to(dtype) for s in hx) if isinstance(hx, (tuple, list)) else hx.to(dtype)
    saved = layer.training, layer.record, layer.trace, layer.hidden_steps
    layer.eval()
    layer.record = True
    try:
        with torch.enable_grad():
            output, _ = layer(X, hx)  # (batch, seq_len, hidden)
            if loss_fn is None:
                gen = torch.Generator().manual_seed(seed)
                v = torch.randn(layer.hidden_size, generator=gen, dtype=torch.float64)
                v = (v / v.norm()).to(dtype=dtype, device=output.device)
                loss = (output[:, -1] @ v).sum()
            else:
                loss = loss_fn(output)
            steps = layer.hidden_steps[-1]
            grads = torch.autograd.grad(loss, steps, allow_unused=True)
    finally:  # leave the layer as it was (and drop the graph held by this call's record)
        layer.train(saved[0])
        layer.record, layer.trace, layer.hidden_steps = saved[1:]
    dHs = torch.stack(
        [torch.zeros_like(h) if g is None else g for h, g in zip(steps, grads, strict=True)], dim=1
    )
    return _step_norms(dHs)
