"""A raw WSGI app grouped by appsignal-routes.

Run it:  .venv/bin/python examples/raw_wsgi.py   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import os
from wsgiref.simple_server import make_server

import appsignal_routes as ar

ar.start(exporter="console")  # one line per request on stdout


@ar.route("/users/:user_id")
def show_user(environ, start_response, user_id):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"user {user_id}\n".encode()]


@ar.root_name
class Health:
    def check(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]


def router(environ, start_response):
    parts = environ["PATH_INFO"].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "users":
        return show_user(environ, start_response, parts[1])
    if parts == ["health"]:
        return Health().check(environ, start_response)
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]


app = ar.instrument(router)

if __name__ == "__main__":
    with make_server("127.0.0.1", int(os.environ.get("PORT", "8000")), app) as server:
        server.serve_forever()
