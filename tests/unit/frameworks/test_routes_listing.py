"""The routes command on apps of frameworks beyond Flask (Connexion, mounted and wrapped
apps): here, where the frameworks are installed (make lowest installs Flask alone)."""

from __future__ import annotations

import sys
import textwrap

from appsignal_routes._cli.command import main

from ...command import routes_listed

COMPOSED_APP = """
    from pathlib import Path

    from a2wsgi import WSGIMiddleware
    from fastapi import FastAPI
    from flask import Flask
    from starlette.staticfiles import StaticFiles
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.middleware.proxy_fix import ProxyFix

    legacy = Flask("legacy", static_folder=None)


    @legacy.post("/add")
    def add():
        return "added"


    api = FastAPI(openapi_url=None)


    @api.get("/items/{item_id}")
    def item(item_id: int):
        return {}


    api.mount("/legacy", WSGIMiddleware(legacy))
    api.mount("/static", StaticFiles(directory=Path(__file__).parent))

    front = Flask("front", static_folder=None)


    @front.get("/users/<int:user_id>")
    def user(user_id):
        return ""


    dispatched = ProxyFix(DispatcherMiddleware(front, {"/legacy": legacy, "/gone": NotFound()}))
"""


def write_module(tmp_path, monkeypatch, name, source):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, name, raising=False)


def test_the_connexion_example_lists_each_operation_of_both_apis():
    lines = routes_listed("examples.connexion_app:app")
    assert lines[0] == (
        "Connexion (Flask) app examples.connexion_app:app: routes discovered from its router"
    )
    rows = [line.split() for line in lines if line.startswith("GET ")]
    assert rows == [
        [
            "GET",
            "/api/items/{item_id}",
            "GET",
            "/api/items/{item_id}",
            "examples.connexion_app.show_item",
        ],
        ["GET", "/users/{user_id}", "GET", "/users/{user_id}", "examples.connexion_app.show_user"],
        [
            "GET",
            "/orders/{order_id}",
            "GET",
            "/orders/{order_id}",
            "examples.connexion_app.Orders.show",
        ],
        ["GET", "/admin/stats", "GET", "/admin/stats", "examples.connexion_app.stats"],
        ["GET", "/crash", "GET", "/crash", "examples.connexion_app.crash"],
        ["GET", "/stream", "GET", "/stream", "examples.connexion_app.stream"],
    ]


def table(out):
    """The rows of the printed table, split on runs of two spaces or more."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("methods"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        rows.append([cell.strip() for cell in line.split("  ") if cell.strip()])
    return [lines[start].split(), *rows]


def test_mounted_apps_are_listed_with_their_framework_and_prefix(tmp_path, monkeypatch, capsys):
    write_module(tmp_path, monkeypatch, "userapp_composed", COMPOSED_APP)
    assert main(["routes", "userapp_composed:api"]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0] == "FastAPI app userapp_composed:api: routes discovered from its router"
    )
    assert table(out) == [
        ["methods", "route", "group", "app", "handler"],
        ["GET", "/items/{item_id}", "GET /items/{item_id}", "userapp_composed.item"],
        ["OPTIONS, POST", "/legacy/add", "POST /legacy/add", "Flask at /legacy", "add"],
        [
            "any",
            "/static",
            "{METHOD} /static",
            "not seen into",
            "starlette.staticfiles.StaticFiles",
        ],
    ]
    assert "grouped by its prefix, unless a declared route matches" in out


def test_a_dispatcher_inside_a_wrapper_is_listed(tmp_path, monkeypatch, capsys):
    write_module(tmp_path, monkeypatch, "userapp_dispatched", COMPOSED_APP)
    assert main(["routes", "userapp_dispatched:dispatched"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "Werkzeug DispatcherMiddleware app userapp_dispatched:dispatched "
        "(inside werkzeug.middleware.proxy_fix.ProxyFix): routes discovered from its router"
    )
    assert table(out)[1:] == [
        [
            "GET, HEAD, OPTIONS",
            "/users/<int:user_id>",
            "GET /users/<int:user_id>",
            "Flask at /",
            "user",
        ],
        ["OPTIONS, POST", "/legacy/add", "POST /legacy/add", "Flask at /legacy", "add"],
        ["any", "/gone", "{METHOD} /gone", "not seen into", "werkzeug.exceptions.NotFound"],
    ]
