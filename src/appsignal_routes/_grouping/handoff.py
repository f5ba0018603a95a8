"""The request-start handoff: how what a request starts with reaches its group.

One request, in order (each step hands the next one a record of this module):

1. ``_request.middleware`` matches the request as it arrives (``_request.start.RequestStart``)
   and sets ``serving`` to a ``Serving``: the request and the ``Match`` it made.
2. The upstream middleware starts the server span through ``_request.start``'s naming
   tracer, which names it by that match and leaves a ``Started`` in ``starting`` for the
   length of that one ``start_span`` call.
3. The grouping processor sees the span start, and makes the request's group
   (``_grouping.group.RequestGroup``) from the record, which writes it (``write_started``);
   the group becomes the context's ``current_group``, where the rest of the request
   (annotations, hooks) finds it. A record no group took, the tracer writes itself.
4. The group renames the root span as the request goes on; it is exported as named.
   (ASGI: the upstream's own attributes of the request wait on the group for the route
   its duration metric is to get: ``_request.start.route_for_metric``.)

Data flows that one way: this module imports none of the modules that use it.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING

from appsignal_routes._private.sdk_spans import put, put_two

from .attributes import ACTION_NAME, ROUTE_SOURCE

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from .group import RequestGroup, RouteSource


# The records are classes with slots, not named tuples: a slots class is made and read
# in fewer instructions (measured); and those that can serve many requests do.


class RootName(str):
    """What a router answers for a request named by its handler rather than by a route
    (a framework without route templates: CherryPy's ``Class#method``): the request's
    span starts named by it, as a root name of source ``discovered``, without
    ``http.route``."""

    __slots__ = ()


class Match:
    """The route a request matched as it started: ``route`` (a template, or the
    ``RootName`` of the handler the framework dispatches it to), where it came from
    (``source``), and the root name of that handler (``@root_name``: rule 1 from the
    start; None: none).

    One match serves every request of its route (``RequestStart`` remembers them), and
    so does the record of how it names their spans, one per method (``named``, filled
    by the naming tracer; None: none yet).
    """

    __slots__ = ("named", "root_name", "route", "source")

    def __init__(self, route: str, source: RouteSource, root_name: str | None = None) -> None:
        self.route = route
        self.source: RouteSource = source
        self.root_name = root_name
        self.named: dict[str | None, Started] | None = None


class Serving:
    """The request the middleware is serving: its WSGI environ or ASGI scope, and the
    route it matched as it started (None: none)."""

    __slots__ = ("match", "request")

    def __init__(self, request: object, match: Match | None) -> None:
        self.request = request
        self.match = match


#: The request being served, for its server span to start with. Set by the middleware
#: around the upstream middleware's call (one variable: one set a request); read as the
#: span starts, and by ``_request.isolation`` to tell another request's context.
serving: ContextVar[Serving | None] = ContextVar("appsignal_routes_serving", default=None)


class Started:
    """How the naming tracer names a server span as it starts (one record serves every
    request its match and method name alike: it is never changed): the request's
    ``method``, the span's ``name``, its ``route`` (None: by its method alone), the
    route's ``source`` ("root_name": the name is the root name of the handler the
    request is dispatched to, the route discovered), and the ``action`` name the span
    carries in the default mode (None: none; the group's own mode decides: see
    ``RequestGroup``)."""

    __slots__ = ("action", "method", "name", "route", "source")

    def __init__(
        self, method: str | None, name: str, route: str | None, source: str, action: str | None
    ) -> None:
        self.method = method
        self.name = name
        self.route = route
        self.source = source
        self.action = action


class _Starting(threading.local):
    """The start record of the server span this thread is starting right now, for its
    group: set and taken within one ``start_span`` call, so a thread's own slot does.
    (Not a context variable: setting one makes every later context look-up in the
    request miss its cache, and the SDK makes several as the span starts.)"""

    record: Started | None = None


starting = _Starting()

#: The group of the request (or job) the current context belongs to: set as its root
#: starts, in the context the request runs in (a later root in the same context, or a
#: request that has ended, is told apart by the caller: see ``_grouping.processor.group_for``).
current_group: ContextVar[RequestGroup | None] = ContextVar(
    "appsignal_routes_current_group", default=None
)


def write_started(span: Span, source: str, action: str | None) -> None:
    """Write the attributes a start record names beside the span's route: its route
    ``source``, and its ``action`` name if any."""
    if action is None:
        put(span, ROUTE_SOURCE, source)
    else:
        put_two(span, ACTION_NAME, action, ROUTE_SOURCE, source)
