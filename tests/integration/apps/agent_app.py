"""The app the real-agent tests serve, as WSGI (``wsgi``) and as ASGI (``asgi``).

``AGENT_TEST_SETUP`` says who owns the OpenTelemetry set-up: ``agent`` (``ar.start``
exports to the AppSignal agent) or ``appsignal`` (the AppSignal package's client
starts, launching its agent binary, and ``ar.start()`` only adds the grouping).
``AGENT_TEST_MAX_GROUPS`` sets the cap. Every response carries the request's trace id
in ``x-trace-id``, so that the test finds each request in the agent's log.
"""

from __future__ import annotations

import os

from opentelemetry import trace

import appsignal_routes as ar

from . import start_with_agent

MAX_GROUPS = int(os.environ.get("AGENT_TEST_MAX_GROUPS", "1000"))
INFER = MAX_GROUPS >= 1000  # inference names take cap slots of their own: off under a cap

if os.environ["AGENT_TEST_SETUP"] == "appsignal":
    from appsignal import Appsignal

    # configured by its APPSIGNAL_* environment, as a user's deployment does
    Appsignal(disable_default_instrumentations=True, enable_minutely_probes=False).start()
    ar.start(max_groups=MAX_GROUPS, infer_routes=INFER)
else:
    start_with_agent(max_groups=MAX_GROUPS, infer_routes=INFER)

tracer = trace.get_tracer("agent-test")


def trace_id() -> bytes:
    return f"{trace.get_current_span().get_span_context().trace_id:032x}".encode()


# -- the handlers, one per scenario; each returns (status, body) ----------------------


@ar.route("/users/:user_id")
def user() -> tuple[int, bytes]:
    return 200, b"user"


@ar.root_name
class Reports:
    def show(self) -> tuple[int, bytes]:
        return 200, b"report"


def order() -> tuple[int, bytes]:
    with tracer.start_as_current_span("load order"):
        ar.set_route("/orders/{order_id}")  # from a child span: lands on the root
    return 200, b"order"


@ar.route("/admin/:section")
def admin() -> tuple[int, bytes]:  # pragma: no cover - the auth check answers first
    return 200, b"admin"


@ar.route("/crash")
def crash() -> tuple[int, bytes]:
    raise RuntimeError("boom")


def thing() -> tuple[int, bytes]:
    return 200, b"thing"  # no route anywhere: grouped by inference only


def dispatch(path: str) -> tuple[int, bytes]:
    parts = path.strip("/").split("/")
    if parts[0] == "users" and len(parts) == 2:
        return user()
    if parts[0] == "reports" and len(parts) == 2:
        return Reports().show()
    if parts[0] == "orders" and len(parts) == 2:
        return order()
    if parts[0] == "admin":
        return admin()
    if parts == ["crash"]:
        return crash()
    if parts[0] == "things":
        return thing()
    return 404, b"not found"


def authorised(path: str, headers: dict[str, str]) -> bool:
    """The auth middleware: /admin needs a token, and no request here has one."""
    return not path.startswith("/admin") or headers.get("authorization") == "Bearer yes"


# -- WSGI ------------------------------------------------------------------------------


def _wsgi_app(environ, start_response):
    path = environ["PATH_INFO"]
    headers = {"authorization": environ.get("HTTP_AUTHORIZATION", "")}
    # the auth middleware: cuts the request short before any handler runs
    status, body = (401, b"no") if not authorised(path, headers) else dispatch(path)
    start_response(
        f"{status} X", [("content-type", "text/plain"), ("x-trace-id", trace_id().decode())]
    )
    return [body]


wsgi = ar.instrument_wsgi(_wsgi_app)


# -- ASGI ------------------------------------------------------------------------------


async def _asgi_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    path = scope["path"]
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    status, body = (401, b"no") if not authorised(path, headers) else dispatch(path)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"x-trace-id", trace_id())],
        }
    )
    await send({"type": "http.response.body", "body": body})


asgi = ar.instrument_asgi(_asgi_app)
