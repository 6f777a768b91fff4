# Quick start:  make book       (builds the site into _build/html)
#               make test       (runs the test suite)
#               make test-site  (checks the built site in a browser; after make book)
#               make serve      (rebuilds what changed and previews the site on 127.0.0.1)
# All create .venv from requirements.txt first when needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The data folder may be given relative to here; chapters execute in book/, so make it absolute.
ifdef RNNBOOK_DATA_DIR
export RNNBOOK_DATA_DIR := $(abspath $(RNNBOOK_DATA_DIR))
endif
# No progress bars in logs.
export TQDM_DISABLE ?= 1

.PHONY: venv book pdf book-student test test-site serve lint format clean help

help:
	@echo "make book       build the site (cold: every chapter executes) into _build/html"
	@echo "make pdf        the whole book as one PDF, from what make book executed (after make book)"
	@echo "make book-student  the student edition (no solutions) and its PDF (after make book)"
	@echo "make test       run the tests"
	@echo "make test-site  check the built site in Chromium (axe-core's accessibility checks included),"
	@echo "                the PDF and the student edition, and open and run every chapter in"
	@echo "                JupyterLab as Binder does (run after make book, make pdf, make book-student)"
	@echo "make serve      preview on http://127.0.0.1:$(SITE_PORT)/ (re-executes changed chapters only)"
	@echo "make lint       ruff check and format check (the package, and the chapters' code cells)"
	@echo "make clean      remove build output and the virtual environment"

venv: $(STAMP)

# Reinstalls only when requirements.txt or pyproject.toml changed since the last install.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Always cold: every chapter executes (execute_notebooks: force), whatever is in any cache.
# The log is kept in _build/book.log; a line with WARNING in it (Sphinx's, or one that a kernel
# prints) fails the build, as a Sphinx warning does (-W). _ext/build_book.py is `jupyter-book
# build` with Sphinx's -j: BOOK_JOBS chapters execute at once (each on one torch thread).
BOOK_JOBS ?= 2
# Two kernels that start at the same moment can be handed the same port (jupyter_client picks a
# free port without holding it until the kernel binds it): that failure, and only that one, is
# built again once.
book: venv
	mkdir -p _build
	for attempt in 1 2; do \
	  rm -rf _build/html _build/jupyter_execute _build/.doctrees; \
	  { $(BIN)/python _ext/build_book.py --jobs $(BOOK_JOBS) -- . --all -n -W --keep-going 2>&1; \
	    echo $$? > _build/book.rc; } | tee _build/book.log; \
	  if [ "$$(cat _build/book.rc)" = 0 ] || ! grep -q "Address already in use" _build/book.log; then \
	    break; fi; \
	  echo "A kernel was handed a port already in use; building again." >&2; \
	done; exit "$$(cat _build/book.rc)"
	@if grep -n "WARNING" _build/book.log; then \
	  echo "The build log has warnings (above; all of it in _build/book.log)." >&2; exit 1; fi
	@echo "The site is in _build/html (open _build/html/index.html)."

# The book's other editions, made by _ext/editions.py from the notebooks `make book` executed (no
# chapter runs again; a chapter changed since then stops it): the PDF of the whole book, and the
# student edition, the same site without the solutions, with its own PDF. Both land in _build/html
# (rnn-healthcare-book.pdf, student/), where every page's footer links them. The PDF is printed
# by Chromium (/usr/bin/chromium, or RNNBOOK_CHROMIUM).
pdf: venv
	$(BIN)/python _ext/editions.py pdf

book-student: venv
	$(BIN)/python _ext/editions.py student
	$(BIN)/python _ext/editions.py pdf --edition student

# tests/site is not collected by `make test` (norecursedirs in pyproject.toml): it needs the built
# site, Chromium (/usr/bin/chromium, or RNNBOOK_CHROMIUM) and JupyterLab. It fails, never skips,
# when one is missing. Screenshots of every page land in _build/screenshots/.
test: venv
	$(BIN)/python -m pytest

test-site: venv
	$(BIN)/python -m pytest tests/site

# Preview while writing. Unlike `make book`, this reuses Sphinx's environment and the execution
# cache (_build/.jupyter_cache): only chapters whose cells changed are executed again. The cache
# hashes cells only, so after a change to code/rnnbook run `make book` (cold) before trusting the
# numbers. The config is _config.yml with execute_notebooks: cache.
SITE_PORT ?= 8000
SERVE_CONFIG := _build/_config.serve.yml
serve: venv
	@mkdir -p _build
	$(BIN)/python -c 'import pathlib, yaml; \
	c = yaml.safe_load(open("_config.yml")); \
	c["execute"]["execute_notebooks"] = "cache"; \
	ext = c["sphinx"].get("local_extensions") or {}; \
	c["sphinx"]["local_extensions"] = {k: str(pathlib.Path(v).resolve()) for k, v in ext.items()}; \
	c["html"]["favicon"] = str(pathlib.Path(c["html"]["favicon"]).resolve()); \
	yaml.safe_dump(c, open("$(SERVE_CONFIG)", "w"))'
	$(BIN)/jupyter-book build . --config $(SERVE_CONFIG) -n --keep-going
	@echo "Serving _build/html on http://127.0.0.1:$(SITE_PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html $(SITE_PORT)

lint: venv
	$(BIN)/ruff check code tests _ext bench
	$(BIN)/ruff format --check code tests _ext bench
	$(BIN)/python _ext/format_chapters.py --check

format: venv
	$(BIN)/ruff format code tests _ext bench
	$(BIN)/ruff check --fix code tests _ext bench
	$(BIN)/python _ext/format_chapters.py

clean:
	rm -rf _build $(VENV) .pytest_cache .ruff_cache
