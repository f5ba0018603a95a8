"""The typed public edge: the WSGI and ASGI call signatures, and the options of
``start()`` and ``instrument()`` as ``TypedDict``s (used with ``Unpack``), so that a
type checker finds a misspelt or mistyped option before the app runs.

The call types are named as in starlette's ``types.py`` (ASGI) and typeshed's
``wsgiref.types`` (WSGI); ``InstrumentedWsgiApp`` and ``InstrumentedAsgiApp`` are what
``instrument()`` gives, typed to go wherever the app went. The options are checked
again at run time (``checked_options``), for callers no checker sees.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    MutableMapping,
    Sequence,
)
from typing import Any, Literal, Protocol, TypeAlias, TypedDict

from opentelemetry.metrics import MeterProvider
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import Span, TracerProvider

Environ: TypeAlias = dict[str, Any]
"""A WSGI request's environment."""
StartResponse: TypeAlias = Callable[..., Any]
"""WSGI's ``start_response(status, headers, exc_info=None)``."""
WsgiApp: TypeAlias = Callable[[Environ, StartResponse], Iterable[bytes]]
"""A WSGI app: ``app(environ, start_response)`` returns the body's chunks."""
Message: TypeAlias = MutableMapping[str, Any]
"""An ASGI event, received or sent."""
Scope: TypeAlias = MutableMapping[str, Any]
"""An ASGI connection scope."""
Receive: TypeAlias = Callable[[], Awaitable[Message]]
"""ASGI's ``receive()``."""
Send: TypeAlias = Callable[[Message], Awaitable[None]]
"""ASGI's ``send(message)``."""
AsgiApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]
"""An ASGI 3 app: ``await app(scope, receive, send)``."""


class InstrumentedWsgiApp(Protocol):
    """What ``instrument()`` gives for a WSGI app: a WSGI app, with WSGI's parameter
    names, so that it takes the place of the app's own WSGI callable (Flask's
    ``app.wsgi_app``) as well as of the app."""

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]: ...


class InstrumentedAsgiApp(Protocol):
    """What ``instrument()`` gives for an ASGI app: an ASGI 3 app that takes whatever
    scope, ``receive`` and ``send`` an ASGI server passes, so that it takes the place of
    the app wherever the app was typed to go (Starlette's ``ASGIApp``, Litestar's and
    Quart's own ASGI types, Quart's ``app.asgi_app``)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None: ...


ExporterName: TypeAlias = Literal[
    "collector", "agent", "otlp", "console", "jsonl", "memory", "none"
]
"""The exporters ``start(exporter=...)`` builds by name."""


class StartOptions(TypedDict, total=False):
    """The options of ``start()``, all optional; each falls back to its environment
    variable, then to its default (see the start() page of the docs)."""

    active: bool | None
    """False: install nothing (``APPSIGNAL_ACTIVE``)."""
    name: str | None
    """The app's name (``APPSIGNAL_APP_NAME``)."""
    environment: str | None
    """``APPSIGNAL_APP_ENV``; default ``"development"``."""
    push_api_key: str | None
    """``APPSIGNAL_PUSH_API_KEY``; never logged."""
    revision: str | None
    """``APP_REVISION``."""
    collector_endpoint: str | None
    """An http:// or https:// URL (``APPSIGNAL_COLLECTOR_ENDPOINT``)."""
    opentelemetry_port: int | None
    """The local AppSignal agent's port (``APPSIGNAL_OPENTELEMETRY_PORT``; 8099)."""
    hostname: str | None
    """``APPSIGNAL_HOSTNAME``; default the machine's."""
    service_name: str | None
    """``APPSIGNAL_SERVICE_NAME`` or ``OTEL_SERVICE_NAME``."""
    ignore_actions: list[str] | tuple[str, ...] | None
    """Groups that are not exported (``APPSIGNAL_IGNORE_ACTIONS``)."""
    routes: list[str] | tuple[str, ...] | None
    """Route templates to declare (``APPSIGNAL_ROUTES``)."""
    infer_routes: bool | None
    """Infer templates from id-like path segments (``APPSIGNAL_ROUTES_INFER``)."""
    learn_routes: bool | None
    """Learn templates from the paths seen; turns inference on (``APPSIGNAL_ROUTES_LEARN``)."""
    max_groups: int | None
    """The cap on distinct groups (``APPSIGNAL_ROUTES_MAX_GROUPS``; 1000)."""
    route_style: Literal["template", "appsignal"] | None
    """``"template"``: routes as the framework writes them; ``"appsignal"``: ``:name``."""
    regex_routes: Literal["readable", "raw"] | None
    """How regex routes are named (``APPSIGNAL_ROUTES_REGEX_ROUTES``; ``"readable"``)."""
    exporter: ExporterName | SpanExporter | None
    """An exporter by name, or a ``SpanExporter`` (``APPSIGNAL_ROUTES_EXPORTER``)."""
    jsonl_path: str | None
    """The file of ``exporter="jsonl"`` (``APPSIGNAL_ROUTES_JSONL_PATH``)."""


class GroupingOptions(TypedDict, total=False):
    """The options of how a wrapped app's requests are matched as they start."""

    routes: Iterable[str]
    """Templates to match at request start, besides every ``@route``."""
    infer_routes: bool | None
    """Infer templates from id-like path segments (None: as ``start()`` set it)."""
    discover_routes: bool | None
    """Ask the framework's router (None: ``APPSIGNAL_ROUTES_DISCOVER``, default on)."""
    excluded_urls: Iterable[str] | None
    """Regexes searched in the path: those requests are not traced."""
    regex_routes: Literal["readable", "raw"] | None
    """How regex routes are named (None: as ``start()`` said)."""


class InstrumentOptions(GroupingOptions, total=False):
    """The options ``instrument()`` takes for a WSGI and an ASGI app alike."""

    tracer_provider: TracerProvider | None
    """The provider of the server spans (None: the global one)."""
    meter_provider: MeterProvider | None
    """The provider of the upstream middleware's metrics (None: the global one)."""


class WsgiOptions(InstrumentOptions, total=False):
    """``instrument()``'s options for a WSGI app: the common ones, and the upstream
    WSGI middleware's hooks."""

    request_hook: Callable[[Span, Environ], object] | None
    """Called with the server span and the environ as the request starts."""
    response_hook: Callable[[Span, Environ, str, list[tuple[str, str]]], object] | None
    """Called with the span, the environ, the status and the headers as it responds."""


class AsgiOptions(InstrumentOptions, total=False):
    """``instrument()``'s options for an ASGI app: the common ones, and the upstream
    ASGI middleware's hooks and span exclusions."""

    server_request_hook: Callable[[Span, dict[str, Any]], object] | None
    """Called with the server span and the scope as the request starts."""
    client_request_hook: Callable[[Span, dict[str, Any], dict[str, Any]], object] | None
    """Called with the ``receive`` span, the scope and each message received."""
    client_response_hook: Callable[[Span, dict[str, Any], dict[str, Any]], object] | None
    """Called with the ``send`` span, the scope and each message sent."""
    exclude_spans: Sequence[Literal["receive", "send"]] | None
    """Per-event spans left out: default ``["receive", "send"]``; ``[]`` or None: none."""


def checked_options(
    function: str,
    options: Mapping[str, Any],
    allowed: Collection[str],
    other_kind: tuple[str, Collection[str]] | None = None,
) -> None:
    """``TypeError`` naming an option that ``function`` does not take, as a misspelt
    keyword argument gives, and the one meant when it is a near miss; or, when it is an
    option of the other kind of app (``other_kind``: its name and options), saying so."""
    unknown = [option for option in options if option not in allowed]
    if not unknown:
        return
    option = unknown[0]
    if other_kind is not None and option in other_kind[1]:
        hint = f": an option for {other_kind[0]} apps only"
    else:
        close = difflib.get_close_matches(option, sorted(allowed), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
    raise TypeError(f"{function}() got an unexpected keyword argument {option!r}{hint}")


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
