"""The built site, checked in a real browser as a reader meets it (`make test-site`).

Every page: loads with no console error and no uncaught script error, requests nothing from a
third party (no trackers, no CDN), typesets its math, loads every image, numbers and captions its
figures with alt text, and every link inside the site resolves (file and #anchor). Every chapter
(a notebook page): a Binder and a Live Code button naming this repository, branch main and the
chapter's path, download buttons for the executed .ipynb and the .md source, copy buttons on its
code. The search page finds "GRU". The root page maps every chapter. See conftest.py for how
pages are served and visited, and for the one kind of console error that is not counted.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from sitetools import (
    REPO,
    SCREENSHOTS,
    SITE,
    chapter_docnames,
    is_local,
    new_page,
    require_site,
    site_pages,
    source_of,
    toc_docnames,
    url_to_file,
)

# The repository the launch buttons must name (the requirement, not read from config).
REPOSITORY = "https://github.com/rnn-healthcare/rnn-healthcare-book"
ORG_REPO = "rnn-healthcare/rnn-healthcare-book"
BRANCH = "main"
BINDERHUB = "https://mybinder.org"
# The only places outside the site that a header button may lead to.
EXTERNAL_BUTTON_TARGETS = (REPOSITORY, f"{BINDERHUB}/v2/gh/{ORG_REPO}/{BRANCH}?")
# What the onclick of a header button may call, and the function it needs on the page.
HEADER_ACTIONS = {
    "initThebeSBT()": "initThebeSBT",
    "toggleFullScreen()": "toggleFullScreen",
    "window.print()": None,
}


def binder_url(docname: str) -> str:
    path = source_of(docname).relative_to(REPO).as_posix()
    return f"{BINDERHUB}/v2/gh/{ORG_REPO}/{BRANCH}?urlpath=lab/tree/{path}"


# --- the book and the site agree ------------------------------------------------------------


def test_the_site_has_every_page_of_the_toc():
    require_site()
    pages = set(site_pages())
    missing = [name for name in toc_docnames() if f"{name}.html" not in pages]
    assert not missing, f"pages in _toc.yml but not in {SITE}: {missing}"
    assert chapter_docnames(), "no notebook chapter in _toc.yml: nothing to launch or run"


def test_binder_url_of_each_chapter_is_right():
    """Without a browser: the expected URL of every chapter, from its source file's path."""
    for docname in chapter_docnames():
        url = binder_url(docname)
        path = url.split("urlpath=lab/tree/", 1)[1]
        assert (REPO / path).is_file()
        assert url == f"https://mybinder.org/v2/gh/{ORG_REPO}/main?urlpath=lab/tree/{path}"


# --- every page -----------------------------------------------------------------------------


def test_page_loads_without_errors(visit, page):
    report = visit(page)
    rec = report.recorder
    assert not rec.page_errors, f"{page}: uncaught script errors: {rec.page_errors}"
    assert not rec.console_errors, f"{page}: console errors: {rec.console_errors}"
    local_http_errors = [e for e in rec.http_errors if is_local(e.split(" ", 1)[1])]
    assert not local_http_errors, f"{page}: failed requests: {local_http_errors}"
    assert report.screenshot.is_file() and report.screenshot.stat().st_size > 0
    if page == "index.html":
        root = toc_docnames()[0]
        assert report.final_url.endswith(f"/{root}.html"), report.final_url


def test_no_third_party_requests(visit, page):
    """No analytics, comment widgets, fonts or scripts from a CDN: a page loads only from the
    site itself (MathJax included). Live Code loads Thebe from a CDN, but only when clicked."""
    report = visit(page)
    assert not report.recorder.external_requests, (
        f"{page} requested {report.recorder.external_requests}"
    )


def test_every_image_loads(visit, page):
    report = visit(page)
    broken = [img["src"] for img in report.images if not img["naturalWidth"]]
    assert not broken, f"{page}: images that did not load: {broken}"


def test_math_is_typeset(visit, page):
    math = visit(page).math
    if math["nodes"]:
        assert math["mathjaxLoaded"], f"{page} has math but MathJax did not load"
        assert math["typeset"] >= math["nodes"], f"{page}: math not typeset: {math}"
    assert not math["texErrors"], f"{page}: TeX errors: {math['texErrors']}"


def test_some_page_has_math(visit):
    """The math check above is not vacuous: the book's math does get typeset somewhere."""
    require_site()
    assert any(visit(page).math["typeset"] for page in site_pages())


def test_no_figure_is_drawn_as_text():
    """A matplotlib figure that reached the page without an image shows as its repr, e.g.
    `<Figure size 800x750 with 5 Axes>` (what a non-inline backend such as MPLBACKEND=Agg gives
    when nothing registers the PNG formatter)."""
    require_site()
    drawn_as_text = [
        page for page in site_pages() if "&lt;Figure size" in (SITE / page).read_text()
    ]
    assert not drawn_as_text, f"figures shown as text instead of images on: {drawn_as_text}"


def cut_table_cells(html: str) -> list[str]:
    """The cells of the page's tables whose text pandas cut: a cell ending in "..." (a cut string)
    or holding only "..." (a cut row or column)."""
    cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", html, flags=re.S)
    texts = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    return [t for t in texts if t.endswith(("...", "\u2026"))]


def test_cut_table_cells_are_found():
    html = "<table><tr><td>intracranial, seizure-free, epileptog...</td><td>0.5</td></tr></table>"
    assert cut_table_cells(html) == ["intracranial, seizure-free, epileptog..."]
    assert cut_table_cells("<table><tr><th>...</th><td>whole</td></tr></table>") == ["..."]
    assert cut_table_cells("<table><tr><td>whole</td></tr></table>") == []


def test_no_table_cell_is_cut():
    """No number or word of a table is hidden behind pandas' "..." (display.max_colwidth)."""
    require_site()
    cut = {
        page: found
        for page in site_pages()
        if (found := cut_table_cells((SITE / page).read_text()))
    }
    assert not cut, f"table cells cut on: {cut}"


def test_figures_are_numbered_with_captions_and_alt_text(visit, page):
    for figure in visit(page).figures:
        name = figure["id"] or figure["caption"]
        shown = figure["imgs"] + figure.get("interactive", [])
        assert shown, f"{page}: figure {name} has no image and no interactive chart"
        assert figure["number"] and re.fullmatch(r"Fig\. \d+(\.\d+)*", figure["number"]), name
        assert figure["caption"], f"{page}: figure {name} has no caption"
        for img in shown:
            alt = (img["alt"] or "").strip()
            assert alt and alt not in img["src"], f"{page}: figure {name} has no alt text"


def test_internal_links_resolve(visit, page):
    """Every link into the site names a file that exists, and its #anchor an id in that page."""
    report = visit(page)
    problems = []
    ids_of: dict = {}
    for link in report.links:
        href = link["href"]
        if not href.startswith(("http://", "https://")) or not is_local(href):
            continue
        target = url_to_file(href)
        if target is None or not target.is_file():
            problems.append(f"{link['raw']} -> missing {target}")
            continue
        fragment = urlsplit(href).fragment
        if fragment and target.suffix == ".html":
            if target not in ids_of:
                text = target.read_text(errors="replace")
                ids_of[target] = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
            if fragment not in ids_of[target]:
                problems.append(f"{link['raw']} -> no #{fragment} in {target.name}")
    assert not problems, f"{page}: broken internal links: {problems}"


def test_header_buttons_lead_somewhere(visit, page):
    """No Colab (or any other) button that leads nowhere: header links go into the site, to this
    repository or to this repository's Binder; header buttons call a function the page has."""
    report = visit(page)
    for link in report.links:
        if link["inHeaderButtons"] and not is_local(link["href"]):
            assert link["href"].startswith(EXTERNAL_BUTTON_TARGETS), (page, link)
        assert "colab.research.google.com" not in link["href"], (page, link)
    for button in report.header["buttons"]:
        assert button["onclick"] in HEADER_ACTIONS, (page, button)
        function = HEADER_ACTIONS[button["onclick"]]
        if function:
            assert report.header["functions"][function] == "function", (page, button)


# --- every chapter --------------------------------------------------------------------------


def chapter_report(visit, chapter):
    return visit(f"{chapter}.html")


def test_chapter_launch_buttons(visit, context, base_url, chapter):
    """The rocket menu shows Binder and Live Code; Binder opens this chapter's source in
    JupyterLab on this repository's main branch; Live Code starts its kernel, on a Binder of the
    same repository and branch, in the chapter's folder, and clicking it starts loading Thebe."""
    require_site()
    tab, recorder = new_page(context)
    tab.goto(f"{base_url}{chapter}.html", wait_until="load")
    tab.click(".dropdown-launch-buttons .dropdown-toggle")
    menu = tab.locator(".dropdown-launch-buttons .dropdown-menu")
    binder = menu.get_by_role("link", name="Binder")
    live = menu.get_by_role("button", name="Live Code")
    assert binder.is_visible() and live.is_visible()
    assert binder.get_attribute("href") == binder_url(chapter)
    tab.screenshot(path=str(SCREENSHOTS / (chapter.replace("/", "__") + "--launch-menu.png")))

    config = tab.locator('script[type="text/x-thebe-config"]').text_content()
    assert re.search(rf'repo:\s*"{re.escape(ORG_REPO)}"', config), config
    assert re.search(rf'ref:\s*"{BRANCH}"', config), config
    folder = source_of(chapter).parent.relative_to(REPO).as_posix()
    path = re.search(r'path:\s*"([^"]*)"', config).group(1)
    assert path.strip("./") == folder, f"kernel path {path!r} is not the chapter's folder"

    # Clicking Live Code loads Thebe (from its CDN: aborted offline, but asked for).
    live.click()
    tab.wait_for_timeout(1500)
    assert any("thebe" in url for url in recorder.external_requests), recorder.external_requests
    assert not recorder.page_errors, recorder.page_errors
    tab.close()


def test_chapter_downloads(visit, chapter):
    """The download menu offers the executed notebook and the chapter's source."""
    report = chapter_report(visit, chapter)
    links = {link["text"]: link["href"] for link in report.links if link["inHeaderButtons"]}
    assert ".ipynb" in links and ".md" in links, links
    notebook = json.loads(url_to_file(links[".ipynb"]).read_text())
    assert notebook["nbformat"] == 4 and notebook["metadata"]["kernelspec"]["name"]
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("execution_count") for cell in code), "not every cell was executed"
    assert url_to_file(links[".md"]).read_bytes() == source_of(chapter).read_bytes()


def test_chapter_code_has_copy_buttons(visit, chapter):
    code = chapter_report(visit, chapter).code
    assert code["cellInputsWithCopy"] == code["cellInputs"], code


def test_some_chapter_has_executed_code_with_copy_buttons(visit):
    """The two checks above are not vacuous: some chapter has code, outputs and copy buttons."""
    require_site()
    reports = [chapter_report(visit, chapter) for chapter in chapter_docnames()]
    assert any(r.code["cellInputs"] and r.code["copyButtons"] for r in reports)
    assert any(r.code["outputs"] for r in reports), "no chapter shows an output"


# --- site-wide ------------------------------------------------------------------------------


def test_root_page_maps_every_chapter(visit):
    """The root page says how to use the book and links every other page of the toc."""
    root, *others = toc_docnames()
    report = visit(f"{root}.html")
    article = {
        url_to_file(link["href"]) for link in report.links if link["inArticle"] and link["href"]
    }
    missing = [name for name in others if SITE / f"{name}.html" not in article]
    assert not missing, f"the root page does not link to {missing}"


def test_search_finds_gru(context, base_url):
    require_site()
    tab, recorder = new_page(context)
    tab.goto(f"{base_url}search.html?q=GRU", wait_until="load")
    results = tab.locator("#search-results ul.search li")
    results.first.wait_for(state="attached", timeout=20_000)
    assert results.count() >= 1
    hrefs = [a.get_attribute("href") for a in results.locator("a").all()]
    assert any(h and ".html" in h for h in hrefs), hrefs
    tab.screenshot(path=str(SCREENSHOTS / "search-GRU.png"), full_page=True)
    assert not recorder.console_errors and not recorder.page_errors
    tab.close()


def test_screenshots_of_every_page(visit):
    """One full-page screenshot per page of the site, in _build/screenshots/."""
    require_site()
    pages = site_pages()
    missing = [p for p in pages if not visit(p).screenshot.is_file()]
    assert not missing, missing
    assert len(list(SCREENSHOTS.glob("*.png"))) >= len(pages)
