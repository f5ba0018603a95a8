"""The direct attribute writes give the exported span exactly what ``set_attribute`` would."""

from __future__ import annotations

import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind

from appsignal_routes._private import sdk_spans
from appsignal_routes._private.sdk_spans import put, put_all, put_two


def exported(limits: SpanLimits | None = None, *, direct: bool = True, write=None):  # type: ignore[no-untyped-def]
    """The exported attributes of a span started with two attributes, then written."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=limits)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    span = provider.get_tracer("t").start_span("GET", attributes={"a": "1", "b": "2"})
    was = sdk_spans.direct.on
    sdk_spans.direct.on = direct
    try:
        write(span)
    finally:
        sdk_spans.direct.on = was
    span.end()
    (done,) = exporter.get_finished_spans()
    assert isinstance(done, ReadableSpan)
    return list(done.attributes.items()), done.dropped_attributes


def by_put(span):  # type: ignore[no-untyped-def]
    put(span, "http.route", "/users/:id")
    put(span, "a", "again")  # present already: moved to the end, as the SDK moves it
    put_two(span, "appsignal.action_name", "GET /users/:id", "route_source", "registry")
    put_all(span, [("route_source", "discovered"), ("appsignal.root_name", "Users#show")], None)


@pytest.mark.parametrize(
    "limits",
    [
        None,
        SpanLimits(max_attribute_length=4),  # every value cut to 4 characters
        SpanLimits(max_span_attributes=3),  # full: the oldest make way
        SpanLimits(max_span_attributes=4),  # room for one of put_two's pair only
    ],
    ids=["no limits", "value length", "full", "one slot left"],
)
def test_the_span_gets_what_set_attribute_would_give_it(limits):
    assert exported(limits, write=by_put) == exported(limits, direct=False, write=by_put)


def test_without_limits_nothing_is_cut_or_dropped():
    attributes, dropped = exported(write=by_put)
    assert attributes == [
        ("b", "2"),
        ("http.route", "/users/:id"),
        ("a", "again"),
        ("appsignal.action_name", "GET /users/:id"),
        ("route_source", "discovered"),
        ("appsignal.root_name", "Users#show"),
    ]
    assert dropped == 0


def test_an_ended_span_is_left_alone_without_a_warning(caplog):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    span = provider.get_tracer("t").start_span("GET")
    span.end()
    with caplog.at_level(logging.WARNING):
        put(span, "http.route", "/late")
        put_two(span, "x", "1", "y", "2")
        put_all(span, [("z", "3")], "Late#name")
    assert caplog.records == []
    (done,) = exporter.get_finished_spans()
    assert dict(done.attributes or {}) == {}
    assert done.name == "GET"


def test_put_all_renames_the_span_with_its_attributes():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    span = provider.get_tracer("t").start_span("GET")
    put_all(span, [("appsignal.root_name", "Users#show")], "Users#show")
    put_all(span, [], None)  # nothing to write
    span.end()
    (done,) = exporter.get_finished_spans()
    assert (done.name, dict(done.attributes or {})) == (
        "Users#show",
        {"appsignal.root_name": "Users#show"},
    )


def test_a_span_that_is_not_the_sdks_gets_set_attribute():
    written = []

    class Recording(NonRecordingSpan):
        def set_attribute(self, key, value):  # type: ignore[no-untyped-def]
            written.append((key, value))

        def update_name(self, name):  # type: ignore[no-untyped-def]
            written.append(("name", name))

    span = Recording(SpanContext(1, 2, is_remote=False))
    put(span, "http.route", "/a")
    put_two(span, "x", "1", "y", "2")
    put_all(span, [("z", "3")], "Z#name")
    put_all(span, [("w", "4")], None)
    assert written == [
        ("http.route", "/a"),
        ("x", "1"),
        ("y", "2"),
        ("z", "3"),
        ("name", "Z#name"),
        ("w", "4"),
    ]


def test_an_sdk_laid_out_otherwise_is_written_the_public_way_from_then_on(monkeypatch):
    monkeypatch.setattr(sdk_spans.direct, "on", True)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    span = provider.get_tracer("t").start_span("GET")

    class Attributes(dict):  # type: ignore[type-arg] - no `_dict`: another layout
        pass

    span._attributes = Attributes()  # type: ignore[attr-defined]
    put(span, "http.route", "/a")
    assert sdk_spans.direct.on is False
    put_two(span, "x", "1", "y", "2")
    put_all(span, [("z", "3")], None)
    assert dict(span._attributes) == {"http.route": "/a", "x": "1", "y": "2", "z": "3"}  # type: ignore[attr-defined]


def test_put_all_finds_an_sdk_laid_out_otherwise(monkeypatch):
    monkeypatch.setattr(sdk_spans.direct, "on", True)
    provider = TracerProvider()
    span = provider.get_tracer("t").start_span("GET")

    class Attributes(dict):  # type: ignore[type-arg] - no `_dict`: another layout
        pass

    span._attributes = Attributes()  # type: ignore[attr-defined]
    put_all(span, [("z", "3")], "Z#name")
    assert sdk_spans.direct.on is False
    assert dict(span._attributes) == {"z": "3"}  # type: ignore[attr-defined]
    assert span.name == "Z#name"  # type: ignore[attr-defined]


def test_the_readers_see_what_the_properties_return():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    root = tracer.start_span("GET", kind=SpanKind.SERVER, attributes={"a": "1"})
    child = tracer.start_span("db", context=trace.set_span_in_context(root))
    for span in (root, child):
        assert sdk_spans.name_of(span) == span.name
        assert sdk_spans.context_of(span) is span.get_span_context()
        assert sdk_spans.parent_of(span) is span.parent
        assert sdk_spans.kind_of(span) is span.kind
        assert dict(sdk_spans.attributes_of(span)) == dict(span.attributes or {})
    parent = sdk_spans.parent_of(child)
    assert parent is not None
    assert sdk_spans.span_id_of(parent) == root.get_span_context().span_id
    assert sdk_spans.is_remote_of(parent) is False
    child.end()
    root.end()
    for done in exporter.get_finished_spans():  # and on what the exporters get
        assert sdk_spans.context_of(done) is done.context
        assert sdk_spans.parent_of(done) is done.parent


def test_another_layout_reads_the_attributes_from_any_mapping():
    from types import MappingProxyType, SimpleNamespace

    plain = sdk_spans._plain_attributes  # the reader of spans laid out otherwise
    view = SimpleNamespace(attributes=MappingProxyType({"a": "1"}))  # an SDK span's view
    assert plain(view) == {"a": "1"}
    assert plain(SimpleNamespace(attributes={"a": "1"})) == {"a": "1"}
    assert plain(SimpleNamespace(attributes=None)) == {}


def test_the_current_span_of_a_context_is_read_by_the_apis_key_or_through_the_api(monkeypatch):
    from opentelemetry.context import Context
    from opentelemetry.trace import propagation, set_span_in_context

    span = NonRecordingSpan(SpanContext(1, 2, is_remote=False))
    assert sdk_spans.SPAN_KEY is propagation._SPAN_KEY  # found by the probe here
    for read in (sdk_spans.span_in, sdk_spans._span_by_key, sdk_spans._span_by_api):
        assert read(set_span_in_context(span)) is span
        assert read(Context()) is None
    monkeypatch.delattr(propagation, "_SPAN_KEY")  # an API that keeps it otherwise
    assert sdk_spans._span_key() is None  # then span_in is _span_by_api
