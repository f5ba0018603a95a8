"""How CherryPy's handlers are named (AppSignal's controller style, ``Class#method``)
and listed for ``appsignal-routes routes`` (a walk of each app's object tree, or the
routes of its ``RoutesDispatcher``); the adapter itself is ``frameworks.cherrypy``."""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterator
from typing import Any, Final

from cherrypy import _cprequest, _cptree
from cherrypy._cpdispatch import MethodDispatcher, RoutesDispatcher
from cherrypy._cptools import HandlerTool

from appsignal_routes._grouping.annotation import RootNameAnnotator, RouteAnnotator
from appsignal_routes._private.wrapt import wrapper_of

from . import DiscoveredRoute
from ._names import dotted_name

#: how deep ``routes()`` walks an object tree
_MAX_DEPTH: Final = 8
_VERBS: Final = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def controller_name(handler: object) -> str:
    """AppSignal's controller-style name of a handler CherryPy calls: ``Class#method``
    for a method (of the object that holds it), ``Class#__call__`` for a callable
    object, ``module#function`` for a plain function."""
    holder = getattr(handler, "__self__", None)
    name = getattr(handler, "__name__", None)
    if holder is not None and isinstance(name, str) and not isinstance(holder, types.ModuleType):
        owner = holder if isinstance(holder, type) else type(holder)
        return f"{owner.__name__}#{name}"
    tool = _tool_of(handler)
    if tool is not None:  # tools.staticfile.handler(...) and the like: by the tool
        return f"{tool}#handler"
    if isinstance(name, str) and (inspect.isfunction(handler) or inspect.isbuiltin(handler)):
        qualname = str(getattr(handler, "__qualname__", name)).split(".<locals>.")[-1]
        outer, _, inner = qualname.rpartition(".")
        module = str(getattr(handler, "__module__", "") or "").rpartition(".")[2]
        return f"{outer.rpartition('.')[2]}#{inner}" if outer else f"{module}#{name}"
    return f"{type(handler).__name__}#__call__"


def _tool_of(handler: object) -> str | None:
    """The name of the CherryPy tool whose ``handler(...)`` made ``handler``, if any."""
    if not inspect.isfunction(handler) or not handler.__module__.startswith("cherrypy."):
        return None
    tools = [c for c in closure(handler) if isinstance(c, HandlerTool)]
    return str(tools[0]._name) if tools else None


def closure(function: types.FunctionType) -> list[object]:
    """What a function's closure holds (its cells that are set)."""
    held: list[object] = []
    for cell in function.__closure__ or ():
        try:
            held.append(cell.cell_contents)
        except ValueError:  # noqa: PERF203 - a cell not set yet; closures are short
            continue
    return held


def verb_name(resource: object, method: str) -> str:
    """``Class#VERB`` of a ``MethodDispatcher`` resource, HEAD served by GET as
    CherryPy serves it."""
    verb = method.upper()
    if verb == "HEAD" and getattr(resource, "HEAD", None) is None and hasattr(resource, "GET"):
        verb = "GET"
    return f"{type(resource).__name__}#{verb}"


def routes_template(routepath: str) -> str:
    return routepath if routepath.startswith("/") else "/" + routepath


def app_routes(app: _cptree.Application, script_name: str) -> Iterator[DiscoveredRoute]:
    dispatcher = app.find_config("/", "request.dispatch", _cprequest.Request.dispatch)
    if isinstance(dispatcher, RoutesDispatcher):
        yield from _routes_of_mapper(dispatcher, script_name)
    elif app.root is not None:
        verbs = isinstance(dispatcher, MethodDispatcher)
        yield from _tree_routes(app.root, script_name, verbs, 0, set())


def _routes_of_mapper(dispatcher: Any, script_name: str) -> Iterator[DiscoveredRoute]:
    for route in dispatcher.mapper.matchlist:
        method = (route.conditions or {}).get("method")
        methods = tuple(method) if isinstance(method, (list, tuple)) else ()
        controller = dispatcher.controllers.get(route.defaults.get("controller"))
        action = route.defaults.get("action")
        handler = getattr(controller, action, None) if action else controller
        template = script_name + routes_template(route.routepath)
        yield DiscoveredRoute(methods, template, "" if handler is None else dotted_name(handler))


def _tree_routes(
    node: object, prefix: str, verbs: bool, depth: int, seen: set[int]
) -> Iterator[DiscoveredRoute]:
    """The exposed handlers of an object tree, as the default dispatcher (or, with
    ``verbs``, ``MethodDispatcher``) reaches them."""
    if id(node) in seen or depth > _MAX_DEPTH:
        return
    seen.add(id(node))
    if verbs and getattr(node, "exposed", False):
        for verb in sorted(v for v in dir(node) if v in _VERBS):
            group = f"{type(node).__name__}#{verb}"
            handler = dotted_name(getattr(node, verb))
            yield DiscoveredRoute((verb,), prefix or "/", handler, group=group)
    for attribute in sorted(dir(node)):
        if attribute.startswith("_"):
            continue
        static = inspect.getattr_static(node, attribute, None)
        if isinstance(static, property) or static is None:
            continue  # read no properties: they are the app's code
        member = getattr(node, attribute, None)
        if callable(member) and not verbs and getattr(member, "exposed", False):
            yield _handler_route(member, prefix, attribute)
        elif (not callable(member) or getattr(member, "exposed", False)) and _is_node(member):
            yield from _tree_routes(member, f"{prefix}/{attribute}", verbs, depth + 1, seen)


def _is_node(member: object) -> bool:
    """An object of the app's own the dispatcher may walk into (not a str, a number, a
    container or a module)."""
    return not isinstance(
        member, (str, bytes, int, float, list, tuple, dict, set, frozenset, types.ModuleType)
    ) and hasattr(member, "__dict__")


def _handler_route(handler: object, prefix: str, attribute: str) -> DiscoveredRoute:
    path = f"{prefix}/" if attribute == "index" else f"{prefix}/{attribute}"
    if attribute == "default":
        path = f"{prefix}/*"
    return DiscoveredRoute((), path, dotted_name(handler), group=_group_of(handler))


def _group_of(handler: object) -> str:
    """The group a handler's requests get: its decorator's, else ``Class#method``."""
    annotator = wrapper_of(handler)
    if isinstance(annotator, RootNameAnnotator):
        return annotator.name
    if isinstance(annotator, RouteAnnotator):
        return f"{{METHOD}} {annotator.route}"
    return controller_name(handler)
