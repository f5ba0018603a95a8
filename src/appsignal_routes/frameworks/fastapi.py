"""FastAPI: its router is Starlette's (see ``starlette``); what it adds is tracing of its own.

One server span per request, whatever FastAPI already does:

- FastAPI's native telemetry (``FastAPI(telemetry=...)``, on by default since 0.142)
  starts its own SERVER span from the request headers, a second root in a second trace
  beside ours. ``prepare`` makes the app's telemetry adopt the span that is current
  when a request reaches it (ours): FastAPI's operation spans (dependencies, endpoint,
  serialization) and log records land under it, its status and error attributes on it;
  its naming does not (our group already is the route FastAPI selects, and a decorator
  or the group cap may rename it). With no span current, FastAPI traces as before.
- The contrib ``FastAPIInstrumentor`` puts the upstream ASGI middleware in the app's
  stack, which FastAPI's telemetry then leaves alone. Its span already carries the
  route, named at start, so ``instrument()`` leaves such an app as it is (one info log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from fastapi import FastAPI
from opentelemetry import trace

from appsignal_routes._private.fastapi import native_telemetry, telemetry_options, traced_by_contrib

from . import Router
from . import starlette as _starlette
from ._tracing import Tracing, excluding

DISTRIBUTION = "fastapi"  # whose installed version route discovery checks
LOWEST = "0.100"  # the lowest release of it this adapter supports, tested in CI

logger = logging.getLogger("appsignal_routes")


def router_for(app: object) -> Router | None:
    return _starlette.router_for(app)


def prepare(app: object) -> object | None:
    """None for an app the contrib instrumentor traces; else Starlette's preparation,
    with the native telemetry of the FastAPI app (and those mounted in it) adopting ours."""
    found = _starlette.find_app(app)
    if isinstance(found, FastAPI):
        if traced_by_contrib(found):
            logger.info(
                "appsignal-routes: %r is traced by FastAPIInstrumentor already; "
                "instrument() leaves it as it is (its span is grouped by its http.route)",
                found,
            )
            return None
        for fastapi_app in _fastapi_apps(found):
            _adopt(fastapi_app)
    return _starlette.prepare(app)


def tracing(app: object) -> Tracing | None:
    """What the FastAPI app was told (``FastAPI(telemetry={...})``): its
    ``tracer_provider``, whose spans then include the toolkit's server span, and its
    ``exclude(scope)``; with those of a Starlette ``OpenTelemetryMiddleware`` in it."""
    found = _starlette.find_app(app)
    starlette = _starlette.tracing(app)
    config = telemetry_options(found) if isinstance(found, FastAPI) else None
    if not isinstance(config, Mapping):
        return starlette
    provider = config.get("tracer_provider")
    exclude = config.get("exclude")
    if starlette is None and provider is None and exclude is None:
        return None
    if provider is None and starlette is not None:
        provider = starlette.tracer_provider
    return Tracing(
        provider if isinstance(provider, trace.TracerProvider) else None,
        excluding(
            cast("Callable[[Any], bool]", exclude) if callable(exclude) else None,
            starlette.excludes if starlette is not None else None,
        ),
    )


def _fastapi_apps(app: FastAPI) -> list[FastAPI]:
    """The app, and the FastAPI apps mounted in it now."""
    apps = [app]
    for route in app.routes:
        mounted = _starlette.find_app(getattr(route, "app", None))
        if isinstance(mounted, FastAPI) and mounted is not app:
            apps.extend(_fastapi_apps(mounted))
    return apps


def _adopt(app: FastAPI) -> None:
    """The app's native telemetry adopts our span; FastAPI before 0.142 has none, and
    its module is imported only for an app that has it."""
    if native_telemetry(app) is None:
        return
    from . import _fastapi_telemetry  # noqa: PLC0415 - FastAPI 0.142+ only

    _fastapi_telemetry.adopt(app)
