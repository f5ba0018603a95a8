"""The span attribute names the toolkit writes and reads, each defined once.

What it writes on a request's (or a job's) local root span is what AppSignal and
other backends group by; what it reads is what the upstream WSGI/ASGI middlewares
write, under the current semantic conventions' name first and the old one second
(the middlewares write either, or both, as ``OTEL_SEMCONV_STABILITY_OPT_IN`` says).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# Written by the toolkit.
#: The route template a request is grouped by (the semantic conventions' name).
HTTP_ROUTE: Final = "http.route"
#: The group name the AppSignal agent reads first.
ROOT_NAME: Final = "appsignal.root_name"
#: The group name AppSignal's collector reads.
ACTION_NAME: Final = "appsignal.action_name"
#: The namespace AppSignal groups a root span in (``@job``'s, ``set_namespace``).
NAMESPACE: Final = "appsignal.namespace"
#: Where a request's group came from: ``root_name``, ``decorator``, ``framework``, ...
ROUTE_SOURCE: Final = "appsignal_routes.route_source"
GRAPHQL_OPERATION_NAME: Final = "graphql.operation.name"
GRAPHQL_OPERATION_TYPE: Final = "graphql.operation.type"

# Written by the upstream middlewares, read by the toolkit: (current name, old name).
STATUS_CODE: Final = ("http.response.status_code", "http.status_code")
METHOD: Final = ("http.request.method", "http.method")
#: The method as the client sent it, where ``METHOD`` says ``_OTHER``.
METHOD_ORIGINAL: Final = "http.request.method_original"
PATH: Final = ("url.path", "http.target")
SCHEME: Final = ("url.scheme", "http.scheme")
#: The ``SCHEME`` of a WebSocket request (the ASGI middleware's).
WEBSOCKET_SCHEMES: Final = frozenset({"ws", "wss"})


def status_of(attributes: Mapping[str, object]) -> object:
    """A span's response status code attribute (None: no response began)."""
    return attributes.get(STATUS_CODE[0], attributes.get(STATUS_CODE[1]))


def is_websocket(attributes: Mapping[str, object]) -> bool:
    """Whether a server span's attributes say it serves a WebSocket."""
    return (
        attributes.get(SCHEME[0]) in WEBSOCKET_SCHEMES
        or attributes.get(SCHEME[1]) in WEBSOCKET_SCHEMES
    )
