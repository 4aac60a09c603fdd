# One place for every way of running Runyard's checks; CI (.ci/run) calls `make check`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck check bench clean

# Fresh machine: a venv with Runyard (editable) and the dev tools. torch 2.13.0 (CPU)
# installs from the wheel that lies on this machine's disk; tests use it to check
# tensor handling on a real framework.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet 'torch==2.13.0'
	touch $(STAMP)

install: $(STAMP)

## The main job: log a small demo project into the embedded store and print where it is.
demo: $(STAMP)
	$(VENV)/bin/runyard demo

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Every check and every test: what CI runs.
check: lint typecheck test

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
