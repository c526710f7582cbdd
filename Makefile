# learning_direction — run `make help` for the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CONFIG ?= examples/evaluation.yaml
SEED ?= 20261122

.DEFAULT_GOAL := help
.PHONY: help setup test test-fast lint format report data bench evaluate docs notebook clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Targets:\n"} /^[a-zA-Z_-]+:.*##/ {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

# Install with uv when it can be had (about 20x faster than pip on a fresh machine), else pip;
# both honour constraints.txt, the pinned versions of every dependency. Bytecode is compiled at
# install time: where PYTHONDONTWRITEBYTECODE is set (containers, CI) every run would otherwise
# recompile pandas and scipy (about 2 s per process), and this package's own modules (editable,
# so compiled by compileall: about 0.03 s for `ld.mediate`).
# $(1): the extras, e.g. ".[dev]" (a comma inside $(call ...) is written $(comma))
comma := ,
define install
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PIP) install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" >/dev/null 2>&1 || true
	@if [ -x $(UV) ]; then \
	  $(UV) pip install --quiet --compile-bytecode --python $(PY) -c constraints.txt -e "$(1)"; \
	else \
	  $(PIP) install --quiet --disable-pip-version-check -c constraints.txt -e "$(1)"; \
	fi
	@$(PY) -m compileall -q -j 0 src >/dev/null  # the editable package itself: uv compiles only site-packages
endef

# what `make report` and `make evaluate` need: the package and its runtime dependencies
$(RUN_STAMP): pyproject.toml constraints.txt
	$(call install,.)
	@touch $(RUN_STAMP)

# the development tools on top: pytest, hypothesis, ruff, mypy, import-linter, nbclient, ...
# and the documentation tools (Sphinx, Playwright), which tests/test_docs.py uses
$(DEV_STAMP): $(RUN_STAMP)
	$(call install,.[dev$(comma)docs])
	@touch $(DEV_STAMP)

NOTEBOOK_STAMP := $(VENV)/.installed-notebook
$(NOTEBOOK_STAMP): $(DEV_STAMP)
	$(call install,.[dev$(comma)docs$(comma)notebook])
	@touch $(NOTEBOOK_STAMP)

STAMP := $(DEV_STAMP)

setup: $(DEV_STAMP) ## Create .venv and install the pinned dependencies, dev tools and the package (editable)

# pytest-xdist: one worker per CPU (PYTEST_WORKERS=1 runs in one process). Tests are shared out
# one by one, longest first; tests that must share a worker carry an xdist_group (tests/conftest.py
# groups the users of an expensive shared fixture from tests/durations.json).
PYTEST_WORKERS ?= auto
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadgroup
# pytest caches its assertion-rewritten test modules as bytecode; with PYTHONDONTWRITEBYTECODE set
# (containers, CI) every worker would rewrite all of them on every run (about 5 s each)
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest

test: $(STAMP) ## Run the whole test suite (numbers vs R, notebooks, CLI)
	$(PYTEST) -q $(PYTEST_XDIST)

test-fast: $(STAMP) ## Run the tests, skipping the slow ones (see CONTRIBUTING.md)
	$(PYTEST) -q $(PYTEST_XDIST) -m "not slow"

lint: $(STAMP) ## Lint: ruff, ruff format, the import-layer contract (pyproject.toml) and mypy
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(STAMP) ## Format the code with ruff
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

report: $(RUN_STAMP) ## Run the main job on the bundled data: writes reports/index.html
	$(PY) -m learning_direction.cli report --out reports --seed $(SEED)

data: $(RUN_STAMP) ## Regenerate the bundled simulated datasets in data/ (byte for byte)
	$(PY) -m learning_direction.cli simulate --all --out data --seed $(SEED)

bench: $(STAMP) ## Run the side-by-side benchmarks against peer tools (installs the bench extra)
	@if [ -x $(UV) ]; then $(UV) pip install --quiet --python $(PY) -c constraints.txt -e ".[dev,bench]"; \
	else $(PIP) install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench]"; fi
	$(PY) bench/mediation.py
	$(PY) bench/whole_process.py
	$(PY) bench/scoring.py
	$(PY) bench/interval_coverage.py

evaluate: $(RUN_STAMP) ## Evaluate a program's survey export: make evaluate CONFIG=path/to/config.yaml
	$(PY) -m learning_direction.cli evaluate $(CONFIG)

# "full": the notebooks run with the resample counts written in them (the first build takes
# minutes, later builds reuse docs/_build/notebook-cache); "quick": the tests' small counts (CI)
NOTEBOOKS ?= full

docs: $(STAMP) ## Build the documentation site (warnings are errors) -> docs/_build/html/index.html
	LD_DOCS_NOTEBOOKS=$(NOTEBOOKS) $(VENV)/bin/sphinx-build -W --keep-going -q -b html -d docs/_build/doctrees docs docs/_build/html
	@echo "docs/_build/html/index.html"

# Jupyter refuses to run as root unless told (containers often run as root)
notebook: $(NOTEBOOK_STAMP) ## Start JupyterLab in the project's environment (notebooks/)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --notebook-dir=notebooks

clean: ## Remove the virtual environment, caches and reports
	rm -rf $(VENV) reports .pytest_cache .ruff_cache .hypothesis dist build docs/_build docs/notebooks docs/api/generated
