"""Fixtures for the browser test of the built site (`make test-site`, after `make book`).

The site in `_build/html` (or `RNNBOOK_SITE_DIR`) is served by Python's http.server on 127.0.0.1
and visited by a real Chromium, driven by Playwright: by default Debian's `/usr/bin/chromium`
(`RNNBOOK_CHROMIUM` names another; Playwright's own browser download is never used). Each page is
visited once; what the reader would meet there is recorded in a `PageReport`, and the tests in
test_site.py check those reports. A full-page screenshot of every page goes to
`_build/screenshots/` for a person to look at.

Nothing here skips: a missing site or browser fails every test with a message that says what to
run. The default `make test` does not collect this folder (see `norecursedirs` in pyproject.toml).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest
from sitetools import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COLLECT_JS,
    NOT_BUILT,
    SCREENSHOTS,
    SITE,
    PageReport,
    QuietHandler,
    chapter_docnames,
    is_local,
    new_page,
    require_site,
    screenshot_path,
    site_pages,
)


def pytest_generate_tests(metafunc):
    """`page` runs a test on every page of the built site; `chapter` on every notebook chapter.
    With no site, both get one parameter that fails (never an empty, silently passing list)."""
    if "page" in metafunc.fixturenames:
        metafunc.parametrize("page", site_pages() or [NOT_BUILT])
    if "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", chapter_docnames() or ["<no chapter in _toc.yml>"])


# --- serving the site and driving the browser ----------------------------------------------


@pytest.fixture(scope="session")
def base_url():
    """The built site, served on 127.0.0.1 on a free port for the whole session."""
    require_site()
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium` (or set RNNBOOK_CHROMIUM)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the session. Requests to any host but 127.0.0.1 are aborted and
    recorded by the page's Recorder: the site must work without them."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    ctx.set_default_timeout(30_000)

    def route(route, request):
        if is_local(request.url):
            route.continue_()
        else:
            recorder = getattr(request.frame.page, "_rnnbook_recorder", None)
            if recorder is not None:
                recorder.external_requests.append(request.url)
            route.abort("internetdisconnected")

    ctx.route("**/*", route)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def visit(base_url, context):
    """visit(page) -> PageReport; each page is loaded once per session."""
    require_site()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reports: dict[str, PageReport] = {}

    def _visit(page: str) -> PageReport:
        if page == NOT_BUILT:
            require_site()
        if page not in reports:
            tab, recorder = new_page(context)
            url = base_url + page
            tab.goto(url, wait_until="load")
            if page == "index.html":  # a redirect to the root page: wait for it to land
                tab.wait_for_url(re.compile(r".*/(?!index\.html)[^/]+\.html$"))
                tab.wait_for_load_state("load")
            tab.wait_for_load_state("networkidle")
            data = tab.evaluate(COLLECT_JS)
            shot = screenshot_path(page)
            tab.screenshot(path=str(shot), full_page=True)
            reports[page] = PageReport(
                page=page,
                url=url,
                final_url=tab.url,
                recorder=recorder,
                images=data["images"],
                links=data["links"],
                ids=data["ids"],
                math=data["math"],
                figures=data["figures"],
                code=data["code"],
                header=data["header"],
                thebe_config=data["thebeConfig"],
                screenshot=shot,
            )
            tab.close()
        return reports[page]

    return _visit
