"""What a reader of a chapter reads, how long it takes, and the course map built from it.

`shown_listing` gives the text that Sphinx's `literalinclude` shows for the options the book uses;
`reading_minutes` estimates a chapter's reading time at a stated pace (`PROSE_WPM`, `CODE_WPM`):
its prose, and the code it shows (cells not removed or collapsed, and listings), without the
exercises' solutions, which a student reads when doing the exercises.

The course map (`course_map`, shown on the book's page "Using the book in a course") is computed
from the chapters themselves wherever it can be: each chapter's title, reading time, exercises
(label and kind: derive, implement, judge) and prerequisites (the chapters named in its
"This chapter assumes" paragraph). Only the two paths are chosen by hand (`PATHS`), and a test
checks that every chapter of the book is in the map and that each path meets its chapters'
prerequisites in order.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

# The pace: a technical text with equations, read with care, and code read line by line.
PROSE_WPM = 130
CODE_WPM = 80
# The longest a chapter may take at that pace.
MAX_MINUTES = 50

CELL = re.compile(r"^```\{code-cell\}[^\n]*\n((?::[^\n]*\n)*)(.*?)^```\s*$", re.S | re.M)
LISTING = re.compile(r"^```\{literalinclude\} (\S+)\n((?::[^\n]*\n)*)```", re.M)
SOLUTION = re.compile(r"^```\{solution-start\}.*?^```\{solution-end\}\s*\n```", re.S | re.M)
HIDDEN = ("remove-cell", "remove-input", "hide-input")


def _pyobject(source: str, dotted: str) -> str:
    node: ast.AST = ast.parse(source)
    for name in dotted.split("."):
        node = next(
            child
            for child in ast.iter_child_nodes(node)
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)) and child.name == name
        )
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return "\n".join(source.splitlines()[first - 1 : node.end_lineno])


def shown_listing(chapter: Path, target: str, options: str) -> str:
    """The text a `literalinclude` of `target` (relative to `chapter`) shows with `options`
    (its option lines: pyobject, start-at, start-after, end-at, end-before)."""
    opts = dict(re.findall(r"^:([\w-]+):\s*(.*)$", options, re.M))
    text = (chapter.parent / target).read_text(encoding="utf-8")
    if "pyobject" in opts:
        text = _pyobject(text, opts["pyobject"])
    lines = text.splitlines()

    def unquote(value: str) -> str:
        return value.strip().strip('"')

    if "start-at" in opts or "start-after" in opts:
        mark = unquote(opts.get("start-at") or opts["start-after"])
        i = next(i for i, line in enumerate(lines) if mark in line)
        lines = lines[i if "start-at" in opts else i + 1 :]
    if "end-at" in opts or "end-before" in opts:
        mark = unquote(opts.get("end-at") or opts["end-before"])
        i = next(i for i, line in enumerate(lines) if mark in line)
        lines = lines[: i + 1 if "end-at" in opts else i]
    return "\n".join(lines)


def count_words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9_]+", text))


def reading_words(chapter: Path) -> dict[str, int]:
    """Words a student reads in `chapter`: prose, shown code cells and listings (solutions, and
    cells removed or collapsed, not counted; a glued value counts as one word)."""
    text = re.sub(r"\A---\n.*?\n---\n", "", chapter.read_text(encoding="utf-8"), flags=re.S)
    text = SOLUTION.sub("", text)
    code = sum(
        count_words(body)
        for options, body in CELL.findall(text)
        if not any(tag in options for tag in HIDDEN)
    )
    listings = sum(
        count_words(shown_listing(chapter, m.group(1), m.group(2)))
        for m in LISTING.finditer(text)
        if m.group(1).endswith(".py")
    )
    prose = LISTING.sub("", CELL.sub("", text))
    prose = re.sub(r"\{glue:[a-z]+\}`[^`]*`", "N", prose)
    prose = re.sub(r"^:(alt|name|label|class|tags):.*$", "", prose, flags=re.M)
    return {"prose": count_words(prose), "code": code + listings}


def reading_minutes(chapter: Path) -> float:
    """`chapter`'s reading time at `PROSE_WPM` and `CODE_WPM`."""
    words = reading_words(chapter)
    return words["prose"] / PROSE_WPM + words["code"] / CODE_WPM


# --- the course map ---------------------------------------------------------------------------------

# Two paths through the book, chapter -> week. The three-week unit is the core; a chapter in
# neither path is optional (survival analysis, streaming, the cohort at scale: each a course's
# worth on its own, for a unit with room for them).
ONE_WEEK = {"data": 1, "first_rnn": 1, "bptt": 1, "vanishing_gradients": 1, "gated_cells": 1}
THREE_WEEKS = ONE_WEEK | {
    "recurrent_layers": 2, "sequence_tasks": 2, "training": 2, "clinical_evaluation": 2,
    "visit_sequences": 3, "healthcare_rnns": 3, "beyond_gates": 3, "attention": 3,
}  # fmt: skip
PATHS = {"one-week unit": ONE_WEEK, "three-week unit": THREE_WEEKS}
# Which exercises each path assigns from a chapter: the first of each of these kinds.
ASSIGN = {
    "one-week unit": ("derive", "implement"),
    "three-week unit": ("derive", "implement", "judge"),
}
# Pages that are not chapters a course assigns.
NOT_CHAPTERS = ("intro", "course_map", "references")

TOC_FILE = re.compile(r"^\s*(?:root|- file):\s*(\S+)", re.M)
ASSUMES = re.compile(r"^This chapter assumes.*?(?:\n\n|\Z)", re.S | re.M)
EXERCISE = re.compile(r"^```\{exercise-start\}\n:label: (\S+)\n```\n\*([A-Za-z ]+)\.\*", re.M)


def book_chapters(root: Path) -> list[Path]:
    """The chapters of the book at `root`, in `_toc.yml`'s reading order (the pages that are not
    chapters left out)."""
    names = TOC_FILE.findall((root / "_toc.yml").read_text(encoding="utf-8"))
    return [root / f"{n}.md" for n in names if Path(n).name not in NOT_CHAPTERS]


def title(chapter: Path) -> str:
    return re.search(r"^# (.+)$", chapter.read_text(encoding="utf-8"), re.M).group(1)


def prerequisites(chapter: Path) -> list[str]:
    """The chapters named in `chapter`'s "This chapter assumes" paragraph, in the order named."""
    found = ASSUMES.search(chapter.read_text(encoding="utf-8"))
    names = re.findall(r"\{doc\}`([a-z_]+)`", found.group(0)) if found else []
    return list(dict.fromkeys(names))


def exercises(chapter: Path) -> list[tuple[str, str]]:
    """`(label, kind)` of every exercise of `chapter`, its kind the italic word it opens with
    ("derive", "implement", "judge", "implement and judge")."""
    text = chapter.read_text(encoding="utf-8")
    return [(label, kind.lower()) for label, kind in EXERCISE.findall(text)]


def assigned(chapter: Path, kinds: tuple[str, ...]) -> list[str]:
    """The first exercise of each of `kinds` in `chapter` (an "implement and judge" exercise
    counts as both)."""
    chosen = []
    for kind in kinds:
        label = next((lb for lb, k in exercises(chapter) if kind in k.split(" and ")), None)
        if label and label not in chosen:
            chosen.append(label)
    return chosen


def course_map(root: Path):
    """One row per chapter: its title, reading minutes, prerequisites, whether it is core, its
    week in each path and the exercises each path assigns from it (a pandas DataFrame)."""
    import pandas as pd

    rows = []
    for chapter in book_chapters(root):
        name = chapter.stem
        row = {
            "chapter": name,
            "title": title(chapter),
            "minutes": round(reading_minutes(chapter)),
            "assumes": ", ".join(prerequisites(chapter)) or "an MLP/CNN course",
            "core": "core" if name in THREE_WEEKS else "optional",
        }
        for path, weeks in PATHS.items():
            row[f"{path}: week"] = weeks.get(name, "")
            row[f"{path}: exercises"] = (
                ", ".join(assigned(chapter, ASSIGN[path])) if name in weeks else ""
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("chapter")
