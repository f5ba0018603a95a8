"""Each GraphQL library, on each framework it integrates with, driven by its test client:
``ar.instrument(app)`` alone groups a request that executes one named operation by it,
everything else by the endpoint, and changes no response (issue 27)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from opentelemetry.trace import StatusCode
from starlette.testclient import TestClient
from werkzeug.test import Client

import appsignal_routes as ar
from appsignal_routes import graphql as operations
from tests.integration.apps import graphql_apps
from tests.integration.apps.graphql_apps import APPS, App
from tests.integration.graphql_traffic import REQUESTS, Sent

from ..frameworks import django_settings  # noqa: F401 - Django configured as for the other tests


@pytest.fixture(autouse=True)
def urlconf() -> Iterator[None]:
    with override_settings(ROOT_URLCONF=graphql_apps.URLCONF):
        yield


def send(app: Any, served: App, sent: Sent) -> tuple[int, bytes]:
    """The status and body ``app`` answers ``sent`` with, by the framework's test client."""
    headers = {"content-type": "application/json"} if sent.method == "POST" else {}
    if served.interface == "asgi":
        client = TestClient(app)  # (no lifespan: Django's ASGI handler refuses it)
        response = client.request(
            sent.method, sent.path(served), content=sent.data(), headers=headers
        )
        return response.status_code, response.content
    werkzeug = Client(app)
    answer = werkzeug.open(sent.path(served), method=sent.method, data=sent.data(), headers=headers)
    try:
        return answer.status_code, answer.get_data()
    finally:
        answer.close()


@pytest.mark.parametrize("name", list(APPS))
def test_named_operations_are_grouped_and_the_rest_keep_the_endpoint(traced, name):
    served = APPS[name]
    app = ar.instrument(served.factory(), tracer_provider=traced.provider)

    for sent in REQUESTS:
        send(app, served, sent)

    roots = traced.roots()
    assert [root.name for root in roots] == [sent.expected(served) for sent in REQUESTS]
    anonymous = next(i for i, sent in enumerate(REQUESTS) if sent.label == "anonymous")
    endpoint_route = roots[anonymous].attributes.get("http.route")
    for sent, root in zip(REQUESTS, roots, strict=True):
        attributes = root.attributes
        if sent.group is None:
            assert "graphql.operation.name" not in attributes
            assert attributes["appsignal_routes.route_source"] != "graphql"
            continue
        kind, operation = sent.group.split(" ")
        assert attributes["graphql.operation.type"] == kind
        assert attributes["graphql.operation.name"] == operation
        assert attributes["appsignal_routes.route_source"] == "graphql"
        assert attributes["appsignal.root_name"] == sent.group
        assert attributes["appsignal.action_name"] == sent.group
        assert attributes.get("http.route") == endpoint_route
        assert (root.status.status_code is StatusCode.ERROR) is sent.error
        if sent.error:
            assert [event.name for event in root.events] == ["exception"]
            assert root.events[0].attributes["exception.type"] == "RuntimeError"


@pytest.mark.parametrize("name", list(APPS))
def test_responses_are_the_library_s_own(traced, name):
    served = APPS[name]
    plain = [send(served.factory(), served, sent) for sent in REQUESTS]
    instrumented = ar.instrument(served.factory(), tracer_provider=traced.provider)

    assert [send(instrumented, served, sent) for sent in REQUESTS] == plain


def test_a_plain_route_beside_the_endpoint_keeps_its_own_group(traced):
    served = APPS["strawberry_fastapi"]
    app = ar.instrument(served.factory(), tracer_provider=traced.provider)
    with TestClient(app) as client:
        client.post(served.path, json=REQUESTS[0].body)
        client.get("/health")
        client.post(served.path, json={"query": "{ books { id } }"})

    assert [root.name for root in traced.roots()] == [
        "query GetBook",
        "GET /health",
        "POST /graphql",
    ]


def test_with_fastapi_s_instrumentor_the_operations_are_grouped_too(traced, monkeypatch):
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    operations.watch()
    watched: list[bool] = []
    monkeypatch.setattr(operations, "watch", lambda: watched.append(True))
    served = APPS["strawberry_fastapi"]
    web = served.factory()
    FastAPIInstrumentor.instrument_app(web, tracer_provider=traced.provider)
    try:
        app = ar.instrument(web)  # the instrumentor's spans: left as they are
        assert app is web
        assert watched == [True]
        client = TestClient(app)
        client.post(served.path, json=REQUESTS[0].body)
        client.post(served.path, json={"query": "{ books { id } }"})
    finally:
        FastAPIInstrumentor.uninstrument_app(web)

    assert [root.name for root in traced.roots()] == ["query GetBook", "POST /graphql"]


@pytest.mark.parametrize("discover", [True, False])
def test_discover_routes_false_turns_it_off(monkeypatch, discover):
    watched: list[bool] = []
    monkeypatch.setattr(operations, "watch", lambda: watched.append(True))
    ar.instrument(APPS["strawberry_flask"].factory(), discover_routes=discover)
    ar.instrument(APPS["ariadne_asgi"].factory(), discover_routes=discover)
    assert watched == [True, True] if discover else not watched


@pytest.mark.private_path("fastapi.telemetry")
def test_strawberry_s_own_test_client_and_route_groups(route_groups):
    from strawberry.asgi.test import GraphQLTestClient

    served = APPS["strawberry_fastapi"]
    client = GraphQLTestClient(TestClient(ar.instrument(served.factory())), url=served.path)
    client.query("query GetBook($id: Int!) { book(id: $id) { title } }", variables={"id": 1})
    client.query('mutation AddBook { addBook(title: "Kim") { id } }')
    client.query("{ books { title } }")

    assert route_groups.names == ["query GetBook", "mutation AddBook", "POST /graphql"]
    assert [group.source for group in route_groups] == ["graphql", "graphql", "discovered"]
    assert {group.route for group in route_groups} == {"/graphql"}


def test_a_library_older_than_tested_is_named_in_one_warning(caplog, monkeypatch):
    from appsignal_routes.graphql import graphene

    module = importlib.import_module("graphene.types.schema")  # (checked as it is imported)
    monkeypatch.setattr(operations, "version_of", lambda _: "3.0.1")
    with caplog.at_level(logging.WARNING, "appsignal_routes"):
        operations._checker(graphene)(module)
    (record,) = caplog.records
    assert "graphene 3.0.1 is older than the lowest release tested (3.4)" in record.getMessage()


def test_every_installed_library_passes_its_check(caplog):
    with caplog.at_level(logging.WARNING, "appsignal_routes"):
        for name in operations.ADAPTERS:
            adapter = importlib.import_module(f"appsignal_routes.graphql.{name}")
            operations._checker(adapter)(importlib.import_module(adapter.MODULE))
    assert caplog.records == []
