"""A Django Ninja API over ASGI for issue 23's trial: routers with path parameters, an
API key auth that refuses before the operation, served by uvicorn as
``tests.integration.apps.trial_ninja:application``."""

from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings

import appsignal_routes as ar

ar.start(
    exporter="collector",
    collector_endpoint=os.environ["TEST_COLLECTOR"],
    name="integration-ninja",
    push_api_key="test-key-0000",
)

settings.configure(
    DEBUG=False,
    SECRET_KEY="deployment-tests-only",  # noqa: S106 - a test app, never deployed
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()

from django.urls import path  # noqa: E402 - after settings
from ninja import NinjaAPI, Router  # noqa: E402
from ninja.security import HttpBearer  # noqa: E402


class BearerToken(HttpBearer):
    def authenticate(self, request: Any, token: str) -> str | None:
        return token if token == "trial-token" else None  # noqa: S105 - a test token


api = NinjaAPI(urls_namespace="trial", docs_url=None)
events = Router()
tracks = Router(auth=BearerToken())


@events.get("/")
def list_events(request: Any) -> list[int]:
    return [1]


@events.get("/{int:event_id}")
def get_event(request: Any, event_id: int) -> dict[str, int]:
    return {"id": event_id}


@events.post("/")
def create_event(request: Any) -> dict[str, int]:
    return {"id": 2}


@tracks.get("/{track_slug}/laps/{int:lap}")
def get_lap(request: Any, track_slug: str, lap: int) -> dict[str, Any]:
    return {"track": track_slug, "lap": lap}


api.add_router("/events", events)
api.add_router("/tracks", tracks)
urlpatterns = [path("api/", api.urls)]

from django.core.asgi import get_asgi_application  # noqa: E402 - after settings

application = ar.instrument(get_asgi_application())
