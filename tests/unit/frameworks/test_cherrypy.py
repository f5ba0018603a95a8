"""CherryPy: ``ar.instrument(cherrypy.tree)`` (or an ``Application``) names each request
by the handler CherryPy dispatches it to (``Class#method``; ``Class#VERB`` under
``MethodDispatcher``), or by the template ``RoutesDispatcher`` matched; and leaves
CherryPy's request and response exactly as they are without it."""

from __future__ import annotations

import base64
import logging
import re

import cherrypy
import pytest
import routes
import webtest
from cherrypy import _cptree
from cherrypy.lib import caching

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for
from appsignal_routes.frameworks import cherrypy as adapter

from ...calls import call_wsgi
from ...command import routes_listed

cherrypy.config.update({"log.screen": False})  # CherryPy logs every request to stdout

ROOT_NAME = "appsignal.root_name"  # what the agent groups by first, beside the span's name


def names(traced):
    return [s.name for s in traced.roots()]


def check_password(realm, user, password):
    return (user, password) == ("admin", "secret")


def basic(user, password):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


EMPTY = {"Content-Length": "0"}  # a POST or PUT without a body: CherryPy wants the length


def greeting(next_handler, *args, **kwargs):
    return "Hello, " + next_handler(*args, **kwargs)


cherrypy.tools.greeting = cherrypy._cptools.HandlerWrapperTool(greeting)


class UsersPage:
    @cherrypy.expose
    def index(self):
        return "users"

    @cherrypy.expose
    def show(self, user_id):
        return f"user {user_id}"

    @cherrypy.expose
    def default(self, *names):
        return "/".join(names)


class Admin:
    @cherrypy.expose
    def index(self):
        return "admin"

    @cherrypy.expose
    @ar.route("/admin/stats")
    def stats(self):
        return "stats"

    @cherrypy.expose
    @ar.root_name("Dashboard#show")
    def dashboard(self):
        return "dashboard"


class Root:
    users = UsersPage()
    admin = Admin()

    @cherrypy.expose
    def index(self):
        return "home"

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def status(self):
        return {"ok": True}

    @cherrypy.expose
    @cherrypy.tools.greeting()
    def hello(self, name="world"):
        return name

    @cherrypy.expose
    def fail(self):
        raise ValueError("broken handler")

    @cherrypy.expose
    @cherrypy.config(**{"response.stream": True})
    def stream(self):
        def body():
            ar.set_route("/streamed")  # a helper, once the handler has returned
            yield b"streamed"

        return body()

    @cherrypy.expose
    @ar.route("/orders/:order_id")
    def orders(self, order_id):
        return order_id


ROOT_CONFIG = {
    "/admin": {
        "tools.auth_basic.on": True,
        "tools.auth_basic.realm": "admin",
        "tools.auth_basic.checkpassword": check_password,
    },
}


@cherrypy.expose
class ItemResource:
    def GET(self, item_id=None):  # noqa: N802 - MethodDispatcher's verbs
        return f"item {item_id}"

    def PUT(self, item_id):  # noqa: N802
        return f"put {item_id}"


VERB_CONFIG = {"/": {"request.dispatch": cherrypy.dispatch.MethodDispatcher()}}


class BooksController:
    def show(self, book_id):
        return f"book {book_id}"

    def index(self):
        return "books"


def routes_config():
    dispatcher = cherrypy.dispatch.RoutesDispatcher()
    dispatcher.connect("books", "/books", controller=BooksController(), action="index")
    dispatcher.connect(
        "book",
        "/books/{book_id}",
        controller=BooksController(),
        action="show",
        conditions={"method": ["GET"]},
    )
    return {"/": {"request.dispatch": dispatcher}}


def make_tree():
    tree = _cptree.Tree()
    tree.mount(Root(), "", ROOT_CONFIG)
    tree.mount(ItemResource(), "/api/items", VERB_CONFIG)
    tree.mount(None, "/library", routes_config())
    return tree


@pytest.fixture
def tree():
    return make_tree()


def test_object_dispatch_names_each_request_by_its_handler(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/") == ("200 OK", b"home")
    assert call_wsgi(app, "/users/") == ("200 OK", b"users")
    assert call_wsgi(app, "/users/show/7") == ("200 OK", b"user 7")
    assert call_wsgi(app, "/users/show", query="user_id=7") == ("200 OK", b"user 7")
    assert call_wsgi(app, "/users/alice/posts") == ("200 OK", b"alice/posts")
    assert call_wsgi(app, "/users")[0] == "301 Moved Permanently"  # to /users/, before index
    assert call_wsgi(app, "/users/show/7", "POST")[0] == "411 Length Required"  # no body
    # a handler that takes no such arguments: CherryPy's 404, once it dispatched to it
    assert call_wsgi(app, "/users/show/7/8")[0] == "404 Not Found"
    assert call_wsgi(app, "/nothing/here")[0] == "404 Not Found"
    assert traced.grouped(ROOT_NAME) == [
        ("Root#index", None, "discovered", "Root#index"),
        ("UsersPage#index", None, "discovered", "UsersPage#index"),
        ("UsersPage#show", None, "discovered", "UsersPage#show"),
        ("UsersPage#show", None, "discovered", "UsersPage#show"),
        ("UsersPage#default", None, "discovered", "UsersPage#default"),
        ("UsersPage#index", None, "discovered", "UsersPage#index"),
        ("UsersPage#show", None, "discovered", "UsersPage#show"),
        ("UsersPage#show", None, "discovered", "UsersPage#show"),
        ("GET", None, "method", None),
    ]
    root = traced.roots()[0]
    assert root.attributes["appsignal.action_name"] == "Root#index"


def test_requests_cut_short_are_grouped_by_the_handler_they_were_headed_for(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/admin/")[0] == "401 Unauthorized"  # the auth tool refuses
    assert call_wsgi(app, "/admin/", headers=basic("admin", "secret")) == ("200 OK", b"admin")
    assert call_wsgi(app, "/fail")[0] == "500 Internal Server Error"
    assert call_wsgi(app, "/api/items/3", "DELETE")[0] == "405 Method Not Allowed"
    assert call_wsgi(app, "/api/items/3", "POST", headers=EMPTY)[0] == "405 Method Not Allowed"
    assert names(traced) == [
        "Admin#index",
        "Admin#index",
        "Root#fail",
        "ItemResource#DELETE",
        "ItemResource#POST",
    ]
    failed = traced.roots()[2].attributes
    assert failed.get("http.response.status_code", failed.get("http.status_code")) == 500


def test_method_dispatcher_names_the_resource_and_verb(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/api/items/3") == ("200 OK", b"item 3")
    assert call_wsgi(app, "/api/items/3", "HEAD")[0] == "200 OK"  # served by GET
    assert call_wsgi(app, "/api/items/3", "PUT", headers=EMPTY) == ("200 OK", b"put 3")
    assert traced.grouped(ROOT_NAME) == [
        ("ItemResource#GET", None, "discovered", "ItemResource#GET"),
        ("ItemResource#GET", None, "discovered", "ItemResource#GET"),
        ("ItemResource#PUT", None, "discovered", "ItemResource#PUT"),
    ]


def test_routes_dispatcher_gives_the_template_it_matched(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/library/books/12") == ("200 OK", b"book 12")
    assert call_wsgi(app, "/library/books/13") == ("200 OK", b"book 13")  # remembered by path
    assert call_wsgi(app, "/library/books") == ("200 OK", b"books")
    assert call_wsgi(app, "/library/books/12", "POST", headers=EMPTY)[0] == "404 Not Found"
    assert call_wsgi(app, "/library/nothing")[0] == "404 Not Found"
    assert traced.grouped(ROOT_NAME) == [
        ("GET /books/{book_id}", "/books/{book_id}", "discovered", None),
        ("GET /books/{book_id}", "/books/{book_id}", "discovered", None),
        ("GET /books", "/books", "discovered", None),
        ("POST", None, "method", None),
        ("GET", None, "method", None),
    ]


def test_handlers_wrapped_by_tools_are_still_named(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/status") == ("200 OK", b'{"ok": true}')  # tools.json_out
    assert call_wsgi(app, "/hello") == ("200 OK", b"Hello, world")  # a HandlerWrapperTool
    assert call_wsgi(app, "/favicon.ico")[0] == "200 OK"  # CherryPy's staticfile handler
    assert names(traced) == ["Root#status", "Root#hello", "staticfile#handler"]


def test_a_tool_that_answers_in_the_handlers_place_is_asked_again(traced, monkeypatch):
    monkeypatch.setattr(cherrypy, "_cache", caching.MemoryCache(), raising=False)
    monkeypatch.setattr(cherrypy._cache, "expire_cache", lambda: None)
    tree = _cptree.Tree()
    tree.mount(Root(), "", {"/": {"tools.caching.on": True}})
    tree.mount(ItemResource(), "/items", {"/": {**VERB_CONFIG["/"], "tools.caching.on": True}})
    tree.mount(None, "/library", {"/": {**routes_config()["/"], "tools.caching.on": True}})
    app = ar.instrument(tree, tracer_provider=traced.provider)
    for path in ("/users/show/1", "/items/1", "/library/books/1"):
        first = call_wsgi(app, path)
        assert call_wsgi(app, path) == first  # a cache hit: the handler is not called
    assert names(traced) == [
        *["UsersPage#show"] * 2,
        *["ItemResource#GET"] * 2,
        *["GET /books/{book_id}"] * 2,
    ]


def test_decorators_on_handlers_win_whether_or_not_the_handler_runs(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/orders/5") == ("200 OK", b"5")
    auth = basic("admin", "secret")
    assert call_wsgi(app, "/admin/stats", headers=auth) == ("200 OK", b"stats")
    assert call_wsgi(app, "/admin/stats")[0] == "401 Unauthorized"
    assert call_wsgi(app, "/admin/dashboard", headers=auth)[0] == "200 OK"
    assert call_wsgi(app, "/admin/dashboard")[0] == "401 Unauthorized"
    assert traced.grouped(ROOT_NAME) == [
        ("GET /orders/:order_id", "/orders/:order_id", "decorator", None),
        ("GET /admin/stats", "/admin/stats", "decorator", None),
        ("GET /admin/stats", "/admin/stats", "decorator", None),
        ("Dashboard#show", None, "root_name", "Dashboard#show"),
        ("Dashboard#show", None, "root_name", "Dashboard#show"),
    ]


def test_a_route_set_later_replaces_the_discovered_name(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/stream") == ("200 OK", b"streamed")
    # the agent groups by appsignal.root_name first: it follows the request's name
    assert traced.grouped(ROOT_NAME) == [
        ("GET /streamed", "/streamed", "decorator", "GET /streamed")
    ]


def test_the_discovered_name_outranks_a_declared_route_but_a_404_keeps_it(traced, tree):
    app = ar.instrument(tree, tracer_provider=traced.provider, routes=["/users/show/:id"])
    assert call_wsgi(app, "/users/show/1")[0] == "200 OK"
    tree.apps[""].root.users = None  # the subtree is gone: CherryPy answers 404
    assert call_wsgi(app, "/users/show/1")[0] == "404 Not Found"
    assert call_wsgi(app, "/users/show/2")[0] == "404 Not Found"
    assert traced.grouped(ROOT_NAME) == [
        # the declared route's http.route stays: the root name outranks it, also for the
        # AppSignal agent, which groups by appsignal.root_name first
        ("UsersPage#show", "/users/show/:id", "discovered", "UsersPage#show"),
        # started by the name the first request left: the 404 renames it, and the
        # agent's root name follows
        ("GET /users/show/:id", "/users/show/:id", "registry", "GET /users/show/:id"),
        ("GET /users/show/:id", "/users/show/:id", "registry", None),  # nothing learnt
    ]


def test_an_application_and_what_mount_returns(traced):
    application = cherrypy.Application(Root())
    app = ar.instrument(application, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/show/1")[0] == "200 OK"
    mounted = cherrypy.tree.mount(UsersPage(), "/people")
    try:
        app = ar.instrument(mounted, tracer_provider=traced.provider)
        assert call_wsgi(app, "/show/2", script_name="/people") == ("200 OK", b"user 2")
        app = ar.instrument(cherrypy.tree, tracer_provider=traced.provider)
        assert call_wsgi(app, "/people/show/3") == ("200 OK", b"user 3")
        assert call_wsgi(app, "/elsewhere")[0] == "404 Not Found"  # no app mounted there
    finally:
        cherrypy.tree.apps.clear()
    assert names(traced) == ["UsersPage#show", "UsersPage#show", "UsersPage#show", "GET"]


def test_a_wsgi_app_grafted_in_the_tree_is_left_alone(traced, tree):
    def legacy(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"legacy"]

    tree.graft(legacy, "/legacy")
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/show/1")[0] == "200 OK"
    assert call_wsgi(app, "/legacy/x") == ("200 OK", b"legacy")
    assert names(traced) == ["UsersPage#show", "GET"]


def test_an_error_cherrypy_throws_is_answered_as_without_the_toolkit(traced, tree):
    tree.apps[""].merge({"/": {"request.throw_errors": True}})
    bare = call_wsgi(tree, "/fail")
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/fail") == bare
    assert bare[0] == "500 Internal Server Error"  # CherryPy's ExceptionTrapper
    # CherryPy has released the request before the stand-in could read its handler
    assert names(traced) == ["GET"]


def test_a_failure_to_name_is_contained(traced, tree, monkeypatch, caplog):
    def broken(request):
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(adapter, "_common_name", broken)
    app = ar.instrument(tree, tracer_provider=traced.provider)
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert call_wsgi(app, "/users/show/1") == ("200 OK", b"user 1")
    assert names(traced) == ["GET"]
    assert "naming a CherryPy request failed" in caplog.text


def test_without_a_grouping_processor_nothing_is_named(tree):
    app = ar.instrument(tree)  # the global provider: a no-op one
    assert call_wsgi(app, "/users/show/1") == ("200 OK", b"user 1")


def test_discovered_names_count_against_max_groups(tree):
    from tests.conftest import make_traced

    traced = make_traced(max_groups=1)
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/")[0] == "200 OK"
    assert call_wsgi(app, "/users/")[0] == "200 OK"
    assert names(traced) == ["Root#index", "GET [other]"]
    assert traced.roots()[1].attributes["appsignal.root_name"] == "GET [other]"


def test_the_pytest_fixture_sees_the_groups_with_webtest(route_groups, tree):
    ar.start(exporter="memory")
    client = webtest.TestApp(ar.instrument(tree))
    client.get("/users/show/1")
    client.delete("/api/items/1", status=405)
    client.get("/library/books/1")
    client.get("/nothing", status=404)
    assert route_groups.names == [
        "UsersPage#show",
        "ItemResource#DELETE",
        "GET /books/{book_id}",
        "GET",
    ]
    assert [r.source for r in route_groups] == ["discovered", "discovered", "discovered", "method"]
    assert [r.status for r in route_groups] == [200, 405, 200, 404]


# -- CherryPy's request state is left as it is -------------------------------------

STATE_PATHS = [
    ("GET", "/users/show/7", {}),
    ("GET", "/users", {}),
    ("GET", "/status", {}),
    ("GET", "/hello", {}),
    ("GET", "/admin/", {}),
    ("GET", "/admin/", basic("admin", "secret")),
    ("GET", "/fail", {}),
    ("GET", "/nothing", {}),
    ("DELETE", "/api/items/3", {}),
    ("GET", "/api/items/3", {}),
    ("GET", "/library/books/2", {}),
    ("POST", "/library/books/2", {"Content-Length": "0"}),
    ("POST", "/users/show/2", {}),  # 411: no Content-Length
]


def _plain(value):
    """A config value's repr without addresses (each app built has its own objects)."""
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))


def snapshot():
    """What CherryPy's request and response hold as the request ends."""
    request = cherrypy.serving.request
    response = cherrypy.serving.response
    handler = request.handler
    return {
        "handler": type(handler).__name__,
        "inner": type(getattr(handler, "oldhandler", None)).__name__,
        "config": sorted((k, _plain(v)) for k, v in request.config.items()),
        "is_index": request.is_index,
        "params": dict(request.params),
        "args": getattr(request, "args", None),
        "kwargs": dict(getattr(request, "kwargs", {})),
        "path_info": request.path_info,
        "stage": request.stage,
        "status": response.status,
        "headers": sorted((k, v) for k, v in response.headers.items() if k != "Date"),
        "routes": dict(getattr(routes.request_config(), "mapper_dict", None) or {}),
    }


def serve(app, snapshots):
    routes.request_config().mapper_dict = None  # Routes keeps the last match per thread
    responses = []
    for method, path, headers in STATE_PATHS:
        responses.append(call_wsgi(app, path, method, headers=headers))
    return responses, list(snapshots)


def test_cherrypy_state_and_responses_are_the_same_with_and_without_the_toolkit(traced):
    snapshots: list[dict[str, object]] = []

    def record():
        snapshots.append(snapshot())

    cherrypy.tools.record_state = cherrypy.Tool("on_end_request", record)
    config = {"/": {"tools.record_state.on": True}}

    def build():
        tree = make_tree()
        for mounted in tree.apps.values():
            mounted.merge(config)
        return tree

    bare = serve(build(), snapshots)
    snapshots.clear()
    instrumented = serve(ar.instrument(build(), tracer_provider=traced.provider), snapshots)
    assert instrumented == bare
    assert len(bare[1]) == len(STATE_PATHS)
    assert "ItemResource#DELETE" in names(traced)  # the 405, found on a scratch request


# -- what is read and listed --------------------------------------------------------


def test_controller_names():
    class Holder:
        @classmethod
        def build(cls):
            return cls

        def __call__(self):
            return self

    def local():
        return None

    assert adapter.controller_name(Holder.build) == "Holder#build"
    assert adapter.controller_name(Holder()) == "Holder#__call__"
    assert adapter.controller_name(local) == "test_cherrypy#local"
    assert adapter.controller_name(check_password) == "test_cherrypy#check_password"
    assert adapter.controller_name(UsersPage.show) == "UsersPage#show"
    assert adapter.controller_name(len) == "builtins#len"


def test_other_cherrypy_objects_are_not_apps():
    assert router_for(cherrypy.request) is None
    assert adapter.prepare(cherrypy.request) is cherrypy.request
    assert router_for(make_tree()).route("GET", "/users/", {}) is None  # named after dispatch


def test_an_unknown_cherrypy_falls_back_with_one_warning(traced, monkeypatch, caplog):
    monkeypatch.delattr(cherrypy._cpdispatch.Dispatcher, "find_handler")
    with caplog.at_level(logging.WARNING, logger="appsignal_routes"):
        app = ar.instrument(make_tree(), tracer_provider=traced.provider, routes=["/users/:id"])
    assert [r.levelno for r in caplog.records].count(logging.WARNING) == 1
    assert "find_handler" in caplog.text
    assert app.start.router is None


def test_routes_lists_the_exposed_handlers(tree):
    listed = list(router_for(tree).routes())
    module = __name__
    decorated = {
        r.template: r.group for r in listed if r.template.startswith(("/admin/s", "/admin/d"))
    }
    assert decorated == {
        "/admin/stats": "{METHOD} /admin/stats",
        "/admin/dashboard": "Dashboard#show",
    }
    assert DiscoveredRoute((), "/", f"{module}.Root.index", group="Root#index") in listed
    assert DiscoveredRoute(
        (), "/users/show", f"{module}.UsersPage.show", group="UsersPage#show"
    ) in (listed)
    assert DiscoveredRoute(
        (), "/users/*", f"{module}.UsersPage.default", group="UsersPage#default"
    ) in (listed)
    assert (
        DiscoveredRoute((), "/users/", f"{module}.UsersPage.index", group="UsersPage#index")
        in listed
    )
    assert (
        DiscoveredRoute(
            ("GET",), "/api/items", f"{module}.ItemResource.GET", group="ItemResource#GET"
        )
        in listed
    )
    assert (
        DiscoveredRoute(
            ("PUT",), "/api/items", f"{module}.ItemResource.PUT", group="ItemResource#PUT"
        )
        in listed
    )
    assert DiscoveredRoute((), "/library/books", f"{module}.BooksController.index") in listed
    assert (
        DiscoveredRoute(("GET",), "/library/books/{book_id}", f"{module}.BooksController.show")
        in listed
    )
    assert not [
        r for r in listed if "fail" not in r.template and r.template.endswith("/_cp_config")
    ]
    application = cherrypy.Application(UsersPage())
    assert [r.template for r in router_for(application).routes()] == ["/*", "/", "/show"]


class Replaced:
    """A handler wrapper no tool of CherryPy's makes: the handler is not seen in it."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self):
        return self.inner()


def replace_handler(times=1):
    for _ in range(times):
        cherrypy.serving.request.handler = Replaced(cherrypy.serving.request.handler)


def wrap_deeply():
    """Nine functions around the handler: more wrappers than are looked through."""
    for _ in range(9):
        cherrypy.serving.request.handler = _wrapping(cherrypy.serving.request.handler)


def _wrapping(inner):
    unset = None

    def wrapper():
        return inner() if inner is not None else unset  # noqa: F821 - deleted on purpose

    del unset  # a cell of the closure, emptied: it holds nothing to look into
    return wrapper


cherrypy.tools.wrap_deeply = cherrypy.Tool("before_handler", wrap_deeply)


cherrypy.tools.replace_handler = cherrypy.Tool("before_handler", replace_handler)


def test_a_handler_wrapped_past_recognising_is_found_again(traced, tree):
    for mounted in tree.apps.values():
        mounted.merge({"/": {"tools.replace_handler.on": True}})
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/show/4") == ("200 OK", b"user 4")
    assert call_wsgi(app, "/api/items/4") == ("200 OK", b"item 4")
    assert call_wsgi(app, "/api/items/4", "HEAD")[0] == "200 OK"  # served by GET
    assert call_wsgi(app, "/library/books/4") == ("200 OK", b"book 4")
    assert call_wsgi(app, "/nothing")[0] == "404 Not Found"
    assert names(traced) == [
        "UsersPage#show",
        "ItemResource#GET",
        "ItemResource#GET",
        "GET /books/{book_id}",
        "GET",
    ]


def test_a_virtual_host_dispatcher(traced):
    tree = _cptree.Tree()
    hosts = cherrypy.dispatch.VirtualHost(**{"users.example.com": "/users"})
    tree.mount(Root(), "", {"/": {"request.dispatch": hosts}})
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/show/1", headers={"Host": "users.example.com"}) == (
        "200 OK",
        b"user 1",
    )
    tree.apps[""].merge({"/": {"tools.replace_handler.on": True}})
    assert call_wsgi(app, "/show/1", headers={"Host": "users.example.com"})[0] == "200 OK"
    # a handler no longer there is asked again of a dispatcher with find_handler only
    assert names(traced) == ["UsersPage#show", "GET"]


class Loop:
    """A node that leads back to itself, a property and data beside its handlers."""

    title = "loop"

    @property
    def expensive(self):
        raise AssertionError("routes() must not read properties")

    @cherrypy.expose
    def index(self):
        return "loop"


Loop.again = Loop()
Loop.again.again = Loop.again


def test_routes_walks_each_node_once_and_reads_no_properties():
    tree = _cptree.Tree()
    tree.mount(Loop(), "/loop")
    tree.mount(None, "/nothing")
    tree.graft(lambda environ, start_response: [], "/wsgi")
    assert [r.template for r in router_for(tree).routes()] == ["/loop/again/", "/loop/"]


def test_a_handler_wrapped_many_times_is_found_again(traced, tree):
    tree.apps[""].merge({"/": {"tools.wrap_deeply.on": True}})
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/show/4") == ("200 OK", b"user 4")
    assert names(traced) == ["UsersPage#show"]


def test_the_routes_command_on_the_example():
    lines = routes_listed("examples.cherrypy_app:app")
    assert lines[0] == "CherryPy app examples.cherrypy_app:app: routes discovered from its router"
    rows = {
        line.split()[1]: line.split()[2] for line in lines[3:] if line.startswith(("any", "GET"))
    }
    assert rows == {
        "/admin/stats": "AdminPage#stats",
        "/crash": "Root#crash",
        "/favicon_ico": "staticfile#handler",
        "/": "Root#index",
        "/orders/*": "Orders#show",
        "/stream": "Root#stream",
        "/users/*": "UsersPage#default",
        "/users/": "UsersPage#index",
        "/api/items": "ItemResource#GET",
    }


def test_discover_routes_false_leaves_the_registry(traced, tree):
    app = ar.instrument(
        tree, tracer_provider=traced.provider, discover_routes=False, routes=["/users/show/:id"]
    )
    assert call_wsgi(app, "/users/show/1") == ("200 OK", b"user 1")
    assert call_wsgi(app, "/")[0] == "200 OK"
    assert traced.grouped(ROOT_NAME) == [
        ("GET /users/show/:id", "/users/show/:id", "registry", None),
        ("GET", None, "method", None),
    ]


def test_a_name_learnt_names_the_next_request_like_it_from_its_start(traced, tree):
    started = []
    app = ar.instrument(
        tree,
        tracer_provider=traced.provider,
        request_hook=lambda span, environ: started.append(span.name),  # as it starts
    )
    for path in ("/users/show/1", "/users/show/2", "/users/show/2", "/users/alice"):
        assert call_wsgi(app, path)[0] == "200 OK"
    again = ar.instrument(make_tree().apps[""], tracer_provider=traced.provider)
    assert call_wsgi(again, "/users/show/3")[0] == "200 OK"  # another app: nothing learnt
    assert started == ["GET", "UsersPage#show", "UsersPage#show", "GET"]
    assert names(traced) == [*["UsersPage#show"] * 3, "UsersPage#default", "UsersPage#show"]
    assert {r.attributes["appsignal_routes.route_source"] for r in traced.roots()} == {"discovered"}


def test_a_request_dispatched_elsewhere_than_its_like_is_renamed(traced, tree):
    users = tree.apps[""].root.users = UsersPage()  # this tree's own, changed below
    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/show", query="user_id=1")[0] == "200 OK"
    users.show = users.index  # the tree changed
    assert call_wsgi(app, "/users/show") == ("200 OK", b"users")
    assert names(traced) == ["UsersPage#show", "UsersPage#index"]
    root = traced.roots()[1]
    assert root.attributes["appsignal.root_name"] == "UsersPage#index"


def test_instrumenting_an_app_again_shares_what_was_learnt(traced, tree):
    assert router_for(tree) is router_for(tree)
    first = ar.instrument(tree, tracer_provider=traced.provider)
    second = ar.instrument(tree, tracer_provider=traced.provider)
    assert first.start.router is second.start.router


def test_a_failure_to_name_the_span_at_its_start_still_names_it(traced, tree, monkeypatch):
    from appsignal_routes._request import start

    app = ar.instrument(tree, tracer_provider=traced.provider)
    assert call_wsgi(app, "/users/show/1")[0] == "200 OK"

    def broken(*args, **kwargs):
        raise RuntimeError("naming bug")

    monkeypatch.setattr(start, "start_naming", broken)
    assert call_wsgi(app, "/users/show/2")[0] == "200 OK"  # the learnt name, read back
    assert traced.grouped(ROOT_NAME)[1] == ("UsersPage#show", None, "discovered", "UsersPage#show")


def test_an_instrumented_application_grafted_in_the_tree_the_engine_serves(traced):
    tree = _cptree.Tree()  # the engine's server serves cherrypy.tree, grafts included
    tree.graft(ar.instrument(cherrypy.Application(Root()), tracer_provider=traced.provider), "")
    assert call_wsgi(tree, "/users/show/1") == ("200 OK", b"user 1")
    assert call_wsgi(tree, "/nothing")[0] == "404 Not Found"
    assert names(traced) == ["UsersPage#show", "GET"]


def test_a_learnt_name_under_another_processor_and_in_collector_mode(tree):
    from tests.conftest import make_traced

    first = make_traced()
    assert call_wsgi(ar.instrument(tree, tracer_provider=first.provider), "/users/")[0] == "200 OK"
    for mode in ("both", "collector"):  # a grouping that has not seen the name yet
        traced = make_traced(mode=mode)
        app = ar.instrument(tree, tracer_provider=traced.provider)
        assert call_wsgi(app, "/users/")[0] == "200 OK"
        assert call_wsgi(app, "/users/")[0] == "200 OK"  # a name it has seen
        for root in traced.roots():
            assert root.name == "UsersPage#index"
            assert root.attributes["appsignal.action_name"] == "UsersPage#index"
            assert root.attributes.get("appsignal.root_name") == (
                "UsersPage#index" if mode == "both" else None
            )
