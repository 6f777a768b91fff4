"""The interactive figures of the site (rnnbook.interactive), used as a reader would use them.

Three chapters hold one each: the gradient flow with a slider of the spectral radius
(vanishing_gradients), the gates over one second of EEG with values on hover (gated_cells), and
the onset labeller's probability over a stitched recording, zoomable (sequence_tasks). For each:
it is drawn, the static figure is still on the page, the reader's action changes the figure, no
request leaves 127.0.0.1, the console stays free of errors, the figure (its scripts and data) weighs
under 1 MB, and it fits a phone's width. Screenshots of each figure at desktop and phone width, in
the light and the dark scheme, go to _build/screenshots/interactive/; the page weights to
_build/screenshots/interactive/weights.json.
"""

from __future__ import annotations

import json

import pytest
from sitetools import SCREENSHOTS, SITE, is_local, new_page, require_site, url_to_file

FIGURES = {
    "book/vanishing_gradients.html": "slider",
    "book/gated_cells.html": "hover",
    "book/sequence_tasks.html": "zoom",
}
SHOTS = SCREENSHOTS / "interactive"
MAX_FIGURE_BYTES = 1_000_000
DESKTOP, PHONE = 1280, 390

LINE_PATHS_JS = """
(el) => Array.from(el.querySelectorAll('svg .mark-line path')).map((p) => p.getAttribute('d'))
  .join('|')
"""
AXIS_LABELS_JS = """
(el) => Array.from(el.querySelectorAll('svg .role-axis-label text')).map((t) => t.textContent)
  .join(',')
"""


def open_figure(context, base_url, page, width=DESKTOP):
    tab, recorder = new_page(context)
    tab.set_viewport_size({"width": width, "height": 900})
    tab.goto(base_url + page, wait_until="load")
    tab.wait_for_load_state("networkidle")
    figure = tab.locator(".rnnbook-vega")
    assert figure.count() == 1, f"{page}: {figure.count()} interactive figures, expected 1"
    figure.scroll_into_view_if_needed()
    tab.wait_for_function(
        "document.querySelector('.rnnbook-vega').dataset.rendered >= '1'", timeout=30_000
    )
    return tab, recorder, figure


def check_clean(page, recorder):
    assert not recorder.page_errors, f"{page}: script errors {recorder.page_errors}"
    assert not recorder.console_errors, f"{page}: console errors {recorder.console_errors}"
    assert not recorder.external_requests, f"{page}: left 127.0.0.1: {recorder.external_requests}"


@pytest.mark.parametrize("figure_page", list(FIGURES))
def test_interactive_figure_responds(context, base_url, figure_page):
    require_site()
    page = figure_page
    tab, recorder, figure = open_figure(context, base_url, page)
    try:
        # The static figure stays, for reading without JavaScript and for screen readers.
        assert tab.locator("article figure img").count() > 0
        assert figure.get_attribute("aria-label")
        action = FIGURES[page]
        if action == "slider":
            before = figure.evaluate(LINE_PATHS_JS)
            slider = figure.locator("input[type=range]")
            assert slider.count() == 1
            slider.evaluate(
                "(el) => { el.value = '2.5';"
                " el.dispatchEvent(new Event('input', {bubbles: true})); }"
            )
            tab.wait_for_function(
                "(before) => Array.from(document.querySelectorAll("
                "'.rnnbook-vega svg .mark-line path')).map((p) => p.getAttribute('d'))"
                ".join('|') !== before",
                arg=before,
                timeout=10_000,
            )
            assert figure.evaluate(LINE_PATHS_JS) != before
        elif action == "hover":
            box = figure.locator("svg").first.bounding_box()
            shown = ""
            for dy in range(10, int(box["height"]), 15):
                tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + dy)
                tip = tab.locator("#vg-tooltip-element.visible")
                if tip.count():
                    shown = tip.inner_text()
                    if "forget" in shown:
                        break
            assert "GRU update gate z" in shown and "LSTM forget gate f" in shown, shown
            assert "time (ms)" in shown
        else:  # zoom: scrolling over the plot narrows the time axis
            before = figure.evaluate(AXIS_LABELS_JS)
            box = figure.locator("svg").first.bounding_box()
            tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)
            tab.mouse.wheel(0, -400)
            tab.wait_for_timeout(500)
            assert figure.evaluate(AXIS_LABELS_JS) != before
        check_clean(page, recorder)
    finally:
        tab.close()


@pytest.mark.parametrize("figure_page", list(FIGURES))
def test_interactive_figure_is_small(context, base_url, figure_page):
    """The figure's own weight (the vega scripts and its data) stays under 1 MB; the whole page's
    weight (every file it loads) is recorded for the closing note."""
    require_site()
    page = figure_page
    tab, recorder = new_page(context)
    sizes = {}

    def count(response):
        path = url_to_file(response.url) if is_local(response.url) else None
        if path is not None and path.is_file():
            sizes[response.url] = path.stat().st_size

    tab.on("response", count)
    try:
        tab.goto(base_url + page, wait_until="load")
        tab.wait_for_load_state("networkidle")
        spec = tab.locator("script.rnnbook-vega-spec").evaluate("(s) => s.textContent.length")
        scripts = sum(
            n for url, n in sizes.items() if "/_static/vega/" in url or "rnnbook-vega" in url
        )
        figure = scripts + spec
        SHOTS.mkdir(parents=True, exist_ok=True)
        weights = SHOTS / "weights.json"
        table = json.loads(weights.read_text()) if weights.is_file() else {}
        table[page] = {"figure_bytes": figure, "page_bytes": sum(sizes.values())}
        weights.write_text(json.dumps(table, indent=1))
        assert figure < MAX_FIGURE_BYTES, f"{page}: interactive figure weighs {figure} bytes"
        check_clean(page, recorder)
    finally:
        tab.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("figure_page", list(FIGURES))
def test_interactive_figure_fits_and_is_shot(browser, base_url, figure_page, width, scheme):
    require_site()
    page = figure_page
    ctx = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, service_workers="block"
    )
    ctx.route(
        "**/*",
        lambda route, req: route.continue_() if is_local(req.url) else route.abort("failed"),
    )
    try:
        tab, recorder, figure = open_figure(ctx, base_url, page, width)
        assert tab.evaluate("document.documentElement.dataset.theme") == scheme
        svg = figure.locator("svg").first.bounding_box()
        assert svg["x"] >= 0 and svg["x"] + svg["width"] <= width + 1, (
            f"{page}: the figure ({svg}) does not fit a {width}-px-wide screen"
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = page.removesuffix(".html").replace("/", "__")
        figure.screenshot(path=str(SHOTS / f"{name}-{width}px-{scheme}.png"))
        check_clean(page, recorder)
        tab.close()
    finally:
        ctx.close()


def test_the_figures_scripts_are_the_sites_own():
    require_site()
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (SITE / "_static" / "vega" / name).is_file()
