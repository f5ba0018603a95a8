"""WSGI: the route matched at request start, handed to the server span as it starts.

The upstream WSGI middleware, unlike the ASGI one, takes no ``default_span_details``.
``WsgiMiddleware`` matches the path before calling it and leaves the match in
``pending_route``; ``RouteAtStart``, put in place of the upstream middleware's tracer,
adds it to the span's start attributes and name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Tracer
from opentelemetry.util.types import Attributes

from ._grouping import HTTP_ROUTE, ROUTE_SOURCE, RouteSource

logger = logging.getLogger("appsignal_routes")

#: The route a WSGI request matched, from just before the upstream middleware starts
#: its span until the span has it (see RouteAtStart).
pending_route: ContextVar[tuple[str, RouteSource] | None] = ContextVar(
    "appsignal_routespending_route", default=None
)


class RouteAtStart(Tracer):
    """The upstream WSGI middleware's tracer, handing the matched route to the server
    span as it starts: its name and ``http.route`` are then right from the first moment,
    as ``default_span_details`` makes them for ASGI, and no attribute is written twice.
    """

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
        found = pending_route.get()
        if found is not None and kind is SpanKind.SERVER and found[1] == "registry":
            try:
                name, attributes = with_route(attributes, found[0])
                pending_route.set(None)  # this request's span has it
            except Exception:  # never into the request; the request hook groups it later
                logger.debug("appsignal-routes: adding the route at start failed", exc_info=True)
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


def with_route(attributes: Attributes, route: str) -> tuple[str, Attributes]:
    """The span's name and start attributes, with the registry's route."""
    attrs = dict(attributes or {})
    method = attrs.get("http.request.method") or attrs.get("http.method")
    attrs[HTTP_ROUTE] = route
    attrs[ROUTE_SOURCE] = "registry"
    return (f"{method} {route}" if isinstance(method, str) and method else route), attrs
