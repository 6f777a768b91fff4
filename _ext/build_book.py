"""`jupyter-book build`, with the chapters read (and so executed) in parallel processes.

    python _ext/build_book.py --jobs 2 -- . --all -n -W --keep-going

Everything after `--` goes to `jupyter-book build` unchanged. Jupyter Book 1.x does not expose
Sphinx's `-j`, but its `build_sphinx` takes `jobs`; this passes it. Sphinx reads documents in
parallel only when every extension declares itself parallel-read safe (myst-nb does; a missing
declaration is a warning, so `-W` fails the build rather than silently reading in series).

Sphinx hands each process a fixed, alphabetical share of the documents (half of them each, for two
jobs), so long chapters that sort near each other run one after the other. Here each document is
its own task instead: a process that finishes takes the next document. The longest chapters
(`LONGEST_FIRST`, measured; a name that is not in the book is skipped) start first, so that no
long chapter starts last while the other process idles; the rest follow alphabetically.

Three extensions the book loads do not declare whether they are parallel-read safe, so Sphinx would
warn and read in series; all three are safe, and here they say so (`UNDECLARED_BUT_SAFE`).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys

# The chapters that take longest to execute, longest first (measured in cold builds).
LONGEST_FIRST = [
    "book/clinical_evaluation",
    "book/training",
    "book/attention",
    "book/sequence_tasks",
    "book/gated_cells",
    "book/beyond_gates",
    "book/health_records",
    "book/streaming",
    "book/healthcare_rnns",
    "book/vanishing_gradients",
    "book/first_rnn",
    "book/visit_sequences",
    "book/time_to_event",
]


def one_document_per_task(arguments, nproc, maxbatch=10):
    """Sphinx's `make_chunks`, but every chunk (one process's task) is a single document, the
    `LONGEST_FIRST` ones first.

    Sphinx's `ParallelTasks` starts the first `nproc` tasks at once and then, whenever a process
    is free, the task added *last* of those still waiting; so the waiting ones are listed in
    reverse. (Were that to change, every document would still be read, only in another order.)
    """
    first = [name for name in LONGEST_FIRST if name in arguments]
    order = first + [name for name in arguments if name not in first]
    order = order[:nproc] + order[nproc:][::-1]
    return [[name] for name in order]


# Extensions that do not declare whether they are parallel-read safe (Sphinx then warns and reads in
# series), with why each is: none keeps anything per document.
UNDECLARED_BUT_SAFE = {
    # Replaces how section numbers are assigned, which Sphinx does in the main process once every
    # document is read (executablebooks/sphinx-multitoc-numbering#27, sphinx-external-toc#115).
    "sphinx_multitoc_numbering": "sphinx-external-toc 1.1 loads it",
    # Copies MathJax into the output at build-finished.
    "sphinx-mathjax-offline": "_config.yml's extra_extensions",
    # Its read-time transforms only annotate each document's own tree; the rest acts for LaTeX
    # builders only.
    "sphinx_jupyterbook_latex": "jupyter-book loads it (use_jupyterbook_latex)",
}


def declare_parallel_safe(name: str) -> None:
    """Make the extension `name`'s setup return the metadata it leaves out."""
    module = importlib.import_module(name)
    setup = module.setup

    def declared_setup(app):
        metadata = setup(app) or {}
        return {**metadata, "parallel_read_safe": True, "parallel_write_safe": True}

    module.setup = declared_setup


def show_cell_errors() -> None:
    """Put the failing cell and its traceback into the error a parallel build reports.

    A process of a parallel build reports only its exception's message, and myst-nb's is the
    notebook's path; the cell error it was raised from (its cause) is lost with the process.
    """
    from myst_nb.core.execute import base, direct

    class ExecutionError(base.ExecutionError):
        def __str__(self) -> str:
            cause = self.__cause__
            return super().__str__() + (f"\n{cause}" if cause is not None else "")

    ExecutionError.__qualname__ = "ExecutionError"
    ExecutionError.__module__ = base.__name__
    direct.ExecutionError = ExecutionError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    parser.add_argument("build_args", nargs="*", help="arguments of `jupyter-book build`")
    args = parser.parse_args(argv)

    import jupyter_book.sphinx
    import sphinx.builders
    from jupyter_book.cli.main import main as jupyter_book_cli

    # jupyter-book's `build` imports build_sphinx from its module when it runs, so this is used.
    jupyter_book.sphinx.build_sphinx = functools.partial(
        jupyter_book.sphinx.build_sphinx, jobs=args.jobs
    )
    sphinx.builders.make_chunks = one_document_per_task
    for name in UNDECLARED_BUT_SAFE:
        declare_parallel_safe(name)
    show_cell_errors()
    jupyter_book_cli(["build", *args.build_args])


if __name__ == "__main__":
    sys.exit(main())
