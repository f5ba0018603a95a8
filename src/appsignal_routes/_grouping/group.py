"""Per-request grouping state, and how it names the request's local root span.

Each request in flight has one ``RequestGroup``, made as its local root span starts:
it takes over how the middleware named the span (``Started``) or reads what another
instrumentation put on it. Annotations (decorators, ``set_route``, a 404 that drops an
inferred route) land in it and are applied to the root span at once, while it still
records: the SDK freezes a span before any processor hook at its end could rename it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Final, Literal
from urllib.parse import urlsplit

from opentelemetry.sdk.trace import Span
from opentelemetry.trace import SpanKind

from appsignal_routes._private.sdk_spans import (
    attributes_of,
    drop,
    kind_of,
    name_of,
    put,
    put_all,
    put_two,
)
from appsignal_routes._routes.template import parse

from .attributes import (
    ACTION_NAME,
    GRAPHQL_OPERATION_NAME,
    GRAPHQL_OPERATION_TYPE,
    HTTP_ROUTE,
    ROOT_NAME,
    ROUTE_SOURCE,
    WEBSOCKET_SCHEMES,
)
from .handoff import RootName, Started, serving, write_started

logger = logging.getLogger("appsignal_routes")

RouteSource = Literal["decorator", "framework", "discovered", "registry", "inferred"]
# A higher rank replaces a lower one; among explicit sources the first one wins.
_RANK: Final[dict[str | None, int]] = {
    None: 0,
    "inferred": 1,
    "registry": 2,
    "discovered": 3,
    "decorator": 4,
    "framework": 4,
}
#: The sources a request's route can have as it starts (see ``_request.start``).
AT_START: Final = frozenset({"discovered", "registry", "inferred"})


def request_method(raw: object) -> str | None:
    """The method a request is named by: ``HTTP`` for one the upstream sanitised to
    ``_OTHER``; None when there is none."""
    if not isinstance(raw, str) or not raw:
        return None
    return "HTTP" if raw == "_OTHER" else raw


def span_method(attributes: Mapping[str, object]) -> str | None:
    """The method of the request a server span's start attributes describe; a WebSocket
    handshake, which has none, is ``HTTP`` (as for unknown methods). None: no request."""
    raw = attributes.get("http.request.method") or attributes.get("http.method")
    if isinstance(raw, str) and raw:
        return "HTTP" if raw == "_OTHER" else raw  # (request_method, inlined: every request)
    if (
        attributes.get("url.scheme") in WEBSOCKET_SCHEMES
        or attributes.get("http.scheme") in WEBSOCKET_SCHEMES
    ):
        return "HTTP"
    return None


def group_name(method: str | None, route: str) -> str:
    """A request's group by its route: ``"{METHOD} {route}"`` (the route alone without
    a method)."""
    return f"{method} {route}" if method else route


Mode = Literal["both", "agent", "collector"]
RouteStyle = Literal["template", "appsignal"]
_OWN_ATTRIBUTES: Final = (HTTP_ROUTE, ROOT_NAME, ACTION_NAME, ROUTE_SOURCE)


class Naming:
    """How names are written: route style, which AppSignal attributes, the group cap."""

    def __init__(self, max_groups: int, route_style: RouteStyle, mode: Mode) -> None:
        """The options of the grouping processor that names by it: see there."""
        if not isinstance(max_groups, int) or isinstance(max_groups, bool) or max_groups < 1:
            raise ValueError(f"max_groups must be a positive int, not {max_groups!r}")
        if route_style not in ("template", "appsignal"):
            raise ValueError(f"route_style must be 'template' or 'appsignal', not {route_style!r}")
        if mode not in ("both", "agent", "collector"):
            raise ValueError(f"mode must be 'both', 'agent' or 'collector', not {mode!r}")
        self.max_groups = max_groups
        self.appsignal_style = route_style == "appsignal"
        self.root_name_attr = mode in ("both", "agent")
        self.action_name_attr = mode in ("both", "collector")
        self.groups: set[str] = set()
        self._lock = threading.Lock()
        self._warned = False

    def style(self, route: str) -> str:
        if not self.appsignal_style:
            return route
        try:
            # Django's routes have no leading slash (users/<int:user_id>): AppSignal's form has
            return parse(route if route.startswith("/") else f"/{route}").appsignal
        except (TypeError, ValueError):
            return route  # a framework's route in a form we do not parse: keep it as written

    def admit(self, name: str, method: str | None) -> str:
        """The name itself while under the cap, else the method's overflow group."""
        if name in self.groups:
            return name
        with self._lock:
            if len(self.groups) < self.max_groups:
                self.groups.add(name)
                return name
            if not self._warned:
                self._warned = True
                logger.warning(
                    "appsignal-routes: more than max_groups=%d distinct groups; "
                    "new ones are exported as '<METHOD> [other]'",
                    self.max_groups,
                )
        return f"{method} [other]" if method else OVERFLOW_ROUTE

    @staticmethod
    def is_overflow(name: object) -> bool:
        """Whether ``name`` is an overflow group (``"GET [other]"``, ``"[other]"``)."""
        return isinstance(name, str) and name.endswith(OVERFLOW_ROUTE)


#: What an overflowed request's ``http.route`` becomes, if it carries one: the public
#: API cannot remove an attribute, and a backend grouping by method and route (the
#: AppSignal agent, a generic one) then shows it as ``"{METHOD} [other]"`` too.
OVERFLOW_ROUTE: Final = "[other]"


def _overflow_route(root: Span, route: str | None) -> str | None:
    """An overflowed request's ``http.route``: ``[other]`` over any it has (its own,
    or one a framework set after the span started), else none."""
    if route is not None or attributes_of(root).get(HTTP_ROUTE) is not None:
        return OVERFLOW_ROUTE
    return None


def _raw(name: str, attributes: Mapping[str, object]) -> bool:
    """Whether a span name carries the request's raw path (never a group)."""
    path = attributes.get("url.path") or attributes.get("http.target")
    if not path:
        url = attributes.get("url.full") or attributes.get("http.url")
        path = urlsplit(url).path if isinstance(url, str) else None
    if not isinstance(path, str) or not path:
        return True  # nothing to tell by: take the name as raw
    path = path.partition("?")[0]
    return name == path or name.endswith(f" {path}")


#: The execution that makes a request's GraphQL operations a batch.
_BATCH: Final = 2


class RequestGroup:
    """What is known about one request's group; applied to its root span on change."""

    __slots__ = (
        "executions",
        "exported",
        "method",
        "metric",
        "metric_route",
        "naming",
        "on_span",
        "operation",
        "ours",
        "root",
        "root_discovered",
        "root_name",
        "route",
        "route_source",
        "span_name",
    )

    def __init__(self, root: Span, naming: Naming, started: Started | None = None) -> None:
        """Take over how the middleware named the root span as it started (``started``),
        or read what another instrumentation put on it; then name it."""
        self.root = root
        self.naming = naming
        self.root_name: str | None = None
        #: the root name is the one the framework dispatched to (``discover_root_name``)
        self.root_discovered = False
        self.route: str | None = None
        self.exported: str | None = None  # the route as exported, in the chosen style
        self.route_source: str | None = None
        #: the GraphQL operation the request executes, as (type, name), and how many
        #: executions it has made (more than one: a batch, grouped by its endpoint)
        self.operation: tuple[str, str] | None = None
        self.executions = 0
        #: the upstream ASGI middleware's own attributes of the request and the route
        #: its duration metric is to get (see ``_request.middleware``), until it has it
        self.metric: dict[str, object] | None = None
        self.metric_route = ""
        # our four attributes as the root span has them (in _OWN_ATTRIBUTES order) and
        # its name: apply() writes only what differs, as each write costs a lock and a
        # validation in the SDK
        self.on_span: list[object]
        self.ours = started is not None  # a span our middleware started and named
        if started is not None:  # the middleware's own span: nothing to read back
            self.method = started.method
            self.span_name = started.name
            start_route = started.route
            start_source = started.source
            action = started.action
            if not naming.action_name_attr and start_source != "inferred":
                action = None  # (an inferred route is no http.route: the action name is)
            write_started(root, start_source, action)
            inferred = start_source == "inferred"
            self.on_span = [None if inferred else start_route, None, action, start_source]
            if start_route is None and start_source == "discovered":
                self._started_by_root_name(action)
            elif start_route is not None:  # else rule "method only": nothing to write
                self.route = self.exported = start_route
                self.route_source = start_source
                if naming.appsignal_style:
                    self.exported = naming.style(start_route)
                if start_source == "root_name":  # its handler's @root_name (rule "root name")
                    self.root_name = self.span_name
                    self.route_source = "discovered"
                    self.apply()  # the root name attribute, as the mode wants it
                elif self.span_name not in naming.groups or (
                    action is None and naming.action_name_attr
                ):
                    self.apply()  # a group the cap has not seen yet, or an attribute to add
            return
        self._read(root)

    def _started_by_root_name(self, action: str | None) -> None:
        """The span started named by the root name its framework's dispatch gives it
        (a ``RootName`` the router answered; rule "dispatched handler", source ``discovered``)."""
        naming = self.naming
        self.root_name = self.span_name
        self.root_discovered = True
        if self.span_name not in naming.groups or (action is None and naming.action_name_attr):
            self.apply()  # a group the cap has not seen yet, or an attribute to add
        elif naming.root_name_attr:
            put(self.root, ROOT_NAME, self.span_name)
            self.on_span[1] = self.span_name

    def _read(self, root: Span) -> None:
        """Read how another instrumentation started the root span, and name it by that."""
        self.span_name = name = name_of(root)
        attrs = attributes_of(root)  # (read now, never kept)
        get = attrs.get
        route = get(HTTP_ROUTE)
        source = get(ROUTE_SOURCE)
        self.on_span = [route, get(ROOT_NAME), get(ACTION_NAME), source]
        raw = get("http.request.method") or get("http.method")
        if isinstance(raw, str) and raw:  # (span_method's common case, inlined)
            method: str | None = "HTTP" if raw == "_OTHER" else raw
        else:
            method = span_method(attrs)
        self.method = method
        if method is None or kind_of(root) is not SpanKind.SERVER:
            return  # not a request: named only if annotated
        current = serving.get()  # the middleware's match, if the span is its own
        found = current.match if current is not None else None
        if found is not None and type(found.route) is RootName:  # (naming it at start failed)
            self.root_name = str(found.route)
            self.root_discovered = True
        elif found is not None and source in (None, found.source) and (source or not route):
            self._set(found.route, found.source)  # (source None: naming it at start failed)
            if found.root_name is not None:  # a handler's root name
                self.root_name = found.root_name
        elif isinstance(route, str) and route:
            known = isinstance(source, str) and source in AT_START
            self._set(route, source if known and isinstance(source, str) else "framework")
        elif source == "method" and name == method:
            return  # named by its method, and marked so: nothing to write
        elif source is None and name == method and self.on_span[1] is self.on_span[2] is None:
            put(root, ROUTE_SOURCE, "method")  # rule "method only": apply()'s one write
            self.on_span[3] = "method"
            return
        elif source is None and name != method and not _raw(name, attrs):
            # An instrumentation named it by its route and sets http.route only later
            # (Django's, in process_view), when no processor hook could still write:
            # keep its name, which the AppSignal backends group by as they would by ours.
            put(root, ROUTE_SOURCE, "framework")
            self.on_span[3] = "framework"
            return
        self.apply()

    def _set(self, route: str, source: str) -> None:
        naming = self.naming
        self.route = route
        self.exported = naming.style(route) if naming.appsignal_style else route
        self.route_source = source

    def set_route(self, route: str, source: RouteSource, override: bool) -> None:
        if self.root_discovered and source in ("decorator", "framework"):
            # an explicit route outranks the handler the framework dispatched to
            self.root_name = None
            self.root_discovered = False
            self._set(route, source)
            self.apply()
            return
        current = self.route_source
        if current in ("decorator", "framework"):
            if override:
                self._set(route, source)
                self.apply()
            return  # the first explicit route wins
        if route == self.route and self.root_name is None and _RANK[source] > _RANK[current]:
            # the handler confirms the route matched at start (the span has it since):
            # only the source changes
            self.route_source = source
            if self.on_span[3] != source:
                put(self.root, ROUTE_SOURCE, source)
                self.on_span[3] = source
            return
        # a http.route a framework set after the span started counts as explicit
        late = self._route_on_span()
        if isinstance(late, str) and late and late != self.on_span[0]:
            self._set(late, "framework")
            if override:
                self._set(route, source)
            self.apply()
        elif override or _RANK[source] > _RANK[current]:
            self._set(route, source)
            self.apply()

    def _route_on_span(self) -> object:
        """The root span's ``http.route`` now (a framework may have written it)."""
        return attributes_of(self.root).get(HTTP_ROUTE)

    def unroute_inferred(self) -> None:
        """Forget an inferred route (a 404 is never grouped by one): by the method alone."""
        if self.route_source == "inferred":
            self.route = self.exported = self.route_source = None
            self.apply()

    def set_root_name(self, name: str, override: bool) -> None:
        if override or self.root_name is None or self.root_discovered:
            self.root_name = name
            self.root_discovered = False
            self.apply()

    def set_operation(self, operation: tuple[str, str] | None) -> None:
        """One GraphQL execution in the request, of a validated ``(type, name)`` (None:
        anonymous or invalid). A request that executes one named operation is grouped
        by it; a second execution (a batch) returns it to its endpoint's group."""
        self.executions += 1
        root = self.root
        if self.executions == 1:
            if operation is not None:
                self.operation = operation
                kind, name = operation
                put_two(root, GRAPHQL_OPERATION_TYPE, kind, GRAPHQL_OPERATION_NAME, name)
                self.apply()
            return
        if self.executions == _BATCH and self.operation is not None:  # no one operation
            self.operation = None
            drop(root, GRAPHQL_OPERATION_TYPE)
            drop(root, GRAPHQL_OPERATION_NAME)
            self.apply()

    def _named(self) -> tuple[str, str, str | None] | None:
        """The request's name when it has one beside its route, its source and the
        prefix of its overflow group: its root name, else its GraphQL operation."""
        if self.root_name is not None:
            source = "discovered" if self.root_discovered else "root_name"
            return self.root_name, source, self.method
        operation = self.operation
        if operation is not None:
            return f"{operation[0]} {operation[1]}", "graphql", operation[0]  # query [other]
        return None

    def discover_root_name(self, name: str) -> None:
        """Name the request by the handler its framework dispatched it to, where the
        framework has no route templates (CherryPy's ``Class#method``): a root name of
        source ``discovered``. It outranks a route matched at start (registry, inferred)
        but never an explicit root name or route (decorator, framework), which replace
        it even when they come later. The root name the request started with (learnt
        from requests like it) is replaced when the dispatch says otherwise."""
        if self.root_discovered:
            if name == self.root_name:
                return  # the name the request started with: confirmed
        elif self.root_name is not None or self.route_source in ("decorator", "framework"):
            return
        self.root_name = name
        self.root_discovered = True
        self.apply()

    def undiscover_root_name(self) -> bool:
        """The framework found no handler after all (a 404): forget the root name the
        request started with, which a request like it had; whether there was one."""
        if not self.root_discovered:
            return False
        self.root_name = None
        self.root_discovered = False
        self.apply()
        return True

    def apply(self) -> None:
        """Name the root span and set the grouping attributes, per the precedence rules."""
        root = self.root
        if not root.is_recording():
            return
        naming = self.naming
        method = self.method
        route = self.exported
        operation = self.operation
        named = None if self.root_name is None and operation is None else self._named()
        overflow_prefix = method
        if named is not None:
            name, source, overflow_prefix = named
        elif route is not None:
            name = group_name(method, route)
            source = self.route_source or "decorator"
        elif method is not None:
            name = method  # one per HTTP method: never a cardinality problem, not capped
            source = "method"
        else:
            return  # not an HTTP request and nothing to name it by
        overflow = False
        if source != "method" and name not in naming.groups:
            admitted = naming.admit(name, overflow_prefix)
            overflow = admitted != name
            name = admitted
        on_span = self.on_span
        wanted = [
            # a GraphQL operation keeps its endpoint's route, even over the cap
            _overflow_route(root, route)
            if overflow and source != "graphql"
            else route
            if source != "inferred"
            else None,
            # over the cap, the agent must not group by method and http.route: the root
            # name beats them (and hoists, whatever lands on the span later); once
            # written (an overflow, a batch, a discovered root name an explicit route
            # replaced), it follows the request's name
            name
            if naming.root_name_attr and (named is not None or overflow or on_span[1] is not None)
            else None,
            # by the method alone: the collector falls back to the span name, the same
            # (written only over an action name the span already has)
            name
            if naming.action_name_attr and (source != "method" or self.on_span[2] is not None)
            else None,
            source,
        ]
        changes: list[tuple[str, str]] = []
        if wanted != on_span:
            for index, value in enumerate(wanted):
                if value is not None and value != on_span[index]:
                    changes.append((_OWN_ATTRIBUTES[index], value))
                    on_span[index] = value
        renamed = name if name != self.span_name else None
        if changes or renamed is not None:
            put_all(root, changes, renamed)  # one lock for them all
            self.span_name = name
