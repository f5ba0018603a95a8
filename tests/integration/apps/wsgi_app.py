"""A raw WSGI app for the integration tests (served by gunicorn)."""

from __future__ import annotations

import os

from opentelemetry import trace

import appsignal_routes as ar

if os.environ.get("TEST_WITH_APPSIGNAL"):
    # AppSignal's own OpenTelemetry set-up, in collector mode (it launches no agent
    # binary); start() keeps its provider and exporter and only adds the grouping.
    from appsignal import opentelemetry as appsignal_opentelemetry
    from appsignal.config import Config, Options

    appsignal_opentelemetry.start(
        Config(
            Options(
                name="integration-appsignal",
                environment="test",
                push_api_key="test-key-0000",
                revision="abc123",
                collector_endpoint=os.environ["TEST_COLLECTOR"],
                disable_default_instrumentations=True,
                request_headers=["x-request-id"],
            )
        )
    )
    ar.start()
else:
    ar.start(
        exporter="collector",
        collector_endpoint=os.environ["TEST_COLLECTOR"],
        name="integration-wsgi",
        push_api_key="test-key-0000",
    )


def _ok(start_response, body: bytes = b"ok"):
    # which worker served it: the pre-fork test checks that every worker exports
    trace.get_current_span().set_attribute("test.worker_pid", os.getpid())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def _make(n: int):
    @ar.route(f"/r{n}/items/:item_id")
    def handler(environ, start_response):
        return helper(environ, start_response)

    return handler


@ar.route("/helper/should/not/win")
def helper(environ, start_response):
    return _ok(start_response, environ["PATH_INFO"].encode())


HANDLERS = {f"r{n}": _make(n) for n in range(14)}


@ar.route("/users/{user_id:int}")
def user(environ, start_response):
    return _ok(start_response)


@ar.route("/users/me")
def me(environ, start_response):
    return _ok(start_response)


@ar.route("/admin/panel")
def admin(environ, start_response):
    return _ok(start_response)


@ar.route("/crash")
def crash(environ, start_response):
    raise RuntimeError("boom")


@ar.root_name
class Reports:
    def daily(self, environ, start_response):
        return _ok(start_response)


def router(environ, start_response):
    parts = environ["PATH_INFO"].strip("/").split("/")
    if parts[0] in HANDLERS:
        return HANDLERS[parts[0]](environ, start_response)
    if parts == ["users", "me"]:
        return me(environ, start_response)
    if parts[0] == "users":
        return user(environ, start_response)
    if parts == ["admin", "panel"]:
        return admin(environ, start_response)
    if parts == ["reports", "daily"]:
        return Reports().daily(environ, start_response)
    if parts == ["crash"]:
        return crash(environ, start_response)
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def auth(environ, start_response):
    if environ["PATH_INFO"].startswith("/admin"):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"no"]
    return router(environ, start_response)


app = ar.instrument(auth)
