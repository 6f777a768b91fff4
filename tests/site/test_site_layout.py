"""Every page fits its column, on a desk (1280 px wide) and on a phone (390 px).

At 1280 px no display equation, code block or table is wider than the article's column, and every
figure is shown at least as wide as `rnnbook.figures` assumes when it raises small text
(`COLUMN_INCHES` at 100 CSS px per inch, or the figure's own width if narrower): so no figure text
renders below `MIN_TEXT_PX` (tests/test_figures.py checks that side). At 390 px nothing is clipped:
whatever is wider than its box can be scrolled (overflow auto or scroll), never cut off.
"""

from __future__ import annotations

import pytest
from sitetools import new_page, require_site

from rnnbook import figures

DESKTOP, PHONE = 1280, 390

MEASURE_JS = """
() => {
  const article = document.querySelector('.bd-article') || document.body;
  const column = article.clientWidth;
  const name = (el) => {
    const fig = el.closest('figure, section');
    return (fig && fig.id ? fig.id + ': ' : '') + el.textContent.replace(/\\s+/g, ' ').slice(0, 60);
  };
  const wider = (el) => el.getBoundingClientRect().width > column + 1;
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  // Content wider than its box, in a box that cannot be scrolled: the reader never sees the rest.
  const clipped = (el) => {
    for (let box = el; box && box !== article; box = box.parentElement) {
      if (box.scrollWidth > box.clientWidth + 1 && !scrolls(box)) return true;
      if (scrolls(box)) return false;
    }
    return false;
  };
  const equations = [...article.querySelectorAll('mjx-container[display="true"]')];
  const code = [...article.querySelectorAll('div.highlight pre, div.output pre')];
  const tables = [...article.querySelectorAll('table')];
  const images = [...article.querySelectorAll('figure img')].filter((i) => i.naturalWidth > 0);
  return {
    column,
    counts: [equations.length, code.length, tables.length, images.length],
    wideEquations: equations.filter((e) => wider(e) || e.scrollWidth > e.clientWidth + 1).map(name),
    wideCode: code.filter((p) => wider(p) || p.scrollWidth > p.clientWidth + 1).map(name),
    wideTables: tables.filter(wider).map(name),
    clipped: [...equations, ...code, ...tables].filter(clipped).map(name),
    // A retina PNG's natural width is twice its intended CSS width.
    images: images.map((i) => ({
      name: name(i), shown: i.getBoundingClientRect().width, intended: i.naturalWidth / 2,
    })),
  };
}
"""


def measure(context, base_url, page, width):
    require_site()
    tab, _ = new_page(context)
    try:
        tab.set_viewport_size({"width": width, "height": 900})
        tab.goto(base_url + page, wait_until="load")
        tab.wait_for_load_state("networkidle")
        tab.evaluate(  # typeset math has its final width
            "() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => 1) : 1"
        )
        return tab.evaluate(MEASURE_JS)
    finally:
        tab.close()


@pytest.mark.parametrize("width", [DESKTOP])
def test_nothing_is_wider_than_the_column_on_a_desk(context, base_url, page, width):
    m = measure(context, base_url, page, width)
    assert not m["wideEquations"], f"{page}: equations wider than the column: {m['wideEquations']}"
    assert not m["wideCode"], f"{page}: code wider than the column: {m['wideCode']}"
    assert not m["wideTables"], f"{page}: tables wider than the column: {m['wideTables']}"
    assert not m["clipped"], f"{page}: clipped: {m['clipped']}"
    floor = figures.COLUMN_INCHES * 100  # CSS px that `figures.readable` counts on
    small = [
        f"{i['name']} ({i['shown']:.0f} px)"
        for i in m["images"]
        if i["shown"] < min(i["intended"], floor) - 1
    ]
    assert not small, f"{page}: figures shown narrower than their text was sized for: {small}"


@pytest.mark.parametrize("width", [PHONE])
def test_nothing_is_clipped_on_a_phone(context, base_url, page, width):
    m = measure(context, base_url, page, width)
    assert not m["clipped"], f"{page}: clipped at {width} px: {m['clipped']}"


def test_the_layout_checks_measure_something(context, base_url):
    """Not vacuous: a chapter with equations, code, tables and figures is measured as having them."""
    m = measure(context, base_url, "book/gated_cells.html", DESKTOP)
    assert all(m["counts"]), m["counts"]
    assert m["column"] >= figures.COLUMN_INCHES * 100 - 5, m["column"]
