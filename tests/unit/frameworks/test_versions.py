"""Framework versions: every adapter declares the distribution it reads and the lowest
release of it that it supports; a framework older than that, or one whose router the
adapter does not understand, is grouped by the registry with one warning that names the
framework and its version; a router that fails on one request leaves that request to
the registry and inference, as with no discovery at all."""

from __future__ import annotations

import ast
import importlib.metadata
import logging
import re
import sys
import types
from pathlib import Path

import pytest

import appsignal_routes as ar
from appsignal_routes import frameworks
from appsignal_routes.frameworks import older

from ...calls import call_wsgi

ROOT = Path(__file__).resolve().parents[3]
ADAPTERS = sorted(set(frameworks.ADAPTERS.values()))
PYTEST_VERSION = importlib.metadata.version("pytest")


@pytest.mark.parametrize(
    ("version", "lowest", "is_older"),
    [
        ("0.99.1", "0.100", True),
        ("0.100.0", "0.100", False),
        ("0.100", "0.100.0", False),
        ("0.12.24", "0.12.25", True),
        ("0.12.25", "0.12.25", False),
        ("2.0.0rc1", "2.0", True),
        ("2.0.0.dev3", "2.0", True),
        ("2.0.0", "2.0", False),
        ("4.2.post1", "4.2", False),
        ("4.1.13", "4.2", True),
        ("10.0", "9.9.9", False),
        ("v3.0", "3.1", True),
        ("unknown", "1.0", False),
        ("1.0", "", False),
    ],
)
def test_versions_compare_as_releases(version, lowest, is_older):
    assert older(version, lowest) is is_older


def pinned(*names: str) -> dict[str, str]:
    """The versions `make frameworks-lowest` (or the constraints files named) installs,
    by distribution."""
    pins = {}
    for name in names or ("frameworks-lowest.txt", "frameworks-lowest-quart.txt"):
        for line in (ROOT / "tests" / name).read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                distribution, _, version = line.partition("==")
                pins.setdefault(distribution.strip().lower(), version.strip())
    return pins


def documented(column: int = 0) -> dict[str, str]:
    """The lowest (or, column 1, the middle) versions the docs' version table gives, by
    distribution."""
    table = (ROOT / "docs" / "frameworks" / "versions.md").read_text()
    rows = re.findall(r"^\|[^|]+\| `([\w-]+)` \| `([^`]+)` \| `([^`]+)` \|", table, re.MULTILINE)
    return {row[0]: row[1 + column] for row in rows}


def constants(adapter: str) -> dict[str, object]:
    """An adapter module's constants, read from its source: the lowest-versions run
    installs Flask's and Quart's floors in turn, so one of them cannot be imported."""
    source = (ROOT / "src" / "appsignal_routes" / "frameworks" / f"{adapter}.py").read_text()
    found = {}
    for node in ast.parse(source).body:
        # `LOWEST = "2.3"` or, annotated, `LOWEST: Final = "2.3"`
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target = node.target
        else:
            continue
        if target.id in {"DISTRIBUTION", "LOWEST"} and node.value is not None:
            found[target.id] = ast.literal_eval(node.value)
    return found


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_every_adapter_declares_its_floor_and_ci_installs_it(adapter):
    declared = constants(adapter)
    distribution, lowest = declared["DISTRIBUTION"], declared["LOWEST"]
    assert isinstance(distribution, str)
    assert isinstance(lowest, str)
    assert re.fullmatch(r"\d+(\.\d+)+", lowest)
    # the lowest version is the one the lowest-versions run installs, and the docs say it
    assert not older(pinned()[distribution], lowest)
    assert not older(lowest, pinned()[distribution])
    assert documented()[distribution] == lowest


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_every_adapter_is_also_tested_on_a_middle_release(adapter):
    declared = constants(adapter)
    distribution, lowest = str(declared["DISTRIBUTION"]), str(declared["LOWEST"])
    # `make frameworks-middle` installs a release above the floor, and the docs say which
    middle = pinned("frameworks-middle.txt")[distribution]
    assert older(lowest, middle)
    assert documented(column=1)[distribution] == middle


def test_the_adapters_constants_are_the_ones_read():
    from appsignal_routes.frameworks import bottle as adapter

    assert constants("bottle") == {"DISTRIBUTION": adapter.DISTRIBUTION, "LOWEST": adapter.LOWEST}


class StandInApp:
    """A WSGI app of a stand-in framework (package ``standin``), with one route."""

    __module__ = "standin.app"

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


class StandInRouter:
    framework = "Stand-in"

    def route(self, method, path, request):
        if path == "/boom":
            raise RuntimeError("the router broke on this request")
        return "/things/<thing_id>" if path.startswith("/things/") else None

    def routes(self):
        return []


@pytest.fixture
def adapter(monkeypatch):
    """An adapter module for the stand-in framework, as a new adapter would be written;
    its DISTRIBUTION is one installed here (pytest), so that its version can be read."""
    module = types.ModuleType("appsignal_routes.frameworks.standin")
    module.DISTRIBUTION = "pytest"
    module.LOWEST = "1.0"
    module.router_for = lambda app: StandInRouter() if isinstance(app, StandInApp) else None
    monkeypatch.setitem(frameworks.ADAPTERS, "standin", "standin")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def serve(traced, paths, **options):
    app = ar.instrument(StandInApp(), tracer_provider=traced.provider, **options)
    for path in paths:
        assert call_wsgi(app, path)[0] == "200 OK"
    return app


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_supported_version_is_discovered_without_a_warning(traced, adapter, caplog):
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        serve(traced, ["/things/1"])
    assert traced.grouped() == [("GET /things/<thing_id>", "/things/<thing_id>", "discovered")]
    assert warnings_of(caplog) == []


def test_an_older_version_falls_back_to_the_registry_with_one_warning(traced, adapter, caplog):
    adapter.LOWEST = "999.1"
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        serve(traced, ["/things/1", "/things/2", "/other/3"], routes=["/things/:id"])
    assert traced.grouped() == [
        ("GET /things/:id", "/things/:id", "registry"),
        ("GET /things/:id", "/things/:id", "registry"),
        ("GET", None, "method"),
    ]
    (warning,) = warnings_of(caplog)
    assert f"pytest {PYTEST_VERSION} is older than 999.1" in warning
    assert "StandInApp" in warning


def test_an_adapter_that_fails_names_the_framework_and_its_version(traced, adapter, caplog):
    def broken(app):
        raise TypeError("an unknown router")

    adapter.router_for = broken
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        serve(traced, ["/things/1", "/things/2"], routes=["/things/:id"])
    assert [source for _, _, source in traced.grouped()] == ["registry", "registry"]
    (warning,) = warnings_of(caplog)
    assert "cannot read the routes" in warning
    assert f"pytest {PYTEST_VERSION}: an unknown router" in warning


def test_an_adapter_that_cannot_be_imported_falls_back_with_one_warning(
    traced, adapter, monkeypatch, caplog
):
    monkeypatch.setitem(sys.modules, adapter.__name__, None)  # its import fails
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        serve(traced, ["/things/1"], routes=["/things/:id"])
    assert traced.grouped() == [("GET /things/:id", "/things/:id", "registry")]
    (warning,) = warnings_of(caplog)
    assert "cannot read the routes" in warning
    assert "standin (version unknown)" in warning  # no distribution installs it


def test_an_adapter_without_the_constants_is_used_unchecked(traced, adapter, caplog):
    del adapter.DISTRIBUTION
    del adapter.LOWEST
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        serve(traced, ["/things/1"])
    assert traced.grouped() == [("GET /things/<thing_id>", "/things/<thing_id>", "discovered")]
    assert warnings_of(caplog) == []
    assert "declares no DISTRIBUTION or LOWEST" in caplog.text


def test_a_router_failing_on_one_request_leaves_it_to_the_registry(traced, adapter, caplog):
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        serve(traced, ["/boom", "/things/1", "/boom"], routes=["/boom"])
    assert traced.grouped() == [
        ("GET /boom", "/boom", "registry"),
        ("GET /things/<thing_id>", "/things/<thing_id>", "discovered"),
        ("GET /boom", "/boom", "registry"),
    ]
    assert warnings_of(caplog) == []
    assert caplog.text.count("route discovery failed") == 1  # logged once, at debug level


def test_a_router_failing_on_one_request_leaves_it_to_inference(traced, adapter):
    class Broken(StandInRouter):
        def route(self, method, path, request):
            raise RuntimeError("the router broke")

    adapter.router_for = lambda app: Broken()
    serve(traced, ["/orders/4711"], infer_routes=True)
    assert traced.grouped() == [("GET /orders/:order_id", None, "inferred")]


def test_a_real_framework_older_than_its_floor_is_named_in_the_warning(traced, monkeypatch, caplog):
    import bottle

    from appsignal_routes.frameworks import bottle as adapter

    web = bottle.Bottle()
    web.get("/users/<user_id:int>", callback=lambda user_id: "ok")
    monkeypatch.setattr(adapter, "LOWEST", "99.0")  # as if the installed Bottle were older
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = ar.instrument(web, tracer_provider=traced.provider, routes=["/users/:id"])
    for _ in range(3):
        assert call_wsgi(app, "/users/7")[0] == "200 OK"
    assert traced.grouped() == [("GET /users/:id", "/users/:id", "registry")] * 3
    (warning,) = warnings_of(caplog)
    installed = importlib.metadata.version("bottle")
    assert warning.startswith(f"appsignal-routes: bottle {installed} is older than 99.0")
