# Every target installs what it needs from scratch: a fresh clone runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: demo test lint types docs pytest matrix suites reliability bench bench-breakdown bench-floor bench-peers versions lowest install clean

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
	$(BIN)/pyright

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site

pytest: $(STAMP)
	command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server) \
	  || sudo sh -c 'apt-get update -qq && apt-get install -y -qq redis-server'
	$(BIN)/pytest --cov --cov-report=term-missing:skip-covered tests/unit tests/integration
	WRAPT_DISABLE_EXTENSIONS=true $(BIN)/pytest -q -p no:randomly tests/unit/test_decorators.py tests/unit/test_grouping.py tests/unit/test_jobs.py

# Every example under the servers its users deploy with (frameworks x servers).
MATRIX_FIGURES := $(VENV)/matrix-figures.jsonl
matrix: $(STAMP)
	rm -f $(MATRIX_FIGURES)
	RELIABILITY_FIGURES=$(abspath $(MATRIX_FIGURES)) $(BIN)/pytest -p no:randomly tests/matrix
	@cat $(MATRIX_FIGURES)

# The frameworks' own test suites (their source distributions at the installed versions,
# fetched from PyPI into .venv-suites/suites), run as released and with every app a test
# client is handed instrumented: fails on a test that passes only without the toolkit.
# In .venv-suites, with what those suites need (trio among it), and the toolkit's own
# trio tests first.
SUITES ?= starlette
SUITES_VENV := .venv-suites
SUITES_STAMP := $(SUITES_VENV)/.installed
$(SUITES_STAMP): pyproject.toml
	test -x $(SUITES_VENV)/bin/python || $(PYTHON) -m venv $(SUITES_VENV)
	$(SUITES_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SUITES_VENV)/bin/python -m pip install --quiet -e ".[suites]"
	touch $(SUITES_STAMP)

suites: $(SUITES_STAMP)
	$(SUITES_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/suites/test_trio.py
	$(SUITES_VENV)/bin/python -m tests.suites.run $(SUITES)

# Load, collector faults, graceful restarts, pre-fork, hostile input, containment,
# security: real servers and the loopback receiver. Prints the figures it measured.
FIGURES := $(VENV)/reliability-figures.jsonl
reliability: $(STAMP)
	rm -f $(FIGURES)
	RELIABILITY_FIGURES=$(abspath $(FIGURES)) $(BIN)/pytest -p no:randomly tests/reliability
	@cat $(FIGURES)

# The overhead against the hand-written way and the bare middleware (issue 5): writes
# benchmarks/RESULTS.md, exits non-zero when a goal is missed. wrk drives the load.
bench: $(STAMP)
	command -v wrk >/dev/null && command -v valgrind >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq wrk valgrind) \
	  || sudo sh -c 'apt-get update -qq && apt-get install -y -qq wrk valgrind'
	$(BIN)/python -m benchmarks.run

# Where a request's cost goes: the toolkit's layers added one at a time, in time and
# in instructions: writes benchmarks/RESULTS-breakdown.md (the performance page shows it).
bench-breakdown: $(STAMP)
	command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind) \
	  || sudo sh -c 'apt-get update -qq && apt-get install -y -qq valgrind'
	$(BIN)/python -m benchmarks.breakdown

# The floor under the time goals: the operations the spec requires, done the cheapest
# way, timed in a request (benchmarks/floor.py; writes benchmarks/RESULTS-floor.md).
bench-floor: $(STAMP)
	$(BIN)/python -m benchmarks.floor

# The same apps under other APM agents (issue 13), offline on loopback, beside the seed's
# way and the toolkit: writes benchmarks/RESULTS-peers.md and the chart (benchmarks/ and
# docs/images/peers.png). The agents live in .venv-peers and never enter the dev env.
PEERS_VENV := .venv-peers
PEERS_STAMP := $(PEERS_VENV)/.installed
$(PEERS_STAMP): pyproject.toml
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS_VENV)/bin/python -m pip install --quiet -e ".[bench-peers]"
	touch $(PEERS_STAMP)

bench-peers: $(PEERS_STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
	  || sudo sh -c 'apt-get update -qq && apt-get install -y -qq wrk'
	$(PEERS_VENV)/bin/python -m benchmarks.peers.run

# The decorators on every Python the project supports (stacking with classmethod and
# staticmethod changed across 3.10-3.13). Each gets a small venv of its own.
VERSIONS := 3.10 3.12 3.13
versions:
	@set -e; for v in $(VERSIONS); do \
	  py=$$(ls -d $$(pyenv root 2>/dev/null || echo /nonexistent)/versions/$$v.*/bin/python3 2>/dev/null | tail -n 1); \
	  if [ -z "$$py" ]; then py=$$(command -v python$$v || true); fi; \
	  if [ -z "$$py" ]; then echo "Python $$v is not installed"; exit 1; fi; \
	  test -x .venv-$$v/bin/python || $$py -m venv .venv-$$v; \
	  .venv-$$v/bin/python -m pip install --quiet -e . pytest; \
	  echo "== Python $$v"; \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider -p no:randomly tests/unit/test_decorators.py tests/unit/test_grouping.py tests/unit/test_jobs.py tests/unit/test_template.py tests/unit/test_route_table.py; \
	done

# The lowest versions pyproject.toml allows (tests/lowest-constraints.txt: OpenTelemetry
# 1.30 / 0.51b0, wrapt 1.16), in a venv of their own: the unit suite, Flask the one
# framework installed (the framework adapters' tests need them all: left to `pytest`).
lowest:
	test -x .venv-lowest/bin/python || $(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet -e . pytest hypothesis flask \
	  -c tests/lowest-constraints.txt
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider -p no:randomly tests/unit \
	  --ignore=tests/unit/frameworks

test: lint types docs pytest matrix versions lowest suites

clean:
	rm -rf $(VENV) $(PEERS_VENV) $(SUITES_VENV) .venv-3.* .venv-lowest site .coverage .mypy_cache .pytest_cache .ruff_cache
