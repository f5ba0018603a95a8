"""The grouping rules, as seen on the exported local root span."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

import appsignal_routes as ar
from appsignal_routes._grouping.processor import _SpanIndex, index

from ..conftest import make_traced


def test_method_only_when_nothing_is_known_never_the_raw_path(traced):
    with traced.request("POST"):
        pass
    root = traced.roots()[0]
    assert root.name == "POST"
    assert root.attributes["appsignal_routes.route_source"] == "method"
    assert "http.route" not in root.attributes
    # the collector falls back to the span name: no second copy of it
    assert "appsignal.action_name" not in root.attributes


@pytest.mark.parametrize(
    ("name", "attributes", "exported", "source"),
    [
        # Django's instrumentor: named by its route at start, http.route set only later
        ("GET users/<int:id>", {"http.url": "http://h/users/7"}, "GET users/<int:id>", "framework"),
        # a raw path is never kept, whichever attribute says it is one
        ("GET /users/7", {"http.url": "http://h/users/7"}, "GET", "method"),
        ("GET /users/7", {"url.path": "/users/7"}, "GET", "method"),
        ("GET /users/7", {"http.target": "/users/7?page=2"}, "GET", "method"),
        ("GET /users/7", {}, "GET", "method"),  # nothing to tell by: taken as raw
    ],
)
def test_another_instrumentations_own_name_is_kept_unless_it_is_the_raw_path(
    traced, name, attributes, exported, source
):
    tracer = traced.tracer
    attributes = {"http.method": "GET", **attributes}
    with tracer.start_as_current_span(name, kind=SpanKind.SERVER, attributes=attributes):
        pass
    (root,) = traced.roots()
    assert root.name == exported
    assert root.attributes["appsignal_routes.route_source"] == source


def test_route_names_the_root_from_a_child_span(traced):
    with traced.request(), traced.tracer.start_as_current_span("db"):
        ar.set_route("/users/:user_id")
    root = traced.roots()[0]
    assert root.name == "GET /users/:user_id"
    assert root.attributes["http.route"] == "/users/:user_id"
    assert root.attributes["appsignal.action_name"] == "GET /users/:user_id"
    assert root.attributes["appsignal_routes.route_source"] == "decorator"
    child = next(s for s in traced.spans() if s.name == "db")
    assert "http.route" not in child.attributes


def test_root_name_beats_route_whatever_the_order(traced):
    with traced.request():
        ar.set_root_name("Users#show")
        ar.set_route("/users/:id")
    with traced.request():
        ar.set_route("/users/:id")
        ar.set_root_name("Users#show")
    for root in traced.roots():
        assert root.name == "Users#show"
        assert root.attributes["appsignal.root_name"] == "Users#show"
        assert root.attributes["appsignal.action_name"] == "Users#show"
        assert root.attributes["http.route"] == "/users/:id"
        assert root.attributes["appsignal_routes.route_source"] == "root_name"


def test_first_annotation_wins_and_override_replaces(traced):
    with traced.request():
        ar.set_route("/first")
        ar.set_route("/second")
        ar.set_root_name("A#first")
        ar.set_root_name("A#second")
    with traced.request():
        ar.set_route("/first")
        ar.set_route("/second", override=True)
    first, second = traced.roots()
    assert first.name == "A#first"
    assert first.attributes["http.route"] == "/first"
    assert second.name == "GET /second"


def test_override_of_root_name(traced):
    with traced.request():
        ar.set_root_name("A#first")
        ar.set_root_name("A#second", override=True)
    assert traced.roots()[0].name == "A#second"


def test_nested_decorated_helpers_do_not_regroup(traced):
    @ar.route("/helper")
    def helper():
        return 1

    @ar.route("/orders/:id")
    def handler():
        return helper()

    with traced.request():
        handler()
    assert traced.roots()[0].name == "GET /orders/:id"


def test_a_framework_route_on_the_span_is_kept(traced):
    with traced.request(**{"http.route": "/users/{user_id}"}):
        ar.set_route("/users/:id")
    root = traced.roots()[0]
    assert root.name == "GET /users/{user_id}"
    assert root.attributes["appsignal_routes.route_source"] == "framework"


def test_a_framework_route_set_after_start_is_kept_but_a_root_name_still_wins(traced):
    with traced.request() as span:
        span.set_attribute("http.route", "/items/<int:id>")
        ar.set_route("/items/:id")
    with traced.request() as span:
        span.set_attribute("http.route", "/items/<int:id>")
        ar.set_root_name("Items#show")
    first, second = traced.roots()
    assert first.attributes["http.route"] == "/items/<int:id>"
    assert first.attributes["appsignal_routes.route_source"] == "framework"
    assert second.name == "Items#show"


def test_registry_route_at_start_yields_to_an_explicit_one(traced):
    marks = {"http.route": "/users/:id", "appsignal_routes.route_source": "registry"}
    with traced.request(**marks):
        pass
    with traced.request(**marks):
        ar.set_route("/users/{user_id}")
    first, second = traced.roots()
    assert first.name == "GET /users/:id"
    assert first.attributes["appsignal_routes.route_source"] == "registry"
    assert second.name == "GET /users/{user_id}"
    assert second.attributes["appsignal_routes.route_source"] == "decorator"


def test_remote_parent_makes_a_local_root_and_shared_trace_ids_do_not_mix(traced):
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    parent = trace.set_span_in_context(NonRecordingSpan(remote))
    spans = [
        traced.tracer.start_span(
            "GET /raw",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": "GET"},
        )
        for _ in range(2)
    ]
    ar.set_route("/a", span=spans[0])
    ar.set_route("/b", span=spans[1])
    for span in spans:
        span.end()
    assert sorted(s.name for s in traced.roots()) == ["GET /a", "GET /b"]
    assert {s.context.trace_id for s in traced.roots()} == {0xABC}


def test_threads_never_leak_routes_into_each_other(traced):
    errors = []

    def request(n):
        with traced.request():
            barrier.wait()
            ar.set_route(f"/route{n % 10}")
            barrier2.wait()

    barrier = threading.Barrier(20)
    barrier2 = threading.Barrier(20)
    threads = [threading.Thread(target=request, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    names = sorted(s.name for s in traced.roots())
    assert names == sorted(f"GET /route{n % 10}" for n in range(20))


def test_asyncio_tasks_never_leak_routes_into_each_other(traced):
    async def request(n):
        with traced.request():
            await asyncio.sleep(0)
            ar.set_route(f"/task{n}")
            await asyncio.sleep(0)

    async def main():
        await asyncio.gather(*(request(n) for n in range(50)))

    asyncio.run(main())
    assert sorted(s.name for s in traced.roots()) == sorted(f"GET /task{n}" for n in range(50))


def test_state_is_freed_when_spans_end_and_bounded_for_leaked_spans(traced):
    with traced.request(), traced.tracer.start_as_current_span("child"):
        assert len(index) == 1  # the request's root: spans inside it are not tracked
    assert len(index) == 0
    small = _SpanIndex(limit=10)
    group = object()
    for span_id in range(1000):
        small.add(span_id, group)  # type: ignore[arg-type]
    assert len(small) == 10
    assert list(small.groups) == list(range(990, 1000))


def test_leaked_spans_do_not_grow_the_real_index_past_its_limit(traced, monkeypatch):
    monkeypatch.setattr(index, "limit", 50)
    for _ in range(200):
        traced.tracer.start_span(
            "leak", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
        )
    assert len(index) == 50


def test_cardinality_cap_overflows_into_method_other_with_one_warning(caplog):
    traced = make_traced(max_groups=3)
    caplog.set_level(logging.WARNING, logger="appsignal_routes")
    for n in range(6):
        with traced.request():
            ar.set_root_name(f"Group#n{n}")
    names = [s.name for s in traced.roots()]
    # "GET", the name each request has before its root name, is not counted
    assert names == [
        "Group#n0",
        "Group#n1",
        "Group#n2",
        "GET [other]",
        "GET [other]",
        "GET [other]",
    ]
    with traced.request():
        pass
    assert traced.roots()[-1].name == "GET"  # method-only names are never capped
    assert len([r for r in caplog.records if "max_groups" in r.message]) == 1
    with traced.request():
        ar.set_root_name("Group#n0")
    assert traced.roots()[-1].name == "Group#n0"  # existing groups keep working


def test_collector_only_and_agent_only_modes_and_appsignal_style():
    collector = make_traced(mode="collector", route_style="appsignal")
    with collector.request():
        ar.set_route("/users/{user_id:int}")
        ar.set_root_name("Users#show")
    root = collector.roots()[0]
    assert root.attributes["http.route"] == "/users/:user_id"
    assert root.attributes["appsignal.action_name"] == "Users#show"
    assert "appsignal.root_name" not in root.attributes
    agent = make_traced(mode="agent")
    with agent.request():
        ar.set_route("/x")
    assert "appsignal.action_name" not in agent.roots()[0].attributes


def test_non_http_roots_get_only_explicit_names(traced):
    with traced.tracer.start_as_current_span("job", kind=SpanKind.CONSUMER):
        pass
    with traced.tracer.start_as_current_span("job", kind=SpanKind.CONSUMER):
        ar.set_root_name("Mailer#deliver")
    with traced.tracer.start_as_current_span("job", kind=SpanKind.CONSUMER):
        ar.set_route("/jobs/:id")
    assert [s.name for s in traced.roots()] == ["job", "Mailer#deliver", "/jobs/:id"]


def test_without_a_grouping_processor_the_span_itself_is_marked():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("GET /raw"):
        ar.set_route("/a")
        ar.set_route("/b")
        ar.set_root_name("A#b")
    span = exporter.get_finished_spans()[0]
    assert span.attributes["http.route"] == "/a"
    assert span.attributes["appsignal.root_name"] == "A#b"


def test_a_shut_down_processor_tracks_nothing(traced):
    traced.processor.shutdown()
    assert not traced.processor.active
    with traced.request():
        ar.set_route("/x")
    assert traced.roots()[0].name == "GET /raw/path"
    assert traced.processor.force_flush()


def test_other_methods_are_named_http(traced):
    with traced.request("_OTHER"):
        pass
    assert traced.roots()[0].name == "HTTP"


def test_annotations_after_the_root_ended_are_ignored(traced, caplog):
    with traced.request() as span:
        pass
    ar.set_route("/late", span=span)
    assert traced.roots()[0].name == "GET"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_groups": 0}, "max_groups"),
        ({"route_style": "express"}, "route_style"),
        ({"mode": "both-ways"}, "mode"),
    ],
)
def test_bad_processor_options_fail_at_construction(options, message):
    with pytest.raises(ValueError, match=message):
        ar.GroupingSpanProcessor(**options)


def test_appsignal_style_keeps_a_route_it_cannot_parse(traced):
    styled = make_traced(route_style="appsignal")
    with styled.request(**{"http.route": "users/<weird"}):
        pass
    assert styled.roots()[0].attributes["http.route"] == "users/<weird"


def test_requests_in_flight_are_counted_until_their_root_ends(traced):
    from appsignal_routes._grouping.processor import open_requests

    assert open_requests() == 0
    # a span started inside a request is no new request, even when it looks like one
    with traced.request(), traced.tracer.start_as_current_span("child"), traced.request("POST"):
        assert open_requests() == 1
    assert open_requests() == 0


def test_a_failure_at_span_start_is_swallowed(traced, monkeypatch, caplog):
    from appsignal_routes._grouping import group as _grouping

    def broken(self, *args):
        raise RuntimeError("broken")

    monkeypatch.setattr(_grouping.RequestGroup, "__init__", broken)
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"), traced.request():
        pass
    assert len(traced.roots()) == 1
    assert any("on_start failed" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("route", "styled"),
    [
        ("/users/<int:user_id>", "/users/:user_id"),
        ("users/<int:user_id>", "/users/:user_id"),  # Django's, with no leading slash
        ("^articles/(?P<year>[0-9]{4})/$", "^articles/(?P<year>[0-9]{4})/$"),  # kept
    ],
)
def test_the_appsignal_route_style(traced, route, styled):
    traced = make_traced(route_style="appsignal")
    with traced.request(**{"http.route": route}):
        pass
    (root,) = traced.roots()
    assert root.attributes["http.route"] == styled


def test_a_request_left_open_in_the_context_catches_no_other_spans_annotations(traced):
    # a request whose span is never ended (a WSGI response never closed, say) leaves its
    # group in the context; a span current later in that context keeps its own annotations
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    leaked = traced.tracer.start_span(
        "GET", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}
    )
    exporter = InMemorySpanExporter()
    untracked = TracerProvider()
    untracked.add_span_processor(SimpleSpanProcessor(exporter))
    with untracked.get_tracer("t").start_as_current_span("GET /raw"):
        ar.set_route("/mine")
    (span,) = exporter.get_finished_spans()
    assert span.attributes["http.route"] == "/mine"
    leaked.end()
    (root,) = traced.roots()
    assert root.name == "GET"  # not regrouped by the other span's route


def _discover(name):
    """What a framework adapter does once its framework has dispatched the request."""
    from appsignal_routes._grouping.handoff import current_group

    current_group.get().discover_root_name(name)


def test_a_discovered_root_name_yields_to_explicit_names_and_routes(traced):
    with traced.request():
        _discover("Users#show")
    with traced.request():
        _discover("Users#show")
        ar.set_root_name("Explicit#name")
    with traced.request():
        _discover("Users#show")
        ar.set_route("/users/:id")  # later: the agent's root name follows the request's name
    with traced.request():
        ar.set_route("/users/:id")
        _discover("Users#show")
    with traced.request():
        ar.set_root_name("Explicit#name")
        _discover("Users#show")
    assert [
        (
            r.name,
            r.attributes.get("appsignal.root_name"),
            r.attributes.get("http.route"),
            r.attributes["appsignal_routes.route_source"],
        )
        for r in traced.roots()
    ] == [
        ("Users#show", "Users#show", None, "discovered"),
        ("Explicit#name", "Explicit#name", None, "root_name"),
        ("GET /users/:id", "GET /users/:id", "/users/:id", "decorator"),
        ("GET /users/:id", None, "/users/:id", "decorator"),
        ("Explicit#name", "Explicit#name", None, "root_name"),
    ]


def test_a_discovered_root_name_in_collector_mode():
    traced = make_traced(mode="collector")
    with traced.request():
        _discover("Users#show")
    root = traced.roots()[0]
    assert root.name == "Users#show"
    assert root.attributes["appsignal.action_name"] == "Users#show"
    assert "appsignal.root_name" not in root.attributes
