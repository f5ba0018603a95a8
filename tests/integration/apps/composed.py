"""Composed apps as people deploy them (issue 23), for the real-server tests: a Flask app
mounted in FastAPI through a2wsgi (served by uvicorn), and two Flask apps behind
Werkzeug's DispatcherMiddleware with ProxyFix around them (served by gunicorn)."""

from __future__ import annotations

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from flask import Flask, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

import appsignal_routes as ar

from . import start

start("integration-composed")


def flask_app(name: str) -> Flask:
    app = Flask(name, static_folder=None)

    @app.before_request
    def require_token() -> tuple[str, int] | None:
        if request.path.startswith("/admin") and "authorization" not in request.headers:
            return "token required", 401
        return None

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.post("/add")
    def add() -> str:
        return "added"

    @app.get("/admin/stats")
    def stats() -> str:
        return "stats"

    return app


api = FastAPI(openapi_url=None)


@api.get("/items/{item_id}")
def item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


api.mount("/legacy", WSGIMiddleware(flask_app("legacy")))
fastapi_app = ar.instrument(api)

dispatched = DispatcherMiddleware(flask_app("front"), {"/backend": flask_app("back")})
dispatcher_app = ar.instrument(ProxyFix(dispatched, x_for=1, x_prefix=1))
