"""Bottle: each request grouped by the rule Bottle routes it to (``/users/<user_id:int>``),
found in the app's router, mounted apps included; one class with a root name.

Run it:  .venv/bin/gunicorn examples.bottle_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import bottle

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

web = bottle.Bottle()


@web.get("/users/<user_id:int>")  # GET only: a DELETE is a 405, grouped by this rule too
def show_user(user_id):
    return {"id": user_id}


@ar.root_name  # "Orders#show"
class Orders:
    def show(self, order_id):
        return {"order": order_id}


web.get("/orders/<order_id:int>")(Orders().show)


@web.get("/admin/stats")  # never reached without a token, still grouped by its rule
def stats():
    return {"requests": 1}


@web.get("/crash")
def crash():
    raise RuntimeError("boom")


@web.get("/stream")
def stream():
    bottle.response.content_type = "text/plain"
    return (f"chunk {n}\n" for n in range(3))


api = bottle.Bottle()


@api.get("/items/<item_id:int>")  # grouped as "GET /api/items/<item_id:int>"
def show_item(item_id):
    return {"item": item_id}


web.mount("/api/", api)


@web.hook("before_request")
def require_token():
    """Answers 401 before any handler runs."""
    if bottle.request.path.startswith("/admin") and not bottle.request.get_header("Authorization"):
        bottle.abort(401, "token required")


app = ar.instrument(web)
