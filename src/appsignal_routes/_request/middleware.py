"""``instrument()``: the upstream OpenTelemetry WSGI/ASGI middleware, plus grouping at start.

The upstream ``OpenTelemetryMiddleware`` does the tracing; these wrappers add what
it cannot know: the route of a request, matched as the request starts (the framework's
own router, the registry, opt-in inference: see ``_request.start``), so that requests
that never reach a handler are grouped too. They also honour excluded URLs for WSGI,
which the upstream WSGI middleware does not.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Final, Literal, overload

from asgiref import compatibility
from opentelemetry.context import Context
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware as _OtelAsgi
from opentelemetry.instrumentation.asgi import asgi_getter
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware as _OtelWsgi
from opentelemetry.instrumentation.wsgi import wsgi_getter
from opentelemetry.metrics import MeterProvider
from opentelemetry.propagate import extract
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Span, TracerProvider
from opentelemetry.util.http import sanitize_method

from appsignal_routes import graphql
from appsignal_routes._contain import Containment
from appsignal_routes._grouping.annotation import current_context
from appsignal_routes._grouping.group import request_method
from appsignal_routes._grouping.handoff import Serving, current_group, serving
from appsignal_routes._routes import registry
from appsignal_routes._shutdown import signals
from appsignal_routes._shutdown.lifespan import run_lifespan
from appsignal_routes._types import (
    AsgiApp,
    AsgiOptions,
    GroupingOptions,
    InstrumentedAsgiApp,
    InstrumentedWsgiApp,
    Message,
    Receive,
    Scope,
    Send,
    WsgiApp,
    WsgiOptions,
    checked_options,
    detect_interface,
)

from .isolation import (
    clean_context,
    fresh_parent,
    left_open,
    nested,
    restore_context,
    same_request,
)
from .start import (
    NamingTracerProvider,
    RequestStart,
    discovery_enabled,
    response_status,
    route_for_metric,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from typing_extensions import Unpack

logger = logging.getLogger("appsignal_routes")
_WSGI_OPTIONS: Final = WsgiOptions.__optional_keys__
_ASGI_OPTIONS: Final = AsgiOptions.__optional_keys__
_EXCLUSION_FAILED: Final = Containment("the framework's exclusion failed")
_asgiref: Any = compatibility  # (untyped)


class WsgiMiddleware:
    """A WSGI app wrapped by the upstream middleware, grouped at request start."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        request_hook: Callable[[Span, dict[str, Any]], None] | None = None,
        response_hook: Callable[..., None] | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        **grouping: Unpack[GroupingOptions],
    ) -> None:
        self.app = app
        self.start = _request_start(app, grouping)
        self._otel = _OtelWsgi(
            app,
            request_hook=request_hook,
            response_hook=response_hook,
            tracer_provider=NamingTracerProvider(tracer_provider, in_place=True),
            meter_provider=meter_provider,
        )

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        start = self.start
        excluded = start.excluded
        if excluded is not None and excluded.search(path) is not None:
            return self.app(environ, start_response)
        infer = start.infer_routes  # (RequestStart.infers, inlined: every request)
        if infer or (infer is None and registry.settings.infer):
            start_response = _noting_status(start_response)
        # another request's context (see _request.isolation; an ASGI server's, through a WSGI
        # adapter that copies it into the thread): the span's parent is in the headers
        # or a response left open, whose span stays current (see _request.isolation): the same
        owner = serving.get()
        if owner is None:
            clean = None
            context = current_context()
            fresh = (
                fresh_parent.set(extract(environ, getter=wsgi_getter))
                if context and left_open(context)
                else None
            )
        else:
            clean, fresh = _set_aside(owner.request, environ, wsgi_getter)
        # matched before the upstream middleware starts the span: see _request.start
        mark = serving.set(
            Serving(environ, start.match(environ.get("REQUEST_METHOD"), path, environ))
        )
        try:
            result: Iterable[bytes] = self._otel(environ, start_response)
        finally:
            serving.reset(mark)
            if clean is not None:
                restore_context(clean)
            if fresh is not None:
                fresh_parent.reset(fresh)
        return result


def _request_start(app: object, grouping: GroupingOptions) -> RequestStart:
    """How ``app``'s requests are grouped as they start (``grouping``: the options of
    ``RequestStart``); where routes are discovered, GraphQL requests by their operation."""
    if discovery_enabled(grouping.get("discover_routes")):
        graphql.watch()
    return RequestStart(app, **grouping)


def _reset(var: ContextVar[Any], token: Token[Any]) -> None:
    """``var.reset(token)``, unless the request's coroutine is closed in another context
    than it ran in (one its server abandoned, finalised by the garbage collector): that
    context, and what the request set in it, are gone with it; nothing to undo here."""
    try:
        var.reset(token)
    except ValueError:
        logger.debug("a request closed outside its context: nothing to reset")


def _set_aside(
    owner: object, request: Any, getter: Getter[Any]
) -> tuple[Token[Context] | None, Token[Context | None] | None]:
    """A request that started while ``owner`` is marked as served (see ``_request.isolation``):
    the same request handed on keeps its context; one made in-process from inside
    ``owner`` gets a server span of its own, a child of the caller's current span (or of
    the span in its headers), in the caller's context; any other runs in an empty
    context. Returns the tokens to undo it with (``restore_context``, ``fresh_parent``)."""
    if same_request(owner, request):
        return None, None
    context = current_context()
    if nested(context, owner):
        return None, fresh_parent.set(extract(request, getter=getter, context=context))
    return clean_context(), None


def _noting_status(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """``start_response`` that tells the grouping the status (only needed when inferring)."""

    def noting(status: str, *args: Any) -> Any:
        code = status.partition(" ")[0]
        if code.isdigit():
            response_status(int(code))
        return start_response(status, *args)

    return noting


class AsgiMiddleware:
    """An ASGI app wrapped by the upstream middleware, grouped at request start.

    The route matched at start is handed to the upstream middleware's own attributes
    of the request too, so that its request-duration metric carries ``http.route``:
    by its ``server_request_hook``, called once it has written those attributes to the
    span a second time (``_metric_route``), so that the route is written there once.
    """

    def __init__(
        self,
        app: AsgiApp,
        *,
        server_request_hook: Callable[[Span, Scope], None] | None = None,
        client_request_hook: Callable[..., None] | None = None,
        client_response_hook: Callable[..., None] | None = None,
        exclude_spans: Sequence[Literal["receive", "send"]] | None = ("receive", "send"),
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        **grouping: Unpack[GroupingOptions],
    ) -> None:
        self.app = app
        self.start = _request_start(app, grouping)
        self._tracer_provider = tracer_provider
        #: True for a request the app's framework was told not to trace (None: none).
        self.skips: Callable[[Scope], bool] | None = None
        self._call = call = _asgi3(app)
        self._otel = _OtelAsgi(
            call,
            default_span_details=_span_details,
            server_request_hook=_metric_route(server_request_hook),
            client_request_hook=client_request_hook,
            client_response_hook=client_response_hook,
            exclude_spans=list(exclude_spans or []),
            tracer_provider=NamingTracerProvider(tracer_provider, in_place=False),
            meter_provider=meter_provider,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await run_lifespan(self._call, scope, receive, send, self._tracer_provider)
            return
        if kind not in ("http", "websocket"):
            await self._call(scope, receive, send)
            return
        server = scope.get("server")
        client = scope.get("client")
        if (
            type(scope.get("headers")) is not list
            or not (server is None or type(server) is tuple)
            or not (client is None or type(client) is tuple)
        ):
            _materialize(scope)
        start = self.start
        # the path below the app's mount point (ASGI ``path`` includes ``root_path``)
        path = scope.get("path") or "/"
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        excluded = start.excluded
        skips = self.skips
        if (excluded is not None and excluded.search(path) is not None) or (
            skips is not None and skips(scope)
        ):
            await self._call(scope, receive, send)
            return
        infer = start.infer_routes
        if infer or (infer is None and registry.settings.infer):
            send = _noting_status_asgi(send)
        # another request's context (see _request.isolation): the span's parent is in the headers
        owner = serving.get()
        clean, fresh = (
            (None, None) if owner is None else _set_aside(owner.request, scope, asgi_getter)
        )
        mark = serving.set(Serving(scope, start.match(scope.get("method"), path, scope)))
        try:
            await self._otel(scope, receive, send)
        finally:
            _reset(serving, mark)
            if clean is not None:
                restore_context(clean)
            if fresh is not None:
                _reset(fresh_parent, fresh)
        if signals.draining:  # the server stops: it waits for this request, and its spans
            await signals.flushed()


def _materialize(scope: Scope) -> None:
    """Make the scope's ``headers`` a list, its ``server`` and ``client`` tuples: ASGI
    allows any iterable (falcon.testing passes iterators), but the upstream middleware
    indexes them and reads them more than once."""
    headers = scope.get("headers")
    if headers is not None and type(headers) is not list:
        scope["headers"] = [tuple(header) for header in headers]  # each one may be, too
    for key in ("server", "client"):
        value = scope.get(key)
        if value is not None and type(value) is not tuple:
            scope[key] = tuple(value)


def _asgi3(app: Any) -> AsgiApp:
    """``app`` called the ASGI 3 way. The upstream middleware's asgiref helper takes every
    class, and every callable that is no coroutine function, for an ASGI 2 app (called
    with the scope alone): a class whose instances are awaitable (Starlette's
    ``HTTPEndpoint``: ``await Endpoint(scope, receive, send)``), or a plain function of
    three parameters that returns an awaitable, is ASGI 3 all the same."""
    single_already: AsgiApp = app
    if not _asgiref.is_double_callable(app):
        return single_already
    if _positional_count(app) == 1 and not hasattr(app, "__await__"):
        double: AsgiApp = _asgiref.double_to_single_callable(app)
        return double

    async def single(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)

    return single


def _positional_count(app: Any) -> int | None:
    """How many positional parameters ``app`` takes (a class: its ``__init__``, less
    ``self``), or None where it cannot be told."""
    try:
        parameters = inspect.signature(app).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _span_details(scope: Scope) -> tuple[str, dict[str, str]]:
    """The upstream's name for a request, and no extra attributes. (The span is named
    as it starts, by ``_request.start``: the name given here stands only if that fails.)"""
    current = serving.get()
    found = current.match if current is not None else None
    if found is not None and found.source != "inferred":
        # its route, or its handler's root name (see Match)
        return found.route if found.root_name is None else found.root_name, {}
    method = request_method(sanitize_method(str(scope.get("method", "")).strip()))
    return method or "HTTP", {}


def _metric_route(
    hook: Callable[[Span, Scope], None] | None,
) -> Callable[[Span, Scope], None]:
    """The upstream ASGI middleware's ``server_request_hook``: the route the request's
    span started with joins the upstream's own attributes of the request, which its
    duration metric reads, now that it has written them to the span; then ``hook``."""

    def metric_route(span: Span, scope: Scope) -> None:
        group = current_group.get()
        if group is not None:
            pending = group.metric
            if pending is not None and group.root is span:
                group.metric = None
                route_for_metric(span, pending, group.metric_route, group.on_span[0])
        if hook is not None:
            hook(span, scope)

    return metric_route


def _noting_status_asgi(send: Send) -> Send:
    """``send`` that tells the grouping the status (only needed when inferring)."""

    async def noting(message: Message) -> None:
        if message.get("type") == "http.response.start":
            response_status(int(message.get("status", 0)))
        await send(message)

    return noting


def instrument_wsgi(
    app: Callable[[Any, Any], object], **options: Unpack[WsgiOptions]
) -> InstrumentedWsgiApp:
    """Wrap a WSGI app; wrapping an app this toolkit already wrapped returns it as is.

    The result takes the app's place with a server or a test client; it is not the app
    itself: ``app.route`` and the like stay on ``app``.
    """
    checked_options("instrument_wsgi", options, _WSGI_OPTIONS, ("ASGI", _ASGI_OPTIONS))
    if isinstance(app, WsgiMiddleware):
        return app
    return WsgiMiddleware(_prepared(app) or app, **options)  # type: ignore[arg-type]


@overload
def instrument_asgi(
    app: Callable[[Any, Any, Any], Awaitable[object]], **options: Unpack[AsgiOptions]
) -> InstrumentedAsgiApp: ...
@overload
def instrument_asgi(
    app: Callable[[Any], Callable[[Any, Any], Awaitable[object]]],
    **options: Unpack[AsgiOptions],
) -> InstrumentedAsgiApp: ...
def instrument_asgi(app: Any, **options: Any) -> Any:
    """Wrap an ASGI app (ASGI 3, or an ASGI 2 class: the result is ASGI 3); wrapping an
    app this toolkit already wrapped returns it as is."""
    checked_options("instrument_asgi", options, _ASGI_OPTIONS, ("WSGI", _WSGI_OPTIONS))
    if isinstance(app, AsgiMiddleware):
        return app
    return _asgi_middleware(app, _prepared(app) or app, options)


def _asgi_middleware(app: Any, prepared: Any, options: dict[str, Any]) -> AsgiMiddleware:
    """The middleware for ``prepared``, following the tracing configuration ``app``
    gives its framework where ``options`` do not say otherwise: its tracer provider
    (one provider per trace: its sampler, its exporters), the requests it excludes."""
    from appsignal_routes.frameworks._tracing import tracing_of  # noqa: PLC0415 - once per app

    tracing = tracing_of(app)
    if tracing is None:
        return AsgiMiddleware(prepared, **options)
    if tracing.tracer_provider is not None and options.get("tracer_provider") is None:
        options = {**options, "tracer_provider": tracing.tracer_provider}
    middleware = AsgiMiddleware(prepared, **options)
    if tracing.excludes is not None:
        middleware.skips = _contained(tracing.excludes)
    return middleware


def _contained(excludes: Callable[[Scope], bool]) -> Callable[[Scope], bool]:
    """``excludes`` that never raises into a request: on a failure, traced."""

    def skips(scope: Scope) -> bool:
        try:
            return bool(excludes(scope))
        except Exception:
            _EXCLUSION_FAILED.log()
            return False

    return skips


def _prepared(app: Any) -> Any:
    """The app as its framework's adapter prepares it for our server span (its own
    tracing made way for ours), or None when it already traces itself (an instrumentor
    applied to it: ``instrument()`` then leaves it as it is; forced to wrap it, the
    instrumentor's span becomes a child of ours)."""
    from appsignal_routes.frameworks import prepare  # noqa: PLC0415 - once per app; kept beside its uses

    return prepare(app)


@overload
def instrument(
    app: Callable[[Any, Any, Any], Awaitable[object]], **options: Unpack[AsgiOptions]
) -> InstrumentedAsgiApp: ...
@overload
def instrument(
    app: Callable[[Any, Any], object], **options: Unpack[WsgiOptions]
) -> InstrumentedWsgiApp: ...
@overload
def instrument(
    app: Callable[[Any], Callable[[Any, Any], Awaitable[object]]],
    **options: Unpack[AsgiOptions],
) -> InstrumentedAsgiApp: ...
def instrument(app: Any, **options: Any) -> Any:
    """Wrap a WSGI or ASGI app, whichever it is: a WSGI app gives a WSGI app, an ASGI
    app an ASGI app (an ASGI 2 class: ASGI 3). Told apart as at run time: an ASGI app
    takes three parameters and returns an awaitable, a WSGI app takes two.

    The result is what the server or test client is given in place of ``app``; it is
    not ``app`` itself: serve it under another name (``application = instrument(app)``),
    or, where the framework has one, assign it to the app's own WSGI or ASGI attribute
    (Flask: ``app.wsgi_app = instrument(app.wsgi_app)``).

    Raises:
        TypeError: the app is neither, or it cannot be told which (call
            ``instrument_wsgi`` or ``instrument_asgi`` instead); an option it does not
            take.
    """
    if isinstance(app, (WsgiMiddleware, AsgiMiddleware)):
        return app
    if isinstance(app, (_OtelWsgi, _OtelAsgi)):
        raise TypeError(
            "this app is already wrapped in OpenTelemetryMiddleware; pass the app inside "
            "it to instrument(), so that requests are not traced twice"
        )
    kind = detect_interface(app)
    if kind == "asgi":
        checked_options("instrument", options, _ASGI_OPTIONS, ("WSGI", _WSGI_OPTIONS))
    else:
        checked_options("instrument", options, _WSGI_OPTIONS, ("ASGI", _ASGI_OPTIONS))
    prepared = _prepared(app)  # the framework's own server span, if any, made way for ours
    if prepared is None:  # the app makes its own server spans (an instrumentor's)
        if discovery_enabled(options.get("discover_routes")):
            graphql.watch()  # its GraphQL requests grouped by their operation all the same
        return app
    if kind == "asgi":
        return _asgi_middleware(app, prepared, options)
    return WsgiMiddleware(prepared, **options)
