"""Helpers shared by the tests: running the command line, a hostile pickle, fixed inputs."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rnnbook import cli


@dataclass
class Result:
    """What a command printed and its exit status, as from `subprocess.run`."""

    returncode: int
    stdout: str
    stderr: str


def run(*args: str, env: dict | None = None, cwd: Path | None = None) -> Result:
    """`rnnbook ARGS` run in this process (fast: no new interpreter, torch already loaded).

    `env` is added to the environment and `cwd` entered for the call only. An exit through
    argparse (`SystemExit`) gives its status, as the real command would.
    """
    import torch  # --threads sets torch's thread count for the process: restore it after

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd, threads = dict(os.environ), Path.cwd(), torch.get_num_threads()
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        torch.set_num_threads(threads)
    return Result(code, out.getvalue(), err.getvalue())


def run_process(*args: str, env: dict | None = None, flags: tuple[str, ...] = ()) -> Result:
    """`python [FLAGS] -m rnnbook ARGS` in a new process: the real thing, exit status included."""
    result = subprocess.run(
        [sys.executable, *flags, "-m", "rnnbook", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return Result(result.returncode, result.stdout, result.stderr)


def assert_one_line_error(result: Result, code: int, fragment: str) -> None:
    """Exit status `code`, no traceback, and (for exit 1) exactly one line naming the problem."""
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    # "rnnbook: error: ..." from the package, "rnnbook <command>: error: ..." from argparse
    assert re.match(r"rnnbook( [a-z]+)?: error: ", lines[-1]), lines[-1]
    assert fragment in result.stderr, result.stderr
    if code == 1:
        assert len(lines) == 1, result.stderr


class Evil:
    """Unpickling this runs `touch pwned`: what a hostile checkpoint would carry."""

    def __reduce__(self):
        return (os.system, ("touch pwned",))


def long_gap_model(
    cell: str, memory_bias=None, input_size: int = 32, seed: int = 0, num_hiddens: int = 32
):
    """The memory experiments' untrained two-class classifier, seeded as `train` seeds it (32
    hidden units as on the long-gap task; `experiments.ORDER_HIDDENS` for the temporal order)."""
    from rnnbook.experiments import long_gap_classifier
    from rnnbook.utils import set_seed

    set_seed(seed)
    return long_gap_classifier(cell, memory_bias, input_size, num_hiddens)(2)


def fixed_input(batch: int = 4, seq_len: int = 178):
    """Sines of 3 + i cycles over the sequence, row i scaled by 1 + i / 2: `(batch, seq_len, 1)`."""
    import torch

    t = torch.linspace(0, 1, seq_len)
    rows = [torch.sin(2 * torch.pi * (3 + i) * t) * (1 + 0.5 * i) for i in range(batch)]
    return torch.stack(rows).unsqueeze(2)  # (batch, seq_len, 1)
