"""Route discovery's cost at request start: the framework's router asked for a request's
route, against a registry match of the same route, per framework, side by side.

Each app has 24 routes (static, parameters, converters, a nested router); the request
goes to the 20th, a parameterised route, so that a linear walk pays for its length.
"""

# Each framework is imported only when its app is built: a benchmark of one framework
# must not pay for importing the others.
# ruff: noqa: PLC0415

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from wsgiref.util import setup_testing_defaults

from appsignal_routes._request.start import RequestStart
from appsignal_routes._routes import registry as _registry

from .compare import Ratio, compare

COUNT = 24
TARGET = 19  # the 20th route
PATH = f"/r{TARGET}/items/42"


def _environ(method: str, path: str) -> dict[str, Any]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD=method)
    return environ


def _scope(method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }


def flask_app() -> tuple[object, str]:
    from flask import Flask

    app = Flask("bench")
    for n in range(COUNT):
        app.add_url_rule(f"/r{n}/items/<int:item_id>", f"r{n}", lambda item_id: "")
    return app, "/items/<int:item_id>"


def falcon_app() -> tuple[object, str]:
    import falcon

    class Items:
        def on_get(self, req: Any, resp: Any, item_id: int) -> None:
            resp.text = ""

    app = falcon.App()
    for n in range(COUNT):
        app.add_route(f"/r{n}/items/{{item_id:int}}", Items())
    return app, "/items/{item_id:int}"


def bottle_app() -> tuple[object, str]:
    import bottle

    app = bottle.Bottle()
    for n in range(COUNT):
        app.route(f"/r{n}/items/<item_id:int>", callback=lambda item_id: "")
    return app, "/items/<item_id:int>"


def pyramid_app() -> tuple[object, str]:
    from pyramid.config import Configurator

    with Configurator() as config:
        for n in range(COUNT):
            config.add_route(f"r{n}", f"/r{n}/items/{{item_id}}")
            config.add_view(lambda request: {}, route_name=f"r{n}", renderer="json")
        return config.make_wsgi_app(), "/items/{item_id}"


def starlette_app() -> tuple[object, str]:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def items(request: Any) -> PlainTextResponse:
        return PlainTextResponse("")

    routes = [Route(f"/r{n}/items/{{item_id:int}}", items) for n in range(COUNT)]
    return Starlette(routes=routes), "/items/{item_id:int}"


def fastapi_app() -> tuple[object, str]:
    from fastapi import FastAPI

    app = FastAPI()
    for n in range(COUNT):
        app.add_api_route(f"/r{n}/items/{{item_id}}", lambda item_id: {}, methods=["GET"])
    return app, "/items/{item_id}"


def litestar_app() -> tuple[object, str]:
    from litestar import Litestar, get

    handlers = []
    for n in range(COUNT):

        @get(f"/r{n}/items/{{item_id:int}}", name=f"r{n}", sync_to_thread=False)
        def items(item_id: int) -> str:
            return ""

        handlers.append(items)
    return Litestar(route_handlers=handlers), "/items/{item_id:int}"


def sanic_app() -> tuple[object, str]:
    from sanic import Sanic, text

    app = Sanic("bench_discovery")  # (one app of this name a process)
    for n in range(COUNT):
        app.add_route(lambda request, item_id: text(""), f"/r{n}/items/<item_id:int>", name=f"r{n}")
    app.router.finalize()  # as the ASGI lifespan's startup does
    return app, "/items/<item_id:int>"


def blacksheep_app() -> tuple[object, str]:
    from blacksheep import Application

    async def items(item_id: int) -> str:
        return ""

    app = Application()
    for n in range(COUNT):
        app.router.add_get(f"/r{n}/items/{{int:item_id}}", items)
    asyncio.get_event_loop().run_until_complete(app.start())  # as the lifespan's startup does
    # (the registry's syntax for the same routes: BlackSheep's {int:name} is not its own)
    return app, "/items/{item_id:int}"


def connexion_app() -> tuple[object, str]:
    import connexion
    from connexion.resolver import Resolver

    def items(item_id: int) -> str:
        return ""

    parameter = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    operation = {"parameters": [parameter], "responses": {"200": {"description": "ok"}}}
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "bench", "version": "1"},
        "paths": {
            f"/r{n}/items/{{item_id}}": {"get": {**operation, "operationId": f"r{n}"}}
            for n in range(COUNT)
        },
    }
    app = connexion.AsyncApp("bench")
    app.add_api(spec, resolver=Resolver(function_resolver=lambda _: items))
    return app, "/items/{item_id}"


def django_app() -> tuple[object, str]:
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            SECRET_KEY="bench",
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
        )
    import django
    from django.core.handlers.wsgi import WSGIHandler

    django.setup()
    return WSGIHandler(), "/items/<int:item_id>"


def _django_urlpatterns() -> list[Any]:
    from django.http import HttpResponse
    from django.urls import path

    return [
        path(f"r{n}/items/<int:item_id>", lambda request, item_id: HttpResponse())
        for n in range(COUNT)
    ]


def _items_flask(name: str, routes: range) -> Any:
    from flask import Flask

    app = Flask(name)
    for n in routes:
        rule = f"/r{n}/items/<int:item_id>" if len(routes) > 1 else "/items/<int:item_id>"
        app.add_url_rule(rule, f"r{n}", lambda item_id: "")
    return app


def fastapi_mount_app() -> tuple[object, str]:
    """The 20th route is a Mount of a Flask app through a2wsgi."""
    from a2wsgi import WSGIMiddleware
    from fastapi import FastAPI

    app = FastAPI()
    for n in range(COUNT):
        if n == TARGET:
            app.mount(f"/r{n}", WSGIMiddleware(_items_flask("mounted", range(n, n + 1))))
        else:
            app.add_api_route(f"/r{n}/items/{{item_id}}", lambda item_id: {}, methods=["GET"])
    return app, "/items/<int:item_id>"


def dispatcher_app() -> tuple[object, str]:
    """Werkzeug's DispatcherMiddleware mounting a Flask app at each of 24 prefixes."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    mounts = {f"/r{n}": _items_flask(f"m{n}", range(n, n + 1)) for n in range(COUNT)}
    return DispatcherMiddleware(NotFound(), mounts), "/items/<int:item_id>"


APPS: dict[str, tuple[Callable[[], tuple[object, str]], str]] = {
    "Flask": (flask_app, "wsgi"),
    "Falcon": (falcon_app, "wsgi"),
    "Bottle": (bottle_app, "wsgi"),
    "Pyramid": (pyramid_app, "wsgi"),
    "Django": (django_app, "wsgi"),
    "Starlette": (starlette_app, "asgi"),
    "FastAPI": (fastapi_app, "asgi"),
    "Litestar": (litestar_app, "asgi"),
    "FastAPI + a2wsgi Flask": (fastapi_mount_app, "asgi"),
    "DispatcherMiddleware + Flask": (dispatcher_app, "wsgi"),
    "Sanic": (sanic_app, "asgi"),
    "BlackSheep": (blacksheep_app, "asgi"),
    "Connexion": (connexion_app, "asgi"),
}


@dataclass(frozen=True)
class Discovery:
    framework: str
    route: str | None  # what discovery found (None: not discovered)
    ratio: Ratio | None  # discovered match / registry match, the same path again and again
    fresh: Ratio | None  # the same, a path never seen before each time (a new id)


#: Distinct ids a round goes through: more than any adapter's cache of 1,024 paths.
FRESH = 4096


def _fresh(kind: str) -> list[tuple[str, dict[str, Any]]]:
    paths = [f"/r{TARGET}/items/{n}" for n in range(FRESH)]
    build = _environ if kind == "wsgi" else _scope
    return [(path, build("GET", path)) for path in paths]


def _cycling(start: RequestStart, requests: list[tuple[str, dict[str, Any]]]) -> Callable[[], Any]:
    state = {"next": 0}

    def match() -> Any:
        index = state["next"]
        state["next"] = (index + 1) % FRESH
        path, request = requests[index]
        return start.match("GET", path, request)

    return match


def measure(framework: str) -> Discovery:
    build, kind = APPS[framework]
    _registry.reset()
    app, tail = build()
    request = _environ("GET", PATH) if kind == "wsgi" else _scope("GET", PATH)
    discovered = RequestStart(app, discover_routes=True)
    found = discovered.match("GET", PATH, request)
    if found is None or found.source != "discovered":
        return Discovery(framework, None, None, None)
    templates = [f"/r{n}{tail}" for n in range(COUNT)]
    registry = RequestStart(object(), routes=templates, discover_routes=False)
    assert registry.match("GET", PATH, request) is not None
    ratio = compare(
        lambda: discovered.match("GET", PATH, request),
        lambda: registry.match("GET", PATH, request),
        number=5000,
    )
    requests = _fresh(kind)
    fresh = compare(_cycling(discovered, requests), _cycling(registry, requests), number=2000)
    return Discovery(framework, found.route, ratio, fresh)


def cherrypy_app() -> tuple[object, str]:
    import cherrypy
    from cherrypy import _cptree

    class Items:
        @cherrypy.expose
        def default(self, item_id: str) -> str:
            return item_id

    class Section:
        items = Items()

    class Root:
        pass

    for n in range(COUNT):
        setattr(Root, f"r{n}", Section())
    cherrypy.config.update({"log.screen": False})
    tree = _cptree.Tree()
    tree.mount(Root(), "")
    return tree, "/items/:item_id"


def _served(tree: Any, paths: list[str]) -> list[Any]:
    """CherryPy's request object for each path, as CherryPy leaves it once it has
    dispatched and answered the request."""
    import cherrypy

    served = []
    for path in paths:
        response = tree(_environ("GET", path), lambda status, headers, exc_info=None: None)
        served.append(cherrypy.serving.request)
        response.close()
    return served


def measure_cherrypy() -> Discovery:
    """CherryPy's requests are named by the handler CherryPy dispatched them to, read
    after dispatch (see the adapter); a request like one seen before (by its method and
    the shape of its path) starts named by it, and the name is checked after dispatch.
    What discovery adds: the look-up at start and the check after dispatch, against the
    registry's match of the same templates; both as the middleware starts a server span
    (``NamingTracer``), which each names as it starts."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import SpanKind

    from appsignal_routes import GroupingSpanProcessor
    from appsignal_routes._grouping.handoff import Serving, serving
    from appsignal_routes._request.start import NamingTracerProvider
    from appsignal_routes.frameworks import cherrypy as adapter

    _registry.reset()
    tree, tail = cherrypy_app()
    discovered = RequestStart(tree, discover_routes=True)
    router: Any = discovered.router
    provider = TracerProvider()
    provider.add_span_processor(GroupingSpanProcessor())
    tracer = NamingTracerProvider(provider, in_place=True).get_tracer("bench")
    templates = [f"/r{n}{tail}" for n in range(COUNT)]
    registry = RequestStart(object(), routes=templates, discover_routes=False)

    def serve(start: RequestStart, environ: dict[str, Any], served: Any) -> str:
        path = environ["PATH_INFO"]
        mark = serving.set(Serving(environ, start.match("GET", path, environ)))
        try:
            attributes = {"http.request.method": "GET", "url.path": path}
            span = tracer.start_span("GET", kind=SpanKind.SERVER, attributes=attributes)
            with trace.use_span(span, end_on_exit=True):
                if served is not None:
                    adapter._name_request(served, router, environ)
            return str(getattr(span, "name", ""))
        finally:
            serving.reset(mark)

    environ = _environ("GET", PATH)
    [one] = _served(tree, [PATH])
    serve(discovered, environ, one)  # the first request like it: named after dispatch
    found = serve(discovered, environ, one)
    ratio = compare(
        lambda: serve(discovered, environ, one),
        lambda: serve(registry, environ, None),
        number=5000,
    )
    paths = [f"/r{TARGET}/items/{n}" for n in range(FRESH)]
    environs = [_environ("GET", path) for path in paths]
    fresh_requests = list(zip(environs, _served(tree, paths), strict=True))
    state = {"named": 0, "matched": 0}

    def fresh_named() -> Any:
        index = state["named"]
        state["named"] = (index + 1) % FRESH
        return serve(discovered, *fresh_requests[index])

    def fresh_matched() -> Any:
        index = state["matched"]
        state["matched"] = (index + 1) % FRESH
        return serve(registry, environs[index], None)

    fresh = compare(fresh_named, fresh_matched, number=2000)
    return Discovery("CherryPy", found, ratio, fresh)


def run() -> list[Discovery]:
    asyncio.set_event_loop(asyncio.new_event_loop())  # Litestar and friends want one
    return [*(measure(framework) for framework in APPS), measure_cherrypy()]


#: requests a counted process matches after its warm-up (fewer than ``FRESH``: each a new id)
COUNTED = 2000


def _one(framework: str, variant: str, ids: str, count: int) -> None:
    """Match ``FRESH // 2`` warm-up requests then ``count`` more with the ``discovered``
    or ``registry`` way, each to a new id (``ids="fresh"``) or to one path (``"seen"``):
    the process that ``count_instructions`` has callgrind count."""
    build, kind = APPS[framework]
    asyncio.set_event_loop(asyncio.new_event_loop())
    _registry.reset()
    app, tail = build()
    if variant == "discovered":
        start = RequestStart(app, discover_routes=True)
    else:
        templates = [f"/r{n}{tail}" for n in range(COUNT)]
        start = RequestStart(object(), routes=templates, discover_routes=False)
    requests = _fresh(kind)
    if ids == "seen":
        requests = [requests[TARGET]] * FRESH
    match = _cycling(start, requests)
    for _ in range(FRESH // 2 + count):
        match()


def count_instructions(framework: str, ids: str = "fresh") -> tuple[int, int]:
    """Instructions a request's route match costs, discovered and by the registry (per
    request, warm-up and start-up left out), counted by callgrind: the same whatever
    else the machine does, where time on a shared machine swings by tens of percent."""
    from .instructions import counted

    def total(variant: str, count: int) -> int:
        return counted("benchmarks.discovery", framework, variant, ids, str(count))

    return tuple(  # type: ignore[return-value] # two variants
        (total(variant, COUNTED) - total(variant, 0)) // COUNTED
        for variant in ("discovered", "registry")
    )


def __getattr__(name: str) -> Any:  # Django reads ROOT_URLCONF's urlpatterns lazily
    if name == "urlpatterns":
        return _django_urlpatterns()
    raise AttributeError(name)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        _one(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:  # python -m benchmarks.discovery [FRAMEWORK...]: instructions per match
        for name in sys.argv[1:] or list(APPS):
            for ids in ("seen", "fresh"):
                discovered, registry = count_instructions(name, ids)
                print(
                    f"{name}, {ids} ids: discovered {discovered:,}, registry {registry:,}, "
                    f"added {discovered - registry:+,} instructions a request",
                    flush=True,
                )
