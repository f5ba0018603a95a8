"""Django REST framework: its routers' regex routes, named in Django's path syntax.

A DefaultRouter with ViewSets and format suffixes, permission classes refusing before
the action runs, served through Django's own WSGI and ASGI handlers. This module is
its own URLconf.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import django_settings  # noqa: F401 - configures Django before DRF is imported

# isort: split
from django.test import override_settings
from django.urls import include, path
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

import appsignal_routes as ar

from .test_django import asgi, exported, request, wsgi

HERE = __name__


class TokenRequired(permissions.BasePermission):
    """Refuses a POST without a token, before the action runs (403)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method != "POST" or "HTTP_X_TOKEN" in request.META


class SnippetViewSet(viewsets.ViewSet):
    permission_classes = (TokenRequired,)

    def list(self, request: Any, format: str | None = None) -> Response:  # noqa: A002 - DRF's name
        return Response([{"id": 1}])

    def create(self, request: Any, format: str | None = None) -> Response:  # noqa: A002
        return Response({"id": 2}, status=201)

    def retrieve(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"id": pk})

    @action(detail=True)
    def highlight(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"highlighted": pk})


@ar.root_name
class NoteViewSet(SnippetViewSet):
    """The same actions, each named ``NoteViewSet#action`` by the bare decorator."""

    def list(self, request: Any, format: str | None = None) -> Response:  # noqa: A002
        return Response([])

    def create(self, request: Any, format: str | None = None) -> Response:  # noqa: A002
        return Response({}, status=201)

    def retrieve(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"id": pk})

    @action(detail=True)
    def highlight(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"highlighted": pk})


router = DefaultRouter()
router.register("snippets", SnippetViewSet, basename="snippet")
router.register("notes", NoteViewSet, basename="note")

urlpatterns = [path("api/", include(router.urls))]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}


@pytest.fixture(autouse=True)
def project() -> Iterator[None]:
    with override_settings(
        ROOT_URLCONF=HERE, MIDDLEWARE=[], REST_FRAMEWORK=REST_FRAMEWORK, APPEND_SLASH=False
    ):
        yield


CASES = [
    ("GET", "/api/", 200, "GET api/"),
    ("GET", "/api/.json", 200, "GET api/<drf_format_suffix:format>"),  # a path() already
    ("GET", "/api/snippets/", 200, "GET api/snippets/"),
    ("GET", "/api/snippets.json", 200, "GET api/snippets.<format>"),
    ("GET", "/api/snippets/5/", 200, "GET api/snippets/<pk>/"),
    ("GET", "/api/snippets/5.json", 200, "GET api/snippets/<pk>.<format>"),
    ("GET", "/api/snippets/5/highlight/", 200, "GET api/snippets/<pk>/highlight/"),
    ("GET", "/api/snippets/5/highlight.json", 200, "GET api/snippets/<pk>/highlight.<format>"),
    # refused by the permission class before the action runs, and a method not routed
    ("POST", "/api/snippets/", 403, "POST api/snippets/"),
    ("DELETE", "/api/snippets/5/", 405, "DELETE api/snippets/<pk>/"),
    ("GET", "/api/nothing/", 404, "GET"),
]


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(("method", "path_", "status", "name"), CASES)
def test_router_routes_are_grouped_in_path_syntax(traced, kind, method, path_, status, name):
    app = wsgi(traced) if kind == "wsgi" else asgi(traced)
    assert request(app, kind, path_, method) == status
    route = name.partition(" ")[2] or None
    source = "discovered" if route else "method"
    assert exported(traced) == (name, route, source)  # span name and http.route agree


def test_start_regex_routes_raw_keeps_the_patterns(traced):
    ar.start(exporter="none", regex_routes="raw")
    app = wsgi(traced)
    request(app, "wsgi", "/api/snippets/5.json")
    assert exported(traced)[:2] == (
        r"GET api/snippets/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$",
        r"api/snippets/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$",
    )


NOTES = "api/notes/<pk>/"
DECORATED = [
    ("GET", "/api/notes/", 200, ("NoteViewSet#list", "api/notes/", "root_name")),
    ("POST", "/api/notes/", 403, ("NoteViewSet#create", "api/notes/", "root_name")),
    (
        "GET",
        "/api/notes/5.json",
        200,
        ("NoteViewSet#retrieve", "api/notes/<pk>.<format>", "root_name"),
    ),
    ("HEAD", "/api/notes/5/", 200, ("NoteViewSet#retrieve", NOTES, "root_name")),
    (
        "GET",
        "/api/notes/5/highlight/",
        200,
        ("NoteViewSet#highlight", "api/notes/<pk>/highlight/", "root_name"),
    ),
    # a method no action takes: a root name names its action alone
    ("DELETE", "/api/notes/5/", 405, ("DELETE api/notes/<pk>/", NOTES, "discovered")),
]


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize(("method", "path_", "status", "group"), DECORATED)
def test_a_decorated_viewset_names_each_action_refused_or_not(
    traced, kind, method, path_, status, group
):
    app = wsgi(traced) if kind == "wsgi" else asgi(traced)
    assert request(app, kind, path_, method) == status
    assert exported(traced) == group
