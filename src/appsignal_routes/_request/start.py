"""Request-start grouping: how a request is matched, and its server span named, as it starts.

As a request arrives, the middleware asks ``RequestStart.match`` for its route: the
route the framework's own router would dispatch it to (``frameworks``, source
``discovered``), else a template of the registry (``registry``), else, opt-in, one
inferred from the path (``inferred``). The match travels to the span in ``_grouping.handoff``'s
records: the upstream middleware gets its tracer from ``NamingTracerProvider``, whose
``NamingTracer`` starts the server span already named by the match, or by its method
alone, with the grouping attributes among its start attributes, and hands the record
of it to the grouping processor's ``RequestGroup``; decorators and the framework's own
``http.route`` may still regroup the request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, Final

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Tracer, TracerProvider
from opentelemetry.util.types import Attributes

from appsignal_routes._contain import Containment
from appsignal_routes._decorators.handler_names import HandlerNames, by_method
from appsignal_routes._env import env_flag
from appsignal_routes._grouping.attributes import HTTP_ROUTE, ROOT_NAME
from appsignal_routes._grouping.group import RouteSource, span_method
from appsignal_routes._grouping.handoff import (
    Match,
    RootName,
    Started,
    current_group,
    serving,
    starting,
    write_started,
)
from appsignal_routes._grouping.tracers import Parent, Rest, WrappingTracer
from appsignal_routes._routes import registry
from appsignal_routes._routes.infer import infer_template
from appsignal_routes.frameworks import Found, Router, router_for

from .isolation import fresh_parent

_KNOWN = 1024  # at most this many Founds remembered per app

_MATCHING_FAILED: Final = Containment("request-start matching failed", once=True)
_DISCOVERY_FAILED: Final = Containment("route discovery failed", once=True)
_NAMING_404_FAILED: Final = Containment("naming a 404 failed")
_METRIC_ROUTE_FAILED: Final = Containment("the route for the duration metric failed")
_NAMING_FAILED: Final = Containment("naming the span at start failed")


REGEX_ROUTES = ("readable", "raw")


def regex_routes_mode(regex_routes: str | None) -> str:
    """How regex routes are named: ``regex_routes=`` if given, else as ``start()`` said,
    else ``APPSIGNAL_ROUTES_REGEX_ROUTES``, else "readable" (``snippets/<pk>/``); "raw"
    keeps the pattern. ``ValueError`` for another value."""
    mode = regex_routes or registry.settings.regex_routes
    if mode is None:
        mode = os.environ.get("APPSIGNAL_ROUTES_REGEX_ROUTES", "").strip().lower() or "readable"
    if mode not in REGEX_ROUTES:
        raise ValueError(f"regex_routes must be 'readable' or 'raw', not {mode!r}")
    return mode


def discovery_enabled(discover_routes: bool | None) -> bool:
    """``discover_routes=`` if given, else ``APPSIGNAL_ROUTES_DISCOVER`` (default on)."""
    if discover_routes is not None:
        return bool(discover_routes)
    return env_flag("APPSIGNAL_ROUTES_DISCOVER", default=True)  # ValueError for another word


class RequestStart:
    """How one wrapped app's requests are matched as they start, and which are excluded.

    Args:
        app: the app ``instrument()`` was given; its framework's router is asked first.
        routes: templates to declare in the registry.
        infer_routes: infer a template from the path when nothing else matched
            (None: as ``start()`` configured).
        discover_routes: ask the framework's router (None: ``APPSIGNAL_ROUTES_DISCOVER``).
        excluded_urls: regexes of paths not traced (``OTEL_PYTHON_EXCLUDED_URLS`` too).
        regex_routes: "readable" (regex routes in path syntax) or "raw" (as the
            pattern); None: ``regex_routes_mode``.
    """

    def __init__(
        self,
        app: object,
        *,
        routes: Iterable[str] = (),
        infer_routes: bool | None = None,
        discover_routes: bool | None = None,
        excluded_urls: Iterable[str] | None = None,
        regex_routes: str | None = None,
    ) -> None:
        raw_regex = regex_routes_mode(regex_routes) == "raw"
        registry.declare_all(routes)
        self.infer_routes = infer_routes
        self.router: Router | None = router_for(app) if discovery_enabled(discover_routes) else None
        if raw_regex and hasattr(self.router, "raw_regex"):  # a router that names regex routes
            self.router.raw_regex = True  # type: ignore[union-attr]
        patterns = list(excluded_urls or [])
        env = os.environ.get("OTEL_PYTHON_EXCLUDED_URLS", "")
        patterns += [p.strip() for p in env.split(",") if p.strip()]
        self.excluded = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self._handlers = HandlerNames()
        #: id of a router's Found -> (the Found, its match for every method; None: the
        #: handler's names depend on the method): routers hand the same Found per route
        self._known: dict[int, tuple[Found, Match | None]] = {}
        #: a route -> its match, by source (a RootName apart): one per route, see Match
        self._declared: dict[str, Match] = {}
        self._discovered: dict[str, Match] = {}
        self._root_named: dict[str, Match] = {}
        self._inferred: dict[str, Match] = {}

    def _of_found(self, found: Found, method: str | None, path: str) -> Match:
        """A route the router found as a ``Found``: a mount's prefix nothing can see
        into (a declared route outranks it), else the handler's group (remembered)."""
        if found.opaque:
            return self._outranked(found.template, path)
        known = self._known.get(id(found))
        if known is not None and known[0] is found and known[1] is not None:
            return known[1]
        return self._found(found, method)

    def _found(self, found: Found, method: str | None) -> Match:
        """A route the router found with its handler: grouped by the handler's
        ``@root_name`` or ``@route`` from the start, if it carries one (remembered
        per Found, which the entry keeps alive, so that its id stays its own)."""
        handler = found.handler
        root, route = (None, None) if handler is None else self._handlers.of(handler, method)
        match: Match
        if route is not None:
            match = Match(route, "decorator", root)
        else:
            match = Match(found.template, "discovered", root)
        known = self._known
        if len(known) >= _KNOWN:
            known.clear()
        known[id(found)] = (found, None if by_method(handler) else match)
        return match

    def infers(self) -> bool:
        """Whether requests no route matched get an inferred one (``infer_routes=``, or
        else as ``start()`` configured the process)."""
        infer = self.infer_routes
        return registry.settings.infer if infer is None else infer

    def match(self, method: str | None, path: str, request: Any) -> Match | None:
        """The route a request is headed for, by its method, path (relative to the
        app's mount point) and WSGI environ or ASGI scope; never raises."""
        try:
            router = self.router
            if router is not None:
                route = self._routed(router, method, path, request)
                if route is not None:
                    if isinstance(route, Found):
                        return self._of_found(route, method, path)
                    known = self._discovered if type(route) is str else self._root_named
                    match = known.get(route)
                    return _remember(known, route, "discovered") if match is None else match
            template = registry.settings.table.match(path)
            if template is not None:
                match = self._declared.get(template.text)
                return (
                    _remember(self._declared, template.text, "registry") if match is None else match
                )
            if self.infers():
                inferred = infer_template(path)
                if inferred is not None:
                    match = self._inferred.get(inferred)
                    return (
                        _remember(self._inferred, inferred, "inferred") if match is None else match
                    )
        except Exception:
            _MATCHING_FAILED.log()
        return None

    def _outranked(self, prefix: str, path: str) -> Match:
        """The declared route that matches ``path``, else a mount's ``prefix``."""
        template = registry.settings.table.match(path)
        if template is None:
            return self._discovered.get(prefix) or _remember(self._discovered, prefix, "discovered")
        text = template.text
        return self._declared.get(text) or _remember(self._declared, text, "registry")

    def _routed(
        self, router: Router, method: str | None, path: str, request: Any
    ) -> str | Found | None:
        """The router's answer; None when it fails on this request, which then falls
        through to the registry and inference, as with no discovery (logged once)."""
        try:
            return router.route(method, path, request)
        except Exception:
            _DISCOVERY_FAILED.log()
            return None


def _remember(known: dict[str, Match], route: str, source: RouteSource) -> Match:
    """A new match of ``route``, remembered in ``known`` (bounded: emptied when full)."""
    if len(known) >= _KNOWN:
        known.clear()
    match = known[route] = Match(route, source)
    return match


#: At most this many methods a match remembers how it names their spans.
_METHODS = 64
#: A request by its method alone, as its span is named: one record per method.
_by_method: dict[str | None, Started] = {}


def _named(found: Match, method: str | None) -> Started:
    """How ``found`` names the span of a ``method`` request (remembered on it)."""
    route = found.route
    source = found.source
    if type(route) is RootName:  # the handler's name, as a root name: no route
        name = str(route)
        started = Started(method, name, None, source, name)
    else:
        root_name = found.root_name
        if root_name is not None:  # its handler's root name (rule 1)
            name = root_name
            started = Started(method, name, route, "root_name", name)
        else:
            name = f"{method} {route}" if method else route  # (group_name, inlined)
            started = Started(method, name, route, source, name)
    named = found.named
    if named is None:
        named = found.named = {}
    elif len(named) >= _METHODS:
        named.clear()
    named[method] = started
    return started


def _by_method_alone(method: str) -> Started:
    """The record of a span named by its ``method`` alone (remembered, bounded)."""
    if len(_by_method) >= _METHODS:
        _by_method.clear()
    started = _by_method[method] = Started(method, method, None, "method", None)
    return started


def response_status(status: int) -> None:
    """The current request's response starts with ``status``: a 404 is never grouped
    by an inferred route (the path matched no route; its ids are no group). Never raises."""
    if status != 404:  # noqa: PLR2004 - Not Found
        return
    try:
        group = current_group.get()
        if group is not None and group.root.is_recording():
            group.unroute_inferred()
    except Exception:
        _NAMING_404_FAILED.log()


def start_naming(
    name: str, attributes: Attributes, *, in_place: bool
) -> tuple[str, Attributes, Started | None]:
    """A server span's name and start attributes, by the request's match at start, else
    by its method alone (rule "method only"), unless the caller knows its route already; and the
    record of it that the span's group takes over (None: the group reads the span).

    Of the grouping attributes only ``http.route`` is among the start attributes (a
    sampler may read it); the record's action name and route source are written as the
    span starts, by whoever takes the record (``write_started``).

    ``in_place`` adds the route to the caller's own dict: the upstream WSGI middleware
    then reports ``http.route`` in its duration metric too. Else the span starts with a
    copy: the upstream ASGI middleware writes its dict to the span a second time, and
    its duration metric gets the route later (see ``NamingTracer``).
    """
    attrs = attributes or {}
    raw = attrs.get("http.request.method") or attrs.get("http.method")
    if isinstance(raw, str) and raw:  # (span_method's common case, inlined: every request)
        method: str | None = "HTTP" if raw == "_OTHER" else raw
    else:
        method = span_method(attrs)
    current = serving.get()
    found = current.match if current is not None else None
    if found is not None:
        named = found.named
        started = named.get(method) if named is not None else None
        if started is None:
            started = _named(found, method)
        route = started.route
        # a guess (inferred) is never http.route, reserved for real routes
        if route is not None and started.source != "inferred":
            if in_place and type(attributes) is dict:
                attributes[HTTP_ROUTE] = route
            elif attrs.get(HTTP_ROUTE) != route:
                attributes = {**attrs, HTTP_ROUTE: route}
        return started.name, attributes, started
    if method is None or HTTP_ROUTE in attrs:
        return name, attributes, None  # a route the caller knows: the processor adopts it
    started = _by_method.get(method) or _by_method_alone(method)
    return started.name, attributes, started


def route_for_metric(
    span: Span, attributes: dict[str, object], route: str, on_span: object
) -> None:
    """Give the upstream ASGI middleware's own ``attributes`` of the request their
    ``route``, which its duration metric reads, once it has written them to ``span``.

    They are the upstream's and not ours, so what this relies on is checked: they are a
    plain dict, and they hold no route of their own. Where an upstream release changes
    that, its metric goes without our route (or keeps its own), never with a wrong one,
    and nothing raises; a route of theirs, written over the span's, gives way to
    ``on_span``, the one the span's group gave it (None: the span keeps theirs).
    """
    try:
        if type(attributes) is not dict:
            return
        theirs = attributes.get(HTTP_ROUTE)
        if theirs is None:
            attributes[HTTP_ROUTE] = route
        elif theirs != route and on_span is not None:
            span.set_attribute(HTTP_ROUTE, str(on_span))
    except Exception:
        _METRIC_ROUTE_FAILED.log()


class NamingTracer(WrappingTracer):
    """The upstream middleware's tracer: names its server spans as they start.

    Their name and grouping attributes are then right from the first moment, and none
    of them is written twice. Other spans pass through unchanged.
    """

    def __init__(self, tracer: Tracer, *, in_place: bool) -> None:
        super().__init__(tracer)
        self._in_place = in_place

    def _start(self, name: str, ctx: Parent, kind: SpanKind, attrs: Attributes, rest: Rest) -> Span:
        started = None
        attributes = attrs  # (attrs stays the caller's own: is it what the span started with?)
        if kind is SpanKind.INTERNAL:  # the upstream found a span current
            fresh = fresh_parent.get()
            if fresh is not None:  # another request's, left open: see _request.isolation
                kind = SpanKind.SERVER
                ctx = fresh
        if kind is SpanKind.SERVER:
            try:
                name, attributes, started = start_naming(name, attributes, in_place=self._in_place)
            except Exception:  # never into the request; the processor names it later
                _NAMING_FAILED.log()
        # the record, for the grouping processor as the span starts (None: it reads the span)
        starting.record = started
        try:
            span = self._tracer.start_span(name, ctx, kind, attributes, *rest)
            if started is not None:
                group = current_group.get()
                if group is None or group.root is not span:
                    # no grouping processor took the record: the default mode's attributes
                    write_started(span, started.source, started.action)
                    if started.source == "root_name":
                        span.set_attribute(ROOT_NAME, started.name)
                    group = None
                route = started.route
                if attrs is not attributes and route is not None and type(attrs) is dict:
                    # The upstream's own dict (ASGI), which its duration metric reads: the
                    # route joins it once the upstream has written it to the span, in the
                    # request hook (else it would be written twice); now, with no group.
                    if group is not None:
                        group.metric = attrs
                        group.metric_route = route
                    else:
                        route_for_metric(span, attrs, route, None)
            return span
        finally:
            starting.record = None


class NamingTracerProvider(TracerProvider):
    """Hands the upstream middleware a ``NamingTracer`` over the real provider's tracer
    (``tracer_provider``, or the global one, resolved when a tracer is asked for)."""

    def __init__(self, tracer_provider: TracerProvider | None, *, in_place: bool) -> None:
        self._provider = tracer_provider
        self._in_place = in_place

    def get_tracer(self, *args: Any, **kwargs: Any) -> Tracer:
        provider = self._provider or trace.get_tracer_provider()
        return NamingTracer(provider.get_tracer(*args, **kwargs), in_place=self._in_place)
