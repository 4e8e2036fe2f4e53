# Quick start: `make run` builds .venv (if missing) and generates data/demo;
# `make test` builds .venv and runs the whole test suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test venv bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,dask,bench,ml]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/ledgersim generate --out data/demo --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/throughput.py --preset demo --scales 1,10 --workers 1,2

clean:
	rm -rf $(VENV) data build src/*.egg-info
