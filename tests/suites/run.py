"""The frameworks' own test suites, run as released and with every app instrumented.

``python -m tests.suites.run starlette [fastapi ...]`` (``make suites``): fetches the
framework's source distribution at the installed version from PyPI (``pip download``,
cached under ``.venv-suites/suites/``; nothing of it is committed), runs its tests twice (as
released, then with ``plugin/_appsignal_routes_suite.py``, which serves every app a
test client is handed through ``ar.instrument(app)``), and fails on any test that passes
without the toolkit and not with it, apart from those listed in ``KNOWN`` with the
reason they differ. Prints the counts of each run.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(sys.prefix) / "suites"  # in the environment that runs them
PLUGIN = Path(__file__).resolve().parent / "plugin"

#: The test directories of each suite, and pytest options of its own.
SUITES: dict[str, tuple[list[str], list[str]]] = {
    "starlette": (["tests"], []),
    "fastapi": (["tests"], []),
    "falcon": (["tests"], []),
}

_STARLETTE_OTEL = "tests.middleware.test_opentelemetry::"
_STANDS_ASIDE = (
    "Starlette's OpenTelemetryMiddleware stands aside for the toolkit's server span "
    "(its provider and exclusions still apply)"
)

#: Tests that knowingly behave otherwise with the toolkit (node id prefix: reason).
KNOWN: dict[str, str] = {
    f"{_STARLETTE_OTEL}test_http_span_uses_route_and_semantic_attributes": (
        f"{_STANDS_ASIDE}: the span's attributes are the upstream ASGI middleware's, in the "
        "semantic conventions OTEL_SEMCONV_STABILITY_OPT_IN selects"
    ),
    f"{_STARLETTE_OTEL}test_http_span_records_server_error": (
        f"{_STANDS_ASIDE}: the upstream ASGI middleware records the exception as an event "
        "and sets no error.type in the default conventions"
    ),
    f"{_STARLETTE_OTEL}test_http_span_records_error_response": (
        f"{_STANDS_ASIDE}: no error.type attribute in the default conventions"
    ),
    f"{_STARLETTE_OTEL}test_instrumentation_uses_actual_route_match_once": (
        "the toolkit matches the route once more as the request starts, to name the "
        "span (and group the request) from its start"
    ),
    f"{_STARLETTE_OTEL}test_route_is_resolved_after_path_rewriting_middleware": (
        "the toolkit matches the path the request arrived with, before a middleware "
        "rewrote it; Starlette's middleware names the span after the rewritten path"
    ),
    f"{_STARLETTE_OTEL}test_http_span_uses_mount_path_when_child_does_not_resolve": (
        "a Mount whose app matches no route: Starlette's middleware names the span by "
        "the mount path, the toolkit by the method alone (no route was matched)"
    ),
    f"{_STARLETTE_OTEL}test_non_http_scopes_are_not_traced": (
        "Starlette's middleware traces HTTP only; the toolkit traces WebSockets too"
    ),
    # (FastAPI's suite: make suites SUITES=fastapi, in an environment with its test
    # dependencies; the tests of logfire's and sentry's integrations need those agents)
    "tests.test_telemetry.": (
        "FastAPI's native telemetry adopts the toolkit's server span: its attributes are "
        "the upstream ASGI middleware's (semantic conventions, URL with its query), it is "
        "named by the route matched as the request starts, and telemetry={'tracing': "
        "False} does not turn it off"
    ),
}


def source(name: str) -> Path:
    """The framework's source tree at its installed version (downloaded once)."""
    version = importlib.metadata.version(name)
    tree = CACHE / f"{name}-{version}"
    if tree.is_dir():
        return tree
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                download,
                f"{name}=={version}",
            ],
            check=True,
        )
        (archive,) = Path(download).glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(CACHE, filter="data")
    extracted = CACHE / archive.name.removesuffix(".tar.gz")
    if extracted != tree:
        extracted.rename(tree)
    return tree


def outcomes(report: Path) -> dict[str, bool]:
    """Each test of a JUnit report, and whether it passed."""
    results: dict[str, bool] = {}
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 - our own report
        name = f"{case.get('classname')}::{case.get('name')}"
        results[name] = not any(child.tag in ("failure", "error", "skipped") for child in case)
    return results


def run(name: str, tree: Path, *, instrumented: bool) -> dict[str, bool]:
    directories, options = SUITES[name]
    report = tree / ("with.xml" if instrumented else "without.xml")
    plugins = ["-p", "_appsignal_routes_suite"] if instrumented else ["-p", "no:appsignal_routes"]
    env = dict(os.environ, PYTHONPATH=str(PLUGIN) if instrumented else "")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--no-header",
            "--tb=line",
            f"--junitxml={report}",
            *plugins,
            *options,
            *directories,
        ],
        cwd=tree,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    return outcomes(report)


def known(test: str) -> str | None:
    return next((reason for prefix, reason in KNOWN.items() if test.startswith(prefix)), None)


def main(names: list[str]) -> int:
    failed = False
    for name in names:
        tree = source(name)
        without = run(name, tree, instrumented=False)
        with_ = run(name, tree, instrumented=True)
        passed = [test for test, ok in without.items() if ok]
        broken = [test for test in passed if not with_.get(test, False)]
        unexplained = [test for test in broken if known(test) is None]
        print(
            f"{name} {tree.name.rsplit('-', 1)[1]}: {len(without)} tests, "
            f"{len(passed)} pass without the toolkit, "
            f"{sum(with_.values())} with it; {len(broken) - len(unexplained)} known to differ"
        )
        for test in broken:
            reason = known(test)
            print(f"  {'known' if reason else 'FAILS'}: {test}{f' ({reason})' if reason else ''}")
        if not passed:  # nothing ran: the suite, not the toolkit, is broken here
            print(f"  FAILS: no test of {name} passes even without the toolkit")
        failed = failed or bool(unexplained) or not passed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["starlette"]))
