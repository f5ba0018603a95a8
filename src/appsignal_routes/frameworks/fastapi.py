"""FastAPI: its router is Starlette's (see ``starlette``); what it adds is tracing of its own.

One server span per request, whatever FastAPI already does:

- FastAPI's native telemetry (``FastAPI(telemetry=...)``, on by default since 0.140)
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
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, cast

import wrapt
from fastapi import FastAPI
from fastapi.telemetry._asgi import NativeTelemetry
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Tracer
from opentelemetry.util.types import Attributes, AttributeValue

from . import Router
from . import starlette as _starlette
from ._tracing import Tracing, excluding

logger = logging.getLogger("appsignal_routes")

HTTP_ROUTE = "http.route"

#: the span a FastAPI app's native telemetry adopts for the request in flight
_adopted: ContextVar[Span | None] = ContextVar("appsignal_routes_fastapi_adopted", default=None)


def router_for(app: object) -> Router | None:
    return _starlette.router_for(app)


def prepare(app: object) -> object | None:
    """None for an app the contrib instrumentor traces; else Starlette's preparation,
    with the native telemetry of the FastAPI app (and those mounted in it) adopting ours."""
    found = _starlette.find_app(app)
    if isinstance(found, FastAPI):
        if getattr(found, "_is_instrumented_by_opentelemetry", False):
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
    config = getattr(found, "_telemetry", None) if isinstance(found, FastAPI) else None
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
    telemetry = getattr(app, "_native_telemetry", None)
    if isinstance(telemetry, _AdoptingTelemetry):
        return
    if type(telemetry) is not NativeTelemetry:
        raise TypeError(f"unknown FastAPI telemetry {type(telemetry).__name__}")
    app._native_telemetry = _AdoptingTelemetry(telemetry.config)


class _AdoptingTelemetry(NativeTelemetry):
    """FastAPI's native telemetry, whose request span is the one already current."""

    async def __call__(self, **kwargs: Any) -> None:
        current = trace.get_current_span()
        token = _adopted.set(current if current.is_recording() else None)
        try:
            await super().__call__(**kwargs)
        finally:
            _adopted.reset(token)

    def _get_tracer(self, *, provider: trace.TracerProvider) -> Tracer:
        return _AdoptingTracer(super()._get_tracer(provider=provider))


class _AdoptingTracer(Tracer):
    """Hands out the adopted span for FastAPI's SERVER span; any other span as asked."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def start_span(  # noqa: PLR0917 - the Tracer interface
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Span:
        adopted = _adopted.get() if kind is SpanKind.SERVER else None
        if adopted is not None:
            return cast("Span", _AdoptedSpan(adopted))
        return self._tracer.start_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
        )

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._tracer.start_as_current_span(*args, **kwargs)


class _AdoptedSpan(wrapt.ObjectProxy[Span]):
    """Our server span as FastAPI's telemetry sees it: FastAPI neither ends nor renames
    it, nor sets its ``http.route`` (the grouping does); what FastAPI writes after the
    span ended (it finishes after the last body is sent) is dropped, not warned about."""

    def end(self, end_time: int | None = None) -> None:
        pass

    def update_name(self, name: str) -> None:
        pass

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        if key != HTTP_ROUTE and self.__wrapped__.is_recording():
            self.__wrapped__.set_attribute(key, value)

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        if self.__wrapped__.is_recording():
            self.__wrapped__.set_attributes(
                {key: value for key, value in attributes.items() if key != HTTP_ROUTE}
            )

    def set_status(self, *args: Any, **kwargs: Any) -> None:
        if self.__wrapped__.is_recording():
            self.__wrapped__.set_status(*args, **kwargs)
