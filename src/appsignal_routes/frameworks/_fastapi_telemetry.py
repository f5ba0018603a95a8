"""FastAPI's native telemetry (FastAPI 0.142+), made to adopt the server span already
current (its telemetry replaced in ``_private.fastapi``): imported by the FastAPI adapter
only for an app that has native telemetry.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, cast

import wrapt
from fastapi import FastAPI
from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import Attributes, AttributeValue

from appsignal_routes._grouping.attributes import HTTP_ROUTE
from appsignal_routes._grouping.tracers import Parent, Rest, WrappingTracer
from appsignal_routes._private import fastapi as _private_fastapi

#: the span a FastAPI app's native telemetry adopts for the request in flight
_adopted: ContextVar[Span | None] = ContextVar("appsignal_routes_fastapi_adopted", default=None)


def adopt(app: FastAPI) -> None:
    """Make ``app``'s native telemetry adopt the span current when a request reaches it.

    Raises:
        TypeError: the app's telemetry is not FastAPI's own (an unknown FastAPI).
    """
    _private_fastapi.adopt(app, _adopted, _AdoptingTracer)


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
