"""The typed public edge at run time: the options the type checkers know are the options
start() and instrument() take, a misspelt one fails there with a clear TypeError, and
the instrumented app is called as its public type says (tests/typing checks the types)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from flask import Flask

import appsignal_routes as ar
from appsignal_routes._agent import agent as _agent
from appsignal_routes._agent import config
from appsignal_routes._request.middleware import AsgiMiddleware, WsgiMiddleware
from appsignal_routes._request.start import RequestStart
from appsignal_routes._testing import capture
from appsignal_routes._types import GroupingOptions

from ..calls import call_asgi, call_wsgi


def wsgi_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def asgi_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _keywords(function: Any) -> set[str]:
    parameters = inspect.signature(function).parameters.values()
    return {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}


def test_the_typed_options_are_the_options_taken():
    assert ar.StartOptions.__optional_keys__ == set(config.ENV)
    assert ar.StartOptions.__required_keys__ == set()
    grouping = GroupingOptions.__optional_keys__
    assert ar.WsgiOptions.__optional_keys__ == _keywords(WsgiMiddleware.__init__) | grouping
    assert ar.AsgiOptions.__optional_keys__ == _keywords(AsgiMiddleware.__init__) | grouping
    assert grouping == _keywords(RequestStart.__init__)
    common = ar.InstrumentOptions.__optional_keys__
    assert common == ar.WsgiOptions.__optional_keys__ & ar.AsgiOptions.__optional_keys__


def test_a_misspelt_start_option_is_a_type_error_naming_the_one_meant():
    with pytest.raises(TypeError) as excinfo:
        ar.start(rotues=["/users/:id"], exporter="memory")  # type: ignore[call-arg]
    assert str(excinfo.value) == (
        "start() got an unexpected keyword argument 'rotues'; did you mean 'routes'?"
    )
    assert _agent.current_agent() is None  # nothing started
    with pytest.raises(TypeError, match=r"argument 'colour'$"):  # no near miss: no hint
        ar.start(colour="blue")  # type: ignore[call-arg]


def test_start_options_given_as_none_are_as_if_not_given():
    options: ar.StartOptions = {"exporter": "memory", "route_style": None, "routes": None}
    agent = ar.start(**options)
    try:
        assert agent.config.route_style == "template"
        assert agent.config.exporter == "memory"
    finally:
        ar.stop()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: ar.instrument(wsgi_app, exclude_spans=["send"]),
            (
                "instrument() got an unexpected keyword argument 'exclude_spans': "
                "an option for ASGI apps only"
            ),
        ),
        (
            lambda: ar.instrument(asgi_app, request_hook=print),
            (
                "instrument() got an unexpected keyword argument 'request_hook': "
                "an option for WSGI apps only"
            ),
        ),
        (
            lambda: ar.instrument(wsgi_app, route=["/x"]),
            "instrument() got an unexpected keyword argument 'route'; did you mean 'routes'?",
        ),
        (
            lambda: ar.instrument_wsgi(wsgi_app, excluded_url=["^/x"]),
            (
                "instrument_wsgi() got an unexpected keyword argument 'excluded_url'; "
                "did you mean 'excluded_urls'?"
            ),
        ),
        (
            lambda: ar.instrument_asgi(asgi_app, exclude_span=["send"]),
            (
                "instrument_asgi() got an unexpected keyword argument 'exclude_span'; "
                "did you mean 'exclude_spans'?"
            ),
        ),
        (  # also when the app is wrapped already and is given back as it is
            lambda: ar.instrument_wsgi(ar.instrument_wsgi(wsgi_app), rotues=["/x"]),
            "instrument_wsgi() got an unexpected keyword argument 'rotues'; did you mean 'routes'?",
        ),
    ],
)
def test_an_option_instrument_does_not_take_is_a_type_error(call, message):
    with pytest.raises(TypeError) as excinfo:
        call()
    assert str(excinfo.value) == message


def test_the_instrumented_app_is_called_by_position_or_by_its_parameter_names(traced):
    # as InstrumentedWsgiApp and InstrumentedAsgiApp say: what takes the place of Flask's
    # app.wsgi_app may be called with WSGI's names, and an ASGI app with ASGI's
    wsgi = ar.instrument(wsgi_app, routes=["/users/:id"], tracer_provider=traced.provider)
    statuses: list[str] = []
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = "/users/7"
    body = wsgi(
        environ=environ,
        start_response=lambda status, headers, exc_info=None: statuses.append(status),
    )
    assert (statuses, b"".join(body)) == (["200 OK"], b"ok")
    asgi = ar.instrument(asgi_app, routes=["/users/:id"], tracer_provider=traced.provider)
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/users/8", "headers": []}
    asyncio.run(asgi(scope=scope, receive=receive, send=send))
    assert sent[0]["status"] == 200
    assert [span.name for span in traced.roots()] == ["GET /users/:id", "GET /users/:id"]


def test_flask_wsgi_app_replaced_by_its_instrumented_self(traced):
    app = Flask(__name__)

    @app.get("/users/<int:user_id>")
    def show(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert app.test_client().get("/users/3").json == {"id": 3}
    assert call_wsgi(app, "/users/4")[0] == "200 OK"
    assert call_asgi(ar.instrument(asgi_app, tracer_provider=traced.provider), "/x")
    assert [(span.name, span.attributes.get("http.route")) for span in traced.roots()] == [
        ("GET /users/<int:user_id>", "/users/<int:user_id>"),
        ("GET /users/<int:user_id>", "/users/<int:user_id>"),
        ("GET", None),
    ]


def test_route_groups_is_public(route_groups):
    assert isinstance(route_groups, ar.RouteGroups)
    assert ar.RouteGroups is capture.RouteGroups
    assert ar.CapturedRequest is capture.CapturedRequest
    assert set(ar.__all__) <= set(dir(ar))
