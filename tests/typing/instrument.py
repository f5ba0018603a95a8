"""Checked by mypy --strict and pyright: instrument() takes each framework's app and
gives back an app of its kind, called as the app is, which the servers, test clients
and mounts that took the app take too. Never run (the apps are only built).

A line that must fail carries the code of each checker: mypy's ``# type: ignore[code]``
and pyright's ``# pyright: ignore[rule]`` (pyright reads no ``type: ignore`` here); an
ignore that is no longer needed fails ``make types``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from wsgiref.simple_server import make_server

import cherrypy
import connexion
import falcon
import falcon.asgi
import falcon.testing
import httpx
import uvicorn
from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
from blacksheep import Application
from bottle import Bottle
from django.core.handlers.asgi import ASGIHandler
from django.core.wsgi import get_wsgi_application
from fastapi import FastAPI
from flask import Flask
from litestar import Litestar
from pyramid.config import Configurator
from quart import Quart
from sanic import Sanic
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.routing import Mount
from starlette.testclient import TestClient
from starlette.types import ASGIApp
from typing_extensions import assert_type
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import run_simple

import appsignal_routes as ar


def wsgi_function(environ: ar.Environ, start_response: ar.StartResponse) -> list[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


async def asgi_function(scope: ar.Scope, receive: ar.Receive, send: ar.Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})


def untyped_wsgi(environ, start_response):  # type: ignore[no-untyped-def]
    return [b"ok"]


async def untyped_asgi(scope, receive, send):  # type: ignore[no-untyped-def]
    return None


class Asgi2:
    """An ASGI 2 app: the class is called with the scope, the instance awaited."""

    def __init__(self, scope: ar.Scope) -> None:
        self.scope = scope

    async def __call__(self, receive: ar.Receive, send: ar.Send) -> None:
        return None


class Endpoint(HTTPEndpoint):
    pass


def nullary() -> int:
    return 1


# WSGI apps: a WSGI app out, called as the app is, which WSGI servers take
flask_app = Flask(__name__)
falcon_app = falcon.App()
bottle_app = Bottle()
pyramid_app = Configurator().make_wsgi_app()
django_app = get_wsgi_application()
wsgi_apps: list[ar.InstrumentedWsgiApp] = [
    ar.instrument(flask_app),
    ar.instrument(falcon_app),
    ar.instrument(bottle_app),
    ar.instrument(pyramid_app),
    ar.instrument(django_app),
    ar.instrument(cherrypy.tree),
    ar.instrument(cherrypy.Application(object())),
    ar.instrument(wsgi_function),
    ar.instrument(untyped_wsgi),
    ar.instrument(flask_app.wsgi_app),
    ar.instrument_wsgi(flask_app),
    ar.instrument_wsgi(wsgi_function),
    ar.instrument_wsgi(django_app),
]
typeshed_wsgi_apps: Sequence[WSGIApplication] = wsgi_apps
make_server("127.0.0.1", 0, ar.instrument(flask_app))
run_simple("127.0.0.1", 0, ar.instrument(falcon_app))
DispatcherMiddleware(ar.instrument(flask_app), {"/api": ar.instrument(wsgi_function)})
httpx.WSGITransport(app=ar.instrument(flask_app))
falcon.testing.TestClient(ar.instrument(falcon_app))
assert_type(ar.instrument(wsgi_function)({}, print), Iterable[bytes])
assert_type(ar.instrument_wsgi(wsgi_function)({}, print), Iterable[bytes])

# ... and where the framework keeps its WSGI app in an attribute: the same signature
flask_app.wsgi_app = ar.instrument(flask_app.wsgi_app)  # type: ignore[method-assign]


def wsgi_calls(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    return ar.instrument(flask_app)(environ, start_response)


# ASGI apps: an ASGI app out, called as the app is, which ASGI servers take
starlette_app = Starlette()
fastapi_app = FastAPI()
litestar_app = Litestar(route_handlers=[])
quart_app = Quart(__name__)
falcon_asgi_app = falcon.asgi.App()
sanic_app = Sanic("typing")
blacksheep_app = Application()
connexion_app = connexion.AsyncApp(__name__)
connexion_flask_app = connexion.FlaskApp(__name__)
django_asgi_app = ASGIHandler()
asgi_apps: list[ar.InstrumentedAsgiApp] = [
    ar.instrument(starlette_app),
    ar.instrument(fastapi_app),
    ar.instrument(litestar_app),
    ar.instrument(quart_app),
    ar.instrument(falcon_asgi_app),
    ar.instrument(sanic_app),
    ar.instrument(blacksheep_app),
    ar.instrument(connexion_app),
    ar.instrument(connexion_flask_app),
    ar.instrument(django_asgi_app),
    ar.instrument(asgi_function),
    ar.instrument(untyped_asgi),
    ar.instrument(Endpoint),
    ar.instrument(Asgi2),
    ar.instrument_asgi(starlette_app),
    ar.instrument_asgi(litestar_app),
    ar.instrument_asgi(Asgi2),
]
starlette_apps: list[ASGIApp] = [
    *asgi_apps,
    ar.instrument(starlette_app),
    ar.instrument(fastapi_app),
    ar.instrument(asgi_function),
    ar.instrument(Asgi2),
    ar.instrument_asgi(fastapi_app),
]
uvicorn.run(ar.instrument(fastapi_app))
uvicorn.run(ar.instrument(litestar_app))
TestClient(ar.instrument(starlette_app))
httpx.ASGITransport(app=ar.instrument(fastapi_app))
fastapi_app.mount("/sub", ar.instrument(starlette_app))
Mount("/sub", app=ar.instrument(fastapi_app))
quart_app.asgi_app = ar.instrument(quart_app.asgi_app)  # type: ignore[method-assign]
instrumented: ar.AsgiApp = ar.instrument(starlette_app)
instrumented_wsgi: ar.WsgiApp = ar.instrument(flask_app)
ar.instrument(instrumented)  # instrumenting twice: the same app back
ar.instrument(instrumented_wsgi)


async def asgi_calls(scope: ar.Scope, receive: ar.Receive, send: ar.Send) -> None:
    assert_type(await ar.instrument(starlette_app)(scope, receive, send), None)
    assert_type(await ar.instrument_asgi(asgi_function)(scope, receive, send), None)


# Options passed to a kind of app that does not take them
ar.instrument(flask_app, routes=["/users/:id"], excluded_urls=["^/health"], request_hook=None)
ar.instrument(starlette_app, exclude_spans=["send"], server_request_hook=None)


def hook(span: Any, environ: dict[str, Any]) -> None:
    pass


ar.instrument(flask_app, request_hook=hook)
ar.instrument(starlette_app, server_request_hook=hook)

# What the checkers must reject:
# the result is the app's call, not the app: its framework's methods stay on the app
ar.instrument(flask_app).route("/")  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
ar.instrument(fastapi_app).include_router  # type: ignore[attr-defined]  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue]
flask_app2 = Flask(__name__)
flask_app2 = ar.instrument(flask_app2)  # type: ignore[assignment]  # mypy: redefinition.py
# an ASGI app is no WSGI app, and the other way round
wsgi_only: WSGIApplication = ar.instrument(starlette_app)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
asgi_only: ASGIApp = ar.instrument(flask_app)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
ar.instrument_wsgi(starlette_app)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument_asgi(flask_app)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
# not an app at all
ar.instrument(42)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
ar.instrument(nullary)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
# the other kind's options
ar.instrument(flask_app, exclude_spans=["send"])  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
ar.instrument(starlette_app, request_hook=hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument_wsgi(flask_app, server_request_hook=hook)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(starlette_app, response_hook=hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
