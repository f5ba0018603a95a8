"""What a job call costs: ``@ar.job`` against the hand-written span it replaces.

Run it:  .venv/bin/python -m benchmarks.jobs

The provider is built as ``start()`` builds it (the grouping processor, a synchronous
export to a null exporter). The hand-written way starts the same root span, names it
with ``set_root_name`` (the cap and the AppSignal attributes), makes it current around
the call and ends it: what ``@ar.job`` does for you. Prints the median of per-round
ratios (min-max) and the median time of one call of each side.
"""

from __future__ import annotations

import asyncio

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind

import appsignal_routes as ar

from .compare import compare
from .inprocess import Measured, toolkit_provider

NUMBER = 2_000


def work(x: int) -> int:
    return x + 1


async def awork(x: int) -> int:
    return x + 1


def hand_written(tracer: trace.Tracer):
    empty = otel_context.Context()

    def call(x: int) -> int:
        span = tracer.start_span(
            "Mailer#deliver",
            empty,
            kind=SpanKind.CONSUMER,
            attributes={"appsignal.namespace": "background"},
        )
        ar.set_root_name("Mailer#deliver", span)
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            return work(x)
        finally:
            otel_context.detach(token)
            span.end()

    return call


def job_call() -> Measured:
    """A job call against the same span by hand around the same work: what ``@ar.job``
    adds to a span's start and end is its decorator's pass-through, a few hundredths."""
    provider = toolkit_provider()
    trace.set_tracer_provider(provider)  # jobs start their spans on the global provider
    job = ar.job("Mailer#deliver")(work)
    by_hand = hand_written(provider.get_tracer("benchmarks"))
    return Measured(
        "job call",
        "an @ar.job call (a root span named, current around the work, ended)",
        "the same span by hand around the same call",
        compare(lambda: job(1), lambda: by_hand(1), number=NUMBER),
        1.05,
    )


def main() -> None:
    provider = toolkit_provider()
    trace.set_tracer_provider(provider)
    tracer = provider.get_tracer("benchmarks")
    job = ar.job("Mailer#deliver")(work)
    by_hand = hand_written(tracer)
    ajob = ar.job("Mailer#adeliver")(awork)
    loop = asyncio.new_event_loop()

    def plain_span() -> int:  # the least a span around the work costs: no name, no group
        with tracer.start_as_current_span("Mailer#deliver", context=otel_context.Context()):
            return work(1)

    def child_span() -> int:
        with tracer.start_as_current_span("Mailer#deliver"):
            return work(1)

    rows = [
        (
            "@ar.job / hand-written named root",
            compare(lambda: job(1), lambda: by_hand(1), number=NUMBER),
        ),
        ("@ar.job / start_as_current_span", compare(lambda: job(1), plain_span, number=NUMBER)),
    ]
    with tracer.start_as_current_span("GET /", kind=SpanKind.SERVER):
        rows.append(
            (
                "@ar.job in a request (child) / start_as_current_span",
                compare(lambda: job(1), child_span, number=NUMBER),
            )
        )
    rows.append(
        (
            "async @ar.job / async plain (one loop turn each)",
            compare(
                lambda: loop.run_until_complete(ajob(1)),
                lambda: loop.run_until_complete(awork(1)),
                number=NUMBER // 4,
            ),
        )
    )
    loop.close()
    width = max(len(label) for label, _ in rows)
    print(f"{'comparison':<{width}}  median ratio (min-max)   A µs    B µs")
    for label, ratio in rows:
        print(f"{label:<{width}}  {ratio!s:<22} {ratio.a_ns / 1000:6.1f}  {ratio.b_ns / 1000:6.1f}")


if __name__ == "__main__":
    main()
