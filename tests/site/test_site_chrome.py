"""What every page shows around its text: a favicon of the site's own (no request for a missing
/favicon.ico), and one search box at desktop width (the theme's default adds a second one to the
top bar)."""

from __future__ import annotations

import re

from sitetools import new_page, require_site, url_to_file

VISIBLE_SEARCH_FIELDS_JS = """
() => Array.from(document.querySelectorAll('.search-button-field, form.bd-search'))
  .filter((el) => !el.closest('dialog') && el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden').length
"""


def test_page_has_a_favicon_of_the_site(base_url, context, page):
    require_site()
    tab, recorder = new_page(context)
    try:
        tab.goto(base_url + page, wait_until="load")
        if page == "index.html":  # a redirect to the root page: wait for it to land
            tab.wait_for_url(re.compile(r".*/(?!index\.html)[^/]+\.html$"))
            tab.wait_for_load_state("load")
        hrefs = tab.eval_on_selector_all('link[rel~="icon"]', "(links) => links.map((l) => l.href)")
        assert hrefs, f"{page}: no <link rel=icon>"
        for href in hrefs:
            target = url_to_file(href)
            assert target is not None and target.is_file(), f"{page}: favicon {href} missing"
        assert not [e for e in recorder.http_errors if "favicon" in e]
    finally:
        tab.close()


def test_one_search_box_at_desktop_width(base_url, context):
    require_site()
    tab, _ = new_page(context)
    try:
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.goto(base_url + "book/bptt.html", wait_until="load")
        assert tab.evaluate(VISIBLE_SEARCH_FIELDS_JS) == 1
    finally:
        tab.close()
