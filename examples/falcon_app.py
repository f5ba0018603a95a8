"""Falcon: resource classes, grouped by appsignal-routes.

Run it:  .venv/bin/gunicorn examples.falcon_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import falcon

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


@ar.route("/users/{user_id:int}")  # every responder of the class: on_get, on_post, ...
class UserResource:
    def on_get(self, req, resp, user_id):
        resp.media = {"id": user_id}


@ar.root_name  # "OrderResource#on_get"
class OrderResource:
    def on_get(self, req, resp, order_id):
        resp.media = {"order": order_id}


class StatsResource:
    @ar.route("/admin/stats")  # never reached without a token: grouped by the registry
    def on_get(self, req, resp):
        resp.media = {"requests": 1}


class CrashResource:
    @ar.route("/crash")
    def on_get(self, req, resp):
        raise RuntimeError("boom")


class StreamResource:
    @ar.route("/stream")
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = (f"chunk {n}\n".encode() for n in range(3))


class RequireToken:
    """Answers 401 before any responder runs."""

    def process_request(self, req, resp):
        if req.path.startswith("/admin") and not req.get_header("Authorization"):
            raise falcon.HTTPUnauthorized(title="token required")


api = falcon.App(middleware=[RequireToken()])
api.add_route("/users/{user_id:int}", UserResource())
api.add_route("/orders/{order_id:int}", OrderResource())
api.add_route("/admin/stats", StatsResource())
api.add_route("/crash", CrashResource())
api.add_route("/stream", StreamResource())

app = ar.instrument(api)
