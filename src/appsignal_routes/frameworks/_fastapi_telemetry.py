"""FastAPI's native telemetry (FastAPI 0.142+), made to adopt the server span already
current: imported by the FastAPI adapter only for an app that has native telemetry, so
that every FastAPI before it keeps its route discovery.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, cast

import wrapt
from fastapi import FastAPI
from fastapi.telemetry._asgi import NativeTelemetry
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.util.types import Attributes, AttributeValue

from appsignal_routes._attributes import HTTP_ROUTE
from appsignal_routes._request_start import Parent, Rest, WrappingTracer

#: the span a FastAPI app's native telemetry adopts for the request in flight
_adopted: ContextVar[Span | None] = ContextVar("appsignal_routes_fastapi_adopted", default=None)


def adopt(app: FastAPI) -> None:
    """Make ``app``'s native telemetry adopt the span current when a request reaches it.

    Raises:
        TypeError: the app's telemetry is not FastAPI's own (an unknown FastAPI).
    """
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


class _AdoptingTracer(WrappingTracer):
    """Hands out the adopted span for FastAPI's SERVER span; any other span as asked."""

    def _start(self, name: str, ctx: Parent, kind: SpanKind, attrs: Attributes, rest: Rest) -> Span:
        adopted = _adopted.get() if kind is SpanKind.SERVER else None
        if adopted is not None:
            return cast("Span", _AdoptedSpan(adopted))
        return self._tracer.start_span(name, ctx, kind, attrs, *rest)


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
