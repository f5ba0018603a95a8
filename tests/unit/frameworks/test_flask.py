"""Flask route discovery: requests grouped by the werkzeug rule Flask dispatches them to,
with the real Flask app and its test client (or werkzeug's, around the middleware). What
Flask and Quart share is written once, in ``werkzeug_scenarios.py``: ``TestFlask``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Blueprint, Flask, request
from flask.views import MethodView
from werkzeug.routing import BaseConverter
from werkzeug.test import Client

import appsignal_routes as ar
from appsignal_routes.frameworks import flask as adapter
from appsignal_routes.frameworks import router_for

from ...calls import call_wsgi, template_of
from .werkzeug_scenarios import OddMap, WerkzeugScenarios


class HexConverter(BaseConverter):
    regex = "[0-9a-f]+"


def make_app() -> Flask:
    """An app with converters, a MethodView, nested blueprints and a 401 hook."""
    app = Flask(__name__)
    app.url_map.converters["hex"] = HexConverter
    add_views(app)
    add_blueprints(app)

    @app.before_request
    def require_token() -> Any:
        if request.path.startswith("/admin") and "Authorization" not in request.headers:
            return {"error": "token required"}, 401
        return None

    return app


def add_views(app: Flask) -> None:

    @app.get("/users/<int:user_id>")
    def show_user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.get("/users/me")
    def me() -> str:
        return "me"

    @app.route("/files/<path:rest>")
    def files(rest: str) -> str:
        return rest

    @app.get("/blobs/<hex:digest>")
    def blob(digest: str) -> str:
        return digest

    @app.get("/folder/")
    def folder() -> str:
        return "folder"

    @app.get("/admin/stats")
    def stats() -> str:
        return "stats"

    class Orders(MethodView):
        def get(self, order_id: int) -> str:
            return str(order_id)

        def put(self, order_id: int) -> str:
            return str(order_id)

    app.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))


def add_blueprints(app: Flask) -> None:
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @api.get("/items/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    @v1.post("/carts/<cart_id>")
    def cart(cart_id: str) -> str:
        return cart_id

    api.register_blueprint(v1)
    app.register_blueprint(api)


def fetch(app: Any, path: str, method: str = "GET", **options: Any) -> int:
    """The status of one request through Flask's test client, its body read and the
    WSGI iterable closed as a server closes it (the server span ends then)."""
    with app.test_client().open(path, method=method, buffered=True, **options) as response:
        return int(response.status_code)


class TestFlask(WerkzeugScenarios):
    framework = "Flask"
    interface = "wsgi_app"
    adapter = adapter
    make_app = staticmethod(make_app)
    fetch = staticmethod(fetch)
    not_an_app = Blueprint("bp", __name__)


@pytest.fixture
def app(traced: Any) -> Flask:
    return TestFlask().instrument(make_app(), traced)


def test_a_rule_added_after_instrument_is_discovered(app, traced):
    assert fetch(app, "/late/1") == 404  # remembered as no rule ...
    # ... then a rule appears (Flask's own add_url_rule refuses after the first request)
    app.url_map.add(app.url_rule_class("/late/<int:n>", endpoint="late", methods=["GET"]))
    app.view_functions["late"] = lambda n: str(n)
    app.url_map.update()  # as url_for in another thread would, before the next request
    assert fetch(app, "/late/1") == 200
    assert [name for name, _, _ in traced.grouped()] == ["GET", "GET /late/<int:n>"]


def test_a_rule_added_before_the_first_request_is_discovered(traced):
    app = make_app()
    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    app.add_url_rule("/added/<int:n>", "added", lambda n: str(n))
    assert fetch(app, "/added/2") == 200
    assert traced.grouped() == [("GET /added/<int:n>", "/added/<int:n>", "discovered")]


def test_a_rule_added_to_an_existing_endpoint_is_discovered(app, traced):
    assert fetch(app, "/alias/1") == 404
    rule = app.url_rule_class("/alias/<int:user_id>", endpoint="show_user", methods=["GET"])
    app.url_map.add(rule)
    assert fetch(app, "/alias/1") == 200
    assert traced.grouped()[1] == ("GET /alias/<int:user_id>", "/alias/<int:user_id>", "discovered")


def test_a_route_decorator_on_the_view_wins(traced):
    app = Flask(__name__)

    @app.get("/users/<int:user_id>")
    @ar.route("/users/:user_id")
    def show_user(user_id: int) -> str:
        return str(user_id)

    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/users/1") == 200
    assert traced.grouped() == [("GET /users/:user_id", "/users/:user_id", "decorator")]


def test_a_root_name_on_a_method_view_wins(traced):
    app = Flask(__name__)

    @ar.root_name
    class Orders(MethodView):
        def get(self, order_id: int) -> str:
            return str(order_id)

    app.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))
    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/orders/7") == 200
    assert [
        (s.name, s.attributes.get("appsignal_routes.route_source")) for s in traced.roots()
    ] == [("Orders#get", "root_name")]


def test_the_flask_object_itself_can_be_instrumented(traced):
    wrapped = ar.instrument(make_app(), tracer_provider=traced.provider)
    with Client(wrapped).get("/api/items/3", buffered=True) as response:
        assert response.status_code == 200
    status, _ = call_wsgi(wrapped, "/users/1", "DELETE")
    assert status.startswith("405")
    assert traced.grouped() == [
        ("GET /api/items/<int:item_id>", "/api/items/<int:item_id>", "discovered"),
        ("DELETE /users/<int:user_id>", "/users/<int:user_id>", "discovered"),
    ]


def test_a_non_ascii_path_is_matched_as_flask_decodes_it(app, traced):
    assert fetch(app, "/files/caf\u00e9.txt") == 200
    assert traced.grouped()[0][0] == "GET /files/<path:rest>"


def test_merged_slashes_are_grouped_by_the_rule_they_redirect_to(app, traced):
    assert fetch(app, "/users//1") == 308
    assert traced.grouped() == [("GET /users/<int:user_id>", "/users/<int:user_id>", "discovered")]


def test_a_redirect_rule_is_grouped_by_the_rule_it_leads_to(traced):
    app = make_app()
    app.add_url_rule("/people/<int:user_id>", "people", redirect_to="/users/<user_id>")
    app.add_url_rule("/away", "away", redirect_to="https://example.com/elsewhere")
    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/people/4") == 308
    assert fetch(app, "/away") == 308
    assert [name for name, _, _ in traced.grouped()] == ["GET /users/<int:user_id>", "GET"]


def test_a_redirect_loop_is_grouped_by_its_method(traced):
    app = Flask(__name__)
    app.add_url_rule("/ping", "ping", redirect_to="/pong")
    app.add_url_rule("/pong", "pong", redirect_to="/ping")
    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/ping") == 308
    assert traced.grouped() == [("GET", None, "method")]


def test_host_matching_routes_by_the_request_host(traced):
    app = Flask(__name__, host_matching=True, static_host="static.test")

    @app.get("/", host="api.test")
    def api_home() -> str:
        return "api"

    @app.get("/<int:n>", host="<tenant>.shop.test")
    def shop(tenant: str, n: int) -> str:
        return f"{tenant}{n}"

    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/", base_url="http://api.test") == 200
    assert fetch(app, "/5", base_url="http://acme.shop.test:80") == 200
    assert fetch(app, "/", base_url="http://other.test") == 404
    assert [name for name, _, _ in traced.grouped()] == ["GET /", "GET /<int:n>", "GET"]


def test_subdomain_matching_routes_by_the_subdomain(traced):
    app = Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "Example.test:80"  # the port http implies is ignored

    @app.get("/", subdomain="api")
    def api_home() -> str:
        return "api"

    @app.get("/about")
    def about() -> str:
        return "about"

    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/", base_url="http://api.example.test") == 200
    assert fetch(app, "/about", base_url="http://example.test") == 200
    assert fetch(app, "/about", base_url="http://api.example.test") == 404
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert fetch(app, "/about", base_url="http://10.0.0.1") == 404
    assert [name for name, _, _ in traced.grouped()] == ["GET /", "GET /about", "GET", "GET"]


def test_subdomain_matching_without_a_server_name_matches_no_subdomain(traced):
    app = Flask(__name__, subdomain_matching=True)
    app.add_url_rule("/about", "about", lambda: "about")
    app.wsgi_app = ar.instrument(app.wsgi_app, tracer_provider=traced.provider)  # type: ignore[method-assign]
    assert fetch(app, "/about", base_url="http://any.host.test") == 200
    assert traced.grouped()[0][0] == "GET /about"


def test_a_websocket_upgrade_is_grouped_by_the_rule_of_its_path(app, traced):
    headers = {"Connection": "keep-alive, Upgrade", "Upgrade": "websocket"}
    assert fetch(app, "/users/1", headers=headers) == 400
    assert traced.grouped()[0][0] == "GET /users/<int:user_id>"


def test_a_url_map_broken_after_instrument_does_not_reach_the_request(app, traced):
    real = app.url_map
    app.url_map = OddMap(real)  # type: ignore[assignment]
    del real._rules_by_endpoint  # what the router reads is gone; Flask no longer routes
    assert fetch(app, "/users/1") == 500
    assert traced.grouped()[0][0] == "GET"


def test_threads_asking_at_once_each_get_their_own_rule():
    app = make_app()
    router = router_for(app)
    assert router is not None
    cases = {
        "/users/1": "/users/<int:user_id>",
        "/users/me": "/users/me",
        "/files/x": "/files/<path:rest>",
        "/api/items/3": "/api/items/<int:item_id>",
        "/missing": None,
    }
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "localhost"}

    def ask(n: int) -> list[bool]:
        paths = list(cases)
        answers = []
        for i in range(300):
            path = paths[(n + i) % len(paths)]
            if i == 150 and n == 0:  # a rule appears while the others are asking
                app.url_map.add(app.url_rule_class("/more/<n>", endpoint="more"))
            answers.append(template_of(router.route("GET", path, environ)) == cases[path])
        return answers

    with ThreadPoolExecutor(8) as pool:
        results = [answer for answers in pool.map(ask, range(8)) for answer in answers]
    assert all(results)
    assert template_of(router.route("GET", "/more/1", environ)) == "/more/<n>"


def werkzeugs_answer(app: Flask, path: str) -> str | None:
    """The rule Flask itself dispatches ``path`` to (None: a 404)."""
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(path, "GET", return_rule=True)[0].rule
    except Exception:  # NotFound, or a redirect werkzeug answers itself
        return None


def test_ids_share_one_match_where_any_value_matches_alike(monkeypatch):
    app = Flask(__name__)
    app.add_url_rule("/users/<int:user_id>/posts/<slug>", "post", lambda user_id, slug: "")
    router = router_for(app)
    assert router is not None
    matches = []
    original = app.url_map.bind

    def counting_bind(*args, **kwargs):
        matches.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(app.url_map, "bind", counting_bind)
    routes = [
        template_of(router.route("GET", f"/users/{n}/posts/{n * 7}", {})) for n in range(100, 110)
    ]
    assert routes == ["/users/<int:user_id>/posts/<slug>"] * 10
    assert template_of(router.route("GET", "/users/x/posts/1", {})) is None  # not an int: no rule
    assert len(matches) == 2  # one match for the ten ids of one shape, one for the other


@pytest.mark.parametrize("order", [1, -1])
@pytest.mark.parametrize(
    "rules",
    [
        ["/archive/2024/", "/archive/<int:year>/"],  # a static segment of digits
        ["/archive/<int:year>/", "/archive/2024/"],
        ["/archive/<int(min=2000):year>/", "/archive/<other>/"],  # bounds decide
        ["/archive/<any('2024', '2025'):year>/", "/archive/<int:year>/"],
        ["/archive/2024<int:n>/", "/archive/<int:year>/"],
    ],
)
def test_where_a_value_decides_every_path_is_matched_on_its_own(rules, order):
    app = Flask(__name__)
    for number, rule in enumerate(rules):
        app.add_url_rule(rule, f"rule{number}", lambda **values: "")
    router = router_for(app)
    assert router is not None
    paths = ["/archive/2024/", "/archive/1999/", "/archive/20241/", "/archive/2031/"][::order]
    answers = [template_of(router.route("GET", path, {"PATH_INFO": path})) for path in paths]
    assert answers == [werkzeugs_answer(app, path) for path in paths]


def test_defaults_keep_paths_apart():
    # werkzeug redirects a path that spells a rule's defaults: the value decides
    app = Flask(__name__)

    def page(page):
        return ""

    app.add_url_rule("/page/", "page", page, defaults={"page": 1})
    app.add_url_rule("/page/<int:page>", "page", page)
    router = router_for(app)
    assert router is not None
    assert (
        template_of(router.route("GET", "/page/1", {})) == "/page/"
    )  # redirected to the defaults' rule
    assert template_of(router.route("GET", "/page/2", {})) == "/page/<int:page>"
