"""Quart: every route grouped by its rule, found in the app's ``url_map``
(``/users/<int:user_id>``), and a MethodView class with a root name.

Run it:  .venv/bin/uvicorn examples.quart_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from quart import Blueprint, Quart, request
from quart.views import MethodView

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

web = Quart(__name__)


@web.get("/users/<int:user_id>")  # GET only: a DELETE is a 405, grouped by this rule too
async def show_user(user_id):
    return {"id": user_id}


@ar.root_name  # "Orders#get"
class Orders(MethodView):
    async def get(self, order_id):
        return {"order": order_id}


web.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))


@web.get("/admin/stats")  # never reached without a token, still grouped by its rule
async def stats():
    return {"requests": 1}


@web.get("/crash")
async def crash():
    raise RuntimeError("boom")


@web.get("/stream")
async def stream():
    async def chunks():
        for n in range(3):
            yield f"chunk {n}\n".encode()

    return chunks(), 200, {"Content-Type": "text/plain"}


api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/items/<int:item_id>")  # grouped as "GET /api/items/<int:item_id>"
async def show_item(item_id):
    return {"item": item_id}


web.register_blueprint(api)


@web.before_request
async def require_token():
    """Answers 401 before any view runs."""
    if request.path.startswith("/admin") and "Authorization" not in request.headers:
        return {"error": "token required"}, 401
    return None


app = ar.instrument(web)
