"""The floor: the operations the grouping rules require, done the cheapest way we know,
with everything else left out, timed inside a real request.

``make bench`` compares the toolkit's requests and root spans with the hand-written way
and a provider without the grouping processor, each against a target. This asks how
low any design that keeps the grouping rules could go, by building the least of it.
Two apps are stacked on the same trivial handler and upstream middleware:

- ``skeleton``: the structure the toolkit needs, each part doing nothing but its call:
  a wrapper around the upstream middleware, a tracer wrapper that names the server
  span and adds ``http.route`` as it starts, an empty span processor, a ``wrapt``
  decorator on the handler. It costs what the one hand-written line costs.
- ``floor``: the skeleton plus each required operation, cheapest first, none of the
  rest (no isolation, cap, route style, 404, framework or fallback):

  1. the registry match at request start (rule "declared route": a request cut short
     is grouped);
  2. the match handed to the tracer in a context variable (per request, per task);
  3. the action name and the route source among the start attributes
     (``appsignal.action_name``, ``appsignal_routes.route_source``, which every rule sets);
  4. the processor tracks the request's root: a root test, an index by span id (freed
     as it ends: ``group_for``, the open-request count a graceful stop waits for) and
     the root kept where annotations find it (in step 2's holder; a root that no
     wrapper announced, in a context variable of its own);
  5. the decorator finds the root there and writes its route source (``decorator``).

Each step is timed on its own, added to the one before; the upstream middleware alone
(no wrapper, processor or decorator of ours) is timed beside them, as the line every
design builds on. The method is the finest this
machine allows: all apps alternate in chunks of a few dozen requests, hundreds of
times; a figure is the median of the per-chunk differences from the hand-written way.
A root span (a bare span start and end, no request) gets the same for the processor
alone. Run as ``python -m benchmarks.floor`` (``make bench-floor``); it writes
``benchmarks/RESULTS-floor.md``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import wrapt
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware as OtelAsgi
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware as OtelWsgi
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from appsignal_routes import GroupingSpanProcessor
from appsignal_routes._private.sdk_spans import context_of, parent_of, put, span_id_of
from appsignal_routes._routes.table import RouteTable

from .compare import against, chunked
from .inprocess import asgi_request, plain_provider, toolkit_provider, wsgi_request
from .run import machine, versions
from .variants import BODY, ROUTE, asgi_app, wsgi_app

CHUNK = 40  # requests per timing
REPEATS = 300  # chunks per app
RESULTS = Path(__file__).with_name("RESULTS-floor.md")
STEPS = (
    "skeleton: wrapper, naming tracer, empty processor, `wrapt` decorator",
    "+ 1. registry match at request start",
    "+ 2. the match handed to the tracer in a context variable",
    "+ 3. action name and route source among the start attributes",
    "+ 4. the processor tracks the root (root test, index, kept for annotations)",
    "+ 5. the decorator writes its route source on the root",
)

_table = RouteTable([ROUTE])
#: The request's match (route, name) and, once it starts, its root span: one mutable
#: holder per request, so the processor needs no context variable set of its own for it.
_matched: ContextVar[list[Any] | None] = ContextVar("floor_matched", default=None)
_root: ContextVar[Any] = ContextVar("floor_root", default=None)
_index: dict[int, Any] = {}
_CONSTANT = [ROUTE, f"GET {ROUTE}", None]


class _Tracer(trace.Tracer):
    """Names a server span as it starts: by the handed match (step 2) or a constant."""

    def __init__(self, tracer: trace.Tracer, steps: int, *, in_place: bool) -> None:
        self._tracer = tracer
        self._steps = steps
        self._in_place = in_place  # WSGI; ASGI's upstream writes its own dict twice

    def start_span(  # noqa: PLR0917
        self,
        name,
        context=None,
        kind=SpanKind.INTERNAL,
        attributes=None,
        links=None,
        start_time=None,
        record_exception=True,
        set_status_on_exception=True,
    ):
        if kind is SpanKind.SERVER and attributes is not None:
            found = _matched.get() if self._steps >= 2 else _CONSTANT
            if found is not None:
                name = found[1]
                if not self._in_place:
                    attributes = dict(attributes)
                attributes["http.route"] = found[0]
                if self._steps >= 3:
                    attributes["appsignal.action_name"] = name
                    attributes["appsignal_routes.route_source"] = "registry"
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


class _Provider(trace.TracerProvider):
    def __init__(self, provider: TracerProvider, steps: int, *, in_place: bool) -> None:
        self._provider = provider
        self._steps = steps
        self._in_place = in_place

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        tracer = self._provider.get_tracer(*args, **kwargs)
        return _Tracer(tracer, self._steps, in_place=self._in_place)


class _Empty(SpanProcessor):
    def on_start(self, span: Any, parent_context: Any = None) -> None:
        pass

    def on_end(self, span: Any) -> None:
        pass


class _Tracking(SpanProcessor):
    """Step 4: what any grouping processor must do for a root, and nothing else."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        parent = parent_of(span)
        if parent is not None and not parent.is_remote:
            return
        _index[span_id_of(context_of(span))] = span
        holder = _matched.get()
        if holder is not None and holder[2] is None:
            holder[2] = span  # the request's own root
        else:
            _root.set(span)  # a root no wrapper announced

    def on_end(self, span: Any) -> None:
        _index.pop(span_id_of(context_of(span)), None)


def _provider(steps: int, provider: TracerProvider | None = None) -> TracerProvider:
    provider = provider or plain_provider()
    provider.add_span_processor(_Tracking() if steps >= 4 else _Empty())
    return provider


def _handler_decorator(steps: int) -> Callable[..., Any]:
    @wrapt.decorator
    def passthrough(wrapped, instance, args, kwargs):
        return wrapped(*args, **kwargs)

    @wrapt.decorator
    def annotate(wrapped, instance, args, kwargs):
        holder = _matched.get()
        root = holder[2] if holder is not None else _root.get()
        if root is not None:
            put(root, "appsignal_routes.route_source", "decorator")
        return wrapped(*args, **kwargs)

    return annotate if steps >= 5 else passthrough


def _match(path: str) -> list[Any] | None:
    template = _table.match(path)
    return None if template is None else [template.text, f"GET {template.text}", None]


def floor_wsgi(steps: int, provider: TracerProvider | None = None) -> Callable[..., Any]:
    """The WSGI app with the first ``steps`` operations (0: the skeleton)."""

    @_handler_decorator(steps)
    def handler(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [BODY]

    tracing = _Provider(_provider(steps, provider), steps, in_place=True)
    otel = OtelWsgi(handler, tracer_provider=tracing)

    def app(environ, start_response):
        if steps == 0:
            return otel(environ, start_response)
        found = _match(environ.get("PATH_INFO") or "/")
        if steps == 1:
            return otel(environ, start_response)
        mark = _matched.set(found)
        try:
            return otel(environ, start_response)
        finally:
            _matched.reset(mark)

    return app


def floor_asgi(steps: int, provider: TracerProvider | None = None) -> Callable[..., Any]:
    """The ASGI app with the first ``steps`` operations (0: the skeleton)."""

    @_handler_decorator(steps)
    async def handler(scope, receive, send):
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": BODY})

    otel = OtelAsgi(
        handler,
        tracer_provider=_Provider(_provider(steps, provider), steps, in_place=False),
        exclude_spans=["receive", "send"],
    )

    async def app(scope, receive, send):
        if steps == 0:
            await otel(scope, receive, send)
            return
        found = _match(scope.get("path") or "/")
        if steps == 1:
            await otel(scope, receive, send)
            return
        mark = _matched.set(found)
        try:
            await otel(scope, receive, send)
        finally:
            _matched.reset(mark)

    return app


def request_rows(kind: str) -> list[str]:
    loop = asyncio.new_event_loop()
    try:
        if kind == "wsgi":
            operations = {str(n): wsgi_request(floor_wsgi(n)) for n in range(len(STEPS))}
            operations["upstream"] = wsgi_request(wsgi_app("upstream", plain_provider()))
            operations["hand-written"] = wsgi_request(wsgi_app("hand-written", plain_provider()))
            operations["toolkit"] = wsgi_request(wsgi_app("toolkit", toolkit_provider()))
        else:
            operations = {str(n): asgi_request(floor_asgi(n), loop) for n in range(len(STEPS))}
            operations["upstream"] = asgi_request(asgi_app("upstream", plain_provider()), loop)
            operations["hand-written"] = asgi_request(
                asgi_app("hand-written", plain_provider()), loop
            )
            operations["toolkit"] = asgi_request(asgi_app("toolkit", toolkit_provider()), loop)
        measured = against(chunked(operations, CHUNK, REPEATS), "hand-written")
    finally:
        loop.close()
    reference_ns = measured["hand-written"][0]
    rows = []
    upstream = "the upstream middleware alone" + (
        ", `exclude_spans` as `instrument()` sets it" if kind == "asgi" else ""
    )
    labels = [upstream, *STEPS, "the toolkit (`instrument()` + `@route` + processor)"]
    names = ["upstream", *map(str, range(len(STEPS))), "toolkit"]
    for label, name in zip(labels, names, strict=True):
        median, over = measured[name]
        rows.append(
            f"| {label} | {median / 1000:.2f} µs | {over / 1000:+.2f} µs | "
            f"{(reference_ns + over) / reference_ns:.3f} |"
        )
    return [
        f"**{kind.upper()}** (the hand-written way: {reference_ns / 1000:.2f} µs a request)",
        "",
        "| app | time per request | over the hand-written way | ratio |",
        "|---|---:|---:|---:|",
        *rows,
    ]


def root_rows() -> list[str]:
    """A root span: a server span started and ended, the processor's floor alone."""

    def cycle(processor: SpanProcessor | None, *, mark: bool = False) -> Callable[[], None]:
        provider = plain_provider()
        if processor is not None:
            provider.add_span_processor(processor)
        tracer = provider.get_tracer("bench")
        attributes = {"http.request.method": "GET", "url.path": "/users/42"}

        def run() -> None:
            span = tracer.start_span("GET", kind=SpanKind.SERVER, attributes=attributes)
            if mark:
                put(span, "appsignal_routes.route_source", "method")  # "method only"
            span.end()

        return run

    operations = {
        "none": cycle(None),
        "empty": cycle(_Empty()),
        "floor": cycle(_Tracking(), mark=True),
        "toolkit": cycle(GroupingSpanProcessor()),
    }
    measured = against(chunked(operations, CHUNK, REPEATS), "none")
    base = measured["none"][0]
    labels = {
        "none": "no processor (the reference)",
        "empty": "an empty processor",
        "floor": "the floor: root test, index, context variable, the route source `method`",
        "toolkit": "the grouping processor",
    }
    return [
        f"**A root span** (start and end without a processor: {base / 1000:.2f} µs)",
        "",
        "| processor | time per span | added | ratio |",
        "|---|---:|---:|---:|",
        *(
            f"| {labels[name]} | {median / 1000:.2f} µs | {over / 1000:+.2f} µs | "
            f"{(base + over) / base:.3f} |"
            for name, (median, over) in measured.items()
        ),
    ]


def check() -> None:
    """The whole floor groups a request as the toolkit does: its exported root span
    carries the group's name, route, action name and the decorator's route source."""
    loop = asyncio.new_event_loop()
    try:
        for kind in ("wsgi", "asgi"):
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            steps = len(STEPS) - 1
            if kind == "wsgi":
                wsgi_request(floor_wsgi(steps, provider))()
            else:
                asgi_request(floor_asgi(steps, provider), loop)()
            (span,) = exporter.get_finished_spans()
            wanted = {
                "http.route": ROUTE,
                "appsignal.action_name": f"GET {ROUTE}",
                "appsignal_routes.route_source": "decorator",
            }
            got = {key: (span.attributes or {}).get(key) for key in wanted}
            if span.name != f"GET {ROUTE}" or got != wanted:
                raise SystemExit(f"the {kind} floor does not group: {span.name!r} {got}")
    finally:
        loop.close()


def main() -> None:
    check()
    started = datetime.now(timezone.utc)
    body = [*request_rows("wsgi"), "", *request_rows("asgi"), "", *root_rows()]
    for line in body:
        print(line, flush=True)
    RESULTS.write_text(
        "\n".join(
            [
                "# The floor: the least any design could cost",
                "",
                (
                    f"Written by `make bench-floor` (`python -m benchmarks.floor`) on "
                    f"{started:%Y-%m-%d %H:%M} UTC. {machine()}. {versions()}."
                ),
                "",
                (
                    f"Method: every app alternates with the others in chunks of {CHUNK} "
                    f"requests, {REPEATS} chunks each; a figure is the median of the "
                    "per-chunk differences from the reference."
                ),
                "",
                "<!-- --8<-- [start:table] -->",
                *body,
                "<!-- --8<-- [end:table] -->",
                "",
            ]
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
