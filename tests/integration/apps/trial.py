"""The apps of issue 23's trial that are not Django's, each in the shape of the open-source
apps the issue names, instrumented with ``ar.instrument(app)`` alone (no ``routes=``, no
decorator but where the app's own authors would put one):

- ``flask_app``: a Flask app with blueprints, a login page with a session, a token API
  refusing requests without a token before the view (served by gunicorn);
- ``fastapi_app``: FastAPI in the manner of the full-stack template: ``/api/v1`` with
  login, users, items routers, an OAuth2 bearer dependency, SQLite (uvicorn);
- ``litestar_app``: Litestar routers and controllers, a guard (uvicorn);
- ``composed_app``: FastAPI mounting a FastAPI sub-app and two Flask apps through a2wsgi
  (uvicorn);
- ``whitenoise_app``: WhiteNoise and ProxyFix around a Flask app (gunicorn).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

import flask
from a2wsgi import WSGIMiddleware
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer
from litestar import Controller, Litestar, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

import appsignal_routes as ar

ar.start(
    exporter="collector",
    collector_endpoint=os.environ["TEST_COLLECTOR"],
    name="integration-trial",
    push_api_key="test-key-0000",
)

TOKEN = "Bearer trial-token"  # noqa: S105 - a test token


# -- Flask: blueprints, login, a token API --------------------------------------------


def auth_blueprint() -> flask.Blueprint:
    auth = flask.Blueprint("auth", __name__, url_prefix="/auth")

    @auth.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if flask.request.method == "POST":
            flask.session["user"] = flask.request.form.get("username", "someone")
            return flask.redirect("/")
        return "login form"

    @auth.get("/logout")
    def logout() -> Any:
        flask.session.clear()
        return flask.redirect("/")

    return auth


def blog_blueprint() -> flask.Blueprint:
    blog = flask.Blueprint("blog", __name__)

    @blog.get("/")
    def index() -> str:
        return "posts"

    @blog.route("/create", methods=["GET", "POST"])
    def create() -> Any:
        if "user" not in flask.session:
            return flask.redirect("/auth/login")
        return "created"

    @blog.route("/<int:post_id>/update", methods=["GET", "POST"])
    def update(post_id: int) -> str:
        return f"update {post_id}"

    return blog


def api_blueprint() -> flask.Blueprint:
    api = flask.Blueprint("api", __name__, url_prefix="/api")

    @api.before_request
    def require_token() -> Any:
        if flask.request.headers.get("Authorization") != TOKEN:
            return {"error": "token required"}, 401
        return None

    @api.get("/posts/<int:post_id>")
    def api_post(post_id: int) -> dict[str, int]:
        return {"id": post_id}

    @api.post("/tokens")
    def api_token() -> dict[str, str]:
        return {"token": "t"}

    return api


def make_flask() -> flask.Flask:
    app = flask.Flask("trial_flask", static_folder=None)
    app.secret_key = "trial-only"  # noqa: S105 - a test app
    for blueprint in (auth_blueprint(), blog_blueprint(), api_blueprint()):
        app.register_blueprint(blueprint)
    return app


flask_app = ar.instrument(make_flask())


# -- FastAPI in the manner of the full-stack template ---------------------------------

_database = sqlite3.connect(":memory:", check_same_thread=False)
_database.execute("create table item (id integer primary key, title text)")
_database.execute("insert into item (title) values ('first')")
_lock = threading.Lock()

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")


def current_user(token: Annotated[str, Depends(oauth2)]) -> str:
    if token != TOKEN.removeprefix("Bearer "):
        raise HTTPException(status_code=403, detail="Could not validate credentials")
    return "user"


login_router = APIRouter(tags=["login"])
users_router = APIRouter(prefix="/users", tags=["users"])
items_router = APIRouter(prefix="/items", tags=["items"])
utils_router = APIRouter(prefix="/utils", tags=["utils"])


@login_router.post("/login/access-token")
def access_token() -> dict[str, str]:
    return {"access_token": "trial-token", "token_type": "bearer"}


@users_router.get("/me")
def read_me(user: Annotated[str, Depends(current_user)]) -> dict[str, str]:
    return {"user": user}


@users_router.get("/{user_id}")
def read_user(user_id: int, user: Annotated[str, Depends(current_user)]) -> dict[str, int]:
    return {"id": user_id}


@items_router.get("/")
def read_items(user: Annotated[str, Depends(current_user)]) -> list[dict[str, Any]]:
    with _lock:
        rows = _database.execute("select id, title from item").fetchall()
    return [{"id": row[0], "title": row[1]} for row in rows]


@items_router.get("/{item_id}")
def read_item(item_id: int, user: Annotated[str, Depends(current_user)]) -> dict[str, Any]:
    with _lock:
        row = _database.execute("select id, title from item where id = ?", (item_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"id": row[0], "title": row[1]}


@items_router.delete("/{item_id}")
def delete_item(item_id: int, user: Annotated[str, Depends(current_user)]) -> dict[str, str]:
    return {"message": "Item deleted successfully"}


@utils_router.get("/health-check/")
def health_check() -> bool:
    return True


api_router = APIRouter()
for router in (login_router, users_router, items_router, utils_router):
    api_router.include_router(router)
template_api = FastAPI(title="trial", openapi_url="/api/v1/openapi.json")
template_api.include_router(api_router, prefix="/api/v1")
fastapi_app = ar.instrument(template_api)


# -- Litestar: routers and controllers, a guard ----------------------------------------


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if connection.headers.get("authorization") != TOKEN:
        raise NotAuthorizedException


class UserController(Controller):
    path = "/users"

    @get("/")
    async def list_users(self) -> list[int]:
        return [1]

    @get("/{user_id:int}")
    async def get_user(self, user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @post("/")
    async def create_user(self) -> dict[str, int]:
        return {"id": 2}


class AdminController(Controller):
    path = "/admin"
    guards = [require_admin]  # noqa: RUF012 - Litestar's way

    @get("/stats")
    async def stats(self) -> dict[str, int]:
        return {"requests": 1}


@get("/health", sync_to_thread=False)
def health() -> str:
    return "ok"


v1 = Router(path="/v1", route_handlers=[UserController, AdminController])
litestar_app = ar.instrument(Litestar(route_handlers=[v1, health], openapi_config=None))


# -- FastAPI mounting a sub-app and Flask apps through a2wsgi -------------------------


def legacy_flask(name: str) -> flask.Flask:
    app = flask.Flask(name, static_folder=None)

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.post("/add")
    def add() -> str:
        return "added"

    return app


composed = FastAPI(openapi_url=None)
sub_api = FastAPI(openapi_url=None)


@composed.get("/items/{item_id}")
def composed_item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@sub_api.get("/reports/{report_id}")
def sub_report(report_id: int) -> dict[str, int]:
    return {"id": report_id}


composed.mount("/sub", sub_api)
composed.mount("/legacy", WSGIMiddleware(legacy_flask("legacy")))
composed.mount("/old", WSGIMiddleware(legacy_flask("old")))
composed_app = ar.instrument(composed)


# -- WhiteNoise and ProxyFix around a Flask app ----------------------------------------

_static = Path(tempfile.mkdtemp(prefix="trial-static-"))
(_static / "site.css").write_text("body {}")
whitenoise_app = ar.instrument(
    ProxyFix(WhiteNoise(make_flask(), root=str(_static), prefix="static/"), x_for=1)
)
