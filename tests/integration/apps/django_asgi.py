"""A one-file Django ASGI app for the deployment tests (uvicorn ``--workers``).

Served as ``tests.integration.apps.django_asgi:application``; every path of
``routes.CASES`` resolves, by Django's own router, to a route of its own.
"""

from __future__ import annotations

import time

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

import appsignal_routes as ar

from . import start

start("integration-django")

settings.configure(
    DEBUG=False,
    SECRET_KEY="deployment-tests-only",  # noqa: S106 - a test app, never deployed
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()


def item(request: HttpRequest, **params: object) -> HttpResponse:
    return HttpResponse(request.path)


def slow(request: HttpRequest, ms: int) -> HttpResponse:
    """Still in flight when the server is told to stop."""
    time.sleep(ms / 1000)
    return HttpResponse(request.path)


urlpatterns = [
    path("slow/<int:ms>", slow),
    path("<str:prefix>/items/<int:item_id>", item),
    path("users/<str:user>", item),
    path("<str:section>/<str:page>", item),
    path("crash", item),
]

from django.core.asgi import get_asgi_application  # noqa: E402 - after settings

application = ar.instrument(get_asgi_application())
