"""Flask without its instrumentor: every route grouped by its rule, found in the app's
``url_map`` (``/users/<int:user_id>``), and a MethodView class with a root name.

Run it:  .venv/bin/gunicorn examples.flask_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from flask.views import MethodView

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

app = Flask(__name__)


@app.get("/users/<int:user_id>")  # GET only: a DELETE is a 405, grouped by this rule too
def show_user(user_id):
    return {"id": user_id}


@ar.root_name  # "Orders#get"
class Orders(MethodView):
    def get(self, order_id):
        return {"order": order_id}


app.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))


@app.get("/admin/stats")  # never reached without a token, still grouped by its rule
def stats():
    return {"requests": 1}


@app.get("/crash")
def crash():
    raise RuntimeError("boom")


@app.get("/stream")
def stream():
    return Response((f"chunk {n}\n" for n in range(3)), mimetype="text/plain")


api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/items/<int:item_id>")  # grouped as "GET /api/items/<int:item_id>"
def show_item(item_id):
    return {"item": item_id}


app.register_blueprint(api)


@app.before_request
def require_token():
    """Answers 401 before any view runs."""
    if request.path.startswith("/admin") and "Authorization" not in request.headers:
        return {"error": "token required"}, 401
    return None


app.wsgi_app = ar.instrument(app.wsgi_app)  # WSGI middleware, the way Flask documents it
