"""The ``route_groups`` fixture, registered by the pytest plugin (``_appsignal_routes_pytest``).

It is registered before any ``conftest.py`` or test module is imported, and registers
the export guard as it is (``pytest_plugin_registered``): so an app that calls
``ar.start()`` at import already finds the guard in place, and a network exporter never
sends the spans of a test that uses ``route_groups``. Importing this module changes
nothing; ``import appsignal_routes`` never imports it or pytest.
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterator

import pytest
from opentelemetry import context

from appsignal_routes._agent import agent

from . import capture as _capture
from .capture import RouteGroups


def pytest_plugin_registered(plugin: object) -> None:
    """As pytest registers this plugin, ``start()`` gets the export guard that keeps the
    spans of ``route_groups`` tests off the network."""
    if plugin is sys.modules[__name__]:
        agent.guard_exports(_capture.guard_export)


@pytest.fixture
def route_groups() -> Iterator[RouteGroups]:
    """The groups of the requests served in this process during the test, in the order
    they finished: records with ``method``, ``path``, ``status``, ``name``, ``route``
    and ``source``; ``.names``, ``.clear()``."""
    capture = _capture.begin()
    # The test starts with no current span, as a request from a client does: the
    # upstream WSGI middleware leaves a request's span current until its response is
    # closed (a 404 of Flask's test client sits in a reference cycle until the garbage
    # collector runs), and would make the next test's requests spans inside it.
    token = context.attach(context.Context())
    try:
        yield capture
    finally:
        _capture.end(capture)
        context.detach(token)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that used ``route_groups`` shows the requests it captured."""
    report = yield
    capture = getattr(item, "funcargs", {}).get("route_groups")
    if report.failed and call.when == "call" and isinstance(capture, RouteGroups):
        report.sections.append(("Captured route groups", repr(capture)))
    return report
