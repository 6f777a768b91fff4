"""What the BPTT chapter checks and measures about unrolling a recurrent network in time.

* ``autograd_grads`` -- the loss and gradients of an ``nn.RNN`` + ``nn.Linear`` classifier by
  autograd, named like :class:`rnnbook.bptt.RNNParams`, to hold against the hand-written
  ``bptt.bptt``;
* ``autograd_truncated`` -- truncated BPTT(k1, k2) the way one writes it with autograd: run a
  window from a *detached* state, back-propagate only that window, accumulate; the reference for
  ``bptt.truncated_bptt``;
* ``max_abs_diffs`` -- the largest absolute difference, gradient by gradient;
* ``truncation_errors`` -- how far truncated gradients are from the full one, window by window;
* ``saved_activations`` / ``time_forward_backward`` / ``bptt_cost`` -- what back-propagation
  through time costs: the memory autograd keeps for the backward pass (measured with
  ``torch.autograd.graph.saved_tensors_hooks``) and the wall time of a forward and backward pass,
  for growing sequence lengths;
* ``recording_windows`` -- the first ``seq_len`` samples of whole EEG recordings, as a batch;
* ``sci`` -- a number in scientific notation for the chapters' prose: ``8.3 × 10⁻¹⁷``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import bptt
from .data import Recording

__all__ = [
    "PARAM_NAMES",
    "autograd_grads",
    "autograd_truncated",
    "max_abs_diffs",
    "truncation_errors",
    "recording_windows",
    "saved_activations",
    "time_forward_backward",
    "bptt_cost",
    "sci",
]

# bptt.RNNParams field -> (module, parameter name) of an nn.RNN ("rnn") + nn.Linear ("head").
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
    ``bptt.bptt`` differentiates by hand. The modules' ``.grad`` are overwritten.
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
    named as in ``bptt.RNNParams``; the modules' ``.grad`` are overwritten.
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


def max_abs_diffs(ours: dict[str, Tensor], reference: dict[str, Tensor]) -> dict[str, float]:
    """``{name: max |ours[name] - reference[name]|}`` over the names of ``reference``."""
    diffs = {}
    for name, ref in reference.items():
        if ours[name].shape != ref.shape:
            raise ValueError(f"{name}: shape {tuple(ours[name].shape)} vs {tuple(ref.shape)}")
        diffs[name] = float((ours[name] - ref).abs().max())
    return diffs


def _flat(params: bptt.RNNParams) -> Tensor:
    return torch.cat([g.reshape(-1) for g in params.as_dict().values()])


def truncation_errors(
    p: bptt.RNNParams, X: Tensor, Y: Tensor, windows: Sequence[int]
) -> pd.DataFrame:
    """Relative error ``||g_trunc - g_full|| / ||g_full||`` of truncated BPTT, for each window k2.

    Two schedules per window k2 (all parameters' gradients as one vector, many-to-many):
    ``"k1 = k2"`` (back-propagate each block only through itself) and ``"k1 = k2 / 2"``
    (every k2/2 steps, back-propagate through the last k2). One row per k2.
    """
    full = _flat(bptt.bptt(p, X, Y, many_to_many=True).grads)
    rows = []
    for k2 in windows:
        row = {"k2": int(k2)}
        for label, k1 in (("k1 = k2", k2), ("k1 = k2 / 2", max(1, k2 // 2))):
            trunc = _flat(bptt.truncated_bptt(p, X, Y, k1, k2).grads)
            row[label] = float((trunc - full).norm() / full.norm())
        rows.append(row)
    return pd.DataFrame(rows).set_index("k2")


def recording_windows(
    recordings: Sequence[Recording],
    seq_len: int,
    mean: float = 0.0,
    std: float = 1.0,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """The first ``seq_len`` samples of each recording, standardised: ``(batch, seq_len, 1)``."""
    longest = min(len(r.samples) for r in recordings)
    if not 1 <= seq_len <= longest:
        raise ValueError(f"seq_len must be in 1..{longest}, got {seq_len}")
    samples = np.stack([r.samples[:seq_len] for r in recordings]).astype(np.float64)
    return torch.tensor((samples - mean) / std, dtype=dtype).unsqueeze(-1)


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
    """Best wall time (s) of ``repeats`` many-to-one forward and backward passes over ``X``.

    The best, not the mean: on a shared machine the other processes only ever add time.
    """
    best = float("inf")
    for _ in range(repeats):
        rnn.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        start = time.perf_counter()
        out, _ = rnn(X)  # (batch, seq_len, hidden)
        F.cross_entropy(head(out[:, -1]), y).backward()
        best = min(best, time.perf_counter() - start)
    return best


def bptt_cost(
    rnn: nn.Module,
    head: nn.Linear,
    recordings: Sequence[Recording],
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
    dtype = next(rnn.parameters()).dtype
    y = torch.tensor([int(r.label == 1) for r in recordings])
    rows = []
    for seq_len in seq_lens:
        X = recording_windows(recordings, seq_len, mean, std, dtype)  # (batch, seq_len, 1)
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


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(value: float, digits: int = 1) -> str:
    """``value`` in scientific notation with ``digits`` decimals: ``sci(8.3e-17) == "8.3 × 10⁻¹⁷"``.

    Numbers from 0.01 to 1000 are written plainly (``sci(0.25) == "0.25"``), 0 as ``"0"``.
    """
    value = float(value)
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e3:  # digits + 1 significant digits, no exponent
        return np.format_float_positional(value, precision=digits + 1, fractional=False, trim="-")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
