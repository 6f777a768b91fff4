# Quick start:  make book   (builds the site into _build/html)
#               make test   (runs the test suite)
# Both create .venv from requirements.txt first when needed.

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

.PHONY: venv book test lint format bench clean help

help:
	@echo "make book   build the site (cold: every chapter executes) into _build/html"
	@echo "make test   run the tests"
	@echo "make lint   ruff check and format check"
	@echo "make clean  remove build output and the virtual environment"

venv: $(STAMP)

# Reinstalls only when requirements.txt or pyproject.toml changed since the last install.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: venv
	rm -rf _build/html _build/jupyter_execute _build/.doctrees
	$(BIN)/jupyter-book build . --all -n -W --keep-going
	@echo "The site is in _build/html (open _build/html/index.html)."

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check code tests
	$(BIN)/ruff format --check code tests

format: venv
	$(BIN)/ruff format code tests
	$(BIN)/ruff check --fix code tests

clean:
	rm -rf _build $(VENV) .pytest_cache .ruff_cache
