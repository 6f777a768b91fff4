"""The book's other editions, made from what `make book` executed: no chapter runs again.

    python _ext/editions.py student    # _build/html/student/: the site without the solutions
    python _ext/editions.py pdf        # _build/html/rnn-healthcare-book.pdf: the whole book
    python _ext/editions.py pdf --edition student   # .../rnn-healthcare-book-student.pdf

`make book` leaves each chapter's executed notebook (every output and glued value) in
_build/jupyter_execute/. An edition is staged in _build/editions/<edition>/: the book's config and
table of contents, the package's source (for the listings) and, for each chapter, its executed
notebook in place of its .md source. Sphinx then builds that tree with execution off, so the
numbers are the ones on the full site. A chapter changed since `make book` stops the edition with
one line: its notebook would show old outputs.

- The student edition drops each solution (from ```{solution-start}``` to ```{solution-end}```,
  code cells included) from the staged notebooks, so no page, search entry or download holds one.
  Its pages have no launch buttons (Binder and Live Code open the repository's chapters, which
  include the solutions); a student runs a chapter from its downloaded notebook.
- The PDF is the edition built as one page (Sphinx's singlehtml builder), printed by Chromium
  (Debian's, as the site test drives; RNNBOOK_CHROMIUM names another): A4, page numbers in the
  footer, the contents first with each chapter's page, PDF bookmarks from the headings, every
  chapter on a new page, the solutions' drop-downs opened and the folded code (hide-input) left
  out, as on the page; a table too wide even when shrunk gets a landscape page.

Loaded as a Sphinx extension (by the staged config only), this file also hands the full build's
execution report to the staged build (its reproducibility page shows it), tags the build with the
edition's name (for ```{only}``` blocks), and lets singlehtml write the nodes registered for html.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
EXECUTED = BUILD / "jupyter_execute"
SITE = BUILD / "html"
STAGE = BUILD / "editions"
EDITIONS = ("full", "student")
PDF_NAME = {"full": "rnn-healthcare-book.pdf", "student": "rnn-healthcare-book-student.pdf"}
STUDENT_DIR = "student"  # the student edition's folder inside the site
EXEC_DATA = "_exec_data.json"
CHROMIUM = os.environ.get("RNNBOOK_CHROMIUM") or "/usr/bin/chromium"

SOLUTION_START = re.compile(r"^```\{solution-start\}")
SOLUTION_END = re.compile(r"^```\{solution-end\}")


class EditionError(Exception):
    """A problem the reader can fix (a missing build, a changed chapter): one line, exit 1."""


# --- the chapters as `make book` executed them ------------------------------------------------


def toc_docnames() -> list[str]:
    """Every page in _toc.yml, root first, in reading order."""
    from rnnbook.course import TOC_FILE

    names = TOC_FILE.findall((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]


def is_notebook(source: Path) -> bool:
    """A page whose front matter names a kernel: myst-nb executes it."""
    text = source.read_text()
    return text.startswith("---") and "kernelspec:" in text.split("---", 2)[1]


def code_sources(cells) -> list[str]:
    return [cell["source"].strip() for cell in cells if cell["cell_type"] == "code"]


def executed_notebook(docname: str):
    """The notebook `make book` executed from `docname`'s .md, checked to be of this source."""
    import jupytext
    import nbformat

    source = ROOT / f"{docname}.md"
    executed = EXECUTED / f"{docname}.ipynb"
    if not executed.is_file():
        raise EditionError(f"{executed.relative_to(ROOT)} is missing: run `make book` first")
    notebook = nbformat.read(executed, as_version=4)
    if code_sources(notebook.cells) != code_sources(jupytext.read(source).cells):
        raise EditionError(
            f"{source.relative_to(ROOT)} changed since `make book` executed it: run `make book`"
        )
    return notebook


def restore_glue(notebook, docname: str, left_out: str = "") -> None:
    """Put back the glued values, in a last hidden cell. myst-nb takes each glued output out of
    the executed notebook (into <doc>.glue.json) as it renders; a staged build reads them from
    the notebook again. A key glued by code in `left_out` (the solutions) stays out, unless the
    text that remains shows it (an exercise that quotes a constant a solution glued)."""
    import nbformat

    path = EXECUTED / f"{docname}.glue.json"
    glued = json.loads(path.read_text()) if path.is_file() else {}
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    outputs = []
    for key, output in glued.items():
        by_solution = f'"{key}"' in left_out or f"'{key}'" in left_out
        if by_solution and f"`{key}`" not in text:
            continue
        prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
        output["data"] = {prefix + mime: value for mime, value in output["data"].items()}
        outputs.append(nbformat.from_dict(output))
    if outputs:
        cell = nbformat.v4.new_code_cell("# the values glued into the text", outputs=outputs)
        cell.metadata["tags"] = ["remove-cell"]
        notebook.cells.append(cell)


def strip_solutions(notebook) -> tuple[int, str]:
    """Remove every solution from `notebook` (in place): the lines of its markdown cells from a
    solution-start fence to the closing fence of its solution-end, and every cell between.
    Returns how many solutions were removed, and the code of the cells removed."""
    inside, removed, cells, code = False, 0, [], []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            if inside:
                code.append(cell.source)
            else:
                cells.append(cell)
            continue
        kept, skip_fence = [], False
        for line in cell.source.splitlines():
            if skip_fence:  # the ``` that closes a solution-end directive
                skip_fence = not line.startswith("```")
                continue
            if not inside and SOLUTION_START.match(line):
                inside, removed = True, removed + 1
            elif inside and SOLUTION_END.match(line):
                inside, skip_fence = False, True
            elif not inside:
                kept.append(line)
        if "\n".join(kept).strip():
            cell.source = "\n".join(kept)
            cells.append(cell)
    if inside:
        raise EditionError("a solution-start without its solution-end")
    notebook.cells = cells
    return removed, "\n".join(code)


# --- staging an edition -----------------------------------------------------------------------


def exec_report() -> dict:
    """Each chapter's execution report from the full build's environment (myst-nb keeps it)."""
    pickled = BUILD / ".doctrees" / "environment.pickle"
    if not pickled.is_file():
        raise EditionError(f"{pickled.relative_to(ROOT)} is missing: run `make book` first")
    with pickled.open("rb") as f:
        env = pickle.load(f)
    metadata = getattr(env, "nb_metadata", {})
    return {doc: data["exec_data"] for doc, data in metadata.items() if data.get("exec_data")}


def staged_config(edition: str) -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {**sphinx["local_extensions"], "editions": "_ext"}
    sphinx["config"]["html_context"] = {
        **sphinx["config"].get("html_context", {}),
        "rnnbook_edition": edition,
    }
    if edition == "student":
        config["title"] += " (student edition)"
        config["launch_buttons"] = {"binderhub_url": "", "thebe": False, "colab_url": ""}
    return config


def stage(edition: str) -> tuple[Path, int]:
    """Stage `edition` in _build/editions/<edition>/; returns it and the solutions removed."""
    if not (SITE / "index.html").is_file():
        raise EditionError("no built site in _build/html: run `make book` first")
    import nbformat  # (slow to import: after the check above, which a missing build fails)
    import yaml

    report = exec_report()
    dest = STAGE / edition
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "book").mkdir(parents=True)
    for name in ("code", "_ext"):
        (dest / name).symlink_to(ROOT / name, target_is_directory=True)
    for name in ("_toc.yml", "references.bib"):
        shutil.copy(ROOT / name, dest / name)
    (dest / "_config.yml").write_text(yaml.safe_dump(staged_config(edition), sort_keys=False))
    (dest / EXEC_DATA).write_text(json.dumps(report))
    removed = 0
    for docname in toc_docnames():
        source = ROOT / f"{docname}.md"
        if not is_notebook(source):
            shutil.copy(source, dest / f"{docname}.md")
            continue
        notebook, left_out = executed_notebook(docname), ""
        # Each cell's line in the .md (myst-nb's source_map), kept for the cells that stay.
        lines = dict(zip(map(id, notebook.cells), notebook.metadata["source_map"], strict=True))
        if edition == "student":
            count, left_out = strip_solutions(notebook)
            removed += count
        restore_glue(notebook, docname, left_out)
        last = max(lines.values())
        notebook.metadata["source_map"] = [lines.get(id(cell), last) for cell in notebook.cells]
        nbformat.write(notebook, dest / f"{docname}.ipynb")
    return dest, removed


def sphinx_build(source: Path, builder: str) -> Path:
    """Build the staged tree with Jupyter Book, as strictly as `make book` (-n -W)."""
    out = source / "_build"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(source)]
    command += ["--builder", builder, "-n", "-W", "--keep-going", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True)
    log = result.stdout + result.stderr
    (source / "build.log").write_text(log)
    if result.returncode or "WARNING" in log:
        warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
        print("\n".join(warnings[:20] or log.splitlines()[-20:]), file=sys.stderr)
        raise EditionError(f"the {builder} build of {source.relative_to(ROOT)} failed (above)")
    return out / builder


# --- the editions -----------------------------------------------------------------------------


def build_student() -> Path:
    """The student edition, into _build/html/student/."""
    source, removed = stage("student")
    if not removed:
        raise EditionError("no solution found to remove")
    html = sphinx_build(source, "html")
    target = SITE / STUDENT_DIR
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(html, target)
    print(f"student edition: {removed} solutions removed; the site is in {target}")
    return target


# Run in the page before printing. The one page nests every chapter in the introduction's last
# section (where its contents list stands): each chapter moves out to follow the introduction,
# starts a page, and its headings move up one level, so that the PDF's bookmarks list the chapters
# (Chromium bookmarks only the first h1). The title page gets the footer's version and licences,
# and says which edition it is.
# Code the site folds away (its plumbing: hide-input) is left out, as on the page; every other
# drop-down is opened. A display equation or table wider than the column is shrunk to fit it; a
# table that would shrink below `landscape_below` of its size gets a landscape page of its own
# (`extra` pixels wider) instead. What still sticks out past the column, or hides part of itself in
# a scroll box, is returned (and stops the PDF).
PREPARE_PRINT = """({landscape_below, extra, edition}) => {
  const article = document.querySelector(".bd-article");
  for (const mark of document.querySelectorAll('span[id^="document-"]')) {
    const section = mark.nextElementSibling;
    if (!section || section.tagName !== "SECTION") continue;
    section.classList.add("rnnbook-print-chapter");
    article.append(section);
    section.prepend(mark);  // the contents' link lands on the chapter's page, not the one before
    for (const h of section.querySelectorAll("h3, h4, h5, h6")) {
      const up = document.createElement("h" + (Number(h.tagName[1]) - 1));
      for (const a of h.attributes) up.setAttribute(a.name, a.value);
      up.append(...h.childNodes);
      h.replaceWith(up);
    }
  }
  const title = document.querySelector("#jb-print-docs-body h1");
  const version = document.querySelector(".extra_footer p");  // the version and the licences
  if (title && version) title.after(version.cloneNode(true));
  if (title && edition === "student") {
    const note = document.createElement("p");
    note.textContent = "Student edition: the exercises without their solutions.";
    title.after(note);
  }
  document.querySelectorAll(".tag_hide-input details.above-input").forEach((d) => d.remove());
  document.querySelectorAll("details").forEach((d) => (d.open = true));
  document.querySelectorAll(".toggle-hidden").forEach((e) => e.classList.remove("toggle-hidden"));
  const right = article.getBoundingClientRect().right + 1;
  const shrunk = [];
  for (const el of article.querySelectorAll('mjx-container[display="true"], table')) {
    let room = el.parentElement.getBoundingClientRect().width;
    const width = Math.max(el.scrollWidth, el.getBoundingClientRect().width);
    if (width <= room + 1) continue;
    if (el.tagName === "TABLE" && room / width < landscape_below) {
      el.classList.add("rnnbook-landscape");
      room += extra;
      shrunk.push("tables on a landscape page");
    } else {
      shrunk.push(el.tagName === "TABLE" ? "tables" : "equations");
    }
    el.style.zoom = Math.min(1, Math.floor((980 * room) / width) / 1000);
  }
  const wide = [];
  for (const el of article.querySelectorAll("*")) {
    if (el.closest("mjx-container") && el.tagName !== "MJX-CONTAINER") continue;
    if (el.closest(".rnnbook-landscape")) continue;  // laid out at the landscape page's width
    const box = el.getBoundingClientRect();
    const scrolls = getComputedStyle(el).overflowX !== "visible" && !el.matches("span.math");
    if ((box.width && box.right > right) || (scrolls && el.scrollWidth > el.clientWidth + 1))
      wide.push(`${el.tagName.toLowerCase()}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return {shrunk, wide};
}"""

# A4 with 16 mm margins: the width the page is laid out at (CSS pixels, 96 to the inch).
PAPER = {
    "format": "A4",
    "margin": {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
}
PRINT_WIDTH = round((210 - 32) / 25.4 * 96)
LANDSCAPE = {"landscape_below": 0.6, "extra": round((297 - 210) / 25.4 * 96)}  # rnnbook.css


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


_FOOTER = (
    '<div style="font-size: 8pt; width: 100%; text-align: center; color: #444;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span>{}</div>'
)
FOOTER = {"full": _FOOTER.format(""), "student": _FOOTER.format(" &middot; student edition")}


def bookmark_pages(pdf: Path) -> dict[str, int]:
    """Each bookmark's title (without its spaces: Chromium drops the one where a long title
    breaks its line) and the page it points to, the first of each title."""
    from pypdf import PdfReader

    reader, pages = PdfReader(pdf), {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                title = re.sub(r"\s", "", item.title)
                pages.setdefault(title, reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return pages


# The contents at the start of the PDF (the theme's print-only list of the chapters): each entry
# gets the page its chapter starts on, from the bookmarks of a first print.
NUMBER_CONTENTS = """(starts) => {
  let numbered = 0;
  document.querySelectorAll(".rnnbook-toc-page").forEach((old) => old.remove());
  for (const link of document.querySelectorAll('#jb-print-toc a[href^="#document-"]')) {
    const page = starts[link.textContent.replace(/\\s/g, "")];
    if (!page) continue;
    const number = document.createElement("span");
    number.className = "rnnbook-toc-page";
    number.textContent = page;
    link.append(number);
    numbered += 1;
  }
  return numbered;
}"""


def print_pdf(site: Path, page_path: str, pdf: Path, edition: str = "full") -> dict:
    """Print the page `page_path` of the site in `site` to `pdf` with Chromium; returns what was
    shrunk to fit."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        raise EditionError(f"no Chromium at {CHROMIUM}: install chromium or set RNNBOOK_CHROMIUM")
    # Served over HTTP, as a reader's browser gets it (MathJax loads its parts by URL).
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{page_path}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": PRINT_WIDTH, "height": 1000})
        page.emulate_media(media="print", color_scheme="light")
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.MathJax && MathJax.startup", timeout=60_000)
        page.evaluate("() => MathJax.startup.promise")
        fitted = page.evaluate(PREPARE_PRINT, {**LANDSCAPE, "edition": edition})
        if fitted["wide"]:
            raise EditionError(f"wider than the page: {fitted['wide'][:5]}")
        # Twice: the first print tells on which page each chapter starts (its bookmark), which
        # the contents then show; the second must put every chapter on the same page (if the
        # numbers moved a chapter, the contents are numbered again from the new print).
        options = {
            "path": str(pdf),
            **PAPER,
            "print_background": True,
            "display_header_footer": True,
            "header_template": "<span></span>",
            "footer_template": FOOTER[edition],
            "outline": True,
            "tagged": True,
        }
        page.pdf(**options)
        starts = bookmark_pages(pdf)
        for _ in range(3):
            fitted["numbered"] = page.evaluate(NUMBER_CONTENTS, starts)
            page.pdf(**options)
            starts, before = bookmark_pages(pdf), starts
            if starts == before:
                break
        else:
            raise EditionError("the contents' page numbers keep moving the chapters")
        browser.close()
    server.shutdown()
    return fitted


def build_pdf(edition: str) -> Path:
    """The PDF of `edition`, into the site (beside the pages that link to it)."""
    source, _ = stage(edition)
    singlehtml = sphinx_build(source, "singlehtml")
    pdf = source / PDF_NAME[edition]
    # The one page is written as the root's (book/intro.html; index.html redirects there), but its
    # links to assets are relative to the site's root, as if it were there: so it is put there.
    shutil.copy(singlehtml / (toc_docnames()[0] + ".html"), singlehtml / "print.html")
    fitted = print_pdf(singlehtml, "print.html", pdf, edition)
    chapters = len(toc_docnames()) - 1
    if fitted["numbered"] != chapters:
        raise EditionError(f"the contents number {fitted['numbered']} of {chapters} chapters")
    target = SITE / (STUDENT_DIR if edition == "student" else "") / PDF_NAME[edition]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, target)
    from pypdf import PdfReader

    pages = len(PdfReader(target).pages)
    size = target.stat().st_size / 2**20
    shrunk = ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(fitted["shrunk"]).items()))
    print(
        f"{target.relative_to(ROOT)}: {pages} pages, {size:.1f} MiB ({shrunk or 'nothing'} shrunk to fit)"
    )
    return target


# --- as a Sphinx extension (staged builds only) -----------------------------------------------


def add_exec_report(app, env):
    """The full build's execution report, for the reproducibility page's table."""
    from myst_nb.sphinx_ import NbMetadataCollector

    path = Path(app.confdir) / EXEC_DATA
    for docname, data in json.loads(path.read_text()).items():
        NbMetadataCollector.set_doc_data(env, docname, "exec_data", data)


def html_handlers_for_singlehtml(app):
    """Extensions register how to write their nodes for the builder named "html" (myst-nb's
    hidden cells, jupyter-book's contents node); the singlehtml builder writes the same HTML."""
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, visitors in handlers.get("html", {}).items():
        single.setdefault(node, visitors)


def tag_edition(app, config):
    """The edition's name as a Sphinx tag, for the ```{only}``` blocks that differ by edition
    (the full build, which does not load this extension, has no such tag)."""
    app.tags.add(config.html_context.get("rnnbook_edition", "full"))


def setup(app):
    app.connect("config-inited", tag_edition)
    app.connect("env-updated", add_exec_report, priority=400)
    app.connect("builder-inited", html_handlers_for_singlehtml)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["student", "pdf"])
    parser.add_argument("--edition", choices=EDITIONS, default="full", help="for pdf")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.what == "student":
            build_student()
        else:
            build_pdf(args.edition)
    except EditionError as error:
        print(f"editions: {error}", file=sys.stderr)
        return 1
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
