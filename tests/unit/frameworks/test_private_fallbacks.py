"""What the fallbacks of Falcon's, FastAPI's and Starlette's private names do, in both
runs of the unit suite (see ``tests/unit/test_private.py``)."""

from __future__ import annotations

import logging
import sys

import falcon
import pytest
from fastapi import FastAPI

import appsignal_routes as ar
from appsignal_routes._private import falcon as private_falcon
from appsignal_routes._private import fastapi as private_fastapi
from appsignal_routes._private import starlette as private_starlette

from ...calls import call_wsgi


def test_a_falcon_app_whose_router_cannot_be_read_is_served_as_it_is(traced, monkeypatch, caplog):
    monkeypatch.setattr(private_falcon, "_ROUTER", False)

    class Users:
        def on_get(self, req, resp, id):  # noqa: A002 - as the template names it
            resp.text = "user"

    app = falcon.App()
    app.add_route("/users/{id}", Users())
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert "router cannot be read" in caplog.text
    assert call_wsgi(wrapped, "/users/1") == ("200 OK", b"user")
    (root,) = traced.roots()
    assert root.name == "GET"
    assert (root.attributes or {}).get("http.route") is None


def test_falcon_sinks_and_static_routes_unknown_are_not_grouped(traced, monkeypatch):
    monkeypatch.setattr(private_falcon, "_ROUTER", True)  # (this Falcon's, in either run)
    monkeypatch.setattr(private_falcon, "_SINKS", False)

    def sink(req, resp, **kwargs):
        resp.text = "sunk"

    app = falcon.App()
    app.add_sink(sink, "/files")
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert call_wsgi(wrapped, "/files/a") == ("200 OK", b"sunk")
    (root,) = traced.roots()
    assert (root.attributes or {}).get("http.route") is None
    assert private_falcon.static_prefix(object()) is None
    assert list(wrapped.start.router.routes()) == []


def test_fastapi_telemetry_unknown_is_left_as_it_is(monkeypatch):
    monkeypatch.setattr(private_fastapi, "_NATIVE", False)
    app = FastAPI()
    native = getattr(app, "_native_telemetry", None)  # (None before FastAPI 0.142)
    assert private_fastapi.native_telemetry(app) is None
    assert private_fastapi.telemetry_options(app) is None
    from appsignal_routes.frameworks import _fastapi_telemetry

    _fastapi_telemetry.adopt(app)
    assert getattr(app, "_native_telemetry", None) is native


def test_the_contrib_instrumentor_is_found_by_its_stack_builder_too(monkeypatch):
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    monkeypatch.setattr(private_fastapi, "_CONTRIB_MARK", False)
    app = FastAPI()
    assert private_fastapi.traced_by_contrib(app) is False
    FastAPIInstrumentor.instrument_app(app)
    try:
        assert private_fastapi.traced_by_contrib(app) is True
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
    assert private_fastapi.traced_by_contrib(app) is False


def test_starlette_middleware_options_unknown(monkeypatch):
    monkeypatch.setattr(private_starlette, "_options_kept", lambda: False)
    assert private_starlette.middleware_options(object()) == (None, ())


@pytest.mark.parametrize(
    ("module", "probe"),
    [
        ("fastapi.telemetry._asgi", private_fastapi._native_found),  # FastAPI before 0.142
        ("opentelemetry.instrumentation.fastapi", private_fastapi._contrib_mark_found),
        ("starlette.middleware.opentelemetry", private_starlette._options_found),  # < 1.7
    ],
)
def test_a_probe_of_what_is_not_installed_finds_nothing(monkeypatch, module, probe):
    monkeypatch.setitem(sys.modules, module, None)  # (importing it raises ImportError)
    assert probe() is False
