"""Every private access has a probe and a public fallback; the switch takes every fallback.

``make pytest`` runs the unit suite twice: as the probes find (here: every private path),
and with ``APPSIGNAL_ROUTES_FALLBACKS=force`` (every public one). The tests of a private
path alone (``@pytest.mark.private_path``) are left out of the second run; what each
fallback does in their place is tested here, in both runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from typing import Any

import falcon
import pytest
from fastapi import FastAPI
from flask import Flask
from opentelemetry.sdk.trace import TracerProvider
from werkzeug.routing import Map, Rule

import appsignal_routes as ar
from appsignal_routes import _private
from appsignal_routes._private import falcon as private_falcon
from appsignal_routes._private import fastapi as private_fastapi
from appsignal_routes._private import otel as private_otel
from appsignal_routes._private import starlette as private_starlette
from appsignal_routes._private import werkzeug as private_werkzeug
from appsignal_routes._private import wrapt as private_wrapt

from ..calls import call_wsgi

#: Every private access, by the name its probe reports (see ``_private``'s docstring).
ACCESSES = {
    "api.context.runtime",
    "api.context.span_key",
    "api.span_context.tuple",
    "falcon.router",
    "falcon.sinks",
    "fastapi.contrib_mark",
    "fastapi.telemetry",
    "sdk.provider.processors",
    "sdk.span.fields",
    "sdk.span.writes",
    "starlette.telemetry",
    "werkzeug.map.changes",
    "werkzeug.rule.converters",
    "wrapt.base_init",
    "wrapt.self_wrapper",
}

_IMPORT_ALL = textwrap.dedent(
    """
    import json
    import appsignal_routes, appsignal_routes._sdk_spans
    from appsignal_routes._private import chosen, falcon, fastapi, otel, starlette, werkzeug, wrapt
    starlette.middleware_options(object())  # probed when first read
    print(json.dumps(chosen))
    """
)


def chosen_in_a_process(switch: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "APPSIGNAL_ROUTES_FALLBACKS"}
    if switch is not None:
        env["APPSIGNAL_ROUTES_FALLBACKS"] = switch
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", _IMPORT_ALL],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_each_access_reports_the_path_it_took_in_this_run():
    private_starlette.middleware_options(object())  # probed when first read
    assert set(_private.chosen) == ACCESSES
    expected = "public" if _private.FORCED else "private"  # (the releases installed here)
    assert {name: path for name, path in _private.chosen.items() if path != expected} == {}


def test_the_switch_takes_every_fallback():
    assert chosen_in_a_process(None) == dict.fromkeys(ACCESSES, "private")
    assert chosen_in_a_process("force") == dict.fromkeys(ACCESSES, "public")
    assert chosen_in_a_process(" FORCE ") == dict.fromkeys(ACCESSES, "public")


def test_the_switch_takes_the_fallbacks_it_names():
    chosen = chosen_in_a_process("wrapt.base_init, falcon.sinks")
    assert {name for name, path in chosen.items() if path == "public"} == {
        "wrapt.base_init",
        "falcon.sinks",
    }


def test_a_probe_that_fails_takes_the_fallback(monkeypatch, caplog):
    monkeypatch.setattr(_private, "chosen", {})

    def broken() -> bool:
        raise AttributeError("_moved")

    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert _private.take("some.access", broken) is False
        assert _private.take("other.access", lambda: 1) is not _private.FORCED
    assert _private.chosen["some.access"] == "public"
    assert "some.access is read the public way" in caplog.text


# What each fallback does, in both runs.


def test_without_the_runtime_context_var_the_probe_fails(monkeypatch):
    from opentelemetry import context

    monkeypatch.setattr(context, "_RUNTIME_CONTEXT", object())
    assert private_otel._runtime_context_found() is False


def test_the_fallback_knows_the_processors_the_toolkit_added(monkeypatch):
    monkeypatch.setattr(private_otel, "_PROCESSORS_LISTED", False)
    provider = TracerProvider(shutdown_on_exit=False)
    by_hand = ar.GroupingSpanProcessor()
    provider.add_span_processor(by_hand)  # not seen by the fallback
    ours = ar.GroupingSpanProcessor()
    private_otel.add_span_processor(provider, ours)
    assert tuple(private_otel.span_processors(provider)) == (ours,)
    assert tuple(private_otel.span_processors(TracerProvider(shutdown_on_exit=False))) == ()


def test_werkzeug_fallbacks_see_every_rule_added(monkeypatch):
    monkeypatch.setattr(private_werkzeug, "_CHANGES", False)
    url_map = Map([Rule("/a", endpoint="a")])
    assert private_werkzeug.map_size(url_map) == 1
    url_map.add(Rule("/a/<int:id>", endpoint="a"))  # an existing endpoint: a new rule
    assert private_werkzeug.map_size(url_map) == 2
    assert private_werkzeug.rules_pending(url_map) is False  # the count says it all


def test_werkzeug_converters_made_again_are_those_werkzeug_made():
    url_map = Map(
        [Rule("/<int(min=1):a>/<b>/<path:c>/<any(x, '7'):d>/<uuid:e>/<float:f>", endpoint="a")]
    )
    rule = next(url_map.iter_rules())
    made = private_werkzeug._converters_made(rule)
    kept = list(rule._converters.values())  # type: ignore[attr-defined]
    assert [type(c) for c in made] == [type(c) for c in kept]
    assert [vars(c) for c in made] == [vars(c) for c in kept]


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
    native = app._native_telemetry  # type: ignore[attr-defined]
    assert private_fastapi.native_telemetry(app) is None
    assert private_fastapi.telemetry_options(app) is None
    from appsignal_routes.frameworks import _fastapi_telemetry

    _fastapi_telemetry.adopt(app)
    assert app._native_telemetry is native  # type: ignore[attr-defined]


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


def test_wrapt_fallbacks_bind_and_find_the_toolkits_own_wrappers(monkeypatch):
    monkeypatch.setattr(private_wrapt, "_STATIC_BINDING", False)
    monkeypatch.setattr(private_wrapt, "_SELF_WRAPPER", False)

    @ar.route("/users/{id}")
    def show(user_id):
        return user_id

    class Users:
        @ar.root_name("Users#show")
        def show(self, user_id):
            return (self, user_id)

    users = Users()
    assert show(7) == 7
    assert users.show(8) == (users, 8)
    assert private_wrapt.wrapper_of(show).route == "/users/{id}"
    assert private_wrapt.wrapper_of(Users.__dict__["show"]).name == "Users#show"
    assert private_wrapt.wrapper_of(len) is None


def test_a_flask_app_is_grouped_alike_with_the_werkzeug_fallbacks(traced, monkeypatch):
    monkeypatch.setattr(private_werkzeug, "_CHANGES", False)
    monkeypatch.setattr(private_werkzeug, "_CONVERTERS", False)
    app = Flask(__name__)

    @app.get("/users/<int:user_id>")
    def user(user_id):
        return str(user_id)

    wrapped = ar.instrument(app, tracer_provider=traced.provider)

    @app.get("/later/<name>")  # after instrument(), before the first request
    def later(name):
        return name

    assert call_wsgi(wrapped, "/users/1") == ("200 OK", b"1")
    assert call_wsgi(wrapped, "/later/x") == ("200 OK", b"x")
    assert [s.attributes["http.route"] for s in traced.roots()] == [
        "/users/<int:user_id>",
        "/later/<name>",
    ]


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


def test_the_span_key_fallback_finds_nothing_in_a_context_laid_out_otherwise(monkeypatch):
    from appsignal_routes import _sdk_spans

    def elsewhere(span: Any, context: Any = None) -> Any:
        return context  # a context that keeps its span where no key shows it

    monkeypatch.setattr(_sdk_spans, "set_span_in_context", elsewhere)
    assert _sdk_spans._span_key_of_a_context() is None

    def broken(span: Any, context: Any = None) -> Any:
        raise TypeError

    monkeypatch.setattr(_sdk_spans, "set_span_in_context", broken)
    assert _sdk_spans._span_key_of_a_context() is None


def test_an_sdk_whose_spans_are_made_otherwise_fails_the_fields_probe(monkeypatch):
    from appsignal_routes import _sdk_spans

    def made_otherwise(**kwargs: Any) -> Any:
        raise TypeError(sorted(kwargs))

    monkeypatch.setattr(_sdk_spans.sdk_trace, "ReadableSpan", made_otherwise)
    assert _sdk_spans._fields_found() is False
