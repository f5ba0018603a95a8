"""Scout APM (scout-apm): ``scout_apm.api.install`` with ``monitor=True``, each request a
``WebTransaction`` as its docs instrument a generic app (its Starlette middleware needs
Starlette; there is no generic WSGI one); the handler names the request with
``scout_apm.api.rename_transaction``.

Offline: the core agent is neither downloaded nor launched
(``core_agent_download=False``, ``core_agent_launch=False``); the agent's socket thread
talks to the loopback sink, which speaks the core agent's framing and answers ``{}``.
Scout traces every request (it has no sampling unless told).
"""

from __future__ import annotations

import time

import scout_apm.api
from scout_apm.api import WebTransaction

from ._common import ROUTE, SCOUT, handlers, wait_for_names

scout_apm.api.install(
    config={
        "key": "bench-peers-key",
        "name": "bench-peers",
        "monitor": True,
        "core_agent_download": False,
        "core_agent_launch": False,
        "core_agent_socket_path": SCOUT,
    }
)

NAME = f"Controller{ROUTE}"


def _name_request() -> None:
    scout_apm.api.rename_transaction(NAME)


_wsgi, _asgi = handlers(_name_request)


class ScoutWSGIMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        with WebTransaction("Unknown", tags={"path": environ.get("PATH_INFO", "")}):
            # the body is read inside the transaction, as the agent's own integrations do
            return list(self.app(environ, start_response))


class ScoutASGIMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with WebTransaction("Unknown", tags={"path": scope.get("path", "")}):
            await self.app(scope, receive, send)


wsgi_app = ScoutWSGIMiddleware(_wsgi)
asgi_app = ScoutASGIMiddleware(_asgi)


def exported_names() -> list[str]:
    from scout_apm.core.agent.socket import CoreAgentSocketThread  # noqa: PLC0415

    def flush() -> None:
        CoreAgentSocketThread.wait_until_drained(timeout_seconds=2.0)
        time.sleep(0.1)

    return wait_for_names(r'"transaction\.name", "value": "([^"]+)"', flush)
