"""Pyramid traversal: requests grouped by the view they reach, refused ones included,
on the shape of Pyramid's traversal wiki tutorial, driven through WebTest."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.response import Response

import appsignal_routes as ar
from appsignal_routes.frameworks import _pyramid_traversal

from ...integration.apps.pyramid_wiki import make_app

EDITOR = {"X-User": "editor"}

CASES = [
    # method, path, headers, status, (name, http.route, route source)
    ("GET", "/", {}, 302, ("GET /", "/", "discovered")),
    (
        "GET",
        "/FrontPage",
        {},
        200,
        ("GET /{PageWithAttachments}", "/{PageWithAttachments}", "discovered"),
    ),
    (
        "GET",
        "/FrontPage/logo",
        {},
        200,
        (
            "GET /{PageWithAttachments}/{Attachment}",
            "/{PageWithAttachments}/{Attachment}",
            "discovered",
        ),
    ),
    # refused by the permission check before the view: the view's group all the same
    (
        "GET",
        "/FrontPage/edit_page",
        {},
        403,
        ("GET /{PageWithAttachments}/edit_page", "/{PageWithAttachments}/edit_page", "discovered"),
    ),
    (
        "GET",
        "/FrontPage/edit_page",
        EDITOR,
        200,
        ("GET /{PageWithAttachments}/edit_page", "/{PageWithAttachments}/edit_page", "discovered"),
    ),
    (
        "GET",
        "/FrontPage/@@edit_page",
        EDITOR,
        200,
        ("GET /{PageWithAttachments}/edit_page", "/{PageWithAttachments}/edit_page", "discovered"),
    ),
    ("GET", "/add_page", {}, 403, ("GET /add_page", "/add_page", "discovered")),
    (
        "POST",
        "/add_page/NewPage",
        EDITOR,
        302,
        ("POST /add_page/*subpath", "/add_page/*subpath", "discovered"),
    ),
    # a decorated view: its decorator, refused or not
    (
        "GET",
        "/FrontPage/history",
        {},
        403,
        ("Pages#history", "/{PageWithAttachments}/history", "root_name"),
    ),
    (
        "GET",
        "/FrontPage/history",
        EDITOR,
        200,
        ("Pages#history", "/{PageWithAttachments}/history", "root_name"),
    ),
    # no view for the name: Pyramid's 404, by the method alone
    ("GET", "/FrontPage/nosuch", {}, 404, ("GET", None, "method")),
    ("GET", "/nosuch", {}, 404, ("GET", None, "method")),
]


@pytest.mark.parametrize(("method", "path", "headers", "status", "group"), CASES)
def test_traversal_requests_are_grouped_by_the_view_they_reach(
    traced, method, path, headers, status, group
):
    client = webtest.TestApp(ar.instrument(make_app(), tracer_provider=traced.provider))
    client.request(path, method=method, headers=headers, status=status)
    assert traced.grouped() == [group]


def test_a_class_view_and_a_route_decorator(traced):
    @ar.route("/pages/:name/stats")
    def stats(context: Any, request: Any) -> Response:
        return Response("stats")

    @ar.root_name
    class Summary:
        def __init__(self, context: Any, request: Any) -> None:
            self.context = context

        def __call__(self) -> Response:
            return Response("summary")

    @ar.route("/pages/:name/raw")
    class Raw:
        def __init__(self, context: Any, request: Any) -> None:
            pass

        def text(self) -> Response:
            return Response("raw")

    class Root(dict[str, Any]):
        __name__ = ""
        __parent__ = None

    root = Root()
    with Configurator(root_factory=lambda request: root) as config:
        config.add_view(stats, context=Root, name="stats")
        config.add_view(Summary, context=Root, name="summary")
        config.add_view(Raw, context=Root, name="raw", attr="text")
        app = config.make_wsgi_app()
    client = webtest.TestApp(ar.instrument(app, tracer_provider=traced.provider))
    client.get("/stats")
    client.get("/summary")
    client.get("/raw")
    assert traced.grouped() == [
        ("GET /pages/:name/stats", "/pages/:name/stats", "decorator"),
        ("Summary#__call__", "/summary", "root_name"),
        ("GET /pages/:name/raw", "/pages/:name/raw", "decorator"),
    ]


def test_url_dispatch_beside_traversal_keeps_its_route(traced):
    def ok(request: Any) -> Response:
        return Response("ok")

    with Configurator() as config:
        config.add_route("item", "/items/{item_id}")
        config.add_view(ok, route_name="item")
        config.add_view(ok, name="about")  # traversal, on the default root
        app = config.make_wsgi_app()
    client = webtest.TestApp(ar.instrument(app, tracer_provider=traced.provider))
    client.get("/items/3")
    client.get("/about")
    assert traced.grouped() == [
        ("GET /items/{item_id}", "/items/{item_id}", "discovered"),
        ("GET /about", "/about", "discovered"),
    ]


def test_a_resource_without_a_parent(traced):
    class Leaf:
        pass

    class Root(dict[str, Any]):
        __name__ = ""
        __parent__ = None

    class Branch(dict[str, Any]):
        pass  # no __parent__: where it sits is unknown

    root = Root(a=Branch(b=Leaf()))

    def ok(context: Any, request: Any) -> Response:
        return Response("ok")

    with Configurator(root_factory=lambda request: root) as config:
        config.add_view(ok, context=Leaf)
        app = config.make_wsgi_app()
    webtest.TestApp(ar.instrument(app, tracer_provider=traced.provider)).get("/a/b")
    assert traced.grouped()[0][0] == "GET /{resource}/{Leaf}"


def test_listening_is_once_per_registry_and_never_fails_a_request(traced, monkeypatch, caplog):
    app = make_app()
    ar.instrument(app, tracer_provider=traced.provider)
    wrapped = ar.instrument(app, tracer_provider=traced.provider)  # a second middleware
    handlers = [
        h
        for h in app.registry.registeredHandlers()
        if h.factory is _pyramid_traversal.context_found
    ]
    assert len(handlers) == 1

    def broken(request: Any) -> str:
        raise RuntimeError("broken")

    monkeypatch.setattr(_pyramid_traversal, "template_of", broken)
    _pyramid_traversal._NAMING_FAILED.reset()
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        webtest.TestApp(wrapped).get("/FrontPage", status=200)
        webtest.TestApp(wrapped).get("/FrontPage", status=200)
    assert traced.grouped() == [("GET", None, "method")] * 2
    assert [r.getMessage() for r in caplog.records].count(
        "appsignal-routes: naming a traversal request failed"
    ) == 1
