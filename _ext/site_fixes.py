"""A local Sphinx extension: fixes for the website that no setting can make.

Loaded by _config.yml (`sphinx.local_extensions`). `make test-site` fails without it.

Duplicate inline scripts. Sphinx 7.4 (the newest that jupyter-book 1.x accepts) adds an inline
script that an extension registers after the builder starts twice to every page: once as given
(`filename=None`) and once more from its registry (`filename=''`), and the two do not compare
equal. sphinx-thebe registers such a script, which declares `const THEBE_JS_URL`, so every page
raised "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared". This keeps the first
of every set of equal scripts on each page.

Encrypted kernels. myst-nb executes each chapter through nbclient, which starts its kernel with
jupyter_client's `KernelManager` and an empty traitlets config (myst-nb passes none, and no config
file reaches it). Its default is TCP on 127.0.0.1 without encryption, and ipykernel >= 7 then logs
"[IPKernelApp] WARNING | Kernel is running over TCP without encryption ..." for every chapter.
This sets the default of `KernelManager.transport_encryption` (jupyter_client >= 8.9) to "auto":
the manager provisions CurveZMQ keys for kernels whose kernelspec declares support (ipykernel's
python3 does), the remedy the warning names. (The IPC transport, its other remedy, puts its socket
files in the kernel's working directory, the chapter's folder, relative to the manager's: the kernel
never answers.) It applies to `make book` and to a plain `jupyter-book build` alike, and only in
the build process; JupyterLab and Binder keep their own settings.

Accessibility (WCAG 2.1 A/AA, checked by axe-core in `make test-site`), and the favicon:
- templates/ overrides two of the theme's components (see each file): the search field and the
  light/dark switch, whose accessible names left out their visible text.
- static/favicon.svg: the site's icon (html.favicon in _config.yml).
- static/rnnbook.css: a link colour with enough contrast on the pale boxes of the light scheme;
  pages that fit (equations and tables scroll in the column, code and outputs wrap, captions).
- static/rnnbook-scroll.js: a table or equation that scrolls is focusable by keyboard.
- Interactive figures (rnnbook.interactive): the pages that hold one get the vega, vega-lite and
  vega-embed scripts (static/vega/, served by the site: no CDN) and static/rnnbook-vega.js.
- Bibliography entries: docutils marks each with role="doc-biblioentry", deprecated in DPUB-ARIA
  1.1 and so not a list item of the role="list" that holds them (axe: aria-deprecated-role, and
  aria-required-children on the list). They become role="listitem", as DPUB-ARIA 1.1 advises.
"""

from __future__ import annotations

from pathlib import Path


def _script_key(script) -> tuple:
    attributes = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
    return (script.filename or "", script.priority, attributes)


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _script_key(script) if hasattr(script, "attributes") else ("", 0, (("src", script),))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


HERE = Path(__file__).resolve().parent


def add_paths(app, config) -> None:
    config.templates_path.insert(0, str(HERE / "templates"))
    config.html_static_path.append(str(HERE / "static"))


VEGA_SCRIPTS = ["vega/vega.min.js", "vega/vega-lite.min.js", "vega/vega-embed.min.js"]


def interactive_figures(app, pagename, templatename, context, doctree) -> None:
    """The scripts of the interactive figures, on the pages that have one (and only there)."""
    body = context.get("body") or ""
    if 'class="rnnbook-vega"' in body:
        for script in VEGA_SCRIPTS:
            app.add_js_file(script)
        app.add_js_file("rnnbook-vega.js")


def bibliography_as_list(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def encrypt_kernels(app, config) -> None:
    import zmq
    from jupyter_client.manager import KernelManager

    trait = KernelManager.class_traits().get("transport_encryption")
    if trait is not None and zmq.has("curve"):
        trait.default_value = "auto"


def setup(app):
    app.connect("config-inited", add_paths)
    app.connect("config-inited", encrypt_kernels)
    app.connect("html-page-context", bibliography_as_list)
    app.connect("html-page-context", interactive_figures, priority=400)
    app.add_css_file("rnnbook.css")
    app.add_js_file("rnnbook-scroll.js")  # scrolling tables and equations are keyboard-reachable
    app.connect("html-page-context", dedupe_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
