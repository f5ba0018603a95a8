"""The decorator a handler carries, read before it runs: one endpoint, one group.

When a framework's router names the handler a request is dispatched to (a
``frameworks.Found``), the request is grouped by that handler's ``@route`` or
``@root_name`` from its start, whether or not the handler then runs (an auth
middleware's 401, a CSRF failure, a permission check, a 405). The handler is read as
the framework holds it:

- a function or method the decorators wrapped, perhaps under other decorators that
  keep ``__wrapped__`` (``functools.wraps``, Django's ``require_http_methods``);
- a class-based view, by the method the request's method calls: a class itself
  (Starlette's ``HTTPEndpoint``), or a view function that names its class
  (``view_class``: Django's and Flask's ``as_view()``; ``cls`` with the ``actions``
  mapping of a Django REST framework ViewSet, ``{"get": "list"}``). ``HEAD`` falls back
  to ``get``. A method the class lacks (a 405) takes the route all its decorated
  handler methods share, if they share one and none has a root name (a class-level
  ``@route``), else none: a root name names one method.

What a handler carries cannot change once the app serves, so the answer is kept per
handler and method (``HandlerNames``).
"""

from __future__ import annotations

import functools
import inspect

from appsignal_routes._grouping.annotation import RootNameAnnotator, RouteAnnotator
from appsignal_routes._private.wrapt import wrapper_of

#: a handler's root name and route, as its decorators give them (None: none)
Names = tuple[str | None, str | None]

_NONE: Names = (None, None)
_DEPTH = 32  # a bound on wrapper chains
_SIZE = 1024  # at most this many handlers and methods remembered


class HandlerNames:
    """``(handler, method) -> Names``, remembered (bounded: a full map is emptied)."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[tuple[object, str | None], Names] = {}

    def of(self, handler: object, method: str | None) -> Names:
        """The names ``handler``'s decorators give a request of ``method``."""
        key = (handler, method)
        try:
            found = self._known.get(key)
        except TypeError:  # an unhashable handler: read it every time
            return names_of(handler, method)
        if found is None:
            found = names_of(handler, method)
            known = self._known
            if len(known) >= _SIZE:
                known.clear()
            known[key] = found
        return found


def names_of(handler: object, method: str | None) -> Names:
    """The root name and route that ``handler`` (see the module doc) carries for a
    request of ``method``."""
    names = decorators_of(handler)
    if names != _NONE:
        return names
    cls, actions = _view_class(handler)
    if cls is None:
        return _NONE
    verb = (method or "").lower()
    attribute = actions.get(verb) if actions is not None else verb
    if attribute is None and verb == "head" and actions is not None:
        attribute = actions.get("get")
    handler_method = member(cls, attribute) if attribute else None
    if handler_method is None and verb == "head":
        handler_method = member(cls, "get")
    if handler_method is not None:
        return decorators_of(handler_method)
    # a method the class does not handle (a 405): the route all its decorated handler
    # methods share, if they share one (a root name belongs to its method alone)
    carried = [decorators_of(m) for m in _members(cls)]
    routes = {route for root, route in carried if root is None and route is not None}
    if len(routes) == 1 and all(root is None for root, _ in carried):
        return None, routes.pop()
    return _NONE


def by_method(handler: object) -> bool:
    """Whether the names ``handler`` carries depend on the request's method: a
    class-based view without a decorator of its own."""
    return decorators_of(handler) == _NONE and _view_class(handler)[0] is not None


def decorators_of(obj: object) -> Names:
    """The first root name and the first route found down ``obj``'s wrapper chain."""
    root: str | None = None
    route: str | None = None
    for _ in range(_DEPTH):
        # (a wrapt proxy passes isinstance for what it wraps: asked before the rest)
        wrapper = wrapper_of(obj)  # a wrapt proxy's function
        if root is None and type(wrapper) is RootNameAnnotator:
            root = wrapper.name
        elif route is None and type(wrapper) is RouteAnnotator:
            route = wrapper.route
        if wrapper is None and isinstance(obj, (classmethod, staticmethod)):
            obj = obj.__func__
            continue
        if isinstance(obj, functools.partial):  # a method bound so (Litestar 2.0's controllers)
            obj = obj.func
            continue
        if inspect.isclass(obj):
            break  # a class's __wrapped__ is no wrapper of it
        following = getattr(obj, "__wrapped__", None)
        if following is None or following is obj:
            break
        obj = following
    return root, route


def _view_class(handler: object) -> tuple[type | None, dict[str, str] | None]:
    """The class a class-based view dispatches to, and a ViewSet's actions mapping."""
    if inspect.isclass(handler):
        return handler, None
    cls = getattr(handler, "view_class", None)  # Django's, Flask's as_view()
    if not inspect.isclass(cls):
        cls = getattr(handler, "cls", None)  # Django REST framework's as_view()
        if not inspect.isclass(cls):
            return None, None
    actions = getattr(handler, "actions", None)  # a ViewSet's: {"get": "list"}
    return cls, actions if isinstance(actions, dict) else None


def member(cls: type, name: str) -> object | None:
    """``cls``'s attribute ``name`` as its class body holds it (no descriptor bound),
    looked up through its bases."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            member: object = klass.__dict__[name]
            return member
    return None


def _members(cls: type) -> list[object]:
    """The public methods and ``__call__`` of ``cls`` and its bases (not ``object``)."""
    seen: dict[str, object] = {}
    for klass in cls.__mro__[:-1]:
        for name, member in klass.__dict__.items():
            if (not name.startswith("_") or name == "__call__") and name not in seen:
                seen[name] = member
    return list(seen.values())
