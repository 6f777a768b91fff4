"""What a reader of a chapter reads: the code cells and listings it shows, and how long it takes.

`shown_listing` gives the text that Sphinx's `literalinclude` shows for the options the book uses;
`reading_minutes` estimates a chapter's reading time at a stated pace (`PROSE_WPM`, `CODE_WPM`):
its prose, and the code it shows (cells not removed or collapsed, and listings), without the
exercises' solutions, which a student reads when doing the exercises. Used by the tests
(`tests/test_shown_code.py`, `tests/test_reading_time.py`).
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
