"""Falcon: resource classes, each request grouped by the URI template Falcon routes it
to (``/users/{user_id:int}``), found in the app's router; one class with a root name.

Run it:  .venv/bin/gunicorn examples.falcon_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import falcon

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


class UserResource:
    def on_get(self, req, resp, user_id):  # GET only: a DELETE is a 405, grouped by it too
        resp.media = {"id": user_id}


@ar.root_name  # "OrderResource#on_get"
class OrderResource:
    def on_get(self, req, resp, order_id):
        resp.media = {"order": order_id}


class StatsResource:
    def on_get(self, req, resp):  # never reached without a token, still grouped by its route
        resp.media = {"requests": 1}


class CrashResource:
    def on_get(self, req, resp):
        raise RuntimeError("boom")


class StreamResource:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = (f"chunk {n}\n".encode() for n in range(3))


class ItemResource:
    def on_get(self, req, resp, item_id):
        resp.media = {"item": item_id}


class RequireToken:
    """Answers 401 before any responder runs."""

    def process_request(self, req, resp):
        if req.path.startswith("/admin") and not req.get_header("Authorization"):
            raise falcon.HTTPUnauthorized(title="token required")


def add_api_routes(app: falcon.App, prefix: str) -> None:
    """Falcon has no sub-routers: a group of routes is added under a common prefix."""
    app.add_route(f"{prefix}/items/{{item_id:int}}", ItemResource())  # "/api/items/{item_id:int}"


api = falcon.App(middleware=[RequireToken()])
api.add_route("/users/{user_id:int}", UserResource())
api.add_route("/orders/{order_id:int}", OrderResource())
api.add_route("/admin/stats", StatsResource())
api.add_route("/crash", CrashResource())
api.add_route("/stream", StreamResource())
add_api_routes(api, "/api")

app = ar.instrument(api)
