"""A raw WSGI app grouped by appsignal-routes.

Run it:  .venv/bin/python examples/raw_wsgi.py   (then open http://127.0.0.1:8000/users/1)
Or under a server:  .venv/bin/gunicorn examples.raw_wsgi:app
"""

from __future__ import annotations

import os
from wsgiref.simple_server import make_server

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


def reply(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "text/plain")])
    return [body]


@ar.route("/users/:user_id")
def show_user(environ, start_response, user_id):
    return reply(start_response, "200 OK", f"user {user_id}\n".encode())


@ar.root_name  # "Orders#show"
class Orders:
    def show(self, environ, start_response, order_id):
        return reply(start_response, "200 OK", f"order {order_id}\n".encode())


@ar.route("/admin/stats")  # never reached without a token: grouped by the registry
def stats(environ, start_response):
    return reply(start_response, "200 OK", b"1 request\n")


@ar.route("/api/items/:item_id")
def show_item(environ, start_response, item_id):
    return reply(start_response, "200 OK", f"item {item_id}\n".encode())


@ar.route("/crash")
def crash(environ, start_response):
    raise RuntimeError("boom")


@ar.route("/stream")
def stream(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return (f"chunk {n}\n".encode() for n in range(3))


def router(environ, start_response):
    parts = environ["PATH_INFO"].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "users":
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            # refused before the handler: grouped by the route it was headed for
            return reply(start_response, "405 Method Not Allowed", b"GET only\n")
        return show_user(environ, start_response, parts[1])
    if len(parts) == 3 and parts[:2] == ["api", "items"]:
        return show_item(environ, start_response, parts[2])
    if len(parts) == 2 and parts[0] == "orders":
        return Orders().show(environ, start_response, parts[1])
    handlers = {"admin/stats": stats, "crash": crash, "stream": stream}
    handler = handlers.get("/".join(parts))
    if handler is not None:
        return handler(environ, start_response)
    return reply(start_response, "404 Not Found", b"not found\n")


def require_token(environ, start_response):
    """Answers 401 before the router runs."""
    if environ["PATH_INFO"].startswith("/admin") and "HTTP_AUTHORIZATION" not in environ:
        return reply(start_response, "401 Unauthorized", b"token required\n")
    return router(environ, start_response)


app = ar.instrument(require_token)

if __name__ == "__main__":
    with make_server("127.0.0.1", int(os.environ.get("PORT", "8000")), app) as server:
        server.serve_forever()
