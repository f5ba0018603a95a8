"""Pyramid: ``ar.instrument(config.make_wsgi_app())`` groups each request by the pattern
of the route Pyramid's routes mapper picks, includes with a route prefix too."""

from __future__ import annotations

import logging
from typing import ClassVar

import pytest
from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPMethodNotAllowed, HTTPUnauthorized
from pyramid.request import Request
from pyramid.response import Response

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for

from ...calls import call_wsgi, template_of


def show_user(request):
    return {"id": request.matchdict["user_id"]}


def method_not_allowed(request):
    raise HTTPMethodNotAllowed


@ar.route("/orders/:order_id")
def show_order(request):
    return {"order": request.matchdict["order_id"]}


def ok(request):
    return Response("ok")


class Files:
    def __init__(self, request):
        self.request = request

    def show(self):
        return Response("/".join(self.request.matchdict["subpath"]))


def require_token(event):
    if event.request.path.startswith("/admin") and "Authorization" not in event.request.headers:
        raise HTTPUnauthorized


def api_routes(config):
    config.add_route("item", "/items/{item_id:\\d+}")
    config.add_view(ok, route_name="item")


def make_app(extra=None):
    with Configurator() as config:
        config.add_subscriber(require_token, NewRequest)
        config.add_route("user", "/users/{user_id}")
        config.add_view(show_user, route_name="user", renderer="json", request_method="GET")
        config.add_view(method_not_allowed, route_name="user")  # other methods: 405
        config.add_route("order", "/orders/{order_id}")
        config.add_view(show_order, route_name="order", renderer="json")
        config.add_route("stats", "admin/stats")  # no leading slash, as Pyramid allows
        config.add_view(ok, route_name="stats")
        config.add_route("form", "/form", request_method="POST")
        config.add_view(ok, route_name="form")
        config.add_route("files", "/files/*subpath")
        config.add_view(Files, attr="show", route_name="files")
        config.include(api_routes, route_prefix="api")
        if extra is not None:
            extra(config)
        return config.make_wsgi_app()


def test_requests_are_grouped_by_the_route_pyramid_picks(traced):
    app = ar.instrument(make_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/7")[0] == "200 OK"
    assert call_wsgi(app, "/api/items/3")[0] == "200 OK"  # include(route_prefix="api")
    assert call_wsgi(app, "/files/a/b.css")[0] == "200 OK"
    assert call_wsgi(app, "/admin/stats")[0] == "401 Unauthorized"  # a subscriber, before routing
    assert call_wsgi(app, "/users/7", "DELETE")[0] == "405 Method Not Allowed"  # a view says so
    assert call_wsgi(app, "/form")[0] == "404 Not Found"  # its route predicate refuses GET
    assert call_wsgi(app, "/api/items/x")[0] == "404 Not Found"  # the regex refuses it
    assert traced.grouped() == [
        ("GET /users/{user_id}", "/users/{user_id}", "discovered"),
        ("GET /api/items/{item_id:\\d+}", "/api/items/{item_id:\\d+}", "discovered"),
        ("GET /files/*subpath", "/files/*subpath", "discovered"),
        ("GET /admin/stats", "/admin/stats", "discovered"),
        ("DELETE /users/{user_id}", "/users/{user_id}", "discovered"),
        ("GET /form", "/form", "discovered"),
        ("GET", None, "method"),
    ]


def test_routes_are_tried_in_order_with_their_predicates(traced):
    def extra(config):
        # the first route whose pattern and predicates match wins, as in Pyramid
        config.add_route("search_xhr", "/search", xhr=True)
        config.add_view(ok, route_name="search_xhr")
        config.add_route("search_post", "/search", request_method="POST")
        config.add_view(ok, route_name="search_post")
        config.add_route("search_any", "/{anything}")
        config.add_view(ok, route_name="search_any")

    app = ar.instrument(make_app(extra), tracer_provider=traced.provider)
    headers = {"X-Requested-With": "XMLHttpRequest"}
    assert call_wsgi(app, "/search", headers=headers)[0] == "200 OK"
    assert call_wsgi(app, "/search", "POST")[0] == "200 OK"
    assert call_wsgi(app, "/search")[0] == "200 OK"
    assert call_wsgi(app, "/search")[0] == "200 OK"  # predicates decided: never remembered
    assert [name for name, _, _ in traced.grouped()] == [
        "GET /search",
        "POST /search",
        "GET /{anything}",
        "GET /{anything}",
    ]


def test_a_route_predicate_other_than_the_method_that_fails_is_no_route(traced):
    def extra(config):
        config.add_route("ajax", "/ajax", xhr=True)
        config.add_view(ok, route_name="ajax")

    app = ar.instrument(make_app(extra), tracer_provider=traced.provider)
    assert call_wsgi(app, "/ajax")[0] == "404 Not Found"
    assert traced.grouped() == [("GET", None, "method")]


class TenantIs:
    """A custom route predicate, as Pyramid documents them."""

    seen: ClassVar[list[tuple[Request, bool, str]]] = []

    def __init__(self, value, config):
        self.value = value

    def text(self):
        return f"tenant_is = {self.value}"

    phash = text

    def __call__(self, info, request):
        self.seen.append((request, request.registry is not None, request.tenant))
        return request.tenant == self.value


def test_route_predicates_see_the_request_as_pyramid_builds_it(traced):
    class OwnRequest(Request):
        pass

    def extra(config):
        config.set_request_factory(OwnRequest)
        config.add_request_method(lambda request: "acme", "tenant", reify=True)
        config.add_route_predicate("tenant_is", TenantIs)
        config.add_route("tenant", "/tenant", tenant_is="acme")
        config.add_view(ok, route_name="tenant")

    app = ar.instrument(make_app(extra), tracer_provider=traced.provider)
    assert call_wsgi(app, "/tenant")[0] == "200 OK"
    ours, pyramids = TenantIs.seen
    for request, has_registry, tenant in (ours, pyramids):
        assert isinstance(request, OwnRequest)
        assert has_registry
        assert tenant == "acme"
    assert ours[0] is not pyramids[0]
    assert [name for name, _, _ in traced.grouped()] == ["GET /tenant"]


def test_a_decorator_on_the_view_wins(traced):
    app = ar.instrument(make_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/orders/3")[0] == "200 OK"
    assert traced.grouped() == [("GET /orders/:order_id", "/orders/:order_id", "decorator")]


def test_routes_added_after_instrument_are_seen(traced):
    config = Configurator()
    config.add_route("user", "/users/{user_id}")
    config.add_view(show_user, route_name="user", renderer="json")
    config.commit()
    app = ar.instrument(config.make_wsgi_app(), tracer_provider=traced.provider)
    assert call_wsgi(app, "/late/x")[0] == "404 Not Found"
    config.add_route("late", "/late/{name}")
    config.add_view(ok, route_name="late")
    config.commit()
    assert call_wsgi(app, "/late/x")[0] == "200 OK"
    assert call_wsgi(app, "/late/x")[0] == "200 OK"  # remembered
    assert [name for name, _, _ in traced.grouped()] == ["GET", *["GET /late/{name}"] * 2]


def test_a_non_ascii_path_is_decoded_as_pyramid_decodes_it(traced):
    def extra(config):
        config.add_route("cafe", "/café/{name}")
        config.add_view(ok, route_name="cafe")

    app = ar.instrument(make_app(extra), tracer_provider=traced.provider)
    assert call_wsgi(app, "/café/x")[0] == "200 OK"
    assert [name for name, _, _ in traced.grouped()] == ["GET /café/{name}"]
    # PATH_INFO that is not UTF-8: no route (Pyramid cannot decode it either)
    assert template_of(router_for(make_app(extra)).route("GET", "/\xff", {})) is None


def test_a_traversal_app_is_grouped_by_its_view_not_at_start(traced):
    class Root:
        pass

    with Configurator(root_factory=lambda request: Root()) as config:
        config.add_view(ok, context=Root)
        app = config.make_wsgi_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert call_wsgi(wrapped, "/")[0] == "200 OK"
    assert traced.grouped() == [("GET /", "/", "discovered")]  # see test_pyramid_traversal
    assert list(router_for(app).routes()) == []


def test_an_unknown_router_falls_back_with_one_warning(traced, caplog):
    app = make_app()
    app.routes_mapper = object()  # not a routes mapper Pyramid 2 has
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        wrapped = ar.instrument(app, tracer_provider=traced.provider, routes=["/admin/stats"])
    assert call_wsgi(wrapped, "/admin/stats")[0] == "401 Unauthorized"
    assert traced.grouped() == [("GET /admin/stats", "/admin/stats", "registry")]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "get_routes" in warnings[0].getMessage()


def test_other_pyramid_objects_are_not_apps():
    assert router_for(Configurator()) is None


def test_routes_lists_patterns_methods_and_views():
    def extra(config):
        config.add_route("things", "/things", factory=lambda request: None)
        config.add_view(ok, route_name="things", request_method="GET")
        config.add_view(ok, route_name="things", request_method=("PUT", "PATCH"))

    module = __name__
    assert list(router_for(make_app(extra)).routes()) == [
        DiscoveredRoute(
            (),  # one of its views takes any method
            "/users/{user_id}",
            f"{module}.show_user, {module}.method_not_allowed",
        ),
        DiscoveredRoute((), "/orders/{order_id}", f"{module}.show_order"),
        DiscoveredRoute((), "/admin/stats", f"{module}.ok"),
        DiscoveredRoute(("POST",), "/form", f"{module}.ok"),
        DiscoveredRoute((), "/files/*subpath", f"{module}.Files.show"),
        DiscoveredRoute((), "/api/items/{item_id:\\d+}", f"{module}.ok"),
        DiscoveredRoute(("GET", "PATCH", "PUT"), "/things", f"{module}.ok, {module}.ok"),
    ]


def test_routes_without_introspection_lists_patterns():
    with Configurator(introspection=False) as config:
        config.add_route("user", "/users/{user_id}")
        app = config.make_wsgi_app()
    assert list(router_for(app).routes()) == [DiscoveredRoute((), "/users/{user_id}", "")]


def routes_app(patterns):
    with Configurator() as config:
        for index, pattern in enumerate(patterns):
            config.add_route(f"r{index}", pattern)
            config.add_view(ok, route_name=f"r{index}")
        return config.make_wsgi_app()


def pyramids_own(app, path):
    """The pattern of the route Pyramid's own mapper picks for ``path``, or None."""
    info = app.routes_mapper(Request.blank(path))
    route = info["route"]
    return None if route is None else "/" + str(route.pattern).lstrip("/")


def test_ids_share_one_match_where_any_value_matches_alike(monkeypatch):
    app = routes_app(["/users/{user_id}/posts/{post_id:\\d+}", "/users/:user_id", "/files/*rest"])
    router = router_for(app)
    assert router is not None
    matched = []
    original = type(router)._match
    monkeypatch.setattr(
        type(router), "_match", lambda self, r, p, e: matched.append(p) or original(self, r, p, e)
    )
    answers = [
        template_of(router.route("GET", f"/users/{n}/posts/{n * 7}", {})) for n in range(100, 110)
    ]
    assert answers == ["/users/{user_id}/posts/{post_id:\\d+}"] * 10
    assert template_of(router.route("GET", "/users/1/posts/x", {})) is None  # not digits: no route
    assert template_of(router.route("GET", "/users/42", {})) == "/users/:user_id"
    # one match for the ten ids of one shape; then one each for the new shapes
    assert matched == ["/users/100/posts/700", "/users/1/posts/x", "/users/42"]


@pytest.mark.parametrize("order", [1, -1])
@pytest.mark.parametrize(
    "patterns",
    [
        # a static segment of digits, before or after the placeholder
        ["/archive/2024", "/archive/{year}"],
        ["/archive/{year}", "/archive/2024"],
        ["/archive/2024{n}", "/archive/{year}"],
        # a regex that tells values apart
        ["/archive/{year:20[0-9]{2}}", "/archive/{y}/old"],
        ["/archive/{year:\\d{4}}", "/archive/{y}/old"],
    ],
)
def test_where_a_value_decides_every_path_is_matched_on_its_own(patterns, order):
    paths = ["/archive/2024", "/archive/1999", "/archive/20241", "/archive/2031"][::order]
    app = routes_app(patterns)
    router = router_for(app)
    assert router is not None
    answers = [template_of(router.route("GET", p, {})) for p in paths]
    assert answers == [pyramids_own(app, p) for p in paths]  # in either order


def test_a_decorated_view_groups_requests_refused_before_it(traced):
    @ar.route("/accounts/:account_id")
    def account(request):
        return Response("account")

    @ar.root_name
    class AccountViews:
        def __init__(self, request):
            self.request = request

        def show(self):
            return Response("show")

    @ar.root_name("Accounts#only_get")
    def only_get(request):
        return Response("get")

    def refuse(event):
        if "deny" in event.request.params:
            raise HTTPUnauthorized

    with Configurator() as config:
        config.add_subscriber(refuse, NewRequest)
        config.add_route("account", "/accounts/{account_id}")
        config.add_view(account, route_name="account")
        config.add_route("shown", "/shown/{account_id}")
        config.add_view(AccountViews, route_name="shown", attr="show")
        config.add_route("only_get", "/only-get")
        config.add_view(only_get, route_name="only_get", request_method="GET")
        config.add_route("get_route", "/get-route", request_method="GET")
        config.add_view(only_get, route_name="get_route")
        app = config.make_wsgi_app()
    wrapped = ar.instrument(app, tracer_provider=traced.provider)
    assert call_wsgi(wrapped, "/accounts/3", query="deny")[0].startswith("401")
    assert call_wsgi(wrapped, "/shown/3", query="deny")[0].startswith("401")
    # a view for some methods only, a route for some: its view is not known at start
    assert call_wsgi(wrapped, "/only-get", query="deny")[0].startswith("401")
    assert call_wsgi(wrapped, "/get-route", "POST")[0].startswith("404")
    assert traced.grouped() == [
        ("GET /accounts/:account_id", "/accounts/:account_id", "decorator"),
        ("AccountViews#show", "/shown/{account_id}", "root_name"),
        ("GET /only-get", "/only-get", "discovered"),
        ("POST /get-route", "/get-route", "discovered"),
    ]


def test_without_introspection_routes_have_no_view(traced, monkeypatch):
    from appsignal_routes.frameworks import pyramid as adapter

    monkeypatch.setattr(adapter, "SIZE", 1)  # one route remembered at a time

    @ar.route("/accounts/:account_id")
    def account(request):
        return Response("account")

    with Configurator() as config:
        config.introspection = False
        config.add_route("account", "/accounts/{account_id}")
        config.add_view(account, route_name="account")
        config.add_route("other", "/other")
        config.add_view(account, route_name="other")
        app = config.make_wsgi_app()
    router = router_for(app)
    assert router.route("GET", "/accounts/3", {}).handler is None
    assert router.route("GET", "/other", {}).template == "/other"
