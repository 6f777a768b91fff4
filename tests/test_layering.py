"""The package's layering (`rnnbook.LAYERS`) is true of its imports: every module, lazy imports
inside functions included, imports only from layers below its own; so no import circle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import rnnbook

PACKAGE = Path(rnnbook.__file__).parent
LAYER = {name: level for level, names in enumerate(rnnbook.LAYERS) for name in names}


def top_module(path: Path) -> str:
    """The module of the package that `path` belongs to (a subpackage counts as one)."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported(path: Path) -> set[str]:
    """The package's modules that `path` imports, anywhere in it (subpackages as one)."""
    depth = len(path.relative_to(PACKAGE).parts)  # 1 for a top module, 2 inside a subpackage
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level == depth:  # from the package root: `from .x import` or `from .. import x`
                names.update(
                    [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
                )
        elif isinstance(node, ast.ImportFrom) and node.module == "rnnbook":
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnnbook."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("rnnbook."))
    return names - {top_module(path)}


FILES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_layer():
    modules = {top_module(p) for p in FILES}
    assert modules == set(LAYER), (modules - set(LAYER), set(LAYER) - modules)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_from_lower_layers(path):
    own = LAYER[top_module(path)]
    above = {m: LAYER[m] for m in imported(path) if LAYER.get(m, -1) >= own}
    assert not above, f"{path.name} (layer {own}) imports from its own layer or above: {above}"


def test_the_import_reader_sees_lazy_and_package_imports(tmp_path):
    sub = tmp_path / "pkg"
    (sub / "experiments").mkdir(parents=True)
    f = sub / "experiments" / "x.py"
    f.write_text(
        "from .. import data, models\nfrom ..train import train\nfrom rnnbook import cells\n"
        "import rnnbook.scan\ndef g():\n    from .y import z\n"
    )
    global PACKAGE
    saved, PACKAGE = PACKAGE, sub
    try:
        assert imported(f) == {"cells", "data", "models", "scan", "train"}  # not .y, inside
    finally:
        PACKAGE = saved


def test_the_readme_states_the_same_layering():
    readme = (PACKAGE.parents[1] / "README.md").read_text()
    paragraph = readme.split("Layered from the bottom up", 1)[1].split("\n\n", 1)[0]
    chain = paragraph.split("against it):", 1)[1].split(".\n", 1)[0]
    stated = tuple(tuple(re.findall(r"`(\w+)`", part)) for part in chain.split("→"))
    assert stated == rnnbook.LAYERS[:-1]  # `__main__` is left out of the prose
