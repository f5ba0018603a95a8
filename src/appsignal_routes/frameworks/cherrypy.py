"""CherryPy as a WSGI app: ``cherrypy.tree`` (several apps mounted at script names),
a ``cherrypy.Application``, or what ``cherrypy.tree.mount(...)`` returns.

CherryPy's default dispatcher walks an object tree, so its requests have no route
template: each is named by the handler CherryPy dispatches it to, in AppSignal's
controller style, as a root name of source ``discovered`` (``UsersPage#show``: the class
of the object that holds the exposed method, ``#``, the method's name; ``index`` and
``default`` as CherryPy resolves them). ``MethodDispatcher`` gives ``Class#VERB``
(``ItemResource#GET``; a 405 is named by the verb asked for, ``ItemResource#DELETE``).
``RoutesDispatcher`` gives the template of the route it matched, as ``http.route``.

The handler is read after CherryPy has dispatched the request and answered it, while
the request's server span still records: ``prepare`` wraps the app in a stand-in that
calls it, then reads ``cherrypy.serving.request`` (the handler CherryPy set, under the
wrappers its tools put around it: ``tools.encode``, ``tools.json_out``, handler-wrapping
tools). Nothing of CherryPy's is written. Where the handler is no longer there (a tool
answered in its place: ``tools.caching``, ``tools.staticdir``), or for a 405, which
keeps no resource, the dispatcher's own ``find_handler`` is asked again on a scratch
request, so that CherryPy's request and response are left as they are. A request that
CherryPy answered with a 404 keeps the group it started with (by its method alone).
"""

from __future__ import annotations

import inspect
import logging
import types
import weakref
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, Final, cast

import cherrypy
from cherrypy import _cprequest, _cptree
from cherrypy._cpdispatch import (
    Dispatcher,
    LateParamPageHandler,
    MethodDispatcher,
    PageHandler,
    RoutesDispatcher,
)
from cherrypy.lib.encoding import ResponseEncoder

from appsignal_routes._contain import Containment
from appsignal_routes._grouping.annotation import RootNameAnnotator, RouteAnnotator, root_is_current
from appsignal_routes._grouping.group import RequestGroup
from appsignal_routes._grouping.handoff import RootName, current_group
from appsignal_routes._private.wrapt import wrapper_of
from appsignal_routes._routes import registry

from . import DiscoveredRoute, Found, Router
from ._cherrypy_names import app_routes, closure, controller_name, routes_template, verb_name
from ._route_cache import MISS, RouteCache, shape

logger = logging.getLogger("appsignal_routes")

DISTRIBUTION: Final = "cherrypy"
LOWEST: Final = "18.7"

_NAMING_FAILED: Final = Containment("naming a CherryPy request failed")
#: wrappers looked through around a handler (tools that wrap tools)
_MAX_WRAPPERS: Final = 8


def _dispatched(request: Any) -> object | None:
    """What CherryPy's dispatcher set as the request's handler, under the wrappers its
    tools put around it: the page handler's callable, an ``HTTPError`` (404, 405), or
    None when it is no longer there (or wrapped past recognising)."""
    todo: list[object] = [request.handler]
    for handler in todo:  # (the wrappers found are appended as it goes)
        if isinstance(handler, PageHandler):
            found: object = handler.callable
            return found
        if isinstance(handler, cherrypy.HTTPError):
            error: object = handler
            return error
        if len(todo) > _MAX_WRAPPERS:
            break
        if isinstance(handler, ResponseEncoder):  # tools.encode, on by default
            todo.append(getattr(handler, "oldhandler", None))
        elif inspect.isfunction(handler):
            # tools.json_out keeps the handler on the request; HandlerWrapperTool (and
            # wrappers like it) in the wrapping function's closure
            todo.append(request.__dict__.get("_json_inner_handler"))
            todo.extend(closure(handler))
    return None


def _dispatcher(request: Any) -> object:
    """The dispatcher CherryPy asked for the request (``request.dispatch`` in the app's
    config, else the request class's own)."""
    default = getattr(type(request), "dispatch", None)
    return request.app.find_config(request.path_info, "request.dispatch", default)


def _routes_dispatcher(dispatcher: object) -> bool:
    return isinstance(dispatcher, RoutesDispatcher)


class _Scratch:
    """A stand-in for ``cherrypy.serving``'s request and response while a dispatcher's
    ``find_handler`` is asked again: whatever it (or an app's ``_cp_dispatch``) writes
    lands on a scratch request and response, never on the request being served."""

    def __init__(self, request: Any) -> None:
        scratch: Any = _cprequest.Request(request.local, request.remote, request.scheme)
        scratch.app = request.app
        scratch.method = request.method
        scratch.path_info = request.path_info
        scratch.script_name = request.script_name
        scratch.params = {}
        scratch.config = {}
        self.request = scratch
        self.response = _cprequest.Response()
        self._saved: dict[str, object] = {}

    def __enter__(self) -> Any:
        serving = cherrypy.serving
        self._saved = dict(serving.__dict__)
        serving.load(self.request, self.response)
        return self.request

    def __exit__(self, *exc_info: object) -> None:
        serving = cherrypy.serving
        serving.__dict__.clear()
        serving.__dict__.update(self._saved)


def _find_again(request: Any, dispatcher: object) -> object | None:
    """What ``dispatcher.find_handler`` finds for the request, asked on a scratch
    request (the object tree's resource, for ``MethodDispatcher``); None if nothing."""
    if not isinstance(dispatcher, Dispatcher):
        return None
    with _Scratch(request):
        found: object = dispatcher.find_handler(request.path_info)[0]
    return found


#: (mapper, its length, path, method) -> the template RoutesDispatcher matched
_templates: RouteCache[tuple[int, int, str, str]] = RouteCache()


def discovered_name(request: Any, handler: object) -> tuple[str, bool] | None:
    """A request's group as CherryPy dispatched it to ``handler`` (``_dispatched``): a
    ``Class#method`` root name (True) or a Routes template (False); None to keep the
    group it started with (a 404: CherryPy found no handler)."""
    cut_short = handler is None or isinstance(handler, cherrypy.HTTPError)
    # the dispatcher CherryPy asked, which the request's config names when it found a
    # handler (set in the app's config, merged along the path)
    dispatcher = _dispatcher(request) if cut_short else request.config.get("request.dispatch")
    if _routes_dispatcher(dispatcher):
        return _template_name(dispatcher, request)
    if not cut_short:
        return controller_name(handler), True
    by_verb = isinstance(dispatcher, MethodDispatcher)
    # a tool answered in the handler's place (None), or MethodDispatcher's 405
    if handler is None or (
        by_verb and getattr(handler, "status", None) == HTTPStatus.METHOD_NOT_ALLOWED
    ):
        found = _find_again(request, dispatcher)
        if found is not None:
            return (verb_name(found, request.method) if by_verb else controller_name(found)), True
    return None


def _template_name(dispatcher: Any, request: Any) -> tuple[str, bool] | None:
    """The template of the route ``RoutesDispatcher`` matched, matched again (read
    only) with the request's environ, as CherryPy matched it."""
    mapper = dispatcher.mapper
    key = (id(mapper), len(mapper.matchlist), request.path_info, request.method)
    cached = _templates.entries(None)
    template = cached.get(key, MISS)
    if template is MISS:
        matched = mapper.routematch(url=request.path_info, environ=request.wsgi_environ)
        template = None if matched is None else routes_template(matched[1].routepath)
        _templates.store(cached, key, template)
    return None if template is None else (cast("str", template), False)  # (a str stored)


class CherryPyRouter:
    """What ``instrument()`` and ``appsignal-routes routes`` read of a CherryPy app.

    CherryPy's tree cannot be walked at a request's start cheaply, nor without running
    the app's code (``_cp_dispatch``): each request is named once CherryPy has
    dispatched it (see ``prepare``), and the name is remembered by the request's method
    and the shape of its path (``/users/42`` and ``/users/43`` alike), so that the next
    request like it starts named by it. Every request's name is checked after dispatch
    all the same: one that CherryPy dispatches elsewhere is renamed.
    """

    framework = "CherryPy"

    def __init__(self, app: _cptree.Tree | _cptree.Application) -> None:
        self._app = app
        self._learnt: RouteCache[tuple[str, str]] = RouteCache()

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:  # noqa: ARG002 - the method and path are the key
        found = self._learnt.entries(None).get((method or "GET", shape(path)))
        return found if found is not MISS else None

    def learn(self, environ: dict[str, Any], name: str | None) -> None:
        """Remember the root name (None: none) of a request like this one."""
        key = (environ.get("REQUEST_METHOD") or "GET", shape(environ.get("PATH_INFO") or "/"))
        entries = self._learnt.entries(None)
        if name is None:
            entries.pop(key, None)
        else:
            self._learnt.store(entries, key, RootName(name))

    def routes(self) -> Iterable[DiscoveredRoute]:
        app = self._app
        apps = app.apps if isinstance(app, _cptree.Tree) else {"": app}
        for script_name, mounted in sorted(apps.items()):
            if isinstance(mounted, _cptree.Application):
                yield from app_routes(mounted, script_name)


def _serve(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
    """Call the CherryPy app, then name the request by the handler it dispatched to,
    while its span still records (the response is not yet sent on)."""
    router = _routers.get(app)
    if router is None:  # instrument(app, discover_routes=False)
        return app(environ, start_response)
    serving = cherrypy.serving
    before = serving.__dict__.get("request")
    result = app(environ, start_response)
    with _NAMING_FAILED:
        request = serving.__dict__.get("request")
        if request is not None and request is not before:  # CherryPy served it now
            _name_request(request, router, environ)
    return result


def _name_request(request: Any, router: CherryPyRouter, environ: dict[str, Any]) -> None:
    group = current_group.get()
    if group is None or not root_is_current(group):
        return
    name = _common_name(request)
    if name is None:
        _name_dispatched(group, request, router, environ)
    elif not group.root_discovered or group.root_name != name:  # else: as it started
        group.discover_root_name(name)
        router.learn(environ, name)


def _common_name(request: Any) -> str | None:
    """``Class#method`` of the common case, read the shortest way: a method the object
    dispatcher found (not RoutesDispatcher), under ``tools.encode``; None for any other."""
    handler = request.handler
    if type(handler) is ResponseEncoder:
        handler = handler.__dict__.get("oldhandler")
    if type(handler) is not LateParamPageHandler or isinstance(
        request.config.get("request.dispatch"), RoutesDispatcher
    ):
        return None
    method = handler.callable
    if type(method) is not types.MethodType or isinstance(method.__self__, type):
        return None
    return f"{type(method.__self__).__name__}#{method.__name__}"


def _name_dispatched(
    group: RequestGroup, request: Any, router: CherryPyRouter, environ: dict[str, Any]
) -> None:
    """Name the request by what CherryPy dispatched it to, any case (``_dispatched``)."""
    handler = _dispatched(request)
    annotator = wrapper_of(handler)  # @ar.route, @ar.root_name
    if isinstance(annotator, RouteAnnotator):  # whether or not the handler ran
        group.set_route(annotator.route, "decorator", override=False)
    elif isinstance(annotator, RootNameAnnotator):
        group.set_root_name(annotator.name, override=False)
    else:
        named = discovered_name(request, handler)
        if named is None:  # CherryPy found no handler (a 404)
            if group.undiscover_root_name():  # started by a name learnt: as it would have
                template = registry.settings.table.match(environ.get("PATH_INFO") or "/")
                if template is not None:
                    group.set_route(template.text, "registry", override=False)
        elif named[1]:
            group.discover_root_name(named[0])
            router.learn(environ, named[0])
            return
        else:
            group.set_route(named[0], "discovered", override=False)
    router.learn(environ, None)


#: the apps whose router discovery asked for, and their routers: their requests are
#: named (weak keys: an app dropped is forgotten)
_routers: weakref.WeakKeyDictionary[object, CherryPyRouter] = weakref.WeakKeyDictionary()


def prepare(app: object) -> object:
    """For a CherryPy tree or application, a stand-in that calls it and names each
    request after CherryPy dispatched it, once route discovery has asked for the app's
    router (a method bound to the app, so that discovery finds the app); other objects
    as they are."""
    if isinstance(app, (_cptree.Tree, _cptree.Application)):
        return types.MethodType(_serve, app)
    return app


def router_for(app: object) -> Router | None:
    """A router for a CherryPy tree or application; None for other CherryPy objects.

    Raises:
        TypeError: CherryPy's request has no ``handler`` or its dispatcher no
            ``find_handler``, as in the CherryPy versions this adapter knows.
    """
    if not isinstance(app, (_cptree.Tree, _cptree.Application)):
        return None
    if not hasattr(_cprequest.Request, "handler") or not hasattr(Dispatcher, "find_handler"):
        msg = "CherryPy request without handler, or dispatcher without find_handler"
        raise TypeError(msg)
    router = _routers.get(app)
    if router is None:
        router = _routers[app] = CherryPyRouter(app)
    return router
