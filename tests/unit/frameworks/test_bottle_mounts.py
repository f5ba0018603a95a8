"""Bottle's mounts of apps of other kinds: an app of another framework is followed into
its own routes, a plain WSGI callable (none can see into it) is grouped by the mount's
prefix and never outranks a declared route (issue 23)."""

from __future__ import annotations

import bottle
from flask import Flask

import appsignal_routes as ar
from appsignal_routes.frameworks import DiscoveredRoute, router_for

from ...calls import call_wsgi
from .test_bottle import make_app, mount_warning


def grouped(traced):
    """(span name, http.route, route source) of each exported root span."""
    return [
        (s.name, s.attributes.get("http.route"), s.attributes.get("appsignal_routes.route_source"))
        for s in traced.roots()
    ]


def plain_wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def test_a_wsgi_app_none_can_see_into_is_grouped_by_its_prefix_unless_declared(traced):
    app = make_app()
    app.mount("/legacy/", plain_wsgi)
    app.mount("/old", plain_wsgi)  # no trailing slash: "/old" is a rule of its own too
    wrapped = ar.instrument(app, tracer_provider=traced.provider, routes=["/legacy/add"])
    assert call_wsgi(wrapped, "/legacy/a/b") == ("200 OK", b"/a/b")
    assert call_wsgi(wrapped, "/legacy/add") == ("200 OK", b"/add")
    assert call_wsgi(wrapped, "/old") == ("200 OK", b"/")
    assert call_wsgi(wrapped, "/old/x") == ("200 OK", b"/x")
    assert call_wsgi(wrapped, "/legacy/add") == ("200 OK", b"/add")  # remembered alike
    assert grouped(traced) == [
        ("GET /legacy", "/legacy", "discovered"),
        ("GET /legacy/add", "/legacy/add", "registry"),  # a declared route outranks it
        ("GET /old", "/old", "discovered"),
        ("GET /old", "/old", "discovered"),
        ("GET /legacy/add", "/legacy/add", "registry"),
    ]
    assert [r for r in router_for(app).routes() if r.prefix] == [
        DiscoveredRoute((), "/legacy", f"{__name__}.plain_wsgi", prefix="/legacy"),
        DiscoveredRoute((), "/old", f"{__name__}.plain_wsgi", prefix="/old"),
    ]


def test_an_app_of_another_framework_mounted_is_grouped_by_its_own_routes(traced):
    flask = Flask("legacy", static_folder=None)
    flask.get("/users/<int:user_id>")(lambda user_id: str(user_id))
    inner = bottle.Bottle()
    inner.mount("/flask/", flask)  # a Bottle app mounted the WSGI way, Flask inside it
    app = make_app()
    app.mount("/legacy/", flask)
    with mount_warning():
        app.mount("/v1", inner)
    wrapped = ar.instrument(app, tracer_provider=traced.provider, routes=["/legacy/nowhere"])
    assert call_wsgi(wrapped, "/legacy/users/7") == ("200 OK", b"7")
    assert call_wsgi(wrapped, "/legacy/users/8", "POST")[0] == "405 METHOD NOT ALLOWED"
    assert call_wsgi(wrapped, "/legacy/nowhere")[0] == "404 NOT FOUND"
    assert call_wsgi(wrapped, "/legacy/other")[0] == "404 NOT FOUND"
    assert call_wsgi(wrapped, "/v1/flask/users/9") == ("200 OK", b"9")
    assert grouped(traced) == [
        ("GET /legacy/users/<int:user_id>", "/legacy/users/<int:user_id>", "discovered"),
        ("POST /legacy/users/<int:user_id>", "/legacy/users/<int:user_id>", "discovered"),
        ("GET /legacy/nowhere", "/legacy/nowhere", "registry"),
        ("GET", None, "method"),
        ("GET /v1/flask/users/<int:user_id>", "/v1/flask/users/<int:user_id>", "discovered"),
    ]
    listed = [r for r in router_for(app).routes() if r.framework]
    assert [(r.template, r.prefix, r.framework) for r in listed] == [
        ("/legacy/users/<int:user_id>", "/legacy", "Flask"),
        ("/v1/flask/users/<int:user_id>", "/v1/flask", "Flask"),
    ]
