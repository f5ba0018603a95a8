"""Pyramid: each request grouped by the pattern of the route Pyramid matches
(``/users/{user_id}``), found in the app's routes mapper, includes with a route prefix
too; a view class with a root name.

Run it:  .venv/bin/gunicorn examples.pyramid_app:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPMethodNotAllowed, HTTPUnauthorized
from pyramid.response import Response

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export


def show_user(request):
    return {"id": request.matchdict["user_id"]}


def method_not_allowed(request):
    """The route's other methods: 405 (Pyramid's own answer would be a 404)."""
    raise HTTPMethodNotAllowed


@ar.root_name  # "OrderViews#show"
class OrderViews:
    def __init__(self, request):
        self.request = request

    def show(self):
        return {"order": self.request.matchdict["order_id"]}


def stats(request):  # never reached without a token, still grouped by its route
    return {"requests": 1}


def crash(request):
    raise RuntimeError("boom")


def stream(request):
    return Response(app_iter=(f"chunk {n}\n".encode() for n in range(3)), content_type="text/plain")


def show_item(request):
    return {"item": request.matchdict["item_id"]}


def api_routes(config):
    config.add_route("item", "/items/{item_id}")  # grouped as "GET /api/items/{item_id}"
    config.add_view(show_item, route_name="item", renderer="json")


def require_token(event):
    """Answers 401 before any view runs (Pyramid renders the raised HTTP exception)."""
    request = event.request
    if request.path.startswith("/admin") and "Authorization" not in request.headers:
        raise HTTPUnauthorized


with Configurator() as config:
    config.add_subscriber(require_token, NewRequest)
    config.add_route("user", "/users/{user_id}")
    config.add_view(show_user, route_name="user", renderer="json", request_method="GET")
    config.add_view(method_not_allowed, route_name="user")
    config.add_route("order", "/orders/{order_id}")
    config.add_view(OrderViews, attr="show", route_name="order", renderer="json")
    config.add_route("stats", "/admin/stats")
    config.add_view(stats, route_name="stats", renderer="json")
    config.add_route("crash", "/crash")
    config.add_view(crash, route_name="crash")
    config.add_route("stream", "/stream")
    config.add_view(stream, route_name="stream")
    config.include(api_routes, route_prefix="/api")
    wsgi = config.make_wsgi_app()

app = ar.instrument(wsgi)
