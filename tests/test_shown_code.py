"""The code a reader sees: every chapter's code cells and every listing it includes from the
package (`literalinclude`) is free of formatter markers, short enough to read, and the chapters'
cells are formatted as `make format` leaves them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rnnbook.course import shown_listing

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("*.md"))
LISTING = re.compile(r"^```\{literalinclude\} (\S+)\n((?::[^\n]*\n)*)", re.M)
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n((?::[^\n]*\n)*)(.*?)^```\s*$", re.S | re.M)
# The longest listing a chapter shows: more is a reference to read in the package, not a lesson.
MAX_LISTING_LINES = 80


def listings():
    for chapter in CHAPTERS:
        for m in LISTING.finditer(chapter.read_text(encoding="utf-8")):
            if m.group(1).endswith(".py"):
                yield pytest.param(
                    chapter, m.group(1), m.group(2), id=f"{chapter.stem}:{m.group(1)}"
                )


@pytest.mark.parametrize("chapter, target, options", list(listings()))
def test_a_listing_is_short_and_free_of_formatter_markers(chapter, target, options):
    shown = shown_listing(chapter, target, options)
    assert shown.strip(), "the listing is empty"
    assert "fmt: skip" not in shown and "fmt: off" not in shown
    assert len(shown.splitlines()) <= MAX_LISTING_LINES, len(shown.splitlines())


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_code_cells_carry_no_formatter_markers(chapter):
    for _options, code in CELL.findall(chapter.read_text(encoding="utf-8")):
        assert "fmt: skip" not in code and "fmt: off" not in code, code[:200]


def test_the_chapters_cells_are_formatted():
    done = subprocess.run(
        [sys.executable, str(ROOT / "_ext" / "format_chapters.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_listing_reader_follows_the_options(tmp_path):
    chapter = tmp_path / "book" / "c.md"
    chapter.parent.mkdir()
    (tmp_path / "m.py").write_text(
        "A = 1\n# start\nclass K:\n    @staticmethod\n    def f():\n        return 2\nB = 3\n"
    )
    assert shown_listing(chapter, "../m.py", ":pyobject: K.f\n").splitlines()[0].strip() == (
        "@staticmethod"
    )
    assert shown_listing(chapter, "../m.py", ':start-after: "# start"\n:end-before: B =\n') == (
        "class K:\n    @staticmethod\n    def f():\n        return 2"
    )
    assert shown_listing(chapter, "../m.py", ":start-at: A\n:end-at: # start\n") == "A = 1\n# start"
