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

Beside them are their references and costs: ``autograd_grads`` and ``autograd_truncated``
compute the same gradients with autograd (truncation as one writes it: run a window from a
*detached* state), ``truncation_errors`` measures how far truncated gradients are from the full
one, and ``saved_activations`` / ``bptt_cost`` measure what BPTT costs in memory (what autograd
keeps for the backward pass) and time as sequences grow. How gradients flow back in time in any
model is measured in :mod:`rnnbook.gradients`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import data
from .timing import fastest

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
    "autograd_grads",
    "autograd_truncated",
    "truncation_errors",
    "saved_activations",
    "time_forward_backward",
    "bptt_cost",
]


# --- Parameters ----------------------------------------------------------------------------------


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


# --- Forward, loss and the BPTT recursion -- plain tensors, no autograd --------------------------


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


# --- The same gradients by autograd, and what BPTT costs -----------------------------------------


# RNNParams field -> (module, parameter name) of an nn.RNN ("rnn") + nn.Linear ("head").
PARAM_NAMES = {
    "weight_ih": ("rnn", "weight_ih_l0"),
    "weight_hh": ("rnn", "weight_hh_l0"),
    "bias_ih": ("rnn", "bias_ih_l0"),
    "bias_hh": ("rnn", "bias_hh_l0"),
    "weight_hy": ("head", "weight"),
    "bias_y": ("head", "bias"),
}


def _grads(rnn: nn.Module, head: nn.Linear) -> dict[str, Tensor]:
    modules = {"rnn": rnn, "head": head}
    return {
        name: getattr(modules[m], p).grad.detach().clone() for name, (m, p) in PARAM_NAMES.items()
    }


def autograd_grads(
    rnn: nn.Module, head: nn.Linear, X: Tensor, y: Tensor, many_to_many: bool = False
) -> tuple[float, dict[str, Tensor]]:
    """Loss and gradients by autograd: ``(loss, {"weight_ih": ..., ..., "X": dL/dX})``.

    Many-to-one: ``logits = head(h_T)`` and the mean cross-entropy over the batch; many-to-many:
    logits at every step, ``y`` (batch, seq_len), the mean over batch and steps -- the models
    ``bptt`` differentiates by hand. The modules' ``.grad`` are overwritten.
    """
    rnn.zero_grad(set_to_none=True)
    head.zero_grad(set_to_none=True)
    X = X.detach().clone().requires_grad_(True)
    out, _ = rnn(X)  # (batch, seq_len, hidden)
    if many_to_many:
        logits = head(out)  # (batch, seq_len, num_classes)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    else:
        loss = F.cross_entropy(head(out[:, -1]), y)  # logits (batch, num_classes)
    loss.backward()
    return loss.item(), {**_grads(rnn, head), "X": X.grad}


def autograd_truncated(
    rnn: nn.Module, head: nn.Linear, X: Tensor, Y: Tensor, k1: int, k2: int
) -> dict[str, Tensor]:
    """Truncated BPTT(k1, k2) with autograd, many-to-many (a label ``Y[:, t]`` at every step).

    Every k1 steps, the errors of those k1 steps are back-propagated through the last k2 steps:
    the window is run again from the state just before it, *detached*, so the gradient stops
    there. Each block's summed cross-entropy is divided by ``batch * seq_len``, so with one
    window covering everything this is the full many-to-many gradient. With k1 == k2 it is the
    familiar loop: run k steps, ``backward()``, ``h = h.detach()``, go on. Returns the gradients
    named as in ``RNNParams``; the modules' ``.grad`` are overwritten.
    """
    rnn.zero_grad(set_to_none=True)
    head.zero_grad(set_to_none=True)
    batch, seq_len, _ = X.shape
    with torch.no_grad():
        Hs, _ = rnn(X)  # (batch, seq_len, hidden): the states the windows start from
    for start in range(0, seq_len, k1):
        end = min(start + k1, seq_len)
        w = max(0, start - (k2 - k1))  # the window [w, end) ends with this block
        h_w = None if w == 0 else Hs[:, w - 1].detach()[None]  # (1, batch, hidden)
        out, _ = rnn(X[:, w:end], h_w)  # (batch, end - w, hidden)
        logits = head(out[:, start - w :])  # errors from this block's steps only
        num_classes = logits.shape[-1]
        ce = F.cross_entropy(
            logits.reshape(-1, num_classes), Y[:, start:end].reshape(-1), reduction="sum"
        )
        (ce / (batch * seq_len)).backward()  # accumulates into .grad
    return _grads(rnn, head)


def _flat(params: RNNParams) -> Tensor:
    return torch.cat([g.reshape(-1) for g in params.as_dict().values()])


def truncation_errors(p: RNNParams, X: Tensor, Y: Tensor, windows: Sequence[int]) -> pd.DataFrame:
    """Relative error ``||g_trunc - g_full|| / ||g_full||`` of truncated BPTT, for each window k2.

    Two schedules per window k2 (all parameters' gradients as one vector, many-to-many):
    ``"k1 = k2"`` (back-propagate each block only through itself) and ``"k1 = k2 / 2"``
    (every k2/2 steps, back-propagate through the last k2). One row per k2.
    """
    full = _flat(bptt(p, X, Y, many_to_many=True).grads)
    rows = []
    for k2 in windows:
        row = {"k2": int(k2)}
        for label, k1 in (("k1 = k2", k2), ("k1 = k2 / 2", max(1, k2 // 2))):
            trunc = _flat(truncated_bptt(p, X, Y, k1, k2).grads)
            row[label] = float((trunc - full).norm() / full.norm())
        rows.append(row)
    return pd.DataFrame(rows).set_index("k2")


def saved_activations(fn: Callable[[], object]) -> tuple[int, int]:
    """``(tensors, bytes)`` that autograd keeps for the backward pass while ``fn()`` runs.

    Every tensor an operation saves for its backward goes through a
    ``saved_tensors_hooks`` pack hook; tensors sharing memory (the same hidden state saved by
    two operations, or a view of it) are counted once, by their storage. The memory of the
    parameters themselves is included (a few kB here).
    """
    storages: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:
        storage = t.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return len(storages), sum(storages.values())


def time_forward_backward(
    rnn: nn.Module, head: nn.Linear, X: Tensor, y: Tensor, repeats: int = 3
) -> float:
    """Wall time (s) of a many-to-one forward and backward pass over ``X``: the
    `timing.fastest` of ``repeats``."""
    times = []
    for _ in range(repeats):
        rnn.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        start = time.perf_counter()
        out, _ = rnn(X)  # (batch, seq_len, hidden)
        F.cross_entropy(head(out[:, -1]), y).backward()
        if X.is_cuda:  # GPU kernels run asynchronously: wait for them before reading the clock
            torch.cuda.synchronize(X.device)
        times.append(time.perf_counter() - start)
    return fastest(times)


def bptt_cost(
    rnn: nn.Module,
    head: nn.Linear,
    recordings: Sequence[data.Recording],
    seq_lens: Sequence[int],
    mean: float = 0.0,
    std: float = 1.0,
    repeats: int = 3,
) -> pd.DataFrame:
    """Time and memory of BPTT through the first ``seq_len`` samples of each recording.

    One row per seq_len: ``seconds`` (best forward + backward time), ``saved_tensors`` and
    ``saved_bytes`` (what autograd stored for the backward pass). The labels are those of the
    recordings' classes, seizure (1) or not (0); they do not change the cost.
    """
    param = next(rnn.parameters())
    y = torch.tensor([int(r.label == 1) for r in recordings], device=param.device)
    rows = []
    for seq_len in seq_lens:
        X = data.recording_windows(recordings, seq_len, mean, std, param.dtype)
        X = X.to(param.device)  # (batch, seq_len, 1)
        count, nbytes = saved_activations(lambda X=X: rnn(X))
        seconds = time_forward_backward(rnn, head, X, y, repeats)
        rows.append(
            {
                "seq_len": int(seq_len),
                "seconds": seconds,
                "saved_tensors": count,
                "saved_bytes": nbytes,
            }
        )
    return pd.DataFrame(rows).set_index("seq_len")
