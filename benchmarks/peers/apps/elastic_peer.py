"""Elastic APM (elastic-apm): a ``Client`` with ``server_url`` on the loopback sink and
every transaction sampled. ASGI: the agent's ``ASGITracingMiddleware``. WSGI: the agent
has no tracing middleware for a bare WSGI app (``elasticapm.middleware.ElasticAPM`` only
reports exceptions), so the request is traced with its public API the way its Flask
integration does (``begin_transaction``, request context, ``end_transaction``). The
handler names the transaction with ``elasticapm.set_transaction_name``.

Offline: no cloud metadata probe (``cloud_provider="none"``); intake, central config and
server info all answer from the sink.
"""

from __future__ import annotations

import elasticapm
from elasticapm.contrib.asgi import ASGITracingMiddleware
from elasticapm.utils import get_url_dict
from elasticapm.utils.disttracing import TraceParent
from elasticapm.utils.wsgi import get_current_url, get_environ, get_headers

from ._common import ROUTE, SINK, handlers, wait_for_names

client = elasticapm.Client(
    service_name="bench-peers",
    server_url=SINK,
    transaction_sample_rate=1.0,
    cloud_provider="none",
)

NAME = f"GET {ROUTE}"


def _name_request() -> None:
    elasticapm.set_transaction_name(NAME)


_wsgi, _asgi = handlers(_name_request)


def _request_context(environ) -> dict:
    return {
        "method": environ.get("REQUEST_METHOD"),
        "socket": {"remote_address": environ.get("REMOTE_ADDR")},
        "headers": dict(get_headers(environ)),
        "env": dict(get_environ(environ)),
        "url": get_url_dict(get_current_url(environ)),
    }


class TracingWSGIMiddleware:
    """One transaction per request, named "<METHOD> unknown route" until the handler
    names it, as the agent's own integrations do."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        headers = dict(get_headers(environ))
        client.begin_transaction("request", trace_parent=TraceParent.from_headers(headers))
        elasticapm.set_transaction_name(f"{environ['REQUEST_METHOD']} unknown route")
        elasticapm.set_context(lambda: _request_context(environ), "request")
        status = ["500"]

        def recording_start_response(status_line, response_headers, exc_info=None):
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, response_headers, exc_info)

        try:
            result = self.app(environ, recording_start_response)
            elasticapm.set_context({"status_code": int(status[0])}, "response")
            elasticapm.set_transaction_result(f"HTTP {status[0][0]}xx", override=False)
            elasticapm.set_transaction_outcome(http_status_code=status[0], override=False)
        except Exception:
            client.capture_exception()
            elasticapm.set_transaction_result("HTTP 5xx", override=False)
            raise
        else:
            return result
        finally:
            client.end_transaction()


wsgi_app = TracingWSGIMiddleware(_wsgi)
asgi_app = ASGITracingMiddleware(_asgi)  # takes the client above (elasticapm.get_client())
assert elasticapm.get_client() is client


def exported_names() -> list[str]:
    def flush() -> None:
        client._transport.flush()

    return wait_for_names(r'"transaction": ?\{[^\n]*?"name": ?"([^"]+)"', flush)
