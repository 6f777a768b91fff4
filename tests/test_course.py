"""The course map is computed from the chapters, covers every chapter of the book, and its two
paths meet each chapter's prerequisites in reading order."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnbook import course

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = course.book_chapters(ROOT)


def test_the_map_has_every_chapter_of_the_book_in_order():
    table = course.course_map(ROOT)
    assert list(table.index) == [c.stem for c in CHAPTERS]
    assert set(course.THREE_WEEKS) <= set(table.index)  # a path names only chapters that exist
    assert (table["minutes"] > 0).all()
    assert set(table["core"]) == {"core", "optional"}


def test_the_course_map_page_shows_the_map():
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/course_map" in toc and toc.index("book/course_map") < toc.index("book/data")
    assert "course.course_map(" in (ROOT / "book" / "course_map.md").read_text()


@pytest.mark.parametrize("path", list(course.PATHS))
def test_a_path_meets_its_chapters_prerequisites_in_order(path):
    weeks = course.PATHS[path]
    order = [c.stem for c in CHAPTERS]
    for chapter in CHAPTERS:
        if chapter.stem not in weeks:
            continue
        for needed in course.prerequisites(chapter):
            assert needed in weeks, f"{path}: {chapter.stem} needs {needed}, not in the path"
            assert weeks[needed] <= weeks[chapter.stem], (path, chapter.stem, needed)
            assert order.index(needed) < order.index(chapter.stem), (chapter.stem, needed)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_says_its_kind(chapter):
    text = chapter.read_text()
    assert len(course.exercises(chapter)) == text.count("{exercise-start}")
    for path, kinds in course.ASSIGN.items():
        if chapter.stem in course.PATHS[path]:
            assert course.assigned(chapter, kinds), (path, chapter.stem)


def test_prerequisites_and_assignments_by_hand(tmp_path):
    page = tmp_path / "x.md"
    page.write_text(
        "# A title\n\nThis chapter assumes {doc}`a` and {doc}`b` (and {doc}`a`).\n\n"
        "Later {doc}`c`.\n\n```{exercise-start}\n:label: ex-1\n```\n*Judge.* ...\n\n"
        "```{exercise-start}\n:label: ex-2\n```\n*Implement and judge.* ...\n"
    )
    assert course.title(page) == "A title"
    assert course.prerequisites(page) == ["a", "b"]  # only the "assumes" paragraph
    assert course.exercises(page) == [("ex-1", "judge"), ("ex-2", "implement and judge")]
    assert course.assigned(page, ("derive", "implement", "judge")) == ["ex-2", "ex-1"]
