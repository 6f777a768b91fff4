"""No chapter takes a student more than `MAX_MINUTES` to read, at the pace `rnnbook.course`
states (prose, shown code and listings; the exercises' solutions are read when doing them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnbook import course

ROOT = Path(__file__).resolve().parent.parent

CHAPTERS = sorted((ROOT / "book").glob("*.md"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_reads_within_the_limit(chapter):
    minutes = course.reading_minutes(chapter)
    assert minutes <= course.MAX_MINUTES, f"{chapter.stem}: {minutes:.0f} min"


def test_the_reading_time_counts_prose_code_and_listings_but_not_solutions(tmp_path):
    (tmp_path / "m.py").write_text("def f():\n    return one_two\n")
    chapter = tmp_path / "book" / "c.md"
    chapter.parent.mkdir()
    chapter.write_text(
        "Ten words of prose in this sentence, each one counted.\n\n"
        "```{code-cell} ipython3\nx = 1\n```\n\n"
        "```{code-cell} ipython3\n:tags: [hide-input]\nhidden = 2\n```\n\n"
        "```{literalinclude} ../m.py\n:pyobject: f\n```\n\n"
        "```{solution-start} ex\n```\nmany words that a solution holds\n```{solution-end}\n```\n"
    )
    words = course.reading_words(chapter)
    assert words == {"prose": 10, "code": 2 + 4}  # x 1; def f return one_two
    expected = 10 / course.PROSE_WPM + 6 / course.CODE_WPM
    assert course.reading_minutes(chapter) == pytest.approx(expected)
