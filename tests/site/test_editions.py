"""The book's other editions (_ext/editions.py; after make book, make pdf and make book-student).

The PDF (opened with pypdf; its words and their boxes read with poppler's pdftotext): a page
count, every chapter's title, the outline, the figures embedded as images, page numbers, and no
word past the right margin or off the page. The student edition: every page of the book, no
solution anywhere (pages, search index, sources, notebooks), every local link resolves; the full
site keeps every solution, which shows that the search would find them.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sitetools import REPO, SITE, require_site, source_of, toc_docnames

import rnnbook
from rnnbook import course

# _ext/editions.py, which made the editions: its reading of the PDF's bookmarks.
_spec = importlib.util.spec_from_file_location("editions", REPO / "_ext" / "editions.py")
editions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(editions)

PDF = SITE / "rnn-healthcare-book.pdf"
STUDENT = SITE / "student"
STUDENT_PDF = STUDENT / "rnn-healthcare-book-student.pdf"
MARGIN_PT = 16 / 25.4 * 72  # editions.PAPER: 16 mm left and right
TOLERANCE_PT = 2
# MathJax draws a stretched brace or bar (an underbrace, a tall bracket) from pieces: an extender
# glyph scaled to the length needed and clipped to its box. A PDF reader reports the glyph's box
# before the clip, thousands of points wide; these are not text a reader could lose.
STRETCHED_PIECE = re.compile(r"[\ue000-\uf8ff\u239b-\u23b3]+")


def require(path: Path, make: str) -> Path:
    require_site()
    if not path.exists():
        pytest.fail(f"no {path.relative_to(REPO)}: run `make {make}` first", pytrace=False)
    return path


def title_of(docname: str) -> str:
    return course.title(source_of(docname))


def squash(text: str) -> str:
    """Text as a reader sees it, whatever the line breaks, hyphenation or typography."""
    text = text.replace("\u00ad", "").replace("-\n", "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    return re.sub(r"\s+", " ", text.replace("\u201d", '"')).strip()


@cache
def pdf_text(path: Path) -> list[str]:
    """Each page's text (poppler), in reading order."""
    if not shutil.which("pdftotext"):
        pytest.fail("no pdftotext: `apt-get install poppler-utils`", pytrace=False)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return out.stdout.split("\f")[:-1]


@cache
def pdf_words(path: Path) -> list[tuple[int, float, float, float, float, float, float, str]]:
    """(page, page width, page height, xMin, yMin, xMax, yMax, word) for every word (poppler)."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True)
    words = []
    for number, page in enumerate(out.stdout.split("<page ")[1:], start=1):
        width, height = map(float, re.match(r'width="([\d.]+)" height="([\d.]+)"', page).groups())
        for m in re.finditer(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)',
            page,
        ):
            box = tuple(map(float, m.groups()[:4]))
            words.append((number, width, height, *box, html.unescape(m.group(5))))
    return words


# --- the PDF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PDF, STUDENT_PDF], ids=["full", "student"])
def test_pdf_has_every_chapter_and_page_numbers(path):
    from pypdf import PdfReader

    require(path, "pdf" if path == PDF else "book-student")
    reader = PdfReader(path)
    pages = pdf_text(path)
    assert len(reader.pages) == len(pages)
    # The book is several hundred A4 pages (327 at version 0.1.0); far fewer means chapters lost.
    assert 250 <= len(pages) <= 1000, len(pages)
    text = squash("\n".join(pages))
    titles = [title_of(doc) for doc in toc_docnames()[1:]]
    missing = [title for title in titles if squash(title) not in text]
    assert not missing, f"chapter titles not in the PDF: {missing}"
    # The outline (bookmarks) lists every chapter, with the page it starts on. (Chromium leaves
    # out the space where a long title breaks its line.)
    starts = editions.bookmark_pages(path)
    assert not [t for t in titles if re.sub(r"\s", "", t) not in starts], list(starts)
    # The contents give each chapter's first page, as its bookmark does; the title page gives
    # the version.
    front = squash("\n".join(pages[:3]))
    for title in titles:
        listed = re.search(re.escape(squash(title)) + r" (\d+)\b", front)
        assert listed, f"{title}: not in the contents with a page number"
        assert int(listed.group(1)) == starts[re.sub(r"\s", "", title)], title
    assert f"Version {rnnbook.__version__}" in squash(pages[0])
    assert ("Student edition" in pages[0]) == (path == STUDENT_PDF)
    # Every page carries its number, "n / N", in the footer.
    total = len(pages)
    unnumbered = [n for n, page in enumerate(pages, 1) if f"{n} / {total}" not in page]
    assert not unnumbered, f"pages without their number: {unnumbered[:10]}"


def test_pdf_embeds_the_figures():
    """Every figure of the site is an image in the PDF (the figures are PNGs drawn by code)."""
    from pypdf import PdfReader

    require(PDF, "pdf")
    figures = set()
    for page in (SITE / "book").glob("*.html"):
        figures |= set(re.findall(r'<img [^>]*src="\.\./_images/([^"]+\.png)"', page.read_text()))
    images = sum(len(page.images) for page in PdfReader(PDF).pages)
    assert len(figures) >= 40, len(figures)
    assert images >= len(figures), (images, len(figures))


@pytest.mark.parametrize("path", [PDF, STUDENT_PDF], ids=["full", "student"])
def test_no_text_runs_off_a_page(path):
    """No word starts before the left margin or ends past the right one, or leaves the page
    (code wraps, wide equations and tables are shrunk to the column)."""
    require(path, "pdf" if path == PDF else "book-student")
    words = pdf_words(path)
    assert len(words) > 50_000
    off = [
        (page, word, round(x0), round(x1))
        for page, width, height, x0, y0, x1, y1, word in words
        if not STRETCHED_PIECE.fullmatch(word)
        and (
            x0 < MARGIN_PT - TOLERANCE_PT
            or x1 > width - MARGIN_PT + TOLERANCE_PT
            or y0 < 0
            or y1 > height
        )
    ]
    assert not off, f"text past the margins (page, word, x0, x1 in pt): {off[:10]}"


def test_pdf_solutions_only_in_the_full_edition():
    require(PDF, "pdf")
    require(STUDENT_PDF, "book-student")
    assert "Solution to" in "\n".join(pdf_text(PDF))
    assert "Solution to" not in "\n".join(pdf_text(STUDENT_PDF))


# --- the student edition ------------------------------------------------------------------------


def solution_phrases() -> dict[str, list[str]]:
    """For each chapter, a plain sentence of prose from each of its solutions (no markup, quotes
    or math, so that it reads the same on a page and in the source)."""
    phrases = {}
    for docname in toc_docnames():
        text, found, inside = source_of(docname).read_text(), [], False
        code = False
        for line in text.splitlines():
            if line.startswith("```{solution-start}"):
                inside, picked = True, False
            elif line.startswith("```{solution-end}"):
                inside = False
            elif line.startswith("```{code-cell}"):
                code = True
            elif code and line.startswith("```"):
                code = False
            elif inside and not code and not picked and re.fullmatch(r"[A-Za-z ,.;:()]{40,}", line):
                found.append(squash(line))
                picked = True
        if found:
            phrases[docname] = found
    return phrases


def page_text(path: Path) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(), flags=re.S)
    return squash(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_solution_phrases_are_found():
    phrases = solution_phrases()
    # Most chapters end with exercises, each with a solution.
    assert len(phrases) >= 15, list(phrases)
    assert sum(map(len, phrases.values())) >= 40


def test_full_edition_shows_every_solution():
    require_site()
    for docname, phrases in solution_phrases().items():
        text = page_text(SITE / f"{docname}.html")
        assert 'class="solution' in (SITE / f"{docname}.html").read_text(), docname
        missing = [p for p in phrases if p not in text]
        assert not missing, f"{docname}: solution text missing from the full edition: {missing}"


def test_student_edition_has_every_page_and_no_solution():
    require(STUDENT / "index.html", "book-student")
    phrases = [p for found in solution_phrases().values() for p in found]
    files = [
        p
        for p in STUDENT.rglob("*")
        if p.is_file() and p.suffix in {".html", ".js", ".md", ".ipynb", ".txt"}
    ]
    for docname in toc_docnames():
        assert (STUDENT / f"{docname}.html").is_file(), docname
    leaks = []
    for path in files:
        if "_static" in path.parts:
            continue
        raw = path.read_text(errors="replace")
        text = page_text(path) if path.suffix == ".html" else squash(raw)
        if 'class="solution' in raw or "solution-start" in raw:
            leaks.append(f"{path.relative_to(STUDENT)}: a solution block")
        leaks += [f"{path.relative_to(STUDENT)}: {p[:50]}" for p in phrases if p in text]
    assert not leaks, f"solution text in the student edition: {leaks[:10]}"


def test_student_edition_keeps_the_exercises_and_the_numbers():
    """Each chapter page of the student edition is its full page less the solutions: the same
    exercises, and the same glued numbers (nothing executed again). (A page with text for one
    edition only, in an {only} block, the introduction, is checked below.)"""
    require(STUDENT / "index.html", "book-student")
    for docname in toc_docnames():
        if "```{only}" in source_of(docname).read_text():
            continue
        full = (SITE / f"{docname}.html").read_text()
        student = (STUDENT / f"{docname}.html").read_text()
        assert full.count('class="exercise') == student.count('class="exercise'), docname
        assert page_text_of(without_solutions(full)) == page_text_of(student), docname


def without_solutions(markup: str) -> str:
    """`markup` less each <div class="solution ...">, up to its own closing </div>."""
    out, i = [], 0
    while (start := markup.find('<div class="solution', i)) >= 0:
        out.append(markup[i:start])
        depth = 0
        for tag in re.finditer(r"<div\b|</div>", markup[start:]):
            depth += 1 if tag.group() == "<div" else -1
            if depth == 0:
                i = start + tag.end()
                break
    return "".join(out) + markup[i:]


def page_text_of(markup: str) -> str:
    article = markup[markup.find("<article") : markup.find("</article>")]
    return squash(html.unescape(re.sub(r"<[^>]+>", " ", article)))


def test_student_edition_links_resolve():
    require(STUDENT / "index.html", "book-student")
    problems = []
    for page in STUDENT.rglob("*.html"):
        if "_static" in page.parts:
            continue
        for href in re.findall(r'href="([^"#]+)(?:#[^"]*)?"', page.read_text()):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            if not (page.parent / unquote(parts.path)).exists():
                problems.append(f"{page.relative_to(STUDENT)} -> {href}")
    assert not problems, problems[:10]
    # The student pages link their own PDF, and no page links the full edition's.
    index = (STUDENT / "index.html").read_text()
    chapter = (STUDENT / "book" / "first_rnn.html").read_text()
    assert "rnn-healthcare-book-student.pdf" in chapter
    assert "rnn-healthcare-book.pdf" not in chapter + index
    # The introduction tells each edition's readers what their edition has.
    intro = {
        name: page_text(root / "book" / "intro.html")
        for name, root in (("full", SITE), ("student", STUDENT))
    }
    assert "rocket button" in intro["full"] and "rocket button" not in intro["student"]
    assert "this edition as a PDF" in intro["student"]
