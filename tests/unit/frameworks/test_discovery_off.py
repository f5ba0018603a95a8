"""``discover_routes=False``: no framework's router is asked; requests are grouped as
without route discovery, by the routes declared to ``instrument()`` or decorated, and
otherwise by their method. One scenario, on each framework's test app."""

from __future__ import annotations

from typing import Any

import pytest

import appsignal_routes as ar

from ...calls import call_wsgi
from . import (
    test_blacksheep,
    test_bottle,
    test_falcon,
    test_litestar,
    test_pyramid,
    test_starlette,
)
from .asgi_serving import get_all

#: framework -> (its test app, a path of it no declared route takes, that path's status)
WSGI_APPS = {
    "bottle": (test_bottle.make_app, "/api/items/1", "200 OK"),
    "pyramid": (test_pyramid.make_app, "/api/items/1", "200 OK"),
    "falcon": (test_falcon.wsgi_app, "/admin/stats", "401 Unauthorized"),
}


@pytest.mark.parametrize("framework", WSGI_APPS)
def test_wsgi_apps_are_grouped_by_the_declared_routes(traced, framework):
    make_app, undeclared, status = WSGI_APPS[framework]
    options: dict[str, Any] = {"discover_routes": False, "routes": ["/users/:id"]}
    app = ar.instrument(make_app(), tracer_provider=traced.provider, **options)
    assert call_wsgi(app, "/users/1")[0] == "200 OK"
    assert call_wsgi(app, undeclared)[0] == status
    assert traced.grouped() == [
        ("GET /users/:id", "/users/:id", "registry"),
        ("GET", None, "method"),
    ]


#: framework -> its test app (each has a route decorated ``@ar.route("/reports/:report_id")``;
#: Sanic's, whose apps need its test mode to start one after another, has this test in
#: test_sanic.py)
ASGI_APPS = {
    "starlette": test_starlette.make_app,
    "litestar": lambda _: test_litestar.make_app(),
    "blacksheep": lambda _: test_blacksheep.make_app(),
}


@pytest.mark.parametrize("framework", ASGI_APPS)
def test_asgi_apps_are_grouped_by_the_decorated_routes(traced, tmp_path, framework):
    app = ASGI_APPS[framework](tmp_path)
    wrapped = ar.instrument(app, tracer_provider=traced.provider, discover_routes=False)
    assert get_all(wrapped, "/users/1", "/reports/1") == [200, 200]
    assert traced.grouped() == [
        ("GET", None, "method"),
        ("GET /reports/:report_id", "/reports/:report_id", "decorator"),
    ]
