"""Over the cap, a request carries nothing that regroups it, for any backend.

The AppSignal agent groups by ``appsignal.root_name``, then by the method plus
``http.route``, then by the span name; the collector reads ``appsignal.action_name``;
a generic backend the span name. (``tests/integration/test_real_agent.py`` checks it
against the real agent.)
"""

from __future__ import annotations

import pytest

import appsignal_routes as ar

from ..conftest import make_traced

OTHER = "GET [other]"


def _fill(traced, count=2):
    for n in range(count):
        with traced.request():
            ar.set_route(f"/admitted{n}/:id")


def _as_each_backend_sees(span):
    attributes = span.attributes
    agent = attributes.get("appsignal.root_name") or (
        f"GET {attributes['http.route']}" if "http.route" in attributes else span.name
    )
    return agent, attributes.get("appsignal.action_name", span.name), span.name


def test_a_route_known_at_request_start_is_overwritten():
    traced = make_traced(max_groups=2)
    _fill(traced)
    # as the middleware starts a span matched at start: http.route among its attributes
    marks = {"http.route": "/c/:id", "appsignal_routes.route_source": "registry"}
    with traced.request(**marks):
        pass
    root = traced.roots()[-1]
    assert _as_each_backend_sees(root) == (OTHER, OTHER, OTHER)
    assert root.attributes["http.route"] == "[other]"
    assert root.attributes["appsignal.root_name"] == OTHER


@pytest.mark.parametrize("mode", ["both", "agent", "collector"])
def test_a_decorator_route_overflows_in_every_mode(mode):
    traced = make_traced(max_groups=2, mode=mode)
    _fill(traced)
    with traced.request():
        ar.set_route("/new/:id")
    root = traced.roots()[-1]
    assert root.name == OTHER
    assert root.attributes["http.route"] == "[other]"
    assert root.attributes.get("appsignal.root_name") == (OTHER if mode != "collector" else None)
    assert root.attributes.get("appsignal.action_name") == (OTHER if mode != "agent" else None)


def test_a_root_name_overflows_without_gaining_a_route():
    traced = make_traced(max_groups=2)
    _fill(traced)
    with traced.request():
        ar.set_root_name("Reports#show")
    root = traced.roots()[-1]
    assert _as_each_backend_sees(root) == (OTHER, OTHER, OTHER)
    assert "http.route" not in root.attributes


def test_a_framework_route_set_after_the_start_is_overwritten_too():
    traced = make_traced(max_groups=2)
    _fill(traced)
    with traced.request() as span:
        span.set_attribute("http.route", "/framework/{id}")  # as FastAPI's instrumentor
        ar.set_root_name("Late#name")
    root = traced.roots()[-1]
    assert _as_each_backend_sees(root) == (OTHER, OTHER, OTHER)


def test_a_request_regrouped_into_an_admitted_group_leaves_the_overflow():
    traced = make_traced(max_groups=2)
    _fill(traced)
    with traced.request(**{"http.route": "/c/:id", "appsignal_routes.route_source": "registry"}):
        ar.set_route("/admitted0/:id")  # the handler's own route: an admitted group
    root = traced.roots()[-1]
    expected = "GET /admitted0/:id"
    assert _as_each_backend_sees(root) == (expected, expected, expected)
