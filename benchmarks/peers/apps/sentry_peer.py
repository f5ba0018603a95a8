"""Sentry (sentry-sdk): ``sentry_sdk.init`` with tracing at 100 %, the WSGI and ASGI
middlewares its docs give for a generic app; the handler names the transaction with
``scope.set_transaction_name(..., source="route")``.

Offline: the DSN points at the loopback sink, which answers every envelope.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sentry_sdk
from sentry_sdk.integrations.asgi import SentryAsgiMiddleware
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

from ._common import ROUTE, SINK, asgi_reply, wait_for_names, wsgi_reply

sentry_sdk.init(
    dsn=f"http://public@{urlsplit(SINK).netloc}/1",
    traces_sample_rate=1.0,
    environment="bench-peers",
)

NAME = ROUTE


def _name_request() -> None:
    sentry_sdk.get_current_scope().set_transaction_name(NAME, source="route")


def _wsgi(environ, start_response):
    _name_request()
    return wsgi_reply(start_response)


async def _asgi(scope, receive, send):
    if scope["type"] == "http":
        _name_request()
        await asgi_reply(send)


wsgi_app = SentryWsgiMiddleware(_wsgi)
asgi_app = SentryAsgiMiddleware(_asgi)


def exported_names() -> list[str]:
    return wait_for_names(r'"transaction": ?"([^"]+)"', lambda: sentry_sdk.flush(timeout=5))
