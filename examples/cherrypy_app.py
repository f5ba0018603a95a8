"""CherryPy: each request named by the handler CherryPy dispatches it to, from CherryPy's
own tutorials: ``UsersPage#default`` (the object dispatcher), ``ItemResource#GET`` (an
app mounted with ``MethodDispatcher``); one handler with a root name of its own.

Run it:  .venv/bin/gunicorn examples.cherrypy_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

import cherrypy

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


class UsersPage:
    """Tutorial 6, the default method: /users/<name> has no handler of its own."""

    @cherrypy.expose
    def index(self):
        return '<a href="./remi">Remi Delon</a>'

    @cherrypy.expose
    def default(self, user):  # "UsersPage#default"; GET only (tools.allow): DELETE is a 405
        return f"user {user}"


class OrdersPage:
    @cherrypy.expose
    @ar.root_name("Orders#show")  # a name of your own replaces "OrdersPage#default"
    def default(self, order_id):
        return f"order {order_id}"


class AdminPage:
    @cherrypy.expose
    def stats(self):  # never reached without a password, still "AdminPage#stats"
        return "requests: 1"


class Root:
    """Tutorial 1's HelloWorld, with the pages of the others mounted below it."""

    users = UsersPage()
    orders = OrdersPage()
    admin = AdminPage()

    @cherrypy.expose
    def index(self):
        return "Hello world!"

    @cherrypy.expose
    def crash(self):  # tutorial 10: CherryPy answers 500, still "Root#crash"
        raise RuntimeError("boom")

    @cherrypy.expose
    @cherrypy.config(**{"response.stream": True})
    def stream(self):  # tutorial 8, generators and yield
        cherrypy.response.headers["Content-Type"] = "text/plain"
        for n in range(3):
            yield f"chunk {n}\n"


@cherrypy.expose
class ItemResource:
    """A REST resource: MethodDispatcher calls the method named by the HTTP verb."""

    def GET(self, item_id):  # noqa: N802 - "ItemResource#GET"
        return f"item {item_id}"


def check_password(realm, user, password):
    return (user, password) == ("admin", "secret")


cherrypy.config.update({"log.screen": False})  # the console exporter prints each request
cherrypy.tree.mount(
    Root(),
    "",
    {
        "/users": {"tools.allow.on": True, "tools.allow.methods": ["GET", "HEAD"]},
        "/admin": {
            "tools.auth_basic.on": True,
            "tools.auth_basic.realm": "admin",
            "tools.auth_basic.checkpassword": check_password,
        },
    },
)
cherrypy.tree.mount(
    ItemResource(),
    "/api/items",
    {"/": {"request.dispatch": cherrypy.dispatch.MethodDispatcher()}},
)

app = ar.instrument(cherrypy.tree)
