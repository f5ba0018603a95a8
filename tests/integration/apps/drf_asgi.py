"""A Django REST framework API over ASGI: a DefaultRouter with ViewSets and format
suffixes, an auth middleware refusing before any view, a decorated ViewSet.

Served as ``tests.integration.apps.drf_asgi:application``.
"""

from __future__ import annotations

from typing import Any

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

import appsignal_routes as ar

from . import start

start("integration-drf")

settings.configure(
    DEBUG=False,
    SECRET_KEY="deployment-tests-only",  # noqa: S106 - a test app, never deployed
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[f"{__name__}.require_token"],
    INSTALLED_APPS=[],
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
)
django.setup()

from django.urls import include, path  # noqa: E402 - after settings
from rest_framework import viewsets  # noqa: E402
from rest_framework.decorators import action  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.routers import DefaultRouter  # noqa: E402


def require_token(get_response: Any) -> Any:
    """Answers 401 before any view runs."""

    async def middleware(request: HttpRequest) -> HttpResponse:
        if "HTTP_AUTHORIZATION" not in request.META:
            return JsonResponse({"error": "token required"}, status=401)
        return await get_response(request)

    middleware.async_capable = True  # type: ignore[attr-defined]
    return middleware


require_token.async_capable = True  # type: ignore[attr-defined]
require_token.sync_capable = False  # type: ignore[attr-defined]


class SnippetViewSet(viewsets.ViewSet):
    def list(self, request: Any, format: str | None = None) -> Response:  # noqa: A002 - DRF's name
        return Response([])

    def retrieve(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"id": pk})

    @action(detail=True)
    def highlight(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"highlighted": pk})


@ar.root_name
class NoteViewSet(viewsets.ViewSet):
    def list(self, request: Any, format: str | None = None) -> Response:  # noqa: A002
        return Response([])

    def retrieve(self, request: Any, pk: str, format: str | None = None) -> Response:  # noqa: A002
        return Response({"id": pk})


router = DefaultRouter()
router.register("snippets", SnippetViewSet, basename="snippet")
router.register("notes", NoteViewSet, basename="note")
urlpatterns = [path("api/", include(router.urls))]

from django.core.asgi import get_asgi_application  # noqa: E402 - after settings

application = ar.instrument(get_asgi_application())
