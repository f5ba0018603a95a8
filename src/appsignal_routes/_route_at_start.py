"""The route matched at request start, handed to the request's span.

A registry match goes into the server span's start attributes and name: for ASGI
through the upstream middleware's ``default_span_details``; for WSGI, whose upstream
middleware takes no such thing, through ``RouteAtStart``, put in place of its tracer.
Either way the middleware leaves the match in ``pending_route`` until the span has it;
an inferred route stays there for the request hook, which annotates the started span.
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

#: The route a request matched at its start, until its span has it.
pending_route: ContextVar[tuple[str, RouteSource] | None] = ContextVar(
    "appsignal_routes_pending_route", default=None
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


def registry_details(method: object, route: str) -> tuple[str, dict[str, str]]:
    """The name and the start attributes of a request the registry matched."""
    name = f"{method} {route}" if isinstance(method, str) and method else route
    return name, {HTTP_ROUTE: route, ROUTE_SOURCE: "registry"}


def with_route(attributes: Attributes, route: str) -> tuple[str, Attributes]:
    """The span's name and start attributes, with the registry's route."""
    attrs = dict(attributes or {})
    name, details = registry_details(
        attrs.get("http.request.method") or attrs.get("http.method"), route
    )
    attrs.update(details)
    return name, attrs
