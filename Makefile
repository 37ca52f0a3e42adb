# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint typecheck unit docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Start openses in dev mode on embedded defaults (SQLite in ./openses-data).
run: install
	$(BIN)/openses serve --dev

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy

## Lint, type checks and the whole suite.
test: lint typecheck
	$(BIN)/pytest -q

## Regenerate the generated documentation.
docs: install
	$(BIN)/openses config-doc > docs/configuration.md
	$(BIN)/openses api-coverage > docs/api-coverage.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
