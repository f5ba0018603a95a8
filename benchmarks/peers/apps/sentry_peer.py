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

from ._common import ROUTE, SINK, handlers, wait_for_names

sentry_sdk.init(
    dsn=f"http://public@{urlsplit(SINK).netloc}/1",
    traces_sample_rate=1.0,
    environment="bench-peers",
)

NAME = ROUTE


def _name_request() -> None:
    sentry_sdk.get_current_scope().set_transaction_name(NAME, source="route")


_wsgi, _asgi = handlers(_name_request)


wsgi_app = SentryWsgiMiddleware(_wsgi)
asgi_app = SentryAsgiMiddleware(_asgi)


def exported_names() -> list[str]:
    return wait_for_names(r'"transaction": ?"([^"]+)"', lambda: sentry_sdk.flush(timeout=5))
