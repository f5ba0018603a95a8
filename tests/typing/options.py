"""Checked by mypy --strict and pyright: the options of start() and instrument(), each
given right, misspelt and mistyped (see instrument.py for how a line that must fail is
marked). Never run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span
from starlette.applications import Starlette

import appsignal_routes as ar

wsgi = Flask(__name__)
asgi = Starlette()


def wsgi_request_hook(span: Span, environ: dict[str, Any]) -> None:
    pass


def wsgi_response_hook(
    span: Span, environ: dict[str, Any], status: str, headers: list[tuple[str, str]]
) -> None:
    pass


def asgi_server_hook(span: Span, scope: dict[str, Any]) -> None:
    pass


def asgi_client_hook(span: Span, scope: dict[str, Any], message: dict[str, Any]) -> None:
    pass


# start(): every option, right
ar.start(
    active=True,
    name="shop",
    environment="production",
    push_api_key="key",
    revision="abc123",
    collector_endpoint="https://collector.example.com",
    opentelemetry_port=8099,
    hostname="web-1",
    service_name="shop",
    ignore_actions=["GET /health"],
    routes=("/users/:id",),
    infer_routes=False,
    learn_routes=False,
    max_groups=500,
    route_style="appsignal",
    regex_routes="raw",
    exporter="jsonl",
    jsonl_path="spans.jsonl",
)
options: ar.StartOptions = {"exporter": "memory", "route_style": "template"}
ar.start(**options)
ar.start(exporter=None, routes=None)  # None: as if not given
ar.start()

# instrument(): every option, right
ar.instrument(
    wsgi,
    routes=["/users/:id"],
    infer_routes=True,
    discover_routes=False,
    excluded_urls=["^/health"],
    regex_routes="readable",
    tracer_provider=TracerProvider(),
    meter_provider=MeterProvider(),
    request_hook=wsgi_request_hook,
    response_hook=wsgi_response_hook,
)
ar.instrument_wsgi(
    wsgi,
    routes=["/users/:id"],
    infer_routes=True,
    discover_routes=False,
    excluded_urls=["^/health"],
    regex_routes="readable",
    tracer_provider=TracerProvider(),
    meter_provider=MeterProvider(),
    request_hook=wsgi_request_hook,
    response_hook=wsgi_response_hook,
)
ar.instrument(
    asgi,
    routes=["/users/:id"],
    infer_routes=True,
    discover_routes=False,
    excluded_urls=["^/health"],
    regex_routes="readable",
    tracer_provider=TracerProvider(),
    meter_provider=MeterProvider(),
    server_request_hook=asgi_server_hook,
    client_request_hook=asgi_client_hook,
    client_response_hook=asgi_client_hook,
    exclude_spans=["receive"],
)
ar.instrument_asgi(
    asgi,
    routes=["/users/:id"],
    infer_routes=True,
    discover_routes=False,
    excluded_urls=["^/health"],
    regex_routes="readable",
    tracer_provider=TracerProvider(),
    meter_provider=MeterProvider(),
    server_request_hook=asgi_server_hook,
    client_request_hook=asgi_client_hook,
    client_response_hook=asgi_client_hook,
    exclude_spans=["receive"],
)
wsgi_options: ar.WsgiOptions = {"routes": ["/users/:id"], "request_hook": wsgi_request_hook}
ar.instrument(wsgi, **wsgi_options)
asgi_options: ar.AsgiOptions = {"routes": ["/users/:id"], "exclude_spans": None}
ar.instrument(asgi, **asgi_options)
common: ar.InstrumentOptions = {"discover_routes": False}
ar.instrument(wsgi, **common)
ar.instrument(asgi, **common)

# What the checkers must reject: start(), each option misspelt, then mistyped
ar.start(activ=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(names="shop")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(environmen="production")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(push_api_ke="key")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(revisio="abc123")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(collector_endpoin="https://collector.example.com")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(opentelemetry_por=8099)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(hostnam="web-1")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(service_nam="shop")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(ignore_action=["GET /health"])  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(route=("/users/:id",))  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(infer_route=False)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(learn_route=False)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(max_group=500)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(route_styl="appsignal")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(regex_route="raw")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(exporte="jsonl")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(jsonl_pat="spans.jsonl")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.start(active="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(name=42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(environment=b"prod")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(push_api_key=123)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(revision=1.0)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(collector_endpoint=8080)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(opentelemetry_port="8099")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(hostname=None.__class__)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(service_name=["shop"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(ignore_actions="GET /health")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(routes="/users/:id")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(infer_routes="true")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(learn_routes=1.0)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(max_groups="500")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(route_style="bogus")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(regex_routes="pretty")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(exporter="zipkin")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.start(jsonl_path=Path("x"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
bad_options: ar.StartOptions = {"route_style": "bogus"}  # type: ignore[typeddict-item]  # pyright: ignore[reportAssignmentType]

# instrument() and instrument_wsgi() of a WSGI app
ar.instrument(wsgi, route=["/users/:id"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, route=["/users/:id"])  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, infer_route=True)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, infer_route=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, discover_route=False)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, discover_route=False)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, excluded_url=["^/health"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, excluded_url=["^/health"])  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, regex_route="readable")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, regex_route="readable")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, tracer_provide=TracerProvider())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, tracer_provide=TracerProvider())  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, meter_provide=MeterProvider())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, meter_provide=MeterProvider())  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, request_hoo=wsgi_request_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, request_hoo=wsgi_request_hook)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, response_hoo=wsgi_response_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_wsgi(wsgi, response_hoo=wsgi_response_hook)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
ar.instrument(wsgi, routes=[42])  # type: ignore[arg-type, list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, routes=[42])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, infer_routes="yes")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, infer_routes="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, discover_routes=0.5)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, discover_routes=0.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, excluded_urls=[re.compile("^/health")])  # type: ignore[arg-type, list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, excluded_urls=[re.compile("^/health")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, regex_routes="pretty")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, regex_routes="pretty")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, tracer_provider=TracerProvider)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, tracer_provider=TracerProvider)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, meter_provider=TracerProvider())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_wsgi(wsgi, meter_provider=TracerProvider())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, request_hook=asgi_client_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument_wsgi(wsgi, request_hook=asgi_client_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument(wsgi, response_hook=wsgi_request_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.instrument_wsgi(wsgi, response_hook=wsgi_request_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

# instrument() and instrument_asgi() of an ASGI app
ar.instrument(asgi, route=["/users/:id"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, route=["/users/:id"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, infer_route=True)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, infer_route=True)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, discover_route=False)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, discover_route=False)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, excluded_url=["^/health"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, excluded_url=["^/health"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, regex_route="readable")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, regex_route="readable")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, tracer_provide=TracerProvider())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, tracer_provide=TracerProvider())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, meter_provide=MeterProvider())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, meter_provide=MeterProvider())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, server_request_hoo=asgi_server_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, server_request_hoo=asgi_server_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, client_request_hoo=asgi_client_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, client_request_hoo=asgi_client_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, client_response_hoo=asgi_client_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, client_response_hoo=asgi_client_hook)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, exclude_span=["receive"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument_asgi(asgi, exclude_span=["receive"])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
ar.instrument(asgi, routes=[42])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, routes=[42])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, infer_routes="yes")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, infer_routes="yes")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, discover_routes=0.5)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, discover_routes=0.5)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, excluded_urls=[re.compile("^/health")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, excluded_urls=[re.compile("^/health")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, regex_routes="pretty")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, regex_routes="pretty")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, tracer_provider=TracerProvider)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, tracer_provider=TracerProvider)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, meter_provider=TracerProvider())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, meter_provider=TracerProvider())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, server_request_hook=wsgi_response_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, server_request_hook=wsgi_response_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, client_request_hook=asgi_server_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, client_request_hook=asgi_server_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, client_response_hook=wsgi_request_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, client_response_hook=wsgi_request_hook)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument(asgi, exclude_spans=["body"])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
ar.instrument_asgi(asgi, exclude_spans=["body"])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType, reportCallIssue]
