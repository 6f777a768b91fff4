"""Small shared helpers: seeding, the device, determinism, atomic writes, differences, prose.

Every module that trains or measures takes its device from here (`choose_device`): the GPU when
there is one, unless `RNNBOOK_DEVICE` or an explicit argument says otherwise, so the same code
runs on a laptop and on a CUDA machine. `sci` formats numbers for the chapters' prose.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import torch

from .errors import RNNBookError

# cuBLAS is deterministic only with a fixed workspace (PyTorch's reproducibility notes); the
# variable must be set before the first CUDA matrix product, so it is set on import. No effect
# on the CPU.
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

DEVICES = ("auto", "cpu", "cuda", "mps")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (every device) so the same command gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds CUDA too


def choose_device(device: str | torch.device | None = None) -> torch.device:
    """The device to compute on: `device` if given, else `RNNBOOK_DEVICE`, else "auto".

    "auto" is CUDA when PyTorch sees a GPU, else the CPU. Apple's "mps" is used only when asked
    for: it has no float64, which the gradient measurements need. A device that is named but not
    available is an error, not a silent fall-back.
    """
    if isinstance(device, torch.device):
        return device
    name = (device or os.environ.get("RNNBOOK_DEVICE") or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    kind = name.split(":")[0]
    if kind not in DEVICES:
        raise RNNBookError(f"unknown device {name!r}; choose one of: {', '.join(DEVICES)}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RNNBookError(f"device {name!r} asked for, but PyTorch sees no CUDA GPU")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise RNNBookError(f"device {name!r} asked for, but PyTorch sees no Apple GPU (MPS)")
    return torch.device(name)


def make_deterministic(device: torch.device) -> None:
    """What PyTorch's reproducibility notes require on a GPU: deterministic cuDNN and kernels.

    The CPU kernels the book uses are deterministic already; on CUDA, cuDNN's autotuner is off
    and operations with a deterministic variant use it (those without one warn).
    """
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of a module's first parameter (the CPU for a module without parameters)."""
    param = next(module.parameters(), None)
    return torch.device("cpu") if param is None else param.device


def set_threads(threads: int | None) -> None:
    """Use `threads` CPU threads for PyTorch's kernels (None leaves PyTorch's default)."""
    if threads is not None:
        if threads < 1:
            raise RNNBookError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    A reader of `path` therefore sees either the old file or the complete new one, never a
    half-written file, even if the writer is interrupted.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| of two tensors of the same shape (on any devices), as a Python float."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
    return float((a.detach().cpu() - b.detach().cpu()).abs().max())


def max_abs_diffs(
    ours: Mapping[str, torch.Tensor], reference: Mapping[str, torch.Tensor]
) -> dict[str, float]:
    """`{name: max |ours[name] - reference[name]|}` over the names of `reference`."""
    diffs = {}
    for name, ref in reference.items():
        try:
            diffs[name] = max_abs_diff(ours[name], ref)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
    return diffs


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(value: float, digits: int = 1, plain: int | None = None, always: bool = False) -> str:
    """`value` in scientific notation with `digits` decimals: `sci(8.3e-17) == "8.3 × 10⁻¹⁷"`.

    Numbers from 0.01 to 1000 are written plainly with `plain` significant digits (by default
    `digits + 1`): `sci(0.25) == "0.25"`; 0 is `"0"`. With `always`, every number is written in
    scientific notation (for a column whose values span that range): `sci(0.25, always=True) ==
    "2.5 × 10⁻¹"`.
    """
    value = float(value)
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e3 and not always:
        precision = digits + 1 if plain is None else plain
        return np.format_float_positional(value, precision=precision, fractional=False, trim="-")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
