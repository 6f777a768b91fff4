"""What training costs in wall-clock time: seconds per training step, per epoch, per length.

The chapters and the benchmark (``bench/run_bench.py``) time models the same way: a training
step is forward, loss, backward and an AdamW update on one batch, on one fixed input, after
``warmup`` untimed steps; the time reported is the shortest of ``repeats`` steps (`fastest`:
a busy machine adds delays to some steps and never removes any, so the shortest is the closest
to what the step itself costs). Timings depend on the
machine and its load: compare models measured in the same call, never across machines.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .utils import choose_device, set_seed

__all__ = [
    "step_seconds",
    "epoch_seconds",
    "full_epoch_seconds",
    "cost_vs_length",
    "speed_words",
    "cpu_name",
]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":  # GPU work is asynchronous: wait for it before reading the clock
        torch.cuda.synchronize(device)


def fastest(times) -> float:
    """The estimate of a cost from repeated timings: the shortest. Other processes only ever add
    time to a measurement, so the shortest is the least disturbed (the one estimator of the
    package: `step_seconds`, `bptt.time_forward_backward`)."""
    times = list(times)
    if not times:
        raise ValueError("no timings to summarise")
    return min(times)


def step_seconds(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    repeats: int = 3,
    warmup: int = 1,
    device: str | torch.device | None = None,
) -> float:
    """Seconds of one training step of ``model`` on the batch ``(X, y)``: the `fastest` of
    ``repeats`` steps.

    ``X`` (batch, seq_len, input_size), ``y`` (batch,) class labels. The model is trained
    in place (its weights change; use a copy if that matters).
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be >= 1 and warmup >= 0, got {repeats} and {warmup}")
    device = choose_device(device)
    model = model.to(device).train()
    X, y = X.to(device), y.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    times = []
    for i in range(warmup + repeats):
        _sync(device)
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
        _sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return fastest(times)


def epoch_seconds(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    batch_size: int = 64,
    repeats: int = 5,
    device: str | torch.device | None = None,
) -> float:
    """Seconds of one training epoch over ``(X_train, y_train)``, estimated from ``repeats``
    timed steps on its first batch: the fastest step time times the number of batches (the last
    batch counted whole). ``rnnbook.train`` records whole epochs (``History.seconds``); this
    estimate costs a few steps instead of an epoch."""
    n_batches = -(-len(X_train) // batch_size)
    X, y = X_train[:batch_size], y_train[:batch_size]
    return n_batches * step_seconds(model, X, y, repeats=repeats, device=device)


def cost_vs_length(
    builders: dict[str, Callable[[], nn.Module]],
    X: torch.Tensor,
    y: torch.Tensor,
    lengths: tuple[int, ...],
    repeats: int = 3,
    warmup: int = 1,
    seed: int = 0,
    device: str | torch.device | None = None,
    skip: Callable[[str, int], bool] | None = None,
) -> pd.DataFrame:
    """Seconds per training step of each model on the first ``L`` samples of ``X``, per L.

    ``builders``: name -> a function making a fresh model (seeded with ``seed`` before each
    build). ``X`` (batch, max_len, input_size), e.g. whole recordings
    (``data.recording_windows``); ``y`` (batch,). ``skip(name, L)`` True leaves a cell out (NaN),
    e.g. a model too slow to time at some length. Returns one row per (model, seq_len) with
    ``seconds`` and ``ms_per_step`` (milliseconds per time step of the sequence).
    """
    rows = []
    for L in lengths:
        if L > X.shape[1]:
            raise ValueError(f"length {L} is longer than X ({X.shape[1]} steps)")
        for name, build in builders.items():
            seconds = float("nan")
            if skip is None or not skip(name, L):
                set_seed(seed)
                seconds = step_seconds(
                    build(), X[:, :L], y, repeats=repeats, warmup=warmup, device=device
                )
            rows.append(
                {"model": name, "seq_len": L, "seconds": seconds, "ms_per_step": 1e3 * seconds / L}
            )
    return pd.DataFrame(rows)


def full_epoch_seconds(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    budget: float | None = None,
) -> tuple[float, bool]:
    """Seconds of one whole training epoch over ``(X, y)`` in order, in batches of
    ``batch_size`` (AdamW, cross-entropy; no validation), after one untimed step: what the
    benchmark reports. Returns ``(seconds, estimated)``: past ``budget`` seconds the epoch stops
    and its time is estimated from the batches done (``estimated`` True)."""
    device = choose_device(device)
    model = model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batches = list(zip(X.split(batch_size), y.split(batch_size), strict=True))
    # The first step pays for allocations and kernel selection: leave it out.
    F.cross_entropy(model(batches[0][0].to(device)), batches[0][1].to(device)).backward()
    _sync(device)
    start = time.perf_counter()
    for i, (X_b, y_b) in enumerate(batches, start=1):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(X_b.to(device)), y_b.to(device)).backward()
        optimizer.step()
        _sync(device)
        elapsed = time.perf_counter() - start
        if budget is not None and elapsed > budget and i < len(batches):
            return elapsed * len(batches) / i, True
    return time.perf_counter() - start, False


def speed_words(seconds: float, reference: float, digits: int = 1) -> str:
    """How a time of ``seconds`` compares with ``reference`` seconds, in words computed from the
    two, for a sentence that goes on with what was measured against: "2.3 times faster than",
    "1.4 times slower than", or "about as fast as" when the ratio rounds to 1 at ``digits``.

    >>> speed_words(1.0, 2.3), speed_words(1.4, 1.0), speed_words(1.02, 1.0)
    ('2.3 times faster than', '1.4 times slower than', 'about as fast as')
    """
    if not (seconds > 0 and reference > 0 and math.isfinite(seconds) and math.isfinite(reference)):
        raise ValueError(f"two positive, finite times are needed, got {seconds} and {reference}")
    ratio = reference / seconds if seconds < reference else seconds / reference
    if round(ratio, digits) <= 1:
        return "about as fast as"
    return f"{ratio:.{digits}f} times {'faster' if seconds < reference else 'slower'} than"


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one), to print beside a timing."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "an unnamed CPU"
