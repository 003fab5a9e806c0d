# Two entry points, each doing all set-up on a fresh machine:
#   make run    create .venv, then run the workflow on the default (simulated) cohort
#   make test   create .venv, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
CORES ?= 8

.PHONY: run test lint env

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: env
	$(VENV)/bin/snakemake --cores $(CORES)

test: env
	$(VENV)/bin/pytest -q

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/snakefmt --check Snakefile rules
	$(VENV)/bin/snakemake --lint
