"""Format the Python of the chapters' code cells with ruff, as `make format` does the package.

    python _ext/format_chapters.py [--check] [book/chapter.md ...]

Each ```` ```{code-cell} ```` block of a MyST chapter is formatted on its own (its option lines,
`:tags:` and the like, are kept as they are); a cell that starts with a magic (`%`, `!`) is left
alone. With `--check`, nothing is written: the chapters that would change are named and the exit
status is 1. A trailing comment that would push its line past the limit makes the formatter split
the code around it; put such a comment on its own line above.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A chapter's cell joins what fits on a line even where a trailing comma says "one item a line":
# cells are read, not diffed, and earlier formatting left one-argument calls over three lines.
CHAPTER_STYLE = ["--config", "format.skip-magic-trailing-comma = true"]
CELL = re.compile(r"(^```\{code-cell\}[^\n]*\n)((?::[^\n]*\n)*)(.*?)(^```\s*$)", re.S | re.M)


def format_chapters(texts: list[str]) -> list[str]:
    """The chapters' texts with every code cell formatted: all cells in one ruff run."""
    cells = [list(CELL.finditer(text)) for text in texts]
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for i, matches in enumerate(cells):
            for j, m in enumerate(matches):
                code = m.group(3)
                if code.strip() and not code.lstrip().startswith(("%", "!")):
                    files[i, j] = Path(tmp) / f"c{i}_{j}.py"
                    files[i, j].write_text(code, encoding="utf-8")
        command = [sys.executable, "-m", "ruff", "format", *CHAPTER_STYLE, tmp]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(
                f"format_chapters: ruff could not format a cell: {done.stderr.strip()}"
            )
        out = []
        for i, (text, matches) in enumerate(zip(texts, cells, strict=True)):
            pieces, last = [], 0
            for j, m in enumerate(matches):
                if (i, j) in files:
                    head, options, _, end = m.groups()
                    code = files[i, j].read_text(encoding="utf-8")
                    pieces += [text[last : m.start()], head, options, code, end]
                    last = m.end()
            out.append("".join(pieces) + text[last:])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 on a change")
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted((ROOT / "book").glob("*.md"))
    texts = [path.read_text(encoding="utf-8") for path in chapters]
    changed = []
    for path, text, formatted in zip(chapters, texts, format_chapters(texts), strict=True):
        if formatted != text:
            changed.append(path)
            if not args.check:
                path.write_text(formatted, encoding="utf-8")
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
