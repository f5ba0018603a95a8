"""Shared fixtures: a fresh provider with the grouping processor, and clean globals."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once

import appsignal_routes as ar
from appsignal_routes import _state
from appsignal_routes.frameworks import older


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.since(distribution, version, reason=...)``: a test of what older
    releases of a framework lack (the adapters are also tested on their lowest supported
    versions and on middle ones, `make frameworks-lowest` and `make frameworks-middle`) is
    skipped there, the skip saying what and why.

    ``@pytest.mark.private_path(access, ...)``: a test of what only the private path of
    those accesses does is deselected in a run that takes their fallback
    (``APPSIGNAL_ROUTES_FALLBACKS``; what the fallback does instead is tested in
    ``tests/unit/test_private.py``)."""
    public = [item for item in items if _takes_a_fallback(item)]
    if public:
        config.hook.pytest_deselected(items=public)
        left_out = set(public)
        items[:] = [item for item in items if item not in left_out]
    for item in items:
        for mark in item.iter_markers("since"):
            distribution, version = mark.args
            installed = importlib.metadata.version(distribution)
            if older(installed, version):
                reason = f"{distribution} {installed} < {version}: {mark.kwargs['reason']}"
                item.add_marker(pytest.mark.skip(reason=reason))


def _takes_a_fallback(item: pytest.Item) -> bool:
    from appsignal_routes._private import switched

    return any(switched(*mark.args) for mark in item.iter_markers("private_path"))


def reset_global_tracer_provider() -> None:
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


@pytest.fixture(autouse=True)
def clean_globals() -> Iterator[None]:
    _state.reset()
    reset_global_tracer_provider()
    yield
    _state.reset()
    reset_global_tracer_provider()


@dataclass
class Traced:
    provider: TracerProvider
    exporter: InMemorySpanExporter
    processor: ar.GroupingSpanProcessor

    @property
    def tracer(self) -> trace.Tracer:
        return self.provider.get_tracer("tests")

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    def roots(self) -> list[ReadableSpan]:
        return [s for s in self.spans() if s.parent is None or s.parent.is_remote]

    def grouped(self, *more: str) -> list[tuple[object, ...]]:
        """What a user sees of each exported root span's group: its name, ``http.route``
        and route source, then the attribute of each name in ``more``."""
        keys = ("http.route", "appsignal_routes.route_source", *more)
        return [(s.name, *((s.attributes or {}).get(key) for key in keys)) for s in self.roots()]

    def request(self, method: str = "GET", **attributes: object):  # type: ignore[no-untyped-def]
        """A SERVER span as the upstream middleware starts one."""
        return self.tracer.start_as_current_span(
            f"{method} /raw/path",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, **attributes},
        )


def make_traced(**options: object) -> Traced:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    processor = ar.GroupingSpanProcessor(**options)  # type: ignore[arg-type]
    provider.add_span_processor(processor)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Traced(provider, exporter, processor)


@pytest.fixture
def traced() -> Traced:
    return make_traced()
