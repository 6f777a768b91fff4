"""A local Sphinx extension: fixes for the website that no setting can make.

Loaded by _config.yml (`sphinx.local_extensions`). `make test-site` fails without it.

Duplicate inline scripts. Sphinx 7.4 (the newest that jupyter-book 1.x accepts) adds an inline
script that an extension registers after the builder starts twice to every page: once as given
(`filename=None`) and once more from its registry (`filename=''`), and the two do not compare
equal. sphinx-thebe registers such a script, which declares `const THEBE_JS_URL`, so every page
raised "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared". This keeps the first
of every set of equal scripts on each page.
"""

from __future__ import annotations


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


def setup(app):
    app.connect("html-page-context", dedupe_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
