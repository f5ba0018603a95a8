"""In-process comparisons: one process, A (the toolkit) and B (what it is compared with)
alternating in each round."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from wsgiref.util import setup_testing_defaults

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes._agent.agent import _Pipeline as Pipeline
from appsignal_routes._routes.table import RouteTable

from .compare import Ratio, compare
from .variants import ROUTE, NullExporter, asgi_app, wsgi_app


def plain_provider() -> TracerProvider:
    provider = TracerProvider()
    # synchronous and cheap: a batch queue would overflow in a tight loop and drop spans
    provider.add_span_processor(SimpleSpanProcessor(NullExporter()))
    return provider


def toolkit_provider() -> TracerProvider:
    """As ``start()`` builds it: the grouping and the export processor as one pipeline
    (a span starts in the grouping first and ends in the export first)."""
    provider = TracerProvider()
    export = SimpleSpanProcessor(NullExporter())
    provider.add_span_processor(Pipeline(ar.GroupingSpanProcessor(), export))
    return provider


def wsgi_request(app):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO="/users/42", REQUEST_METHOD="GET")

    def start_response(status, headers, exc_info=None):
        return None

    def request():
        result = app(dict(environ), start_response)
        for _ in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()

    return request


def asgi_request(app, loop: asyncio.AbstractEventLoop):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/users/42",
        "raw_path": b"/users/42",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        return None

    def request():
        loop.run_until_complete(app(dict(scope), receive, send))

    return request


def layer_request(kind: str, variant: str, loop: asyncio.AbstractEventLoop):
    """One request of ``variants``' ``variant`` (``NAME+processor``: that app on the
    toolkit's provider; ``toolkit`` always is), as ``wsgi_request``/``asgi_request``."""
    name, _, plus = variant.partition("+")
    grouped = name == "toolkit" or plus == "processor"
    provider = toolkit_provider() if grouped else plain_provider()
    if kind == "wsgi":
        return wsgi_request(wsgi_app(name, provider))
    return asgi_request(asgi_app(name, provider), loop)


@dataclass(frozen=True)
class Measured:
    key: str  # a short name, for the verdicts printed
    what: str
    reference: str
    ratio: Ratio
    limit: float
    higher_is_better: bool = False

    @property
    def passed(self) -> bool:
        if self.higher_is_better:
            return self.ratio.median >= self.limit
        return self.ratio.median <= self.limit


def wsgi_request_cost() -> Measured:
    ours = wsgi_request(wsgi_app("toolkit", toolkit_provider()))
    by_hand = wsgi_request(wsgi_app("hand-written", plain_provider()))
    return Measured(
        "WSGI request",
        "one WSGI request in-process: instrument() + @route + processor",
        "the hand-written way",
        compare(ours, by_hand, number=400),
        1.10,
    )


def asgi_request_cost() -> Measured:
    loop = asyncio.new_event_loop()
    try:
        ours = asgi_request(asgi_app("toolkit", toolkit_provider()), loop)
        by_hand = asgi_request(asgi_app("hand-written", plain_provider()), loop)
        ratio = compare(ours, by_hand, number=300)
    finally:
        loop.close()
    return Measured(
        "ASGI request",
        "one ASGI request in-process: instrument() + @route + processor",
        "the hand-written way (the upstream's default, with its send/receive spans)",
        ratio,
        0.68,
    )


def decorated_call() -> Measured:
    provider = toolkit_provider()
    tracer = provider.get_tracer("bench")

    @ar.route(ROUTE)
    def decorated():
        return None

    def hand_written():
        trace.get_current_span().set_attribute("http.route", ROUTE)

    with tracer.start_as_current_span(
        "GET", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
    ):
        ratio = compare(decorated, hand_written, number=20_000)
    return Measured(
        "@route in a request",
        "a @route call inside a recording span",
        "the hand-written line",
        ratio,
        1.15,
    )


def decorated_call_outside() -> Measured:
    def handler():
        return None

    decorated = ar.route(ROUTE)(handler)

    def passthrough(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)

        return wrapper

    return Measured(
        "@route outside a request",
        "a @route call with no span current",
        "a functools.wraps pass-through wrapper",
        compare(decorated, passthrough(handler), number=50_000),
        3.0,
    )


def root_span() -> Measured:
    def span_cycle(provider: TracerProvider):
        tracer = provider.get_tracer("bench")
        attributes = {"http.request.method": "GET", "url.path": "/users/42"}

        def cycle():
            tracer.start_span("GET", kind=SpanKind.SERVER, attributes=attributes).end()

        return cycle

    return Measured(
        "root span",
        "span start + end on a provider with GroupingSpanProcessor",
        "the same provider without it",
        compare(span_cycle(toolkit_provider()), span_cycle(plain_provider()), number=3000),
        1.10,
    )


def child_span_ratio() -> Ratio:
    """What the processor costs on a span inside a request (a database or HTTP-client
    call), where ``root_span`` measures the request's own root."""

    def child_cycle(provider: TracerProvider):
        tracer = provider.get_tracer("bench")
        root = tracer.start_span(
            "GET", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
        )
        context = trace.set_span_in_context(root)

        def cycle():
            tracer.start_span("SELECT users", context=context, kind=SpanKind.CLIENT).end()

        return cycle

    return compare(child_cycle(toolkit_provider()), child_cycle(plain_provider()), number=3000)


def templates(count: int) -> list[str]:
    """A realistic mix: static prefixes, parameters, converters, a few wildcards."""
    shapes = [
        "/api/v{v}/r{n}/:id",
        "/api/v{v}/r{n}/{{item_id:int}}/details",
        "/r{n}/<name>/edit",
        "/static{n}/*path",
        "/r{n}/users/:user_id/posts/:post_id",
    ]
    return [shapes[n % len(shapes)].format(v=n % 5, n=n) for n in range(count)]


def route_matching() -> tuple[Measured, float]:
    target = "/api/v1/r1/42/details"  # template 1 of 1,000: /api/v1/r1/{item_id:int}/details
    chosen = templates(1000)
    small = RouteTable(chosen[:10])
    large = RouteTable(chosen)
    assert small.match(target) is not None
    assert large.match(target) == small.match(target)
    ratio = compare(lambda: large.match(target), lambda: small.match(target), number=20_000)
    return Measured(
        "1,000 routes",
        "matching a path against 1,000 declared routes",
        "10 declared routes",
        ratio,
        1.5,
    ), ratio.a_ns


def run() -> tuple[list[Measured], dict[str, float]]:
    results = [
        wsgi_request_cost(),
        asgi_request_cost(),
        decorated_call(),
        decorated_call_outside(),
        root_span(),
    ]
    child = child_span_ratio()
    results.append(
        Measured(
            "span in a request",
            "span start + end inside a request, with GroupingSpanProcessor",
            "the same provider without it",
            child,
            1.05,
        )
    )
    matching, match_ns = route_matching()
    results.append(matching)
    from .jobs import job_call  # noqa: PLC0415 - jobs builds on this module

    results.append(job_call())
    request_ns = results[0].ratio.a_ns
    extra = {
        "match_1000_ns": match_ns,
        "wsgi_request_ns": request_ns,
        "match_share_of_request": match_ns / request_ns,
    }
    return results, extra
