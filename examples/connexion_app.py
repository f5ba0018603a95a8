"""Connexion 3 without any decorator: every operation grouped by its path as the OpenAPI
spec writes it, joined to its API's base path (``/users/{user_id}``, and
``/api/items/{item_id}`` from a second API), found by asking Connexion's own routing;
a class handler with a root name. Built like Connexion's own examples: a ``FlaskApp``,
operations resolved relative to this module, an API key checked by Connexion.

Run it:  .venv/bin/uvicorn examples.connexion_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from pathlib import Path

import connexion
from connexion.resolver import RelativeResolver
from flask import Response

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


def show_user(user_id):
    return {"id": user_id}


@ar.root_name  # "Orders#show"
class Orders:
    def show(self, order_id):
        return {"order": order_id}


orders = Orders()


def check_token(token, required_scopes=None):  # no token at all: 401, before any handler
    return {"sub": "admin"}  # any token will do in this example


def stats():
    return {"requests": 1}


def crash():
    raise RuntimeError("boom")


def stream():
    def chunks():
        for n in range(3):
            yield f"chunk {n}\n"

    return Response(chunks(), mimetype="text/plain")


def show_item(item_id):
    return {"id": item_id}


connexion_app = connexion.FlaskApp(__name__, specification_dir=Path(__file__).parent)
connexion_app.add_api("connexion_app.yaml", resolver=RelativeResolver(__name__))
connexion_app.add_api("connexion_items.yaml", base_path="/api", resolver=RelativeResolver(__name__))

app = ar.instrument(connexion_app)
