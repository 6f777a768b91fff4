"""Helpers of the browser test of the built site: what the book says about itself (_config.yml,
_toc.yml, the chapters' sources), and what a browser page did (the Recorder, the PageReport)."""

from __future__ import annotations

import http.server
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("RNNBOOK_SITE_DIR") or REPO / "_build" / "html").resolve()
SCREENSHOTS = SITE.parent / "screenshots"
CHROMIUM = os.environ.get("RNNBOOK_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NOT_BUILT = "<site not built>"
# Folders of the built site that hold assets and downloads, not pages; and the student edition
# (make book-student), the same pages without the solutions, which test_editions.py checks.
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads"}
EDITION_DIRS = {"student"}


# --- the book's own description of itself: _config.yml and _toc.yml -------------------------


def toc_docnames() -> list[str]:
    """Every page of the book in _toc.yml, root first, in reading order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]


def source_of(docname: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = REPO / f"{docname}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"{docname}: listed in _toc.yml but no .md or .ipynb source")


def is_notebook(source: Path) -> bool:
    """A page is a chapter that runs (and gets launch buttons) when it is a notebook: an .ipynb,
    or a MyST Markdown file whose front matter has a kernelspec (as sphinx-book-theme decides)."""
    if source.suffix == ".ipynb":
        return True
    text = source.read_text()
    if not text.startswith("---"):
        return False
    front = text.split("---", 2)[1]
    meta = yaml.safe_load(front) or {}
    return "kernelspec" in meta or "kernelspec" in (meta.get("jupytext") or {})


def chapter_docnames() -> list[str]:
    return [name for name in toc_docnames() if is_notebook(source_of(name))]


def site_pages() -> list[str]:
    """Every HTML page of the built site, relative to its root (assets left out)."""
    if not (SITE / "index.html").is_file():
        return []
    pages = []
    for path in sorted(SITE.rglob("*.html")):
        rel = path.relative_to(SITE)
        if rel.parts[0] not in ASSET_DIRS | EDITION_DIRS:
            pages.append(rel.as_posix())
    return pages


def require_site() -> None:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site in {SITE}: run `make book` first", pytrace=False)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


@dataclass
class Recorder:
    """What a browser page did: console errors, page errors, requests."""

    console_errors: list[str] = field(default_factory=list)  # real errors: fail the test
    offline_errors: list[str] = field(default_factory=list)  # expected offline: reported only
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.http_errors.append(f"{r.status} {r.url}"),
        )

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        text = f"{msg.text} ({where})" if where else msg.text
        # The one kind of console error that is expected here: a request to a host other than
        # 127.0.0.1 failed. Every such request is aborted (see `context`), as it would fail in
        # this offline sandbox anyway, and Chromium reports each abort as a console error
        # "Failed to load resource: net::ERR_..." located at the *external* URL. Those are not
        # counted as page errors; the requests themselves are checked separately
        # (test_no_third_party_requests). Any other console error fails the page.
        if msg.text.startswith("Failed to load resource") and where and not is_local(where):
            self.offline_errors.append(text)
        else:
            self.console_errors.append(text)


def new_page(context):
    page = context.new_page()
    recorder = Recorder()
    recorder.attach(page)
    page._rnnbook_recorder = recorder
    return page, recorder


# --- one visit per page ---------------------------------------------------------------------


@dataclass
class PageReport:
    page: str
    url: str
    final_url: str
    recorder: Recorder
    images: list[dict]
    links: list[dict]
    ids: list[str]
    math: dict
    figures: list[dict]
    code: dict
    header: dict
    thebe_config: str | None
    screenshot: Path


COLLECT_JS = """
async () => {
  // Load every image now, lazy ones included, and wait for each to load or fail.
  const imgs = Array.from(document.images);
  imgs.forEach((img) => { img.loading = 'eager'; });
  await Promise.all(imgs.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener('load', done); img.addEventListener('error', done);
    setTimeout(done, 15000);
  })));
  // MathJax typesets after the page loads; wait for its first pass to finish.
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const article = document.querySelector('article') || document.body;
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : null);
  const thebe = document.querySelector('script[type="text/x-thebe-config"]');
  return {
    images: imgs.map((img) => ({
      src: img.currentSrc || img.src, naturalWidth: img.naturalWidth,
      alt: img.getAttribute('alt'), inFigure: !!img.closest('figure'),
    })),
    links: Array.from(document.querySelectorAll('a[href]')).map((a) => ({
      href: a.href, raw: a.getAttribute('href'), text: text(a),
      inArticle: article.contains(a),
      inHeaderButtons: !!a.closest('.article-header-buttons'),
    })),
    ids: Array.from(document.querySelectorAll('[id], a[name]')).map((e) => e.id || e.name),
    math: {
      nodes: article.querySelectorAll('.math').length,
      typeset: article.querySelectorAll('mjx-container').length,
      texErrors: Array.from(article.querySelectorAll('mjx-merror')).map(text),
      mathjaxLoaded: !!(window.MathJax && MathJax.version),
    },
    figures: Array.from(article.querySelectorAll('figure')).map((f) => ({
      id: f.id, number: text(f.querySelector('.caption-number')),
      caption: text(f.querySelector('figcaption .caption-text') || f.querySelector('figcaption')),
      imgs: Array.from(f.querySelectorAll('img')).map((i) => ({
        alt: i.getAttribute('alt'), src: i.getAttribute('src'),
      })),
      // An interactive figure (rnnbook.interactive): its text alternative is the aria-label.
      interactive: Array.from(f.querySelectorAll('.rnnbook-vega')).map((v) => ({
        alt: v.getAttribute('aria-label'), src: '',
      })),
    })),
    code: {
      cellInputs: article.querySelectorAll('.cell_input div.highlight').length,
      cellInputsWithCopy: Array.from(article.querySelectorAll('.cell_input div.highlight'))
        .filter((h) => h.querySelector('button.copybtn')).length,
      copyButtons: article.querySelectorAll('button.copybtn').length,
      outputs: article.querySelectorAll('.cell_output').length,
    },
    header: {
      buttons: Array.from(document.querySelectorAll('.article-header-buttons button[onclick]'))
        .map((b) => ({onclick: b.getAttribute('onclick'), text: text(b)})),
      functions: {
        initThebeSBT: typeof window.initThebeSBT, initThebe: typeof window.initThebe,
        toggleFullScreen: typeof window.toggleFullScreen,
      },
    },
    thebeConfig: thebe ? thebe.textContent : null,
  };
}
"""


def screenshot_path(page: str) -> Path:
    return SCREENSHOTS / (page.removesuffix(".html").replace("/", "__") + ".png")


def url_to_file(url: str) -> Path | None:
    """The file of the built site that a 127.0.0.1 URL names (None if it leaves the site)."""
    path = unquote(urlsplit(url).path)
    target = (SITE / path.lstrip("/")).resolve()
    if target != SITE and SITE not in target.parents:
        return None
    if target.is_dir():
        target = target / "index.html"
    return target
