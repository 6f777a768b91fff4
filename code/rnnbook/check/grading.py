"""The checks as otter-grader tests, for an instructor who grades: one test file per check.

    from rnnbook import check
    check.otter_tests("tests")   # tests/gru_step.py, tests/ece.py, ... (otter's exception format)

In the students' notebook (with `otter-grader` installed), `grader = otter.Notebook(tests_dir=
"tests")` once, then `grader.check("gru_step")` after the cell that defines `gru_step`: otter runs
`check.gru_step` on the notebook's `gru_step` and scores it, all or nothing (the function matches
every hidden case or it does not), showing the check's message when it fails. `otter run` grades
submitted notebooks from the same files. A test file names only the check; the hidden cases stay
in the package.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = '''"""otter-grader test: `rnnbook.check.{name}` on the notebook's `{name}`.

Written by rnnbook.check.otter_tests; the hidden cases are in the package.
"""

from otter.test_files import test_case

OK_FORMAT = False

name = "{name}"
points = {points}


@test_case(points={points})
def test_{name}({name}):
    from rnnbook import check

    check.{name}({name})
'''


def otter_tests(
    folder: str | Path, names: list[str] | None = None, points: float = 1
) -> list[Path]:
    """Write an otter-grader test file `<name>.py` into `folder` for each check in `names` (all of
    `check.CHECKS` by default), worth `points` each. Returns the files written."""
    from . import CHECKS

    names = list(CHECKS if names is None else names)
    unknown = [name for name in names if name not in CHECKS]
    if unknown:
        raise ValueError(f"no check named {', '.join(unknown)}; the checks are {', '.join(CHECKS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / f"{name}.py"
        path.write_text(TEMPLATE.format(name=name, points=points))
        written.append(path)
    return written
