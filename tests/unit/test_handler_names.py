"""Reading the decorator a handler carries before it runs (one endpoint, one group),
and a request grouped by it from its start."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from flask import Flask
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import appsignal_routes as ar
from appsignal_routes._decorators import handler_names
from appsignal_routes._decorators.handler_names import HandlerNames, by_method, names_of
from appsignal_routes._request import start

from ..calls import call_wsgi


@ar.route("/users/:user_id")
def show_user() -> str:
    return "user"


@ar.root_name("Users#show")
@ar.route("/users/:user_id")
def stacked() -> str:
    return "user"


def logged(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper


@ar.root_name
class Orders:
    def get(self) -> str:
        return "get"

    def head(self) -> str:
        return "head"

    @staticmethod
    def post() -> str:
        return "post"

    def list(self) -> str:
        return "list"


@ar.route("/reports/:id")
class Reports:
    def get(self) -> str:
        return "get"

    def put(self) -> str:
        return "put"


class Plain:
    def get(self) -> str:
        return "get"


def viewset(cls: type, actions: dict[str, str]) -> Any:
    """A view function as Django REST framework's ``as_view(actions)`` makes one."""

    def view() -> None: ...

    view.cls = cls  # type: ignore[attr-defined]
    view.actions = actions  # type: ignore[attr-defined]
    return view


def django_view(cls: type) -> Any:
    def view() -> None: ...

    view.view_class = cls  # type: ignore[attr-defined]
    return view


@pytest.mark.parametrize(
    ("handler", "method", "names"),
    [
        (show_user, "GET", (None, "/users/:user_id")),
        (logged(show_user), "GET", (None, "/users/:user_id")),  # under functools.wraps
        (stacked, "GET", ("Users#show", "/users/:user_id")),
        (Orders, "GET", ("Orders#get", None)),  # a class, by the request's method
        (Orders, "HEAD", ("Orders#head", None)),
        (Orders, "POST", ("Orders#post", None)),  # a staticmethod
        (Orders, "DELETE", (None, None)),  # a 405: a root name names its method alone
        (django_view(Reports), "DELETE", (None, "/reports/:id")),  # the route they share
        (django_view(Plain), "GET", (None, None)),
        (viewset(Orders, {"get": "list"}), "GET", ("Orders#list", None)),
        (viewset(Orders, {"get": "list"}), "HEAD", ("Orders#list", None)),
        (viewset(Plain, {"get": "get"}), "HEAD", (None, None)),
        (viewset(Orders, {"post": "create"}), "POST", (None, None)),
        (object(), "GET", (None, None)),
        (None, None, (None, None)),
    ],
)
def test_names_a_handler_carries(handler, method, names):
    assert names_of(handler, method) == names


def test_a_wrapper_chain_is_followed_so_far():
    class Loop:
        """An object whose __wrapped__ leads on forever."""

        @property
        def __wrapped__(self) -> Loop:
            return Loop()

    assert names_of(Loop(), "GET") == (None, None)
    itself = logged(show_user)
    itself.__wrapped__ = itself  # type: ignore[attr-defined]
    assert names_of(itself, "GET") == (None, None)


def test_by_method():
    assert by_method(Orders)
    assert by_method(django_view(Plain))
    assert not by_method(show_user)
    assert not by_method(None)


def test_handler_names_are_remembered_bounded(monkeypatch):
    monkeypatch.setattr(handler_names, "_SIZE", 2)
    known = HandlerNames()
    handlers = [logged(show_user) for _ in range(3)]
    assert [known.of(h, "GET") for h in handlers] == [(None, "/users/:user_id")] * 3
    assert len(known._known) == 1  # emptied when full
    assert known.of(handlers[2], "GET") == (None, "/users/:user_id")  # remembered

    class Unhashable(Orders):
        __hash__ = None  # type: ignore[assignment]

    assert known.of(Unhashable(), "GET") == (None, None)  # an instance: read every time
    assert known.of(Unhashable, "GET") == ("Orders#get", None)  # through its base


def flask_app() -> Flask:
    app = Flask(__name__)

    @app.before_request
    def refuse() -> Any:
        return "no", 401

    app.add_url_rule("/users/<int:user_id>", view_func=stacked)
    app.add_url_rule("/other", view_func=show_user)
    return app


def test_a_root_name_and_a_route_on_one_handler(traced):
    call_wsgi(ar.instrument(flask_app(), tracer_provider=traced.provider), "/users/7")
    (root,) = traced.roots()
    assert root.name == "Users#show"
    assert root.attributes["http.route"] == "/users/:user_id"
    assert root.attributes["appsignal.root_name"] == "Users#show"
    assert root.attributes["appsignal_routes.route_source"] == "root_name"


def test_when_naming_at_start_fails_the_group_still_takes_the_root_name(traced, monkeypatch):
    def broken(name: str, attributes: Any, *, in_place: bool) -> Any:
        raise RuntimeError("broken")

    monkeypatch.setattr(start, "start_naming", broken)
    call_wsgi(ar.instrument(flask_app(), tracer_provider=traced.provider), "/users/7")
    (root,) = traced.roots()
    assert root.name == "Users#show"
    assert root.attributes["appsignal_routes.route_source"] == "root_name"


def test_without_a_grouping_processor_the_span_starts_with_the_root_name():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    call_wsgi(ar.instrument(flask_app(), tracer_provider=provider), "/users/7")
    (span,) = exporter.get_finished_spans()
    assert span.name == "Users#show"
    assert span.attributes["appsignal.root_name"] == "Users#show"
    assert span.attributes["appsignal_routes.route_source"] == "root_name"


def test_the_matches_of_founds_are_remembered_bounded(traced, monkeypatch):
    monkeypatch.setattr(start, "_KNOWN", 1)
    app = ar.instrument(flask_app(), tracer_provider=traced.provider)
    for path in ("/users/7", "/other", "/missing", "/users/9"):
        call_wsgi(app, path)
    names = [r.name for r in traced.roots()]
    assert names == ["Users#show", "GET /users/:user_id", "GET", "Users#show"]


def test_founds_are_made_once_per_template_and_handler_bounded():
    from appsignal_routes.frameworks._route_cache import Founds

    founds = Founds(size=2)
    first = founds.of("/a", show_user)
    assert founds.of("/a", show_user) is first
    founds.of("/b", show_user)
    founds.of("/c", show_user)  # full: emptied, then remembered
    assert founds.of("/a", show_user) is not first
    unhashable = founds.of("/d", {"not": "hashable"})
    assert (unhashable.template, unhashable.handler) == ("/d", {"not": "hashable"})


def test_a_method_bound_with_functools_partial_keeps_its_decorator():
    # Litestar 2.0 binds a controller's handler as functools.partial(fn, controller)
    class Orders:
        @ar.root_name("Orders#show")
        def show(self, order_id: int) -> int:
            return order_id

    bound = functools.partial(Orders.__dict__["show"], Orders())
    assert names_of(bound, "GET") == ("Orders#show", None)
