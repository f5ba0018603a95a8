"""Quart: ``<converter:name>`` routes and a MethodView class, grouped by appsignal-routes.

Run it:  .venv/bin/uvicorn examples.quart_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from quart import Quart, request
from quart.views import MethodView

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

web = Quart(__name__)


@web.get("/users/<int:user_id>")
@ar.route("/users/<int:user_id>")
async def show_user(user_id):
    return {"id": user_id}


@ar.root_name  # "Orders#get"
class Orders(MethodView):
    async def get(self, order_id):
        return {"order": order_id}


web.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))


@web.get("/admin/stats")
@ar.route("/admin/stats")  # never reached without a token: grouped by the registry
async def stats():
    return {"requests": 1}


@web.get("/crash")
@ar.route("/crash")
async def crash():
    raise RuntimeError("boom")


@web.get("/stream")
@ar.route("/stream")
async def stream():
    async def chunks():
        for n in range(3):
            yield f"chunk {n}\n".encode()

    return chunks(), 200, {"Content-Type": "text/plain"}


@web.before_request
async def require_token():
    """Answers 401 before any view runs."""
    if request.path.startswith("/admin") and "Authorization" not in request.headers:
        return {"error": "token required"}, 401
    return None


app = ar.instrument(web)
