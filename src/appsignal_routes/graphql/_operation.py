"""What a GraphQL execution tells the request it runs in: its operation, its errors.

Called by the hook at graphql-core's execution (``graphql_core``), in the context of
the request that runs the operation; never raises. Only a request's group is touched
(a job's, or an operation run outside any request, is left alone).
"""

from __future__ import annotations

import re
from typing import Final

from opentelemetry.trace import SpanKind, Status, StatusCode

from appsignal_routes._grouping.annotation import recording_group_of, root_is_current
from appsignal_routes._grouping.attributes import is_websocket
from appsignal_routes._grouping.group import RequestGroup
from appsignal_routes._grouping.handoff import current_group
from appsignal_routes._private.sdk_spans import attributes_of, kind_of

#: The operation types of the GraphQL specification.
TYPES: Final = frozenset({"query", "mutation", "subscription"})
#: The longest operation name a request is grouped by: a client chooses it.
MAX_NAME: Final = 100
#: A GraphQL name (the specification's ``Name``), at most ``MAX_NAME`` long.
_NAME: Final = re.compile(rf"[_A-Za-z][_0-9A-Za-z]{{0,{MAX_NAME - 1}}}")


def request_group() -> RequestGroup | None:
    """The group of the HTTP request the current context serves, or None: no request (a
    job, an operation executed outside any request), one that has ended, or a WebSocket
    connection (it carries many operations: subscriptions, for one)."""
    group = current_group.get()
    if group is None or not root_is_current(group):
        group = recording_group_of(None)[0]
    if group is None or group.method is None or kind_of(group.root) is not SpanKind.SERVER:
        return None
    if group.method == "HTTP" and is_websocket(attributes_of(group.root)):
        return None
    return group


def operation(kind: object, name: object) -> tuple[str, str] | None:
    """``(kind, name)`` when both make a valid group, else None: anonymous (no name),
    an unknown type, a name too long or not a GraphQL name."""
    if (
        isinstance(kind, str)
        and kind in TYPES
        and isinstance(name, str)
        and _NAME.fullmatch(name) is not None
    ):
        return kind, name
    return None


def executed(found: tuple[str, str] | None) -> None:
    """One GraphQL execution in the current request, of operation ``found`` (None: an
    anonymous or invalid one)."""
    group = request_group()
    if group is not None:
        group.set_operation(found)


def failed(error: BaseException) -> None:
    """A resolver of the current request raised ``error``: the request's root span
    records it and its status is an error (the first such error, once)."""
    group = request_group()
    if group is None:
        return
    root = group.root
    if root.is_recording() and root.status.status_code is not StatusCode.ERROR:
        root.record_exception(error)
        root.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
