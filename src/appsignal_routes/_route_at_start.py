"""What a request's server span starts with: its route, or its method alone.

``RouteAtStart`` takes the place of the upstream middleware's tracer (WSGI and ASGI)
and gives the server span its name and grouping attributes as it starts: the route the
middleware matched in the registry, or else the method alone (rule 5), so that the
grouping processor has nothing left to write unless a handler says more. For ASGI the
route also goes through ``default_span_details``, so the duration metric carries it.
The middleware leaves its match in ``pending_route`` until the span has it; an
inferred route stays there for the request hook, which annotates the started span.
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
    """The upstream middleware's tracer: names its server spans as they start.

    Its name and grouping attributes are then right from the first moment, and none of
    them is written twice. Other spans pass through unchanged.
    """

    def __init__(self, tracer: Tracer, *, in_place: bool) -> None:
        self._tracer = tracer
        self._in_place = in_place

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
        if kind is SpanKind.SERVER:
            try:
                name, attributes = at_start(name, attributes, in_place=self._in_place)
            except Exception:  # never into the request; the request hook groups it later
                logger.debug("appsignal-routes: naming the span at start failed", exc_info=True)
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


def at_start(name: str, attributes: Attributes, *, in_place: bool) -> tuple[str, Attributes]:
    """A server span's name and start attributes: by the registry's route, if the
    middleware matched one, else by its method, unless a route is there already.

    ``in_place`` adds them to the caller's own dict: the upstream WSGI middleware
    then reports ``http.route`` in its duration metric too. (The ASGI one writes its
    dict to the span a second time, so there they go to a copy.)
    """
    attrs = attributes if in_place and type(attributes) is dict else dict(attributes or {})
    method = attrs.get("http.request.method") or attrs.get("http.method")
    if not isinstance(method, str) or not method:
        method = None  # a WebSocket handshake, say: the middleware has named it
    elif method == "_OTHER":
        method = "HTTP"
    found = pending_route.get()
    if found is not None and found[1] == "registry":
        pending_route.set(None)  # this request's span has it
        route = found[0]
        attrs[HTTP_ROUTE] = route
        attrs[ROUTE_SOURCE] = "registry"
        return (f"{method} {route}" if method else name), attrs
    if method is None or HTTP_ROUTE in attrs:
        return name, attributes  # a route the caller knows: the processor adopts it
    attrs[ROUTE_SOURCE] = "method"
    return method, attrs
