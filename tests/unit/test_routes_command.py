"""``appsignal-routes routes MODULE:APP``: the routes a user's app will be grouped by."""

from __future__ import annotations

import sys
import textwrap

import pytest

from appsignal_routes._cli.command import main

from ..command import routes_listed

FLASK_APP = """
    from flask import Blueprint, Flask

    import appsignal_routes as ar

    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")


    @app.get("/users/<int:user_id>")
    def show_user(user_id):
        return {"id": user_id}


    @api.route("/items/<int:item_id>", methods=["GET", "PUT"])
    def item(item_id):
        return {"id": item_id}


    app.register_blueprint(api)
    app.wsgi_app = ar.instrument(app.wsgi_app, routes=["/legacy/:id"])
"""

RAW_APP = """
    import appsignal_routes as ar


    @ar.route("/users/:user_id")
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]
"""


def write_module(tmp_path, monkeypatch, name, source):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, name, raising=False)


def test_a_flask_app_prints_each_route_and_its_group(tmp_path, monkeypatch, capsys):
    write_module(tmp_path, monkeypatch, "userapp_flask", FLASK_APP)
    assert main(["routes", "userapp_flask:app"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Flask app userapp_flask:app: routes discovered from its router"
    users = next(line for line in lines if "/users/" in line)
    assert users.split()[:4] == ["GET,", "HEAD,", "OPTIONS", "/users/<int:user_id>"]
    assert "GET /users/<int:user_id>" in users
    assert "show_user" in users
    items = next(line for line in lines if "/api/items/" in line)
    assert "{METHOD} /api/items/<int:item_id>" in items  # GET and PUT: one group per method
    assert "  /legacy/:id" in lines  # declared routes are listed after the discovered ones


def test_an_app_of_no_known_framework_says_what_is_grouped(tmp_path, monkeypatch, capsys):
    write_module(tmp_path, monkeypatch, "userapp_raw", RAW_APP)
    assert main(["routes", "userapp_raw:app"]) == 1
    out = capsys.readouterr().out
    assert "userapp_raw:app: no routes discovered: no supported framework recognised" in out
    assert "  /users/:user_id" in out


@pytest.mark.parametrize("target", ["no_such_module_xyz:app", "nocolon"])
def test_a_target_that_cannot_be_loaded_is_a_clear_error(target, capsys):
    assert main(["routes", target]) == 2
    assert f"cannot load {target}" in capsys.readouterr().err


def test_the_command_line_entry_point(tmp_path):
    (tmp_path / "userapp_cli.py").write_text(textwrap.dedent(FLASK_APP))
    lines = routes_listed("userapp_cli:app", tmp_path)
    assert any("GET /users/<int:user_id>" in line for line in lines)
