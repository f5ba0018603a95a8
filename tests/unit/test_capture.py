"""The capture behind ``route_groups``, driven with SDK spans as a middleware starts them
(the pytester suites in tests/integration/test_pytest_plugin.py drive it with real
test clients)."""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider, SpanKind

from appsignal_routes._testing import capture as _capture


def server_span(method: str = "GET", path: str = "/x", **attributes: object):  # type: ignore[no-untyped-def]
    tracer = trace.get_tracer("tests")
    return tracer.start_span(
        f"{method} {path}",
        kind=SpanKind.SERVER,
        attributes={"http.request.method": method, "url.path": path, **attributes},
    )


def test_a_request_counts_once_it_has_a_status_and_in_the_order_they_responded():
    capture = _capture.begin()
    try:
        first = server_span(path="/first")
        second = server_span(path="/second")
        assert len(capture) == 0
        second.set_attribute("http.response.status_code", 204)
        first.set_attribute("http.response.status_code", 200)
        second.end()  # /first had responded by then: it comes first
        first.end()
        assert [r.path for r in capture] == ["/first", "/second"]
        assert capture[1].status == 204
        assert [r.path for r in capture[:1]] == ["/first"]
    finally:
        _capture.end(capture)


def test_records_of_unusual_requests():
    capture = _capture.begin()
    try:
        other = server_span("_OTHER", **{"http.request.method_original": "PURGE"})
        other.end()
        failed = server_span(path="/boom")
        failed.set_status(trace.Status(trace.StatusCode.ERROR))
        failed.end()
        silent = server_span(path="/gone")
        silent.end()
        child = trace.get_tracer("t").start_span(
            "inner", context=trace.set_span_in_context(silent), kind=SpanKind.SERVER
        )
        child.end()  # not a request: a span inside one
        assert [(r.method, r.status) for r in capture] == [("PURGE", 0), ("GET", 500), ("GET", 0)]
        assert capture[0].route is None
        assert capture[0].source == "method"
    finally:
        _capture.end(capture)


def test_repr_is_a_table():
    capture = _capture.begin()
    try:
        assert repr(capture) == "route_groups: no requests captured"
        span = server_span(path="/a")
        span.set_attribute("http.response.status_code", 200)
        span.end()
        assert repr(capture).splitlines() == [
            "route_groups: 1 request",
            "  method  path  status  name  route  source",
            "  GET     /a    200     GET   -      method",
        ]
    finally:
        _capture.end(capture)


def test_requests_outside_a_capture_and_after_it_are_not_captured():
    _capture.install()
    server_span().end()
    capture = _capture.begin()
    _capture.end(capture)
    server_span().end()
    assert capture.names == []


def test_an_existing_sdk_provider_gets_the_capture_once():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _capture.install()
    _capture.install()
    processors = provider._active_span_processor._span_processors
    assert sum(isinstance(p, _capture.CaptureProcessor) for p in processors) == 1


def test_a_provider_that_is_not_the_sdks_is_reported(caplog):
    trace.set_tracer_provider(NoOpTracerProvider())
    with caplog.at_level(logging.WARNING, "appsignal_routes"):
        capture = _capture.begin()
    _capture.end(capture)
    assert "route_groups cannot see its requests" in caplog.text


def test_a_failing_capture_never_reaches_the_request(monkeypatch):
    capture = _capture.begin()
    try:

        def broken(_span: object) -> None:
            raise RuntimeError

        monkeypatch.setattr(capture, "_started", broken)
        monkeypatch.setattr(capture, "_ended", broken)
        span = server_span()
        span.end()
    finally:
        _capture.end(capture)


def test_the_export_guard_keeps_captured_spans_local():
    exporter = InMemorySpanExporter()
    inner = SimpleSpanProcessor(exporter)
    assert _capture.guard_export(inner, exporter) is inner  # not a network exporter

    class NetworkExporter(InMemorySpanExporter):
        pass

    NetworkExporter.__module__ = "opentelemetry.exporter.otlp.proto.http.trace_exporter"
    guarded = _capture.guard_export(inner, NetworkExporter())
    assert isinstance(guarded, _capture.QuietExport)
    provider = TracerProvider()
    provider.add_span_processor(guarded)
    tracer = provider.get_tracer("t")
    tracer.start_span("before").end()
    capture = _capture.begin()
    tracer.start_span("during").end()
    late = tracer.start_span("started during, ended after")
    _capture.end(capture)
    late.end()
    tracer.start_span("after").end()
    assert [s.name for s in exporter.get_finished_spans()] == ["before", "after"]
    assert guarded.force_flush()
    guarded.shutdown()
    processor = _capture.CaptureProcessor()
    assert processor.force_flush()
    processor.shutdown()
