"""``instrument()``: the upstream OpenTelemetry WSGI/ASGI middleware, plus grouping at start.

The upstream ``OpenTelemetryMiddleware`` does the tracing; these wrappers add what
it cannot know: the route of a request, matched against the registry (and, opt-in,
inferred from the path) as soon as the request starts, so that requests that never
reach a handler are grouped too. They also honour excluded URLs for WSGI, which the
upstream WSGI middleware does not.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any, Literal, TypeAlias

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware as _OtelAsgi
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware as _OtelWsgi
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, Tracer, TracerProvider
from opentelemetry.util.http import sanitize_method

from . import _registry
from ._annotation import annotate_route
from ._grouping import HTTP_ROUTE, RouteSource
from ._infer import infer_template
from ._lifespan import run_lifespan
from ._route_at_start import RouteAtStart, pending_route

logger = logging.getLogger("appsignal_routes")

Scope: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send: TypeAlias = Callable[[MutableMapping[str, Any]], Awaitable[None]]
WsgiApp: TypeAlias = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
AsgiApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Grouping:
    """Request-start grouping and URL exclusion shared by both wrappers."""

    def __init__(
        self,
        routes: Iterable[str],
        infer_routes: bool | None,
        excluded_urls: Iterable[str] | None,
    ) -> None:
        _registry.declare_all(routes)
        self._infer_routes = infer_routes
        patterns = list(excluded_urls or [])
        env = os.environ.get("OTEL_PYTHON_EXCLUDED_URLS", "")
        patterns += [p.strip() for p in env.split(",") if p.strip()]
        self.excluded = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    @property
    def infer_routes(self) -> bool:
        if self._infer_routes is None:
            return _registry.infer_by_default()
        return self._infer_routes

    def is_excluded_scope(self, scope: Scope) -> bool:
        """Whether an ASGI request is excluded; its path is worked out only when needed."""
        excluded = self.excluded
        return excluded is not None and excluded.search(_relative_path(scope)) is not None

    def find(self, path: str) -> tuple[str, RouteSource] | None:
        """The route of a request by its path, at its start; never raises."""
        try:
            template = _registry.registry().match(path)
            if template is not None:
                return template.text, "registry"
            if self.infer_routes:
                inferred = infer_template(path)
                if inferred is not None:
                    return inferred, "inferred"
        except Exception:
            logger.debug("appsignal-routes: request-start matching failed", exc_info=True)
        return None

    @staticmethod
    def annotate_pending(span: Span, pending: tuple[str, RouteSource]) -> None:
        """Group the request by the route matched at its start that its span did not
        take (an inferred one, or a registry match no RouteAtStart added)."""
        pending_route.set(None)
        annotate_route(pending[0], span, source=pending[1])


def _route_at_start(otel: object, *, in_place: bool) -> None:
    """Put ``RouteAtStart`` in place of the upstream middleware's tracer."""
    tracer = getattr(otel, "tracer", None)
    if isinstance(tracer, Tracer):
        otel.tracer = RouteAtStart(tracer, in_place=in_place)  # type: ignore[attr-defined]


class WsgiMiddleware:
    """A WSGI app wrapped by the upstream middleware, grouped at request start."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        routes: Iterable[str] = (),
        infer_routes: bool | None = None,
        excluded_urls: Iterable[str] | None = None,
        request_hook: Callable[[Span, dict[str, Any]], None] | None = None,
        response_hook: Callable[..., None] | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self.app = app
        self._grouping = _Grouping(routes, infer_routes, excluded_urls)
        self._user_request_hook = request_hook
        self._otel = _OtelWsgi(
            app,
            request_hook=self._request_hook,
            response_hook=response_hook,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
        )
        _route_at_start(self._otel, in_place=True)

    def _request_hook(self, span: Span, environ: dict[str, Any]) -> None:
        pending = pending_route.get()
        if pending is not None:
            self._grouping.annotate_pending(span, pending)
        if self._user_request_hook is not None:
            self._user_request_hook(span, environ)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        excluded = self._grouping.excluded
        if excluded is not None and excluded.search(path) is not None:
            return self.app(environ, start_response)
        # matched before the upstream middleware starts the span: see RouteAtStart
        token = pending_route.set(self._grouping.find(path))
        try:
            result: Iterable[bytes] = self._otel(environ, start_response)
        finally:
            pending_route.reset(token)
        return result


class AsgiMiddleware:
    """An ASGI app wrapped by the upstream middleware, grouped at request start.

    The registry's route is handed to the upstream middleware at start
    (``default_span_details``), so its request-duration metric carries ``http.route``.
    """

    def __init__(
        self,
        app: AsgiApp,
        *,
        routes: Iterable[str] = (),
        infer_routes: bool | None = None,
        excluded_urls: Iterable[str] | None = None,
        server_request_hook: Callable[[Span, Scope], None] | None = None,
        client_request_hook: Callable[..., None] | None = None,
        client_response_hook: Callable[..., None] | None = None,
        exclude_spans: Sequence[Literal["receive", "send"]] | None = ("receive", "send"),
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self.app = app
        self._grouping = _Grouping(routes, infer_routes, excluded_urls)
        self._user_request_hook = server_request_hook
        self._tracer_provider = tracer_provider
        self._otel = _OtelAsgi(
            app,
            default_span_details=self._span_details,
            server_request_hook=self._request_hook,
            client_request_hook=client_request_hook,
            client_response_hook=client_response_hook,
            exclude_spans=list(exclude_spans or []),
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
        )
        _route_at_start(self._otel, in_place=False)

    def _span_details(self, scope: Scope) -> tuple[str, dict[str, str]]:
        method = sanitize_method(str(scope.get("method", "")).strip())
        method = "HTTP" if method == "_OTHER" else method
        found = self._grouping.find(_relative_path(scope))
        pending_route.set(found)  # for RouteAtStart, or an inferred one for the request hook
        if found is not None and found[1] == "registry":
            route = found[0]
            # here too, so that the upstream duration metric carries it
            return f"{method} {route}" if method else route, {HTTP_ROUTE: route}
        return method or str(scope.get("type", "websocket")).upper(), {}

    def _request_hook(self, span: Span, scope: Scope) -> None:
        pending = pending_route.get()
        if pending is not None:
            self._grouping.annotate_pending(span, pending)
        if self._user_request_hook is not None:
            self._user_request_hook(span, scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "lifespan":
            await run_lifespan(self.app, scope, receive, send, self._tracer_provider)
            return
        if scope.get("type") not in ("http", "websocket") or self._grouping.is_excluded_scope(
            scope
        ):
            await self.app(scope, receive, send)
            return
        await self._otel(scope, receive, send)


def _relative_path(scope: Scope) -> str:
    """The path below the app's mount point (ASGI ``path`` includes ``root_path``)."""
    path = str(scope.get("path") or "/")
    root = str(scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


def instrument_wsgi(app: WsgiApp, **options: Any) -> WsgiMiddleware:
    """Wrap a WSGI app; wrapping an app this toolkit already wrapped returns it as is."""
    if isinstance(app, WsgiMiddleware):
        return app
    return WsgiMiddleware(app, **options)


def instrument_asgi(app: AsgiApp, **options: Any) -> AsgiMiddleware:
    """Wrap an ASGI app; wrapping an app this toolkit already wrapped returns it as is."""
    if isinstance(app, AsgiMiddleware):
        return app
    return AsgiMiddleware(app, **options)


def instrument(app: Any, **options: Any) -> Any:
    """Wrap a WSGI or ASGI app, whichever it is.

    Raises:
        TypeError: the app is neither, or it cannot be told which; call
            ``instrument_wsgi`` or ``instrument_asgi`` instead.
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
        return AsgiMiddleware(app, **options)
    return WsgiMiddleware(app, **options)


def detect_interface(app: Any) -> Literal["wsgi", "asgi"]:
    """Tell a WSGI app from an ASGI one: async ``__call__`` or three parameters is ASGI."""
    if not callable(app):
        raise TypeError(f"instrument() takes a WSGI or ASGI app, not {app!r}")
    call: object = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    if inspect.isclass(app):
        call = getattr(app, "__call__", None)  # noqa: B004 - an ASGI 2 class: instances are called
        if inspect.iscoroutinefunction(call) or hasattr(app, "__await__"):
            return "asgi"
    if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app):
        return "asgi"
    try:
        parameters = inspect.signature(app).parameters.values()
    except (TypeError, ValueError):
        parameters = None
    if parameters is not None and not any(p.kind is p.VAR_POSITIONAL for p in parameters):
        positional = [
            p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(positional) == 3:  # noqa: PLR2004 - scope, receive, send
            return "asgi"
        if len(positional) == 2:  # noqa: PLR2004 - environ, start_response
            return "wsgi"
    raise TypeError(
        f"cannot tell whether {app!r} is a WSGI or an ASGI app; "
        "use instrument_wsgi() or instrument_asgi()"
    )
