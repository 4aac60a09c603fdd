# One place for every way of running Runyard's checks; CI (.ci/run) calls `make check`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WEB_DEPS := web/node_modules/.package-lock.json

.PHONY: install demo ui webcheck test browser lint typecheck check bench clean

# Fresh machine: a venv with Runyard (editable; the install builds the web app with
# Node.js through hatch_build.py) and the dev tools. torch 2.13.0 (CPU) installs from
# the wheel that lies on this machine's disk; tests use it as a real framework.
$(STAMP): pyproject.toml hatch_build.py web/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet 'torch==2.13.0'
	touch $(STAMP)

install: $(STAMP)

## The main job: log a demo project into the embedded store, then serve the web app on it.
demo: $(STAMP)
	$(VENV)/bin/runyard demo
	$(VENV)/bin/runyard ui

$(WEB_DEPS): web/package-lock.json
	npm --prefix web ci --no-audit --no-fund

## Rebuild the web app after changing web/ (pip install -e does it once).
ui: $(WEB_DEPS)
	npm --prefix web run build

## The web app's type check and unit tests (vitest).
webcheck: $(WEB_DEPS)
	npm --prefix web run check

test: $(STAMP)
	$(PY) -m pytest

browser: $(STAMP) ui
	$(PY) -m pytest -m browser

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench hatch_build.py
	$(VENV)/bin/ruff format --check src tests bench hatch_build.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Every check and every test: what CI runs.
check: lint typecheck webcheck test

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .venv-wandb* .pytest_cache .mypy_cache .ruff_cache web/node_modules src/runyard/ui/static
