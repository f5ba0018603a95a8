"""The decorators on every kind of callable: grouping, transparency, containment."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import traceback

import pytest

import appsignal_routes as ar
from appsignal_routes._routes import registry


def names_of(traced, call):
    with traced.request():
        result = call()
    return result, traced.roots()[-1].name


def test_plain_function(traced):
    @ar.route("/users/:user_id")
    def show(user_id):
        return {"id": user_id}

    assert names_of(traced, lambda: show(7)) == ({"id": 7}, "GET /users/:user_id")


def test_async_function_returns_the_same_coroutine_and_annotates_at_call(traced):
    async def original():
        return 42

    show = ar.route("/a")(original)
    with traced.request():
        coroutine = show()
        assert inspect.iscoroutine(coroutine)
        assert coroutine.cr_code is original.__code__
        assert asyncio.run(coroutine) == 42
    assert traced.roots()[-1].name == "GET /a"


def test_generator_and_async_generator_keep_send_throw_close(traced):
    @ar.route("/gen")
    def gen():
        received = yield 1
        yield received * 2

    @ar.root_name("Streams#agen")
    async def agen():
        received = yield 1
        yield received * 3

    with traced.request():
        g = gen()
        assert next(g) == 1
        assert g.send(5) == 10
        g.close()
    assert traced.roots()[-1].name == "GET /gen"

    async def drive():
        a = agen()
        assert await a.asend(None) == 1
        assert await a.asend(2) == 6
        with pytest.raises(ValueError, match="boom"):
            await a.athrow(ValueError("boom"))
        await a.aclose()

    with traced.request():
        asyncio.run(drive())
    assert traced.roots()[-1].name == "Streams#agen"


class Handlers:
    @ar.route("/im")
    def instance(self, x):
        return (self, x)

    @ar.route("/cm-outer")
    @classmethod
    def class_outer(cls, x):
        return (cls, x)

    @classmethod
    @ar.route("/cm-inner")
    def class_inner(cls, x):
        return (cls, x)

    @ar.route("/sm-outer")
    @staticmethod
    def static_outer(x):
        return x

    @staticmethod
    @ar.route("/sm-inner")
    def static_inner(x):
        return x


@pytest.mark.parametrize(
    ("call", "expected", "group"),
    [
        (lambda h: h.instance(1), lambda h: (h, 1), "GET /im"),
        (lambda h: Handlers.instance(h, 1), lambda h: (h, 1), "GET /im"),
        (lambda h: h.class_outer(1), lambda h: (Handlers, 1), "GET /cm-outer"),
        (lambda h: Handlers.class_outer(1), lambda h: (Handlers, 1), "GET /cm-outer"),
        (lambda h: h.class_inner(1), lambda h: (Handlers, 1), "GET /cm-inner"),
        (lambda h: Handlers.class_inner(1), lambda h: (Handlers, 1), "GET /cm-inner"),
        (lambda h: h.static_outer(1), lambda h: 1, "GET /sm-outer"),
        (lambda h: Handlers.static_outer(1), lambda h: 1, "GET /sm-outer"),
        (lambda h: h.static_inner(1), lambda h: 1, "GET /sm-inner"),
        (lambda h: Handlers.static_inner(1), lambda h: 1, "GET /sm-inner"),
    ],
)
def test_methods_in_both_stacking_orders(traced, call, expected, group):
    handlers = Handlers()
    assert names_of(traced, lambda: call(handlers)) == (expected(handlers), group)


def test_a_function_decorated_outside_a_class_binds_as_a_method_inside_one(traced):
    @ar.route("/later")
    def show(self, x):
        return (self, x)

    class Late:
        method = show

    late = Late()
    assert names_of(traced, lambda: late.method(1)) == ((late, 1), "GET /later")
    assert names_of(traced, lambda: Late.method(late, 2)) == ((late, 2), "GET /later")
    assert names_of(traced, lambda: show(late, 3)) == ((late, 3), "GET /later")


def test_a_bound_method_decorated_directly(traced):
    class Resource:
        def get(self, x):
            return (self, x)

    resource = Resource()
    bound = ar.route("/bound")(resource.get)
    assert names_of(traced, lambda: bound(1)) == ((resource, 1), "GET /bound")


def test_callable_object(traced):
    class Endpoint:
        def __call__(self, x):
            return x + 1

    endpoint = ar.route("/obj")(Endpoint())
    assert names_of(traced, lambda: endpoint(1)) == (2, "GET /obj")


def test_transparency_of_signature_names_and_predicates():
    async def fetch(user_id: int, *, verbose: bool = False) -> dict[str, int]:
        """Fetch one user."""
        return {"id": user_id}

    def gen(n: int):
        yield n

    async def agen(n: int):
        yield n

    wrapped = ar.route("/users/:user_id")(fetch)
    assert inspect.signature(wrapped) == inspect.signature(fetch)
    assert wrapped.__name__ == "fetch"
    assert wrapped.__qualname__ == fetch.__qualname__
    assert wrapped.__doc__ == "Fetch one user."
    assert wrapped.__wrapped__ is fetch
    assert inspect.iscoroutinefunction(wrapped)
    assert inspect.isgeneratorfunction(ar.route("/g")(gen))
    assert inspect.isasyncgenfunction(ar.root_name("A#b")(agen))
    assert not inspect.iscoroutinefunction(ar.route("/g")(gen))
    assert inspect.signature(Handlers().instance) == inspect.signature(lambda x: None)


def test_exceptions_propagate_unchanged_through_the_users_frames(traced):
    error = KeyError("missing")

    @ar.route("/fails")
    def fails():
        raise error

    with pytest.raises(KeyError) as excinfo, traced.request():
        fails()
    assert excinfo.value is error
    frames = [frame.name for frame in traceback.extract_tb(excinfo.tb)]
    assert frames[-1] == "fails"
    assert traced.roots()[-1].name == "GET /fails"  # grouped although it raised


@pytest.mark.parametrize(
    "exc_type", [KeyboardInterrupt, SystemExit, GeneratorExit, asyncio.CancelledError]
)
def test_base_exceptions_propagate_unchanged(traced, exc_type):
    @ar.route("/base")
    def handler():
        raise exc_type

    with pytest.raises(exc_type), traced.request():
        handler()


@pytest.mark.private_path("api.context.runtime")  # (its fallback makes Python calls)
def test_outside_a_request_a_decorated_call_just_calls_through(traced):
    calls = []

    @ar.route("/x")
    def handler(a, b=2):
        calls.append((a, b))
        return a + b

    assert handler(1, b=3) == 4
    assert calls == [(1, 3)]
    assert traced.spans() == ()
    # and without a single Python call of the toolkit's: wrapt tests the context
    # variable itself (on the default runtime context; without its C extension, wrapt's
    # own wrapper is Python)
    called = []
    sys.setprofile(
        lambda frame, event, arg: called.append(frame.f_code) if event == "call" else None
    )
    try:
        handler(2)
    finally:
        sys.setprofile(None)
    assert "handler" in [code.co_name for code in called]
    package = f"{os.sep}appsignal_routes{os.sep}"
    assert [code.co_name for code in called if package in code.co_filename] == []


def test_a_context_without_a_span_still_calls_through(traced):
    """Some context is set (baggage) but no span: the wrapper runs, finds none, calls."""
    from opentelemetry import baggage, context

    @ar.route("/x")
    def handler():
        return "called"

    token = context.attach(baggage.set_baggage("tenant", "a"))
    try:
        assert handler() == "called"
        assert traced.spans() == ()
        with traced.request():
            assert handler() == "called"
    finally:
        context.detach(token)
    assert [s.name for s in traced.roots()] == ["GET /x"]


def test_with_another_runtime_context_every_call_looks_for_its_span(monkeypatch):
    """OTEL_PYTHON_CONTEXT may name a runtime context without a context var: no probe."""
    from opentelemetry import context

    from appsignal_routes._private import otel

    monkeypatch.setattr(context, "_RUNTIME_CONTEXT", object())
    assert otel._runtime_context_found() is False


def test_an_internal_failure_is_swallowed_and_logged_once(traced, monkeypatch, caplog):
    from appsignal_routes._grouping.annotation import CALL_FAILED
    from appsignal_routes._grouping.group import RequestGroup

    def broken(*args):
        raise RuntimeError("internal")

    monkeypatch.setattr(RequestGroup, "set_route", broken)
    monkeypatch.setattr(RequestGroup, "set_root_name", broken)
    CALL_FAILED.reset()

    @ar.route("/x")
    def handler():
        return "ok"

    caplog.set_level("DEBUG", logger="appsignal_routes")
    with traced.request():
        assert handler() == "ok"
        assert handler() == "ok"
        ar.set_route("/y")  # the imperative forms: contained too
        ar.set_root_name("Y#show")
    assert [r.message for r in caplog.records].count("appsignal-routes: annotation failed") == 1


def test_class_root_name_bare_and_with_prefix(traced):
    @ar.root_name
    class UserHandlers:
        def show(self):
            return "show"

        def _private(self):
            return "private"

        def __call__(self):
            return "call"

        @classmethod
        def index(cls):
            return "index"

        @staticmethod
        def health():
            return "health"

        @ar.root_name("Custom#name")
        def custom(self):
            return "custom"

        not_a_method = "/x"

    @ar.root_name("Users")
    class Prefixed:
        def list(self):
            return "list"

    handlers = UserHandlers()
    assert isinstance(handlers, UserHandlers)
    assert names_of(traced, handlers.show) == ("show", "UserHandlers#show")
    assert names_of(traced, handlers) == ("call", "UserHandlers#__call__")
    assert names_of(traced, UserHandlers.index) == ("index", "UserHandlers#index")
    assert names_of(traced, UserHandlers.health) == ("health", "UserHandlers#health")
    assert names_of(traced, handlers.custom) == ("custom", "Custom#name")
    assert names_of(traced, handlers._private) == ("private", "GET")
    assert names_of(traced, Prefixed().list) == ("list", "Users#list")
    assert ar.root_name()(Prefixed) is Prefixed


def test_class_route_and_methods_list_and_subclassing(traced):
    @ar.route("/items/{item_id}", methods=["on_get"])
    class ItemResource:
        def on_get(self):
            return "get"

        def on_delete(self):
            return "delete"

    class Child(ItemResource):
        pass

    assert names_of(traced, Child().on_get) == ("get", "GET /items/{item_id}")
    assert names_of(traced, ItemResource().on_delete) == ("delete", "GET")
    assert isinstance(Child(), ItemResource)
    assert "/items/{item_id}" in registry.registry()


def test_method_level_route_is_more_specific_than_the_class_one(traced):
    @ar.route("/things")
    class Things:
        @ar.route("/things/:id")
        def show(self):
            return 1

        @ar.root_name("Things#index")
        def index(self):
            return 2

    assert names_of(traced, Things().show) == (1, "GET /things/:id")
    assert names_of(traced, Things().index) == (2, "Things#index")
    with traced.request():
        Things().index()
    root = traced.roots()[-1]
    assert root.attributes["http.route"] == "/things"  # the class route still applies below


@pytest.mark.parametrize("bad", [None, 1, b"/x"])
def test_decoration_time_type_errors(bad):
    with pytest.raises(TypeError, match="must be a str"):
        ar.route(bad)
    if bad is not None:
        with pytest.raises(TypeError, match="must be a str"):
            ar.root_name(bad)


@pytest.mark.parametrize(
    ("bad", "why"), [("", "empty"), ("A #b", "whitespace"), ("A\x07", "control")]
)
def test_decoration_time_value_errors_quote_the_name(bad, why):
    with pytest.raises(ValueError, match=why) as excinfo:
        ar.root_name(bad)
    assert repr(bad) in str(excinfo.value)


def test_decorating_what_is_not_callable_or_naming_nothing_is_a_type_error():
    with pytest.raises(TypeError, match="decorates callables and classes"):
        ar.route("/x")(42)
    with pytest.raises(TypeError, match="needs a name"):
        ar.root_name()(lambda: None)
    with pytest.raises(TypeError, match="classes only"):
        ar.route("/x", methods=["a"])(lambda: None)


def test_methods_that_do_not_exist_or_a_str_are_rejected():
    with pytest.raises(ValueError, match="no method 'missing'"):

        @ar.route("/x", methods=["missing"])
        class A:
            def present(self): ...

    with pytest.raises(TypeError, match="list of method names"):

        @ar.route("/x", methods="present")
        class B:
            def present(self): ...


def test_decorators_declare_their_templates_in_the_registry():
    ar.route("/declared/:id")
    assert registry.registry().match("/declared/5").text == "/declared/:id"


def test_copies_of_a_decorated_handler_still_group(traced):
    """Frameworks copy their handlers (Litestar deep-copies them at start-up)."""
    import copy

    @ar.route("/copied")
    def handler():
        return "called"

    assert copy.copy(handler) is handler  # as for a plain function: atomic
    assert copy.deepcopy(handler) is handler

    class Endpoint:
        def __init__(self):
            self.calls = []

        def __call__(self):
            self.calls.append(1)
            return "called"

    wrapped = ar.route("/object")(Endpoint())
    for duplicate in (copy.copy(wrapped), copy.deepcopy(wrapped)):
        assert duplicate is not wrapped
        assert duplicate.calls == []  # the object itself was copied
        with traced.request():
            assert duplicate() == "called"
    assert [s.name for s in traced.roots()] == ["GET /object", "GET /object"]
