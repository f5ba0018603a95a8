# Every target installs what it needs from scratch: a fresh clone runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: demo test lint types docs pytest matrix suites reliability bench bench-breakdown bench-floor bench-peers versions lowest frameworks-lowest frameworks-middle graphql-newest install clean

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
# every private access of a dependency by its public fallback (see _private), counted too
	APPSIGNAL_ROUTES_FALLBACKS=force $(BIN)/pytest -q -p no:randomly --cov --cov-append \
	  --cov-report=term-missing:skip-covered tests/unit
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
	$(SUITES_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/suites/test_trio.py tests/suites/test_plugin.py
	$(SUITES_VENV)/bin/python -m tests.suites.run $(SUITES)

# Load, collector faults, graceful restarts, pre-fork, hostile input, containment,
# security: real servers and the loopback receiver. Prints the figures it measured.
FIGURES := $(VENV)/reliability-figures.jsonl
reliability: $(STAMP)
	rm -f $(FIGURES)
	RELIABILITY_FIGURES=$(abspath $(FIGURES)) $(BIN)/pytest -p no:randomly tests/reliability
	@cat $(FIGURES)

# The overhead against the hand-written way and the bare middleware: writes
# benchmarks/RESULTS.md, exits non-zero when a target is missed. wrk drives the load.
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

# The floor under the time targets: the operations the grouping rules require, the cheapest
# way, timed in a request (benchmarks/floor.py; writes benchmarks/RESULTS-floor.md).
bench-floor: $(STAMP)
	$(BIN)/python -m benchmarks.floor

# The same apps under other APM agents, offline on loopback, beside the hand-written way
# and the toolkit: writes benchmarks/RESULTS-peers.md and the chart (benchmarks/ and
# docs/images/peers.png). The agents live in .venv-peers and never enter the dev env;
# each run first moves every agent to its newest release that installs.
PEERS_VENV := .venv-peers
PEERS_STAMP := $(PEERS_VENV)/.installed
PEERS_AGENTS := ddtrace sentry-sdk newrelic elastic-apm logfire scout-apm
$(PEERS_STAMP): pyproject.toml
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS_VENV)/bin/python -m pip install --quiet -e ".[bench-peers]"
	touch $(PEERS_STAMP)

bench-peers: $(PEERS_STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
	  || sudo sh -c 'apt-get update -qq && apt-get install -y -qq wrk'
	$(PEERS_VENV)/bin/python -m pip install --quiet --upgrade $(PEERS_AGENTS)
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
	.venv-lowest/bin/python -m pip install --quiet -e . pytest hypothesis flask graphql-core \
	  -c tests/lowest-constraints.txt
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider -p no:randomly tests/unit \
	  --ignore=tests/unit/frameworks --ignore=tests/unit/graphql/test_libraries.py

# Each framework at the lowest version its adapter supports (LOWEST; pinned with what
# must go with it in tests/frameworks-lowest.txt), in .venv-fw-lowest, and at a release
# about halfway to its newest (tests/frameworks-middle.txt), in .venv-fw-middle: the
# adapters' tests and the matrix, each example under one server, the same on both.
# FW_PACKAGES is what both install (the versions are the constraints file's),
# fw_pytest the pytest both run, FW_MATRIX the matrix cells.
# Connexion 3.0, Sanic 23.6, BlackSheep 2.3 and CherryPy 18.7 share the first pass with
# the others (Connexion's Flask extra runs on Flask 2.3); webtest, a2wsgi, whitenoise and
# djangorestframework are there for the CherryPy and wrapper tests.
# test_framework_tracing.py is left out: each of its tests is of Starlette 1.7's
# OpenTelemetryMiddleware or FastAPI 0.142's telemetry, which the floors (and the middle
# releases) lack. Quart 0.19 needs Flask 3.0, so it is a second pass of the lowest target,
# over the first (tests/frameworks-lowest-quart.txt): test_quart.py, and the tests of
# other files that need Quart, named test_quart... (as in test_composed.py); the middle
# Quart runs on the middle Flask, in the one pass. The lowest target's -W filters are the
# old releases' own warnings: Bottle 0.12's import hook, Litestar 2.0 passing its
# deprecated debug parameter, Sanic 23.6 importing websockets.connection (websockets 10.4,
# of its time, would do without, but the newest uvicorn needs a newer one); the middle
# target's, the middle releases' own: Sanic 24.6 still imports websockets.connection,
# Connexion 3.1 reads jsonschema's draft4_format_checker (it requires a jsonschema that
# deprecates it) and its Swagger UI calls Starlette's TemplateResponse the old way.
# FALCON_DISABLE_CYTHON: where no wheel of Falcon's release fits the Python, it installs
# as pure Python instead of compiling.
FW_PACKAGES := -e . pytest \
  hypothesis httpx uvicorn httptools websockets gunicorn waitress hypercorn \
  opentelemetry-instrumentation-django opentelemetry-instrumentation-fastapi \
  django flask werkzeug fastapi starlette falcon pyramid bottle litestar \
  "connexion[flask,swagger-ui]" sanic sanic-testing blacksheep cherrypy routes \
  webtest a2wsgi whitenoise djangorestframework
# $(call fw_pytest,VENV,-W filters)
fw_pytest = $(1)/bin/python -m pytest -q -p no:cacheprovider -p no:randomly $(2)
FW_MATRIX := (gunicorn-sync or uvicorn) and not raw_
FW_NO_TRACING := --ignore=tests/unit/frameworks/test_framework_tracing.py
FW_LOWEST := .venv-fw-lowest
FW_LOWEST_PYTEST := $(call fw_pytest,$(FW_LOWEST), \
  -W "ignore:_ImportRedirect.find_spec:ImportWarning" \
  -W "ignore:Use of deprecated parameter 'debug':DeprecationWarning" \
  -W "ignore:websockets.connection was renamed:DeprecationWarning")
frameworks-lowest:
	test -x $(FW_LOWEST)/bin/python || $(PYTHON) -m venv $(FW_LOWEST)
	$(FW_LOWEST)/bin/python -m pip uninstall --quiet --yes quart  # from the last run's Quart pass
	FALCON_DISABLE_CYTHON=1 $(FW_LOWEST)/bin/python -m pip install --quiet $(FW_PACKAGES) \
	  -c tests/frameworks-lowest.txt
	$(FW_LOWEST_PYTEST) tests/unit/frameworks tests/matrix $(FW_NO_TRACING) \
	  --ignore=tests/unit/frameworks/test_quart.py \
	  -k "(not matrix and not test_quart) or ($(FW_MATRIX) and not quart)"
	$(FW_LOWEST)/bin/python -m pip install --quiet quart flask werkzeug \
	  -c tests/frameworks-lowest-quart.txt
	$(FW_LOWEST_PYTEST) tests/unit/frameworks/test_quart.py tests/unit/frameworks/test_composed.py \
	  tests/unit/frameworks/test_one_endpoint.py \
	  tests/matrix -k "(not matrix and test_quart) or ($(FW_MATRIX) and quart)"

FW_MIDDLE := .venv-fw-middle
FW_MIDDLE_PYTEST := $(call fw_pytest,$(FW_MIDDLE), \
  -W "ignore:websockets.connection was renamed:DeprecationWarning" \
  -W "ignore:Accessing jsonschema.draft4_format_checker is deprecated:DeprecationWarning" \
  -W 'ignore:The `name` is not the first parameter anymore:DeprecationWarning')
frameworks-middle:
	test -x $(FW_MIDDLE)/bin/python || $(PYTHON) -m venv $(FW_MIDDLE)
	FALCON_DISABLE_CYTHON=1 $(FW_MIDDLE)/bin/python -m pip install --quiet $(FW_PACKAGES) quart \
	  -c tests/frameworks-middle.txt
	$(FW_MIDDLE_PYTEST) tests/unit/frameworks tests/matrix $(FW_NO_TRACING) \
	  -k "not matrix or ($(FW_MATRIX))"

# GraphQL on graphql-core 3.3 (issue 27): the newest Strawberry needs it, while graphene 3
# in the dev env pins 3.2. Strawberry and Ariadne, with their test clients and under real
# servers, in a venv of their own (the tests that need graphene: deselected).
GRAPHQL33 := .venv-graphql33
graphql-newest:
	test -x $(GRAPHQL33)/bin/python || $(PYTHON) -m venv $(GRAPHQL33)
	$(GRAPHQL33)/bin/python -m pip install --quiet -e . pytest httpx httpx2 uvicorn waitress \
	  "strawberry-graphql>=0.330" ariadne fastapi starlette flask django \
	  opentelemetry-instrumentation-fastapi
	$(GRAPHQL33)/bin/python -m pytest -q -p no:cacheprovider -p no:randomly \
	  -k "not django and not older_than_tested and not every_installed" \
	  tests/unit/graphql tests/integration/test_graphql_servers.py

test: lint types docs pytest matrix versions lowest frameworks-lowest frameworks-middle graphql-newest suites

clean:
	rm -rf $(VENV) $(PEERS_VENV) $(SUITES_VENV) .venv-3.* .venv-lowest $(FW_LOWEST) $(FW_MIDDLE) $(GRAPHQL33) site .coverage .mypy_cache .pytest_cache .ruff_cache
