"""Accessibility of the built site (`make test-site`): axe-core's WCAG 2.1 A and AA rules on every
page, in the light and in the dark colour scheme, must find no violation of any impact.

axe-core comes from PyPI, in the pinned axe-playwright-python package (requirements.txt), which
ships axe.min.js (axe-core 4.12.1); RNNBOOK_AXE_JS may name another axe.min.js. The script is
injected into each page after it has loaded (and MathJax has typeset), then `axe.run` checks the
whole document. The scheme is the browser's `prefers-color-scheme`, which the site follows (its
theme switch starts on "auto").
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import pytest
from sitetools import is_local, require_site


def _axe_path() -> Path | None:
    if os.environ.get("RNNBOOK_AXE_JS"):
        return Path(os.environ["RNNBOOK_AXE_JS"])
    try:
        return Path(str(importlib.resources.files("axe_playwright_python") / "axe.min.js"))
    except ModuleNotFoundError:
        return None


AXE_JS = _axe_path()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = ["light", "dark"]

RUN_AXE_JS = """
async (tags) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}
"""


def axe_script() -> str:
    if AXE_JS is None or not AXE_JS.is_file():
        pytest.fail(
            f"no axe-core ({AXE_JS}): `make venv` installs axe-playwright-python",
            pytrace=False,
        )
    return AXE_JS.read_text()


@pytest.fixture(scope="module", params=SCHEMES)
def scheme_context(request, browser):
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900},
        color_scheme=request.param,
        service_workers="block",
    )
    ctx.set_default_timeout(30_000)
    ctx.route(
        "**/*",
        lambda route, req: route.continue_() if is_local(req.url) else route.abort("failed"),
    )
    yield request.param, ctx
    ctx.close()


def axe_violations(ctx, url: str) -> list[dict]:
    tab = ctx.new_page()
    try:
        tab.goto(url, wait_until="load")
        tab.wait_for_load_state("networkidle")
        tab.add_script_tag(content=axe_script())
        return tab.evaluate(RUN_AXE_JS, WCAG_TAGS)
    finally:
        tab.close()


def test_axe_finds_no_wcag_violation(scheme_context, base_url, page):
    require_site()
    scheme, ctx = scheme_context
    violations = axe_violations(ctx, base_url + page)
    summary = [
        f"{v['impact']} {v['id']} ({v['help']}): "
        + "; ".join(f"{n['target']}" for n in v["nodes"][:5])
        + (f" and {len(v['nodes']) - 5} more" if len(v["nodes"]) > 5 else "")
        for v in violations
    ]
    assert not violations, f"{page} ({scheme} scheme): axe found\n" + "\n".join(summary)
