"""_ext/editions.py without a build: what the student edition removes from a notebook, the glued
values it puts back, and the one line a missing or stale build gets. (The editions themselves, the
PDF and the student site, are checked by tests/site/test_editions.py after they are built.)"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "_ext" / "editions.py"
_spec = importlib.util.spec_from_file_location("editions", SCRIPT)
editions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(editions)


def notebook(*cells):
    """cells: ("md", text) or ("code", source)."""
    nb = nbformat.v4.new_notebook()
    for kind, text in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(text))
    return nb


EXERCISE = "```{exercise-start}\n:label: ex-a\n```\n*Implement.* Do it.\n```{exercise-end}\n```"


def test_strip_solutions_removes_prose_and_code_between_the_fences():
    nb = notebook(
        (
            "md",
            "Intro.\n\n" + EXERCISE + "\n\n```{solution-start} ex-a\n:class: dropdown\n```\n"
            "The answer is 42.",
        ),
        ("code", "answer = 42"),
        ("md", "Because.\n```{solution-end}\n```\n\nAfter it."),
        ("code", "kept = 1"),
    )
    removed, code = editions.strip_solutions(nb)
    assert removed == 1
    assert code == "answer = 42"
    text = "\n".join(cell.source for cell in nb.cells)
    assert "*Implement.* Do it." in text and "After it." in text
    assert "42" not in text and "Because" not in text and "solution" not in text
    assert [cell.source for cell in nb.cells if cell.cell_type == "code"] == ["kept = 1"]


def test_strip_solutions_drops_cells_left_empty_and_counts_each_solution():
    nb = notebook(
        ("md", EXERCISE),
        ("md", "```{solution-start} ex-a\n```\nFirst."),
        ("md", "```{solution-end}\n```"),
        ("md", "```{solution-start} ex-b\n```\nSecond.\n```{solution-end}\n```"),
    )
    assert editions.strip_solutions(nb) == (2, "")
    assert [cell.source for cell in nb.cells] == [EXERCISE]


def test_an_unclosed_solution_is_an_error():
    nb = notebook(("md", "```{solution-start} ex-a\n```\nNo end."))
    with pytest.raises(editions.EditionError, match="without its solution-end"):
        editions.strip_solutions(nb)


def test_every_chapter_loses_exactly_its_solutions():
    """On the real chapters (as jupytext reads them, as myst-nb does): every solution goes, every
    exercise stays."""
    total = 0
    for docname in editions.toc_docnames():
        source = (ROOT / f"{docname}.md").read_text()
        nb = jupytext.read(ROOT / f"{docname}.md")
        removed, _ = editions.strip_solutions(nb)
        text = "\n".join(cell.source for cell in nb.cells)
        assert removed == source.count("```{solution-start}"), docname
        assert "solution-" not in text, docname
        assert text.count("```{exercise-start}") == source.count("```{exercise-start}"), docname
        total += removed
    assert total >= 60


def test_glued_values_come_back_except_those_only_a_solution_shows(tmp_path, monkeypatch):
    monkeypatch.setattr(editions, "EXECUTED", tmp_path)
    prefix = "application/papermill.record/"
    glued = {
        key: {
            "output_type": "display_data",
            "metadata": {"scrapbook": {"name": key, "mime_prefix": prefix}},
            "data": {"text/plain": f"'{key}'"},
        }
        for key in ("shown", "answer", "quoted")
    }
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ch.glue.json").write_text(json.dumps(glued))
    nb = notebook(("md", "A {glue:text}`shown` and an exercise quoting {glue:text}`quoted`."))
    solutions = 'glue("answer", 42)\nglue("quoted", 7)'
    editions.restore_glue(nb, "book/ch", solutions)
    cell = nb.cells[-1]
    assert cell.metadata["tags"] == ["remove-cell"]
    keys = [out.metadata["scrapbook"]["name"] for out in cell.outputs]
    assert keys == ["shown", "quoted"]
    assert cell.outputs[0].data == {prefix + "text/plain": "'shown'"}


def test_a_missing_build_gets_one_line(tmp_path):
    """Run in a copy of the repository's layout with no _build: one line, exit 1."""
    (tmp_path / "_ext").mkdir()
    (tmp_path / "_ext" / "editions.py").write_text(SCRIPT.read_text())
    for what in (["student"], ["pdf"], ["pdf", "--edition", "student"]):
        result = subprocess.run(
            [sys.executable, str(tmp_path / "_ext" / "editions.py"), *what],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "editions: no built site in _build/html: run `make book` first"
        ]


def test_a_chapter_changed_since_the_build_stops_the_edition(tmp_path, monkeypatch):
    monkeypatch.setattr(editions, "ROOT", tmp_path)
    monkeypatch.setattr(editions, "EXECUTED", tmp_path / "_build" / "jupyter_execute")
    (tmp_path / "book").mkdir()
    source = tmp_path / "book" / "ch.md"
    source.write_text(
        "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n# T\n\n"
        "```{code-cell} ipython3\nx = 1\n```\n"
    )
    executed = editions.EXECUTED / "book" / "ch.ipynb"
    executed.parent.mkdir(parents=True)
    nbformat.write(jupytext.read(source), executed)
    assert editions.executed_notebook("book/ch").cells[-1].source == "x = 1"
    source.write_text(source.read_text().replace("x = 1", "x = 2"))
    with pytest.raises(editions.EditionError, match="changed since `make book` executed it"):
        editions.executed_notebook("book/ch")


def test_staged_config():
    student = editions.staged_config("student")
    assert student["execute"]["execute_notebooks"] == "off"
    assert student["sphinx"]["config"]["html_context"]["rnnbook_edition"] == "student"
    assert student["launch_buttons"]["binderhub_url"] == ""
    assert student["sphinx"]["local_extensions"]["editions"] == "_ext"
    full = editions.staged_config("full")
    assert full["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert full["sphinx"]["config"]["html_context"]["rnnbook_edition"] == "full"
