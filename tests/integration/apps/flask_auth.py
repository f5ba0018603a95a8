"""A Flask app whose login check refuses before the view: decorated views keep one
group for their refused requests too (issue 23, one endpoint one group).

Served as ``tests.integration.apps.flask_auth:app``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.views import MethodView

import appsignal_routes as ar

from . import start

start("integration-flask-auth")

flask_app = Flask(__name__)


@flask_app.before_request
def require_token() -> Any:
    if "Authorization" not in request.headers:
        return {"error": "token required"}, 401
    return None


@flask_app.get("/users/<int:user_id>")
@ar.route("/users/:user_id")
def show_user(user_id: int) -> dict[str, int]:
    return {"id": user_id}


@ar.root_name
class Orders(MethodView):
    def get(self, order_id: int) -> dict[str, int]:
        return {"order": order_id}


flask_app.add_url_rule("/orders/<int:order_id>", view_func=Orders.as_view("orders"))

app = ar.instrument(flask_app)
