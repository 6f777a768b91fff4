"""What every check shares: `CheckFailed`, running a student's function on one hidden case (its
exception and any change to its inputs reported), and comparing what it returned with the
reference, first difference only, without showing the reference's values."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch


class CheckFailed(AssertionError):
    """A check found a difference between a student's function and the reference. An
    `AssertionError`, so that an autograder (nbgrader, otter-grader, pytest) counts the cell as
    failed."""


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed PyTorch's global generator for the cases' layers, and restore it afterwards, so that a
    check changes no random number drawn later in the notebook."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@dataclass
class Case:
    """One hidden case of a check: its name, its number and what it is, for the messages."""

    check: str
    number: int
    total: int
    about: str

    def fail(self, what: str) -> CheckFailed:
        return CheckFailed(
            f"{self.check}, hidden case {self.number} of {self.total} ({self.about}): {what}"
        )


def cases(check: str, abouts: list[str]) -> list[Case]:
    """The numbered `Case`s of a check, one per description."""
    return [Case(check, k, len(abouts), about) for k, about in enumerate(abouts, start=1)]


def passed(check: str, total: int, tolerance: str) -> None:
    """The one line a check prints when every hidden case matches."""
    print(f"{check}: all {total} hidden cases match ({tolerance})")


def _snapshot(value):
    if isinstance(value, torch.nn.Module):
        return {k: v.detach().clone() for k, v in value.state_dict().items()}
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return copy.deepcopy(value)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, torch.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
    if isinstance(a, (pd.DataFrame, pd.Series)):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b)
    if hasattr(a, "__dataclass_fields__"):
        return all(_same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return a == b


def call(case: Case, fn: Callable, inputs: dict, unchanged: tuple[str, ...] | None = None):
    """`fn(*inputs.values())`; an exception it raises, or a change it makes to any input named in
    `unchanged` (all of them when None), fails the case with its name."""
    watched = list(inputs) if unchanged is None else list(unchanged)
    before = {name: _snapshot(inputs[name]) for name in watched}
    try:
        out = fn(*inputs.values())
    except CheckFailed:
        raise
    except Exception as err:  # the student's error, named in one line
        raise case.fail(f"your function raised {type(err).__name__}: {err}") from err
    for name in watched:
        if not _same(before[name], _snapshot(inputs[name])):
            raise case.fail(
                f"your function changed its input `{name}` in place; work on a copy "
                "(or on new tensors) instead"
            )
    return out


def close(
    case: Case,
    what: str,
    got,
    expected,
    atol: float,
    rtol: float = 0.0,
    *,
    dtype: bool = True,
) -> None:
    """Fail `case` at the first difference of `got` from `expected` (a tensor, an array or a
    number): its type, shape, dtype (tensors, when `dtype`), then the first entry off by more
    than `atol + rtol * |expected|`, with by how much and how many entries are off. `what` names
    the value in the message ("your states")."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise case.fail(f"{what}: a {type(got).__name__}, expected a torch.Tensor")
        if dtype and got.dtype != expected.dtype:
            raise case.fail(f"{what}: dtype {got.dtype}, expected {expected.dtype}")
        got, expected = (
            got.detach().cpu().double().numpy(),
            expected.detach().cpu().double().numpy(),
        )
    else:
        try:
            got = np.asarray(got.detach().cpu() if isinstance(got, torch.Tensor) else got)
            got = got.astype(np.float64)
        except (TypeError, ValueError):
            raise case.fail(f"{what}: a {type(got).__name__}, expected numbers") from None
        expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise case.fail(f"{what}: shape {got.shape}, expected {expected.shape}")
    gap = np.abs(got - expected)
    bad = ~(gap <= atol + rtol * np.abs(expected))  # NaN counts as off
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        tol = f"tolerance atol {atol:g}" + (f", rtol {rtol:g}" if rtol else "")
        off = "is NaN" if np.isnan(got[at]) else f"is off by {gap[at]:.3g} ({tol})"
        if got.ndim == 0:
            raise case.fail(f"{what} {off}")
        where = "[" + ", ".join(map(str, at)) + "]"
        raise case.fail(f"{what}: entry {where} {off}; {int(bad.sum())} of {bad.size} are off")


def number(case: Case, what: str, got) -> float:
    """`got` as a Python float, or fail the case saying what came back instead."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        return float(got.detach())
    try:
        return float(got)
    except (TypeError, ValueError):
        raise case.fail(f"{what}: a {type(got).__name__}, expected one number") from None
