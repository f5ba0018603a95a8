"""A request's server span takes its parent from the request's headers or nowhere.

Some servers start a request in a context left over from another request: under
uvicorn, once flow control paused and resumed reading inside a request (a body over
64 KiB), every later request on that keep-alive connection inherits that request's
context, current span included, and the upstream middleware then makes its span an
INTERNAL child of the other request's span. The middleware marks each request it
serves in ``_grouping.handoff.serving``; a request that starts while another request's mark is
set runs in an empty OpenTelemetry context. A request nested in itself (an app wrapped
twice, a framework that hands the same scope on) keeps its context, and so does a span
that a user's own outer middleware started for the same request. So does a request made
in-process from inside another one (httpx's ``ASGITransport`` or a test client called in
a handler, a gateway dispatching to sub-apps: ``nested``): the caller's span is current
and still open, and its response has not begun. A context left over by another request
fails that: the server starts the next request on a connection only once the previous
response is complete, so that request's span has ended or has its status.

A WSGI request's span also stays current after the middleware returned, while the
server reads its body: a response never read to its end nor closed (Flask's test client
keeps a 404's) leaves it current for the requests that follow in that thread, and such
responses closed out of order leave an ended span current. A request that starts while
the current span is either (``left_open``) gets its parent from its own headers too
(``fresh_parent``: its span is started in that context, as a server span), and the
context is left as it is: an unread response still holds the context it attached, to
give back when it is closed.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any, Final

from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan

from appsignal_routes._contain import Containment
from appsignal_routes._grouping.attributes import status_of
from appsignal_routes._grouping.handoff import current_group
from appsignal_routes._grouping.processor import group_of
from appsignal_routes._private.sdk_spans import attributes_of, span_id_of, span_in

#: The context a request's server span starts in, taken from its headers, when the
#: current one is another request's left open (None: as the upstream middleware finds).
fresh_parent: ContextVar[Context | None] = ContextVar("appsignal_routes_fresh_parent", default=None)

#: What a copy of a request's scope or environ still shares with the original.
_SHARED = ("headers", "wsgi.input")
_COMPARING_FAILED: Final = Containment("comparing two requests failed", once=True)


def same_request(owner: Any, request: Any) -> bool:
    """Whether ``request`` is ``owner`` or a shallow copy of it (same headers or input)."""
    if owner is request:
        return True
    try:
        for key in _SHARED:
            value = owner.get(key)
            if value is not None and value is request.get(key):
                return True
    except Exception:  # a request object of the app's own kind
        _COMPARING_FAILED.log()
        return False
    return False


def nested(context: Context, owner: Any) -> bool:
    """Whether a request that starts in ``context``, while ``owner``'s mark is set, is
    made from inside ``owner``: its current span is still open, and the server span of
    the request it belongs to has no response status yet (a WebSocket's may: no request
    follows one on its connection)."""
    span: Any = span_in(context)
    if not isinstance(span, ReadableSpan) or span.end_time is not None:
        return False
    group = current_group.get()
    root: Any = group.root if group is not None else span
    if root.end_time is not None:
        return False
    if type(owner) is dict and owner.get("type") == "websocket":
        return True
    attributes = attributes_of(root)
    return status_of(attributes) is None  # no response began


def clean_context() -> Token[Context]:
    """Make the empty context current; returns the token for ``otel_context.detach``."""
    return otel_context.attach(Context())


def restore_context(token: Token[Context]) -> None:
    """Undo ``clean_context``."""
    otel_context.detach(token)


def left_open(context: Context) -> bool:
    """Whether ``context``'s current span is left over from a request, called where no
    request is being served: the root of a request the middleware served whose response
    is still open, or a span that has ended (open responses closed out of order, by the
    garbage collector say, give back contexts whose span has ended since)."""
    span: Any = span_in(context)
    if span is None:
        return False
    if isinstance(span, ReadableSpan) and span.end_time is not None:
        return True
    group = group_of(span_id_of(span.get_span_context()))
    return group is not None and group.ours
