"""How a GraphQL execution groups the request it runs in: graphql-core driven directly
inside a request's span, as every library drives it (issue 27)."""

from __future__ import annotations

import asyncio
import logging
import threading
import types
from typing import Any

import pytest
from graphql import GraphQLError, build_schema, graphql, graphql_sync
from opentelemetry.trace import SpanKind, StatusCode

import appsignal_routes as ar
from appsignal_routes import graphql as operations
from appsignal_routes.graphql import _checks, _operation, graphql_core

from ...conftest import make_traced

SCHEMA = build_schema(
    "type Query { book(id: Int!): String  boom: String  nope: String }"
    " type Mutation { addBook: String }"
)


class Root:
    def book(self, _info: Any, id: int) -> str:  # noqa: A002
        return f"book {id}"

    def boom(self, _info: Any) -> str:
        raise RuntimeError("the resolver failed")

    def addBook(self, _info: Any) -> str:  # noqa: N802 - the schema's field
        return "added"

    def nope(self, _info: Any) -> str:
        raise GraphQLError("not found")  # an answer to the client, not a failure


@pytest.fixture(autouse=True)
def hooked() -> None:
    operations.watch()
    assert graphql_core.hooked is not None


def run(traced, *documents: str, operation_name: str | None = None, method: str = "POST"):
    """The request's root span after it executed each document in turn."""
    with traced.request(method, **{"url.path": "/raw/path"}):
        for document in documents:
            graphql_sync(SCHEMA, document, Root(), operation_name=operation_name)
    return traced.roots()[-1]


def test_a_named_operation_names_the_request(traced):
    root = run(traced, "query GetBook { book(id: 1) }")

    assert root.name == "query GetBook"
    attributes = root.attributes
    assert attributes["graphql.operation.type"] == "query"
    assert attributes["graphql.operation.name"] == "GetBook"
    assert attributes["appsignal.root_name"] == "query GetBook"
    assert attributes["appsignal.action_name"] == "query GetBook"
    assert attributes["appsignal_routes.route_source"] == "graphql"
    assert root.status.status_code is StatusCode.UNSET


def test_the_endpoint_s_route_stays(traced):
    with traced.request("POST", **{"url.path": "/raw/path"}):
        ar.set_route("/graphql")
        graphql_sync(SCHEMA, "query AddBook { missing }", Root())  # does not validate
    with traced.request("POST", **{"url.path": "/raw/path"}):
        ar.set_route("/graphql")
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())

    invalid, named = traced.roots()
    assert invalid.name == "POST /graphql"
    assert named.name == "query GetBook"
    assert named.attributes["http.route"] == "/graphql"


def test_operation_name_picks_the_operation(traced):
    root = run(traced, "query A { book(id: 1) } query B { book(id: 2) }", operation_name="B")
    assert root.name == "query B"


@pytest.mark.parametrize(
    ("document", "operation_name"),
    [
        ("{ book(id: 1) }", None),  # anonymous
        ("query { book(id: 1) }", None),  # anonymous, with its keyword
        ("query A { book(id: 1) } query B { book(id: 2) }", "C"),  # names none
        ("query A { book(id: 1) } query B { book(id: 2) }", None),  # which one?
        ("query Bad { missing }", None),  # does not validate
        ("query Broken {", None),  # does not parse
        ("query GetBook($id: Int!) { book(id: $id) }", None),  # a variable missing
    ],
)
def test_anything_else_keeps_the_endpoint_s_group(traced, document, operation_name):
    root = run(traced, document, operation_name=operation_name)
    assert root.name == "POST"
    assert "graphql.operation.name" not in root.attributes
    assert "appsignal.root_name" not in root.attributes


def test_a_batch_keeps_the_endpoint_s_group(traced):
    root = run(traced, "query A { book(id: 1) }", "query B { book(id: 2) }", "query C { boom }")

    assert root.name == "POST"
    assert root.attributes["appsignal_routes.route_source"] == "method"
    # the root name written for the first operation follows the request back
    assert root.attributes["appsignal.root_name"] == "POST"
    assert "graphql.operation.name" not in root.attributes
    assert "graphql.operation.type" not in root.attributes


def test_a_batch_that_starts_anonymous_keeps_the_endpoint_s_group(traced):
    root = run(traced, "{ book(id: 1) }", "query B { book(id: 2) }")
    assert root.name == "POST"
    assert "appsignal.root_name" not in root.attributes


def test_by_get_too(traced):
    assert run(traced, "query GetBook { book(id: 1) }", method="GET").name == "query GetBook"


def test_a_resolver_that_raises_makes_the_request_an_error_of_its_group(traced):
    root = run(traced, "query Boom { boom other: boom }")

    assert root.name == "query Boom"
    assert root.status.status_code is StatusCode.ERROR
    assert root.status.description == "RuntimeError: the resolver failed"
    (event,) = root.events  # the first failure, once
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "RuntimeError"


def test_a_graphql_error_a_resolver_raises_is_an_answer_not_a_failure(traced):
    root = run(traced, "query Nope { nope }")
    assert root.name == "query Nope"
    assert root.status.status_code is StatusCode.UNSET
    assert not root.events


def test_a_non_null_field_s_failure_counts_too(traced):
    schema = build_schema("type Query { boom: String! }")
    with traced.request("POST"):
        result = graphql_sync(schema, "query Boom { boom }", Root())
    assert result.errors
    assert traced.roots()[-1].status.status_code is StatusCode.ERROR


def test_names_past_max_groups_overflow_by_operation_type():
    traced = make_traced(max_groups=2)
    for name in ("A", "B", "C"):
        run(traced, f"query {name} {{ book(id: 1) }}")
    run(traced, "mutation D { addBook }")
    run(traced, "query A { book(id: 1) }")

    roots = traced.roots()
    assert [root.name for root in roots] == [
        "query A",
        "query B",
        "query [other]",
        "mutation [other]",
        "query A",
    ]
    overflowed = roots[2].attributes
    assert overflowed["appsignal.root_name"] == "query [other]"
    assert overflowed["appsignal.action_name"] == "query [other]"
    assert overflowed["graphql.operation.name"] == "C"  # an attribute, not a group


def test_the_endpoint_route_stays_over_the_cap():
    traced = make_traced(max_groups=1)
    run(traced, "query A { book(id: 1) }")
    with traced.request("POST"):
        ar.set_route("/graphql")
        graphql_sync(SCHEMA, "query B { book(id: 1) }", Root())

    root = traced.roots()[-1]
    assert root.name == "query [other]"
    assert root.attributes["http.route"] == "/graphql"


@pytest.mark.parametrize("mode", ["agent", "collector"])
def test_each_mode_writes_its_attribute(mode):
    traced = make_traced(mode=mode)
    root = run(traced, "query GetBook { book(id: 1) }")
    assert root.attributes.get("appsignal.root_name") == (
        "query GetBook" if mode == "agent" else None
    )
    assert root.attributes.get("appsignal.action_name") == (
        "query GetBook" if mode == "collector" else None
    )


def test_a_root_name_set_by_the_user_wins(traced):
    with traced.request("POST"):
        ar.set_root_name("GraphQL#endpoint")
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
    assert traced.roots()[-1].name == "GraphQL#endpoint"


def test_the_operation_beats_the_endpoint_s_route(traced):
    with traced.request("POST"):
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
        ar.set_route("/graphql")
    assert traced.roots()[-1].name == "query GetBook"


def test_an_operation_never_leaks_into_the_next_request(traced):
    run(traced, "query GetBook { book(id: 1) }")
    run(traced, "{ book(id: 1) }")
    with traced.request("GET"):
        pass
    assert [root.name for root in traced.roots()] == ["query GetBook", "POST", "GET"]


def test_concurrent_requests_keep_their_own_operations(traced):
    names = [f"Op{n}" for n in range(8)]
    barrier = threading.Barrier(len(names))

    def serve(name: str) -> None:
        with traced.request("POST"):
            barrier.wait()
            graphql_sync(SCHEMA, f"query {name} {{ book(id: 1) }}", Root())

    threads = [threading.Thread(target=serve, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for root in traced.roots():
        assert root.name == f"query {root.attributes['graphql.operation.name']}"
    assert sorted(root.name for root in traced.roots()) == sorted(f"query {n}" for n in names)


def test_async_execution_in_concurrent_tasks(traced):
    async def serve(name: str) -> None:
        with traced.request("POST"):
            await asyncio.sleep(0)
            await graphql(SCHEMA, f"query {name} {{ book(id: 1) }}", Root())

    async def main() -> None:
        await asyncio.gather(*(serve(f"Op{n}") for n in range(5)))

    asyncio.run(main())
    for root in traced.roots():
        assert root.name == f"query {root.attributes['graphql.operation.name']}"
    assert len(traced.roots()) == 5


def test_outside_a_request_nothing_is_named(traced):
    with traced.tracer.start_as_current_span("Mailer#deliver", kind=SpanKind.CONSUMER):
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
        graphql_sync(SCHEMA, "query Boom { boom }", Root())
    graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())  # no span at all

    (job,) = traced.roots()
    assert job.name == "Mailer#deliver"
    assert job.status.status_code is StatusCode.UNSET


def test_a_child_span_s_execution_groups_its_request(traced):
    with traced.request("POST"), traced.tracer.start_as_current_span("graphql"):
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
    assert traced.roots()[-1].name == "query GetBook"


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("query", "GetBook", ("query", "GetBook")),
        ("subscription", "_on2", ("subscription", "_on2")),
        ("query", "A" * 100, ("query", "A" * 100)),
        ("query", "A" * 101, None),  # too long for a group
        ("query", "Get Book", None),
        ("query", "Get\nBook", None),
        ("query", "Get\x00Book", None),
        ("query", "", None),
        ("query", "1st", None),
        ("query", None, None),
        ("fetch", "GetBook", None),
        (None, "GetBook", None),
    ],
)
def test_only_a_valid_name_of_a_known_type_makes_a_group(kind, name, expected):
    assert _operation.operation(kind, name) == expected


def test_a_name_too_long_keeps_the_endpoint_s_group(traced):
    root = run(traced, f"query {'A' * 101} {{ book(id: 1) }}")
    assert root.name == "POST"


def test_the_hook_never_breaks_an_execution(traced, monkeypatch):
    def broken(*_: object) -> None:
        raise RuntimeError("the toolkit failed")

    monkeypatch.setattr(_operation, "executed", broken)
    monkeypatch.setattr(_operation, "failed", broken)
    with traced.request("POST"):
        ok = graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
        failed = graphql_sync(SCHEMA, "query Boom { boom }", Root())
    assert ok.data == {"book": "book 1"}
    assert failed.data == {"boom": None}
    assert [error.message for error in failed.errors or []] == ["the resolver failed"]


# -- the adapters ----------------------------------------------------------------------


def test_watching_is_idempotent_and_installs_one_hook():
    executor = graphql_core.hooked
    operations.watch()
    operations.reset()
    operations.watch()
    assert graphql_core.hooked is executor
    # one wrapper: a second install would wrap the wrapper
    assert type(executor.__dict__["build"].__wrapped__) is classmethod


@pytest.mark.parametrize("build", [True, False])
def test_an_unknown_graphql_core_is_left_alone_with_one_warning(caplog, monkeypatch, build):
    monkeypatch.setattr(graphql_core, "hooked", None)
    fake = types.ModuleType("graphql")
    # an executor without build(), or one without a way to see field errors
    members = {"build": classmethod(lambda cls: [])} if build else {}
    executor = type("ExecutionContext", (), members)
    fake.execution = types.SimpleNamespace(ExecutionContext=executor)  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, "appsignal_routes"):
        operations._checker(graphql_core)(fake)

    (record,) = caplog.records
    assert "GraphQL operations of graphql-core" in record.getMessage()
    assert "keep their endpoint's group" in record.getMessage()
    assert graphql_core.hooked is None
    assert type(vars(executor).get("build")) in (classmethod, type(None))  # not wrapped


def test_a_library_that_executes_otherwise_is_named_in_one_warning(caplog):
    from appsignal_routes.graphql import ariadne, strawberry

    fake = types.ModuleType("ariadne.graphql")
    fake.execute = lambda *_: None  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, "appsignal_routes"):
        operations._checker(ariadne)(fake)
        fake.StrawberryGraphQLCoreExecutionContext = type("Own", (), {})  # type: ignore[attr-defined]
        operations._checker(strawberry)(fake)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "ariadne.graphql.execute is not graphql-core's execute" in messages[0]
    assert "GraphQL operations of strawberry-graphql" in messages[1]


def test_an_executor_that_defines_its_own_build_is_refused():
    hooked = graphql_core.hooked
    assert hooked is not None

    class Own(hooked):  # type: ignore[misc,valid-type]
        @classmethod
        def build(cls, *args: Any, **kwargs: Any) -> Any:
            return super().build(*args, **kwargs)

    class Inherits(Own):
        pass

    _checks.inherits_build(type("Plain", (hooked,), {}))
    with pytest.raises(TypeError, match="Own defines its own build"):
        _checks.inherits_build(Inherits)
    with pytest.raises(TypeError, match="is not graphql-core's"):
        _checks.inherits_build(object)


@pytest.mark.parametrize(
    ("version", "release"),
    [("3.2.14", (3, 2, 14)), ("0.327.7", (0, 327, 7)), ("3.3.0a6", (3, 3, 0)), ("unknown", ())],
)
def test_release_numbers(version, release):
    assert operations._release(version) == release


def test_an_unknown_distribution_has_an_unknown_version():
    assert operations.version_of("no-such-distribution-here") == "unknown"


def test_an_adapter_that_fails_to_load_leaves_the_others(monkeypatch, caplog):
    monkeypatch.setattr(operations, "ADAPTERS", ("no_such_adapter", "graphql_core"))
    operations.reset()
    with caplog.at_level(logging.DEBUG, "appsignal_routes"):
        operations.watch()
    assert [record.getMessage() for record in caplog.records] == [
        "appsignal-routes: watching no_such_adapter failed"
    ]
    assert graphql_core.hooked is not None


def test_a_library_checked_before_graphql_core_is_hooked_is_refused(monkeypatch):
    monkeypatch.setattr(graphql_core, "hooked", None)
    with pytest.raises(TypeError, match="graphql-core is not hooked"):
        _checks.runs_through(types.ModuleType("lib"), "execute")


def test_a_graphql_core_without_collected_errors_is_hooked_at_handle_field_error(monkeypatch):
    """The graphql-core 3.2 releases before ``CollectedErrors``: field errors pass
    through ``ExecutionContext.handle_field_error``."""

    class ExecutionContext:
        @classmethod
        def build(cls, *args: Any) -> list[object]:
            return []

        def handle_field_error(self, error: object) -> str:
            return "handled"

    monkeypatch.setattr(graphql_core, "hooked", None)
    fake = types.ModuleType("graphql")
    fake.execution = types.SimpleNamespace(ExecutionContext=ExecutionContext)  # type: ignore[attr-defined]
    graphql_core.check(fake)
    traced = make_traced()
    with traced.request("POST"):
        assert ExecutionContext.build() == []
        failure = GraphQLError("located", original_error=RuntimeError("the resolver failed"))
        assert ExecutionContext().handle_field_error(failure) == "handled"

    assert graphql_core.hooked is ExecutionContext
    root = traced.roots()[-1]
    assert root.name == "POST"
    assert root.status.status_code is StatusCode.ERROR


def test_a_batch_s_attributes_are_dropped_only_from_a_recording_sdk_span(traced, caplog):
    from opentelemetry.trace import NonRecordingSpan, SpanContext

    from appsignal_routes._private.sdk_spans import drop

    drop(NonRecordingSpan(SpanContext(1, 2, is_remote=False)), "graphql.operation.name")
    with traced.request("POST") as span:
        span.set_attribute("graphql.operation.name", "A")
    drop(span, "graphql.operation.name")  # ended: frozen
    assert traced.roots()[-1].attributes["graphql.operation.name"] == "A"
    with traced.request("POST") as span:
        kept, span._attributes = span._attributes, None  # a layout it does not know
        with caplog.at_level(logging.DEBUG, "appsignal_routes"):
            drop(span, "graphql.operation.name")
        span._attributes = kept
    assert "cannot remove graphql.operation.name" in caplog.text


@pytest.mark.parametrize("scheme", ["url.scheme", "http.scheme"])
def test_a_websocket_connection_is_not_named_by_its_operations(scheme):
    traced = make_traced()
    with traced.tracer.start_as_current_span(
        "/graphql", kind=SpanKind.SERVER, attributes={scheme: "ws", "url.path": "/graphql"}
    ):
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
    root = traced.roots()[-1]
    assert "graphql.operation.name" not in root.attributes
    assert root.name != "query GetBook"
    # an HTTP request of a method the semantic conventions do not know is named
    with traced.request("_OTHER", **{scheme: "http"}):
        graphql_sync(SCHEMA, "query GetBook { book(id: 1) }", Root())
    assert traced.roots()[-1].name == "query GetBook"


def test_a_root_name_over_the_cap_still_drops_the_route_of_an_operation_s_request():
    traced = make_traced(max_groups=1)
    run(traced, "query A { book(id: 1) }")
    with traced.request("POST"):
        ar.set_route("/graphql")
        graphql_sync(SCHEMA, "query B { book(id: 1) }", Root())
        ar.set_root_name("GraphQL#B")

    root = traced.roots()[-1]
    assert root.name == "POST [other]"
    assert root.attributes["http.route"] == "[other]"


def test_an_executor_another_tool_wrapped_is_hooked_through_its_wrapper(monkeypatch):
    import wrapt

    class ExecutionContext:
        @classmethod
        def build(cls, *args: Any) -> list[object]:
            return []

        def handle_field_error(self, error: object) -> None:
            pass

    def theirs(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        return wrapped(*args, **kwargs)

    wrapt.wrap_function_wrapper(ExecutionContext, "build", theirs)
    monkeypatch.setattr(graphql_core, "hooked", None)
    fake = types.ModuleType("graphql")
    fake.execution = types.SimpleNamespace(ExecutionContext=ExecutionContext)  # type: ignore[attr-defined]
    graphql_core.check(fake)
    assert graphql_core.hooked is ExecutionContext
    assert ExecutionContext.build() == []
