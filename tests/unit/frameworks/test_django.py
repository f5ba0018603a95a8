"""Django: requests grouped by the route Django's own resolver dispatches them to.

The project is configured once per process (``django_settings``); each test applies its
own settings on top with ``override_settings`` and builds the handler inside it, as
``get_wsgi_application()`` reads the middleware when it is called. This module is its
own URLconf.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any

import django.urls
import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIRequest
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import include, path, re_path
from django.views import View
from django.views.decorators.http import require_http_methods
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute
from appsignal_routes.frameworks import django as adapter

from ...calls import call_wsgi, serve_asgi, status_of, template_of
from . import django_settings  # noqa: F401 - configures Django before the URLconf below

HERE = __name__


@require_http_methods(["GET"])
def show_user(request, user_id):
    return JsonResponse({"id": user_id})


@ar.root_name  # "Orders#get"
class Orders(View):
    def get(self, request, order_id):
        return JsonResponse({"order": order_id})


def stats(request):
    return JsonResponse({"requests": 1})


@require_http_methods(["GET", "POST"])
@ar.route("/admin/users/:user_id")
def admin_user(request, user_id):
    return JsonResponse({"id": user_id})


def crash(request):
    raise RuntimeError("boom")


async def chunks() -> AsyncIterator[str]:
    for n in range(3):
        yield f"chunk {n}\n"


def stream(request):
    # Django wants an iterator of the handler's kind: async under ASGI
    if isinstance(request, ASGIRequest):
        return StreamingHttpResponse(chunks())
    return StreamingHttpResponse(f"chunk {n}\n" for n in range(3))


@ar.route("/legacy/:id")  # a decorator still wins over the discovered route
def legacy(request, legacy_id):
    return HttpResponse("legacy")


def plain(request, *args, **kwargs):
    return HttpResponse("ok")


def require_token(get_response):
    """Answers 401 before any view runs."""

    def middleware(request):
        if request.path.startswith("/admin") and "HTTP_AUTHORIZATION" not in request.META:
            return JsonResponse({"error": "token required"}, status=401)
        return get_response(request)

    return middleware


api = [
    path("items/<int:item_id>", plain),
    re_path(r"^things/(?P<pk>[0-9]+)/$", plain),
]

urlpatterns = [
    path("", plain),
    path("users/<int:user_id>", show_user),
    path("orders/<int:order_id>", Orders.as_view()),
    path("admin/stats", stats),
    path("admin/users/<int:user_id>", admin_user),
    path("admin/orders/<int:order_id>", Orders.as_view()),
    path("people/<int:user_id>", admin_user),
    path("crash", crash),
    path("stream", stream),
    path("legacy/<int:legacy_id>", legacy),
    path("tags/<str:name>", plain),
    path("slash/", plain),
    path("api/", include(api)),
    re_path(r"^articles/(?P<year>[0-9]{4})/$", plain),
    re_path(r"^archive/([0-9]{4})/([0-9]{2})/$", plain),
    *i18n_patterns(path("about/<slug:slug>", plain)),
]

SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["*"],
    "ROOT_URLCONF": HERE,
    "MIDDLEWARE": ["django.middleware.common.CommonMiddleware", f"{HERE}.require_token"],
    "USE_I18N": True,
    "LANGUAGE_CODE": "en",
    "LANGUAGES": [("en", "English"), ("fr", "French")],
    "APPEND_SLASH": True,
}


@pytest.fixture(autouse=True)
def project() -> Iterator[None]:
    with override_settings(**SETTINGS):
        yield


def call_asgi(app: Any, path_: str, method: str = "GET") -> int:
    return status_of(serve_asgi(app, path_, method, headers=[(b"host", b"127.0.0.1")]))


def wsgi(traced: Any, **options: Any) -> Any:
    return ar.instrument(get_wsgi_application(), tracer_provider=traced.provider, **options)


def asgi(traced: Any, **options: Any) -> Any:
    return ar.instrument(get_asgi_application(), tracer_provider=traced.provider, **options)


def request(app: Any, kind: str, path_: str, method: str = "GET") -> int:
    if kind == "wsgi":
        status, _ = call_wsgi(app, path_, method)
        return int(status.split()[0])
    return call_asgi(app, path_, method)


def exported(traced: Any) -> tuple[object, ...]:
    """The group of the one request sent (a second root span fails the test)."""
    (root,) = traced.grouped()
    return root


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("method", "path_", "status", "name", "source"),
    [
        ("GET", "/users/7", 200, "GET users/<int:user_id>", "discovered"),
        ("GET", "/admin/stats", 401, "GET admin/stats", "discovered"),
        ("DELETE", "/users/7", 405, "DELETE users/<int:user_id>", "discovered"),
        ("GET", "/missing", 404, "GET", "method"),
        ("GET", "/stream", 200, "GET stream", "discovered"),
        ("GET", "/", 200, "GET /", "discovered"),
        # include() with a prefix, re_path at the top and inside an include: in path syntax
        ("GET", "/api/items/3", 200, "GET api/items/<int:item_id>", "discovered"),
        ("GET", "/api/things/4/", 200, "GET api/things/<pk>/", "discovered"),
        ("GET", "/articles/2024/", 200, "GET articles/<year>/", "discovered"),
        ("GET", "/archive/2024/05/", 200, "GET archive/<arg1>/<arg2>/", "discovered"),
        # a converter that refuses the value: no route, as for Django
        ("GET", "/users/seven", 404, "GET", "method"),
        # APPEND_SLASH's redirect: the path itself matches no route
        ("GET", "/slash", 301, "GET", "method"),
        # the decorator on the view wins
        ("GET", "/legacy/3", 200, "GET /legacy/:id", "decorator"),
    ],
)
def test_requests_are_grouped_by_the_route_django_resolves(
    traced, kind, method, path_, status, name, source
):
    app = wsgi(traced) if kind == "wsgi" else asgi(traced)
    assert request(app, kind, path_, method) == status
    route = name.partition(" ")[2] or None
    assert exported(traced) == (name, route, source)


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_a_class_based_view_takes_its_root_name(traced, kind):
    app = wsgi(traced) if kind == "wsgi" else asgi(traced)
    assert request(app, kind, "/orders/7") == 200
    assert exported(traced) == ("Orders#get", "orders/<int:order_id>", "root_name")


def test_a_view_that_raises_is_grouped_by_its_route(traced, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    assert request(wsgi(traced), "wsgi", "/crash") == 500
    assert exported(traced) == ("GET crash", "crash", "discovered")


def test_a_non_ascii_path_resolves_as_django_decodes_it(traced):
    assert request(wsgi(traced), "wsgi", "/tags/café") == 200
    assert exported(traced)[0] == "GET tags/<str:name>"


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("path_", "name"),
    [("/fr/about/x", "GET fr/about/<slug:slug>"), ("/en/about/x", "GET en/about/<slug:slug>")],
)
def test_i18n_patterns_resolve_in_the_language_of_the_prefix(traced, kind, path_, name):
    middleware = ["django.middleware.locale.LocaleMiddleware", *SETTINGS["MIDDLEWARE"]]
    with override_settings(MIDDLEWARE=middleware):
        app = wsgi(traced) if kind == "wsgi" else asgi(traced)
        assert request(app, kind, path_) == 200
    assert exported(traced)[0] == name


def test_without_i18n_the_resolver_is_asked_as_is(traced):
    with override_settings(USE_I18N=False):
        assert request(wsgi(traced), "wsgi", "/users/7") == 200
    assert exported(traced)[0] == "GET users/<int:user_id>"


def test_a_route_added_after_instrument_is_seen(traced):
    app = wsgi(traced)
    assert request(app, "wsgi", "/late/x") == 404  # a miss is not remembered
    urlpatterns.append(path("late/<slug:name>", plain))
    try:
        assert request(app, "wsgi", "/late/x") == 200
    finally:
        urlpatterns.pop()
    assert [root.name for root in traced.roots()] == ["GET", "GET late/<slug:name>"]


def test_a_new_urlconf_is_read_from_settings(traced, monkeypatch):
    app = wsgi(traced)
    request(app, "wsgi", "/users/1")  # remembered for the first URLconf only
    other = types.ModuleType("other_urls")
    other.urlpatterns = [path("users/<int:member_id>", plain)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "other_urls", other)
    with override_settings(ROOT_URLCONF="other_urls"):
        request(app, "wsgi", "/users/1")
    names = [root.name for root in traced.roots()]
    assert names == ["GET users/<int:user_id>", "GET users/<int:member_id>"]


def test_discover_routes_false_groups_by_the_registry(traced):
    app = wsgi(traced, discover_routes=False, routes=["/users/:user_id"])
    request(app, "wsgi", "/users/7")
    request(app, "wsgi", "/api/items/3")
    names = [
        (r.name, (r.attributes or {}).get("appsignal_routes.route_source")) for r in traced.roots()
    ]
    assert names == [("GET /users/:user_id", "registry"), ("GET", "method")]


def test_a_websocket_is_no_django_route():
    router = adapter.router_for(get_asgi_application())
    assert router is not None
    assert router.framework == "Django (ASGI)"
    assert template_of(router.route(None, "/users/1", {})) is None


def test_other_objects_are_not_django_apps():
    assert adapter.router_for(object()) is None


def test_an_unknown_django_falls_back_with_one_warning(traced, monkeypatch, caplog):
    class OldResolverMatch:
        def __init__(self, func: object, args: object, kwargs: object) -> None: ...

    monkeypatch.setattr(adapter, "ResolverMatch", OldResolverMatch)
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = wsgi(traced, routes=["/users/:user_id"])
    assert request(app, "wsgi", "/users/7") == 200
    assert exported(traced)[:2] == ("GET /users/:user_id", "/users/:user_id")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "cannot read the routes" in warnings[0].getMessage()


def test_a_failing_resolver_never_fails_the_request(traced, monkeypatch):
    app = wsgi(traced)

    def broken(urlconf: object = None) -> object:
        raise RuntimeError("broken URLconf")

    monkeypatch.setattr(adapter, "get_resolver", broken)
    assert request(app, "wsgi", "/users/7") == 200
    assert exported(traced) == ("GET", None, "method")


def test_routes_lists_every_route():
    router = adapter.router_for(get_wsgi_application())
    assert router is not None
    assert router.framework == "Django"
    routes = list(router.routes())
    assert routes[:3] == [
        DiscoveredRoute((), "/", f"{HERE}.plain"),
        DiscoveredRoute((), "users/<int:user_id>", f"{HERE}.show_user"),
        DiscoveredRoute(("GET", "HEAD", "OPTIONS"), "orders/<int:order_id>", f"{HERE}.Orders"),
    ]
    templates = [r.template for r in routes]
    assert "api/items/<int:item_id>" in templates
    assert "api/things/<pk>/" in templates
    assert "articles/<year>/" in templates
    assert templates[-1] == "en/about/<slug:slug>"


RAW = [
    ("/api/things/4/", "GET api/things/(?P<pk>[0-9]+)/$"),
    ("/articles/2024/", "GET ^articles/(?P<year>[0-9]{4})/$"),
    ("/users/7", "GET users/<int:user_id>"),
]


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_regex_routes_raw_keeps_the_pattern(traced, kind):
    app = wsgi(traced, regex_routes="raw") if kind == "wsgi" else asgi(traced, regex_routes="raw")
    for path_, _ in RAW:
        assert request(app, kind, path_) == 200
    roots = traced.roots()
    assert [(r.name, (r.attributes or {}).get("http.route")) for r in roots] == [
        (name, name.partition(" ")[2]) for _, name in RAW
    ]


def test_regex_routes_raw_from_the_environment(traced, monkeypatch):
    monkeypatch.setenv("APPSIGNAL_ROUTES_REGEX_ROUTES", "raw")
    app = wsgi(traced)
    for path_, _ in RAW:
        request(app, "wsgi", path_)
    assert [r.name for r in traced.roots()] == [name for _, name in RAW]
    # an explicit option beats the environment
    request(wsgi(traced, regex_routes="readable"), "wsgi", "/api/things/4/")
    assert traced.roots()[-1].name == "GET api/things/<pk>/"


def test_regex_routes_raw_lists_the_patterns():
    router = adapter.router_for(get_wsgi_application())
    assert router is not None
    router.raw_regex = True
    assert "api/things/(?P<pk>[0-9]+)/$" in [r.template for r in router.routes()]


def test_regex_routes_must_be_readable_or_raw(traced):
    with pytest.raises(ValueError, match="regex_routes must be 'readable' or 'raw', not 'pretty'"):
        wsgi(traced, regex_routes="pretty")


# The OpenTelemetry Django instrumentor, with and without instrument()


@pytest.fixture
def instrumentor(traced) -> Iterator[None]:
    DjangoInstrumentor().instrument(tracer_provider=traced.provider)
    try:
        yield
    finally:
        DjangoInstrumentor().uninstrument()


@pytest.mark.usefixtures("instrumentor")
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("path_", "status", "name"),
    [
        ("/users/7", 200, "GET users/<int:user_id>"),
        ("/admin/stats", 401, "GET admin/stats"),
        ("/api/items/3", 200, "GET api/items/<int:item_id>"),
        ("/missing", 404, "GET"),
    ],
)
def test_with_the_instrumentor_there_is_one_server_span(traced, kind, path_, status, name):
    app = wsgi(traced) if kind == "wsgi" else asgi(traced)
    assert request(app, kind, path_) == status
    spans = traced.spans()
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert {s.context.trace_id for s in spans} == {server.context.trace_id}
    assert server.name == name
    source = (server.attributes or {}).get("appsignal_routes.route_source")
    assert source == ("method" if status == 404 else "discovered")
    # the instrumentor's own span is a child, as a span is current: its route is ours
    (internal,) = [s for s in spans if s.kind is SpanKind.INTERNAL]
    route = (internal.attributes or {}).get("http.route")
    assert [f"GET {route}"] == ([name] if status == 200 else ["GET None"])


@pytest.mark.usefixtures("instrumentor")
def test_with_the_instrumentor_i18n_routes_agree(traced):
    middleware = ["django.middleware.locale.LocaleMiddleware", *SETTINGS["MIDDLEWARE"]]
    with override_settings(MIDDLEWARE=middleware):
        DjangoInstrumentor().uninstrument()  # again, now that the middleware list changed
        DjangoInstrumentor().instrument(tracer_provider=traced.provider)
        app = wsgi(traced)
        request(app, "wsgi", "/fr/about/x")
    routes = {s.kind: (s.attributes or {}).get("http.route") for s in traced.spans()}
    assert routes == {
        SpanKind.SERVER: "fr/about/<slug:slug>",
        SpanKind.INTERNAL: "fr/about/<slug:slug>",
    }


@pytest.mark.usefixtures("instrumentor")
def test_the_instrumentor_alone_is_grouped_by_its_route(traced):
    call_wsgi(get_wsgi_application(), "/users/7")
    assert exported(traced) == ("GET users/<int:user_id>", "users/<int:user_id>", "framework")


@pytest.mark.usefixtures("instrumentor")
def test_the_instrumentor_alone_with_a_decorator_is_grouped_by_its_route(traced):
    # an annotation in the request lets the processor see the instrumentor's route
    call_wsgi(get_wsgi_application(), "/orders/7")
    assert exported(traced)[:2] == ("Orders#get", "orders/<int:order_id>")


def urlconf(monkeypatch, name, patterns):
    module = types.ModuleType(name)
    module.urlpatterns = patterns  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    return override_settings(ROOT_URLCONF=name)


def test_ids_share_one_resolve_where_any_value_resolves_alike(traced, monkeypatch):
    resolves = []
    with urlconf(monkeypatch, "shaped_urls", [path("users/<int:user_id>/posts/<str:slug>", plain)]):
        router = adapter.router_for(get_wsgi_application())
        assert router is not None
        resolver = django.urls.get_resolver()
        original = resolver.resolve
        monkeypatch.setattr(resolver, "resolve", lambda p: resolves.append(p) or original(p))
        routes = [
            template_of(router.route("GET", f"/users/{n}/posts/{n * 7}", {}))
            for n in range(100, 110)
        ]
        assert (
            template_of(router.route("GET", "/users/1/posts/x", {}))
            == "users/<int:user_id>/posts/<str:slug>"
        )
        assert (
            template_of(router.route("GET", "/users/x/posts/1", {})) is None
        )  # not an int: no route
    assert routes == ["users/<int:user_id>/posts/<str:slug>"] * 10
    # one resolve for the ten ids of one shape; then one each for the new shapes
    assert resolves == ["/users/100/posts/700", "/users/1/posts/x", "/users/x/posts/1"]


@pytest.mark.parametrize("order", [1, -1])
@pytest.mark.parametrize(
    "patterns",
    [
        # a static segment of digits, before or after the converter
        [path("archive/2024/", plain), path("archive/<int:year>/", legacy)],
        [path("archive/<int:year>/", legacy), path("archive/2024/", plain)],
        [path("archive/2024<int:n>/", plain), path("archive/<int:year>/", legacy)],
        # a regex that tells values apart
        [re_path(r"^archive/(?P<year>20[0-9]{2})/$", plain), path("archive/<int:y>/", legacy)],
    ],
)
def test_where_a_value_decides_every_path_is_resolved_on_its_own(monkeypatch, patterns, order):
    paths = ["/archive/2024/", "/archive/1999/", "/archive/20241/", "/archive/2031/"][::order]
    with urlconf(monkeypatch, "valued_urls", patterns):
        router = adapter.router_for(get_wsgi_application())
        assert router is not None
        answers = [template_of(router.route("GET", p, {})) for p in paths]
        djangos = [adapter.readable(django.urls.resolve(p).route) for p in paths]
    assert answers == djangos  # Django's own answer for each path, in either order


# One endpoint, one group: a decorated view's requests refused before it runs


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("method", "path_", "status", "group"),
    [
        # the middleware's 401, before the view
        ("GET", "/admin/users/7", 401, ("GET /admin/users/:user_id", "/admin/users/:user_id")),
        ("GET", "/admin/orders/7", 401, ("Orders#get", "admin/orders/<int:order_id>")),
        ("HEAD", "/admin/orders/7", 401, ("Orders#get", "admin/orders/<int:order_id>")),
        # a 405 from require_http_methods, around the decorated function
        ("DELETE", "/people/3", 405, ("DELETE /admin/users/:user_id", "/admin/users/:user_id")),
    ],
)
def test_a_decorated_view_groups_requests_it_never_sees(traced, kind, method, path_, status, group):
    app = wsgi(traced) if kind == "wsgi" else asgi(traced)
    assert request(app, kind, path_, method) == status
    assert exported(traced)[:2] == group


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_a_csrf_failure_is_grouped_by_the_decorated_view(traced, kind, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.security.csrf")
    middleware = ["django.middleware.csrf.CsrfViewMiddleware"]
    with override_settings(MIDDLEWARE=middleware):
        app = wsgi(traced) if kind == "wsgi" else asgi(traced)
        assert request(app, kind, "/admin/users/7", "POST") == 403
    assert exported(traced) == (
        "POST /admin/users/:user_id",
        "/admin/users/:user_id",
        "decorator",
    )
