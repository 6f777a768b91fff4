"""How the book is published and launched: the GitHub workflows, the Binder recipe, the launch
settings of _config.yml and the cold build. Plain file checks, no build: the built site itself is
checked in a browser by tests/site (make test-site)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
REPOSITORY = "https://github.com/rnn-healthcare/rnn-healthcare-book"


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    return {on: None} if isinstance(on, str) else on


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def runs(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(workflow))


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert files, "no workflow in .github/workflows"
    return {path.name: load_yaml(path) for path in files}


def test_workflows_use_only_standard_actions(workflows):
    for name, workflow in workflows.items():
        assert workflow["jobs"], name
        for step in steps(workflow):
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), (name, step["uses"])


def test_publish_workflow_builds_cold_and_deploys_to_pages(workflows):
    publish = [w for w in workflows.values() if "push" in triggers(w)]
    assert len(publish) == 1, "one workflow runs on push"
    workflow = publish[0]
    assert triggers(workflow)["push"]["branches"] == ["main"]
    assert "make book" in runs(workflow)
    uses = {step["uses"].split("@")[0]: step for step in steps(workflow) if "uses" in step}
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_build/html"
    deploy = next(
        job
        for job in workflow["jobs"].values()
        if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in job["steps"])
    )
    assert deploy["needs"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


def test_no_workflow_restores_an_execution_cache(workflows):
    """jupyter-cache hashes only the cells: a restored cache would hide a package change."""
    for name, workflow in workflows.items():
        for step in steps(workflow):
            if step.get("uses", "").startswith("actions/cache@"):
                path = str(step["with"]["path"])
                assert "_build" not in path and "jupyter_cache" not in path, (name, path)


def test_pull_request_workflow_tests_and_builds(workflows):
    checks = [w for w in workflows.values() if "pull_request" in triggers(w)]
    assert len(checks) == 1, "one workflow runs on pull requests"
    commands = runs(checks[0])
    for command in ("make test", "make book", "make test-site"):
        assert command in commands.splitlines(), command


def test_make_book_is_cold():
    config = load_yaml(REPO / "_config.yml")
    assert config["execute"]["execute_notebooks"] == "force"
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^book:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "rm -rf _build/html _build/jupyter_execute _build/.doctrees" in recipe
    assert "--all" in recipe and "-W" in recipe


def test_launch_settings():
    config = load_yaml(REPO / "_config.yml")
    assert config["repository"] == {"url": REPOSITORY, "branch": "main"}
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["notebook_interface"] == "jupyterlab"
    assert launch["thebe"] is True
    assert not launch.get("colab_url"), "Colab opens only .ipynb files: no Colab button"
    sphinx = config["sphinx"]
    thebe = sphinx["config"]["thebe_config"]
    assert thebe["repository_url"] == REPOSITORY and thebe["repository_branch"] == "main"
    assert thebe["path_to_docs"] == "."  # the kernel starts in ./<chapter's folder>
    if "html_theme_options" in sphinx["config"]:
        # A custom html_theme_options replaces the launch settings unless merged into them.
        assert sphinx.get("recursive_update") is True
    html = config.get("html", {})
    assert not html.get("analytics") and not html.get("comments"), "no trackers, no widgets"


def test_binder_recipe():
    """repo2docker reads binder/ (and then ignores the root's files): the root requirements plus
    the CPU build of the same torch, and a postBuild that makes .md files open as notebooks."""
    root = requirement_lines(REPO / "requirements.txt")
    binder = requirement_lines(REPO / "binder" / "requirements.txt")
    assert "-e ." in root
    assert not any(line.startswith(("--index-url", "--extra-index-url", "-i ")) for line in root)
    for package in ("jupyterlab", "jupyterlab-myst", "jupytext", "ipykernel"):
        assert any(re.match(rf"{package}\b(?![-_])", line) for line in root), package
    torch = next(line for line in root if line.startswith("torch=="))
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in binder
    assert f"{torch}+cpu" in binder
    assert "-r ../requirements.txt" in binder
    assert re.fullmatch(r"python-3\.\d+", (REPO / "binder" / "runtime.txt").read_text().strip())
    post_build = REPO / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK), "postBuild must be executable"
    text = post_build.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    assert re.search(r"^jupytext-config set-default-viewer .*\bmarkdown\b", text, re.M)
    for name in ("requirements.txt", "postBuild", "environment.yml", "runtime.txt"):
        assert not (REPO / ".binder" / name).exists(), ".binder/ would shadow binder/"


# --- licences, citation, one version ------------------------------------------------------------


def test_licence_files_say_what_each_covers():
    code = (REPO / "LICENSE").read_text()
    content = (REPO / "LICENSE-CONTENT.md").read_text()
    assert code.startswith("MIT License") and "LICENSE-CONTENT.md" in code
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in content
    assert "`LICENSE`" in content  # each points to the other
    readme = (REPO / "README.md").read_text()
    assert "CC BY 4.0 (`LICENSE-CONTENT.md`)" in readme and "MIT (`LICENSE`)" in readme
    for data_set in ("Bonn EEG", "PBC visits", "NAFLD cohort"):  # each data set's terms
        assert f"| {data_set}" in readme, data_set


def test_citation_file_is_valid_cff():
    cff = load_yaml(REPO / "CITATION.cff")
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "date-released", "license"):
        assert cff.get(key), key
    # Authors as the project names them (_config.yml), no invented person.
    assert cff["authors"] == [{"name": load_yaml(REPO / "_config.yml")["author"]}]
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))


def test_one_version_everywhere():
    import rnnbook

    version = rnnbook.__version__
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'version = { attr = "rnnbook.__version__" }' in pyproject  # read, not repeated
    assert str(load_yaml(REPO / "CITATION.cff")["version"]) == version
    latest = re.search(r"^## (\S+) \(", (REPO / "CHANGELOG.md").read_text(), re.M).group(1)
    assert latest == version
    footer = load_yaml(REPO / "_config.yml")["html"]["extra_footer"]
    assert f"Version {version}." in footer
    assert "CHANGELOG.md" in (REPO / "CONTRIBUTING.md").read_text()  # errata go there
