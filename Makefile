# Every target installs what it needs from scratch: a fresh clone runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types docs unit install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/appsignal-routes demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy
	$(BIN)/pyright src tests/typing

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir $(VENV)/site

unit: $(STAMP)
	$(BIN)/pytest -p no:randomly -q tests/test_decorators.py
	WRAPT_DISABLE_EXTENSIONS=true $(BIN)/pytest -q tests/test_decorators.py tests/test_grouping.py
	$(BIN)/pytest --cov --cov-report=term-missing -q

test: lint types docs unit

clean:
	rm -rf $(VENV) site .coverage .mypy_cache .pytest_cache .ruff_cache
