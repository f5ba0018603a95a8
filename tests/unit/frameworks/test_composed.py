"""Wrapped and composed apps: ``ar.instrument(app)`` groups each request by the route of
the app that routes it, through the wrappers users put around an app (ProxyFix,
WhiteNoise, a2wsgi, asgiref, Django's static files handlers, their own middleware) and
into the apps a dispatcher or a Mount mounts, whatever their framework."""

from __future__ import annotations

import functools
import logging
from typing import Any

import falcon.asgi
import pytest
from a2wsgi import ASGIMiddleware, WSGIMiddleware
from asgiref.wsgi import WsgiToAsgi
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler, StaticFilesHandler
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path
from fastapi import FastAPI
from flask import Flask
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Host, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.routing import Rule
from whitenoise import WhiteNoise

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, Found, framework_of, router_for
from appsignal_routes.frameworks import flask as flask_adapter

from ...calls import call_wsgi, template_of
from . import django_settings  # noqa: F401 - configures Django before the URLconf below


def flask_app(name: str = "shop") -> Flask:
    app = Flask(name)

    @app.get("/")
    def index() -> str:
        return "index"

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.post("/add")
    def add() -> str:
        return "added"

    return app


#: (method, path, status, span name) a Flask app of ``flask_app`` answers, at the root
FLASK_REQUESTS = [
    ("GET", "/users/1", 200, "GET /users/<int:user_id>"),
    ("POST", "/add", 200, "POST /add"),
    ("DELETE", "/users/1", 405, "DELETE /users/<int:user_id>"),
    ("GET", "/nowhere", 404, "GET"),
]


def below(
    prefix: str, requests: list[tuple[str, str, int, str]]
) -> list[tuple[str, str, int, str]]:
    """The same requests to an app mounted at ``prefix``."""
    return [
        (method, prefix + path_, status, name.replace(" /", f" {prefix}/", 1))
        for method, path_, status, name in requests
    ]


def send_wsgi(app: Any, requests: list[tuple[str, str, int, str]], **kwargs: Any) -> None:
    for method, path_, status, _ in requests:
        assert call_wsgi(app, path_, method, **kwargs)[0].startswith(str(status))


def send_asgi(
    app: Any, requests: list[tuple[str, str, int, str]], *, lifespan: bool = True, **kwargs: Any
) -> None:
    """Send ``requests``; with ``lifespan=False`` the app gets no lifespan scope (as asgiref's
    WsgiToAsgi and Django's ASGI handler need: they raise on one, toolkit or not)."""
    client = TestClient(app, **kwargs)
    if not lifespan:
        _send(client, requests)
        return
    with client:
        _send(client, requests)


def _send(client: TestClient, requests: list[tuple[str, str, int, str]]) -> None:
    for method, path_, status, _ in requests:
        assert client.request(method, path_).status_code == status


def names(traced: Any) -> list[str]:
    return [name for name, _, _ in traced.grouped()]


def expected(requests: list[tuple[str, str, int, str]]) -> list[str]:
    return [name for *_, name in requests]


class SelfApp:
    """A user's own WSGI middleware: it keeps the app in ``self.app``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


class Application:
    """One that keeps it in ``self.application`` (as WhiteNoise does)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.application(environ, start_response)


def wraps_function(app: Any) -> Any:
    @functools.wraps(app)
    def wrapper(environ: dict[str, Any], start_response: Any) -> Any:
        return app(environ, start_response)

    return wrapper


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda app, tmp: ProxyFix(app, x_for=1, x_prefix=1), id="ProxyFix"),
        pytest.param(
            lambda app, tmp: SharedDataMiddleware(app, {"/static": str(tmp)}), id="SharedData"
        ),
        pytest.param(lambda app, tmp: WhiteNoise(app, root=tmp, prefix="/static"), id="WhiteNoise"),
        pytest.param(lambda app, tmp: SelfApp(app), id="self.app"),
        pytest.param(lambda app, tmp: Application(SelfApp(app)), id="self.application"),
        pytest.param(lambda app, tmp: wraps_function(app.wsgi_app), id="functools.wraps"),
        pytest.param(lambda app, tmp: ProxyFix(SelfApp(app.wsgi_app)), id="wsgi_app"),
    ],
)
def test_wsgi_wrappers_are_looked_through(traced, tmp_path, wrap):
    (tmp_path / "site.css").write_text("body {}")
    app = ar.instrument(wrap(flask_app(), tmp_path), tracer_provider=traced.provider)
    send_wsgi(app, FLASK_REQUESTS)
    assert traced.grouped()[0] == (
        "GET /users/<int:user_id>",
        "/users/<int:user_id>",
        "discovered",
    )
    assert names(traced) == expected(FLASK_REQUESTS)


def test_a_file_a_wrapper_serves_is_grouped_by_the_declared_routes(traced, tmp_path):
    """WhiteNoise answers /assets/... itself: the app behind it has no route for it."""
    (tmp_path / "site.css").write_text("body {}")
    app = WhiteNoise(flask_app(), root=tmp_path, prefix="/assets")
    app = ar.instrument(app, tracer_provider=traced.provider, routes=["/assets/:file"])
    assert call_wsgi(app, "/assets/site.css")[0].startswith("200")
    assert traced.grouped() == [("GET /assets/:file", "/assets/:file", "registry")]


def test_proxy_fix_moves_the_prefix_into_script_name_only(traced):
    app = ar.instrument(ProxyFix(flask_app(), x_prefix=1), tracer_provider=traced.provider)
    status, _ = call_wsgi(app, "/users/7", headers={"X-Forwarded-Prefix": "/shop"})
    assert status.startswith("200")
    assert names(traced) == ["GET /users/<int:user_id>"]


def test_flasks_own_wsgi_app_replaced_by_a_wrapper(traced):
    """Flask's documented way: ``app.wsgi_app = ProxyFix(app.wsgi_app)``, then the app."""
    flask = flask_app()
    flask.wsgi_app = ProxyFix(flask.wsgi_app)  # type: ignore[method-assign]
    app = ar.instrument(flask, tracer_provider=traced.provider)
    send_wsgi(app, FLASK_REQUESTS)
    assert names(traced) == expected(FLASK_REQUESTS)
    assert framework_of(flask) == ("flask", flask)


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(WSGIMiddleware, id="a2wsgi.WSGIMiddleware"),
        pytest.param(WsgiToAsgi, id="asgiref.WsgiToAsgi"),
    ],
)
@pytest.mark.parametrize("root_path", ["", "/shop"])
def test_a_wsgi_app_in_an_asgi_adapter(traced, wrap, root_path):
    app = ar.instrument(wrap(flask_app()), tracer_provider=traced.provider)
    # asgiref's WsgiToAsgi raises on a lifespan scope, and that reaches the server as it
    # would without the toolkit: driven without one, as its users must
    lifespan = wrap is not WsgiToAsgi
    send_asgi(app, FLASK_REQUESTS, root_path=root_path, lifespan=lifespan)
    assert names(traced) == expected(FLASK_REQUESTS)
    assert app.start.router.framework == "Flask"


def starlette_app() -> Starlette:
    async def item(request: Any) -> JSONResponse:
        return JSONResponse({"id": request.path_params["item_id"]})

    return Starlette(routes=[Route("/items/{item_id:int}", item, methods=["GET"])])


STARLETTE_REQUESTS = [
    ("GET", "/items/3", 200, "GET /items/{item_id:int}"),
    ("POST", "/items/3", 405, "POST /items/{item_id:int}"),
    ("GET", "/items/x", 404, "GET"),
]


def test_an_asgi_app_in_a_wsgi_adapter(traced):
    adapter = ASGIMiddleware(starlette_app())
    app = ar.instrument(adapter, tracer_provider=traced.provider)
    send_wsgi(app, STARLETTE_REQUESTS)
    send_wsgi(app, STARLETTE_REQUESTS[:1], script_name="/api")  # mounted by a WSGI server
    assert names(traced) == [*expected(STARLETTE_REQUESTS), "GET /items/{item_id:int}"]
    assert app.start.router.framework == "Starlette"


# Django: this module is the URLconf of the tests that build a Django handler


def django_user(request: Any, user_id: int) -> JsonResponse:
    return JsonResponse({"id": user_id})


urlpatterns = [path("users/<int:user_id>", django_user)]

DJANGO = {"ROOT_URLCONF": __name__, "STATIC_URL": "/static/", "MIDDLEWARE": []}


def test_djangos_static_files_handlers(traced):
    with override_settings(**DJANGO):
        wsgi = ar.instrument(
            StaticFilesHandler(get_wsgi_application()), tracer_provider=traced.provider
        )
        asgi = ar.instrument(
            ASGIStaticFilesHandler(get_asgi_application()), tracer_provider=traced.provider
        )
        assert call_wsgi(wsgi, "/users/4")[0].startswith("200")
        # Django's ASGI handler raises on a lifespan scope, toolkit or not: none is sent
        assert TestClient(asgi).get("/users/5").status_code == 200
        assert call_wsgi(WhiteNoise(wsgi), "/users/6")[0].startswith("200")
    assert names(traced) == ["GET users/<int:user_id>"] * 3


def test_two_flask_apps_behind_a_dispatcher(traced):
    """The issue's case: every routed request was named by its method alone."""
    dispatcher = DispatcherMiddleware(flask_app("front"), {"/backend": flask_app("back")})
    app = ar.instrument(dispatcher, tracer_provider=traced.provider)
    requests = [*FLASK_REQUESTS, *below("/backend", FLASK_REQUESTS)]
    requests += [("GET", "/backend", 308, "GET /backend/"), ("GET", "/", 200, "GET /")]
    send_wsgi(app, requests)
    assert names(traced) == expected(requests)
    assert traced.grouped()[4] == (
        "GET /backend/users/<int:user_id>",
        "/backend/users/<int:user_id>",
        "discovered",
    )


def test_flasks_documented_dispatching(traced):
    """``app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {...})``, then the app."""
    front = flask_app("front")
    front.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        front.wsgi_app, {"/api/v1": flask_app("api")}
    )
    app = ar.instrument(front, tracer_provider=traced.provider)
    requests = [*FLASK_REQUESTS, *below("/api/v1", FLASK_REQUESTS)]
    send_wsgi(app, requests)
    assert names(traced) == expected(requests)


def test_nested_dispatchers_and_an_asgi_app_mounted_through_a2wsgi(traced):
    inner = DispatcherMiddleware(NotFound(), {"/shop": flask_app("inner")})
    outer = DispatcherMiddleware(
        NotFound(), {"/eu": inner, "/async": ASGIMiddleware(starlette_app())}
    )
    app = ar.instrument(outer, tracer_provider=traced.provider)
    requests = [
        *below("/eu/shop", FLASK_REQUESTS),
        *below("/async", STARLETTE_REQUESTS),
        ("GET", "/eu/nothing", 404, "GET"),
        ("GET", "/nothing", 404, "GET"),
    ]
    send_wsgi(app, requests)
    assert names(traced) == expected(requests)


def raw_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def test_a_mounted_app_none_can_see_into_never_outranks_a_declared_route(traced):
    dispatcher = DispatcherMiddleware(flask_app(), {"/raw": raw_wsgi})
    app = ar.instrument(dispatcher, tracer_provider=traced.provider, routes=["/raw/special/:id"])
    assert call_wsgi(app, "/raw/special/3") == ("200 OK", b"/special/3")
    assert call_wsgi(app, "/raw/other")[0].startswith("200")
    assert traced.grouped() == [
        ("GET /raw/special/:id", "/raw/special/:id", "registry"),
        ("GET /raw", "/raw", "discovered"),
    ]


def test_an_app_mounted_after_instrument_is_followed(traced):
    dispatcher = DispatcherMiddleware(NotFound(), {})
    app = ar.instrument(dispatcher, tracer_provider=traced.provider)
    assert call_wsgi(app, "/late/users/1")[0].startswith("404")
    dispatcher.mounts["/late"] = flask_app("late")
    assert call_wsgi(app, "/late/users/1")[0].startswith("200")
    assert names(traced) == ["GET", "GET /late/users/<int:user_id>"]


def test_a_mounted_app_whose_router_cannot_be_read_warns_once(traced, caplog, monkeypatch):
    broken = flask_app("broken")
    reads = flask_adapter.router_for

    def failing(app: object) -> Any:
        if app is broken:
            raise TypeError("a url_map this adapter does not know")
        return reads(app)

    monkeypatch.setattr(flask_adapter, "router_for", failing)
    dispatcher = DispatcherMiddleware(flask_app(), {"/broken": broken})
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = ar.instrument(dispatcher, tracer_provider=traced.provider)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "mounted in" in caplog.records[0].getMessage()
    assert call_wsgi(app, "/users/1")[0].startswith("200")
    assert call_wsgi(app, "/broken/users/1")[0].startswith("200")
    assert traced.grouped() == [
        ("GET /users/<int:user_id>", "/users/<int:user_id>", "discovered"),
        ("GET /broken", "/broken", "discovered"),  # its mount's prefix, as an opaque mount's
    ]
    assert len(caplog.records) == 1


def test_a_framework_older_than_its_floor_is_warned_about_once_wrapped_or_mounted(
    traced, caplog, monkeypatch
):
    """The walk ends at the app it recognised: it does not go on into Flask's wsgi_app."""
    monkeypatch.setattr(flask_adapter, "LOWEST", "99.0")  # as if the installed Flask were older
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        wrapped = ar.instrument(ProxyFix(flask_app()), tracer_provider=traced.provider)
        mounted = ar.instrument(
            DispatcherMiddleware(NotFound(), {"/old": flask_app("old")}),
            tracer_provider=traced.provider,
        )
    wrapped_warning, mounted_warning = [r.getMessage() for r in caplog.records]
    assert "is older than 99.0" in wrapped_warning
    assert "ProxyFix" not in wrapped_warning  # the Flask app is named, not its wrapper
    assert "mounted in" in mounted_warning
    assert "is older than 99.0" in mounted_warning
    assert wrapped.start.router is None
    assert call_wsgi(wrapped, "/users/1")[0].startswith("200")
    assert call_wsgi(mounted, "/old/users/1")[0].startswith("200")
    assert names(traced) == ["GET", "GET /old"]


def test_flask_in_fastapi_through_a2wsgi(traced):
    """The issue's case: every request to the Flask app was ``GET /legacy``."""
    api = FastAPI()

    @api.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    api.mount("/legacy", WSGIMiddleware(flask_app("legacy")))
    app = ar.instrument(api, tracer_provider=traced.provider)
    requests = [
        ("GET", "/items/1", 200, "GET /items/{item_id}"),
        ("GET", "/legacy/", 200, "GET /legacy/"),
        *below("/legacy", FLASK_REQUESTS),
    ]
    send_asgi(app, requests)
    assert names(traced) == expected(requests)
    assert traced.grouped()[3] == ("POST /legacy/add", "/legacy/add", "discovered")


class FalconItem:
    async def on_get(self, req: Any, resp: Any, item_id: int) -> None:
        resp.media = {"id": item_id}


@pytest.mark.since("starlette", "0.33", reason="a mounted app is called with the whole path")
@pytest.mark.private_path("falcon.router")
def test_falcon_django_and_starlette_apps_mounted_in_starlette(traced):
    falcon_app = falcon.asgi.App()  # it routes the whole path: mounted, its routes say so
    falcon_app.add_route("/falcon/items/{item_id:int}", FalconItem())
    with override_settings(**DJANGO):
        web = Starlette(
            routes=[
                Mount("/falcon", app=falcon_app),
                Mount("/django", app=get_asgi_application()),
                Mount("/sub", app=CORSMiddleware(starlette_app(), allow_origins=["*"])),
                Host("flask.example.com", app=WSGIMiddleware(flask_app())),
            ]
        )
        app = ar.instrument(web, tracer_provider=traced.provider)
        with TestClient(app) as client:
            assert client.get("/falcon/items/1").status_code == 200
            assert client.post("/falcon/items/1").status_code == 405
            assert client.get("/falcon/nothing").status_code == 404
            assert client.get("/django/users/2").status_code == 200
            assert client.get("/django/nothing").status_code == 404
            assert client.get("/sub/items/3").status_code == 200
            host = {"host": "flask.example.com"}
            assert client.get("/users/4", headers=host).status_code == 200
    assert names(traced) == [
        "GET /falcon/items/{item_id:int}",
        "POST /falcon/items/{item_id:int}",
        "GET",
        "GET /django/users/<int:user_id>",
        "GET",
        "GET /sub/items/{item_id:int}",
        "GET /users/<int:user_id>",
    ]


def test_static_files_mounted_in_starlette_yield_to_declared_routes(traced, tmp_path):
    (tmp_path / "site.css").write_text("body {}")
    web = Starlette(routes=[Mount("/static", app=StaticFiles(directory=tmp_path))])
    app = ar.instrument(web, tracer_provider=traced.provider, routes=["/static/special/:name"])
    with TestClient(app) as client:
        assert client.get("/static/site.css").status_code == 200
        assert client.get("/static/site.css").status_code == 200  # remembered: the same
        assert client.get("/static/special/x").status_code == 404
    assert traced.grouped() == [
        ("GET /static", "/static", "discovered"),
        ("GET /static", "/static", "discovered"),
        ("GET /static/special/:name", "/static/special/:name", "registry"),
    ]


def test_a_flask_route_added_after_instrument_is_seen_through_the_mount(traced):
    legacy = flask_app("legacy")
    web = Starlette(routes=[Mount("/legacy", app=WSGIMiddleware(legacy))])
    app = ar.instrument(web, tracer_provider=traced.provider)
    with TestClient(app) as client:
        legacy.add_url_rule("/late", "late", lambda: "late")  # before its first request
        assert client.get("/legacy/late").status_code == 200
    assert names(traced) == ["GET /legacy/late"]


def test_listing_names_the_mounted_apps(tmp_path):
    dispatcher = DispatcherMiddleware(
        flask_app("front"), {"/backend": WSGIMiddleware(flask_app("back")), "/raw": raw_wsgi}
    )
    listed = list(router_for(dispatcher).routes())
    templates = [(r.template, r.prefix, r.framework) for r in listed]
    assert len(list(router_for(DispatcherMiddleware(NotFound(), {})).routes())) == 0
    assert ("/users/<int:user_id>", "", "Flask") in templates
    assert ("/backend/users/<int:user_id>", "/backend", "Flask") in templates
    assert DiscoveredRoute((), "/raw", f"{__name__}.raw_wsgi", prefix="/raw") in listed
    web = Starlette(
        routes=[
            Mount("/legacy", app=WSGIMiddleware(flask_app("legacy"))),
            Mount("/static", app=StaticFiles(directory=tmp_path)),
        ]
    )
    listed = list(router_for(web).routes())
    assert ("/legacy/add", "/legacy", "Flask") in [
        (r.template, r.prefix, r.framework) for r in listed
    ]
    assert listed[-1].template == "/static"


def test_cycles_long_chains_and_odd_attributes_end_the_walk(caplog):
    first, second = SelfApp(None), SelfApp(None)
    first.app, second.app = second, first
    assert router_for(first) is None
    deep: Any = flask_app()
    for _ in range(20):
        deep = SelfApp(deep)
    assert router_for(deep) is None
    assert router_for(SelfApp(flask_app())) is not None

    class Refusing:
        @property
        def app(self) -> Any:
            raise RuntimeError("working outside of application context")

        application = flask_app()

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            return self.application(environ, start_response)

    assert router_for(Refusing()).framework == "Flask"
    assert router_for(SelfApp("not callable")) is None
    assert framework_of(SelfApp(object())) is None
    assert not caplog.records


def test_an_app_mounted_inside_itself_ends_the_walk():
    web = Starlette()
    web.router.routes.append(Mount("/again", app=CORSMiddleware(web, allow_origins=["*"])))
    router = router_for(web)
    scope = {"type": "http", "method": "GET", "path": "/again/x", "root_path": "", "headers": []}
    assert router.route("GET", "/again/x", scope) is None  # Starlette: /x inside itself
    found = router.route("GET", "/again/again/x", {**scope, "path": "/again/again/x"})
    assert found == Found("/again/again", found.handler, opaque=True)  # seen no further


def fastapi_app() -> FastAPI:
    api = FastAPI()

    @api.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return api


@pytest.mark.private_path("fastapi.telemetry")
def test_a_mounted_fastapi_app_traces_no_second_server_span(traced):
    """FastAPI's native telemetry, mounted in Starlette or behind a dispatcher, adopts
    the span of instrument(): one server span per request, in one trace."""
    trace.set_tracer_provider(traced.provider)  # FastAPI's telemetry: the global one
    web = Starlette(routes=[Mount("/api", app=fastapi_app())])
    with TestClient(ar.instrument(web, tracer_provider=traced.provider)) as client:
        assert client.get("/api/items/1").status_code == 200
    dispatcher = DispatcherMiddleware(NotFound(), {"/api": ASGIMiddleware(fastapi_app())})
    app = ar.instrument(dispatcher, tracer_provider=traced.provider)
    assert call_wsgi(app, "/api/items/2")[0] == "200 OK"
    servers = [s for s in traced.spans() if s.kind is SpanKind.SERVER]
    assert [s.name for s in servers] == ["GET /api/items/{item_id}"] * 2
    assert len({s.context.trace_id for s in traced.spans()}) == 2


def late_rule(app: Flask, rule: str) -> None:
    """A rule added to a Flask app that has served requests (Flask's own API refuses)."""
    app.url_map.add(Rule(rule, endpoint=rule))
    app.view_functions[rule] = lambda: "late"


def test_remembered_answers_of_a_mounted_flask_app_follow_its_rules(traced):
    legacy, front = flask_app("legacy"), flask_app("front")
    web = Starlette(routes=[Mount("/legacy", app=WSGIMiddleware(legacy))])
    starlette = ar.instrument(web, tracer_provider=traced.provider)
    dispatcher = DispatcherMiddleware(front, {})
    dispatched = ar.instrument(dispatcher, tracer_provider=traced.provider)
    crossed = ar.instrument(WsgiToAsgi(flask_app("crossed")), tracer_provider=traced.provider)
    other = TestClient(crossed)  # no lifespan scope: WsgiToAsgi raises on one
    with TestClient(starlette) as client:
        for _ in range(3):  # the third time, remembered (the first saw no matched map)
            assert client.get("/legacy/late").status_code == 404
            assert call_wsgi(dispatched, "/backend/users/1")[0].startswith("404")
            assert other.get("/late").status_code == 404
        late_rule(legacy, "/late")
        dispatcher.mounts["/backend"] = flask_app("back")
        late_rule(crossed.app.wsgi_application, "/late")
        for _ in range(2):
            assert client.get("/legacy/late").status_code == 200
            assert call_wsgi(dispatched, "/backend/users/1")[0].startswith("200")
            assert other.get("/late").status_code == 200
    assert (
        names(traced)
        == ["GET"] * 9
        + [
            "GET /legacy/late",
            "GET /backend/users/<int:user_id>",
            "GET /late",
        ]
        * 2
    )


def test_a_mounted_flask_app_that_routes_by_host_is_asked_every_time(traced):
    legacy = flask_app("legacy")
    legacy.config["SERVER_NAME"] = "example.com"
    legacy.subdomain_matching = True
    legacy.add_url_rule("/only", "only", lambda: "shop", subdomain="shop")
    web = Starlette(routes=[Mount("/legacy", app=WSGIMiddleware(legacy))])
    with TestClient(ar.instrument(web, tracer_provider=traced.provider)) as client:
        for host, status in (("shop.example.com", 200), ("example.com", 404)) * 2:
            assert client.get("/legacy/only", headers={"host": host}).status_code == status
    assert names(traced) == ["GET /legacy/only", "GET"] * 2


def test_what_composing_routers_remember_is_bounded(traced):
    dispatcher = DispatcherMiddleware(NotFound(), {f"/m{n}": flask_app(f"m{n}") for n in range(70)})
    router = router_for(dispatcher)
    crossing = router_for(WSGIMiddleware(flask_app("crossed")))
    for n in range(1100):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/m{n % 70}/users/{n}"}
        assert (
            template_of(router.route("GET", environ["PATH_INFO"], environ))
            == f"/m{n % 70}/users/<int:user_id>"
        )
        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/users/{n}",
            "headers": [(f"x-{n}".encode(), b"1")],
        }
        assert template_of(crossing.route("GET", scope["path"], scope)) == "/users/<int:user_id>"
    web = Starlette(routes=[Mount("/legacy", app=WSGIMiddleware(flask_app("legacy")))])
    with TestClient(ar.instrument(web, tracer_provider=traced.provider)) as client:
        # no Mount takes it: Starlette redirects to /legacy/
        assert client.get("/legacy", follow_redirects=False).status_code == 307
    assert names(traced) == ["GET"]


class Passing:
    """A wrapper whose interface cannot be told from its signature."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, *args: Any) -> Any:
        return self.app(*args)


def test_a_wrapper_of_no_telling_interface_hands_the_request_as_it_comes(traced):
    wsgi = ar.instrument_wsgi(Passing(flask_app()), tracer_provider=traced.provider)
    assert call_wsgi(wsgi, "/users/1")[0] == "200 OK"
    assert names(traced) == ["GET /users/<int:user_id>"]


def test_ids_are_remembered_alike_only_where_the_mounted_app_routes_them_alike(traced):
    plain, dated = flask_app("plain"), flask_app("dated")
    dated.add_url_rule("/users/2024", "year", lambda: "year")  # digits of their own
    dispatcher = DispatcherMiddleware(NotFound(), {"/plain": plain, "/dated": dated})
    app = ar.instrument(dispatcher, tracer_provider=traced.provider)
    for path_ in ("/plain/users/2024", "/plain/users/2025", "/dated/users/2025") * 2:
        call_wsgi(app, path_)
    call_wsgi(app, "/dated/users/2024")
    assert names(traced) == [
        "GET /plain/users/<int:user_id>",
        "GET /plain/users/<int:user_id>",
        "GET /dated/users/<int:user_id>",
    ] * 2 + ["GET /dated/users/2024"]


@pytest.mark.since("starlette", "1.7", reason="Starlette's own OpenTelemetryMiddleware")
def test_an_app_of_the_other_interface_inside_an_adapter_is_not_replaced(traced):
    """Starlette's own telemetry stands aside by a stand-in for the Starlette app: never
    for a WSGI adapter around it, which must stay a WSGI app."""
    from starlette.middleware.opentelemetry import OpenTelemetryMiddleware

    web = starlette_app()
    web.add_middleware(OpenTelemetryMiddleware)
    adapter = ASGIMiddleware(web)
    app = ar.instrument(adapter, tracer_provider=traced.provider)
    assert app.app is adapter
    assert call_wsgi(app, "/items/1")[0] == "200 OK"
    assert names(traced)[-1] == "GET /items/{item_id:int}"


def test_quarts_own_asgi_app_replaced_by_a_dispatching_one(traced):
    from quart import Quart

    quart = Quart("shop")

    @quart.get("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return str(user_id)

    quart.asgi_app = Starlette(  # type: ignore[method-assign]
        routes=[Mount("/api", app=starlette_app()), Mount("", app=quart.asgi_app)]
    )
    with TestClient(ar.instrument(quart, tracer_provider=traced.provider)) as client:
        assert client.get("/users/3").status_code == 200
        assert client.get("/api/items/4").status_code == 200
    assert names(traced) == ["GET /users/<int:user_id>", "GET /api/items/{item_id:int}"]


class AsgiSelfApp:
    """A user's own ASGI middleware, keeping the app in ``self.app``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def test_a_wrapped_app_mounted_in_starlette(traced):
    web = Starlette(routes=[Mount("/sub", app=AsgiSelfApp(AsgiSelfApp(starlette_app())))])
    with TestClient(ar.instrument(web, tracer_provider=traced.provider)) as client:
        for _ in range(2):
            assert client.get("/sub/items/5").status_code == 200
    assert names(traced) == ["GET /sub/items/{item_id:int}"] * 2


def test_a_dispatcher_that_cannot_be_read_is_warned_about_once(caplog):
    dispatcher = DispatcherMiddleware(flask_app(), {})
    dispatcher.mounts = object()  # type: ignore[assignment] - not the dict Werkzeug keeps
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        assert router_for(dispatcher) is None
    (record,) = caplog.records
    assert "cannot read the routes of <werkzeug.middleware.dispatcher" in record.getMessage()
