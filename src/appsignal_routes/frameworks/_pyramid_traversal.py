"""Pyramid traversal: a request is grouped by the view it reaches, as Pyramid finds it.

Traversal has no route to ask before the request runs: the resource tree is walked by
the root factory and the resources' ``__getitem__`` (often a database), and the view is
looked up by the context's type and the view name. So the toolkit asks nothing at the
request's start; it listens for Pyramid's own ``ContextFound`` event, which Pyramid
sends once traversal has found the context and before it looks the view up, checks its
permission or calls it. A request refused by a permission check is then grouped by the
view it was refused at.

The group is a template of the path built from the types of the resources traversed and
the view name, in Pyramid's route syntax: ``/FrontPage/edit_page`` reaching the view
``edit_page`` of a ``Page`` is ``GET /{Page}/edit_page``; ``/`` is ``GET /``; a subpath
left after the view name adds ``/*subpath``; ``@@edit_page`` is ``edit_page``. Only a
view name for which a view is registered for the context names a request: a path that
finds no view stays ``GET``, so that 404s never make groups. A resource whose parent
is unknown (no ``__parent__``) is written ``{resource}``. A view decorated with
``@route`` or ``@root_name`` is grouped by its decorator, before it runs too.

For ``appsignal-routes routes``, ``traversal_views`` lists the views traversal can reach
(registered without a route) with the templates their requests get, learnt from the
resource tree itself: the root factory is called once and the tree walked where its
resources list their children (``keys()``), at most ``WALKED`` resources, ``DEPTH`` levels
deep. A view whose context was not met in that walk gets a template whose first part
says the types above it are not known (``.../{Attachment}``).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, cast

from pyramid.interfaces import IContextFound, IException, IRequest
from pyramid.view import _find_views
from zope.interface import providedBy

from appsignal_routes._contain import Containment
from appsignal_routes._decorators.handler_names import decorators_of, member, names_of
from appsignal_routes._grouping.annotation import annotate_root_name, annotate_route

from ._names import dotted_name

#: the registry attribute that says the listener is there (a registry holds it once)
_LISTENING = "_appsignal_routes_traversal"
_NAMING_FAILED: Final = Containment("naming a traversal request failed", once=True)
_ROOT_FAILED: Final = Containment("the root factory failed")
_CHILDREN_FAILED: Final = Containment("%r could not list its children")


def listen(registry: Any) -> None:
    """Group the traversal requests of the app of ``registry`` (once per registry)."""
    if getattr(registry, _LISTENING, False):
        return
    registry.registerHandler(context_found, (IContextFound,))
    setattr(registry, _LISTENING, True)


def context_found(event: Any) -> None:
    """Pyramid's ``ContextFound``: name a traversal request by the view it reaches.
    Never raises into the request."""
    with _NAMING_FAILED:
        request = event.request
        if getattr(request, "matched_route", None) is not None:
            return  # URL dispatch: grouped by its route as the request started
        views = _find_views(
            request.registry,
            getattr(request, "request_iface", IRequest),
            providedBy(request.context),
            request.view_name,
        )
        if not views:
            return  # no view: Pyramid answers 404, grouped by the method alone
        annotate_route(template_of(request), source="discovered")
        root, route = _decorated(views[0])
        if route is not None:
            annotate_route(route)
        if root is not None:
            annotate_root_name(root)


def template_of(request: Any) -> str:
    """The traversal template of a request Pyramid has found the context of."""
    context = request.context
    root = request.root
    types: list[str] = []
    resource = context
    while resource is not root and resource is not None and len(types) < len(request.traversed):
        types.append("{%s}" % type(resource).__name__)  # noqa: UP031 - braces in the text
        resource = getattr(resource, "__parent__", None)
    types.extend("{resource}" for _ in range(len(request.traversed) - len(types)))
    parts = [*reversed(types)]
    if request.view_name:
        parts.append(request.view_name)
    if request.subpath:
        parts.append("*subpath")
    return "/" + "/".join(parts)


def _decorated(view: Any) -> tuple[str | None, str | None]:
    """The names the user's view callable (under Pyramid's derived view) carries: a
    class view's by its ``__call__``, else the route all its methods share."""
    original = getattr(view, "__original_view__", view)
    if isinstance(original, type):
        call = member(original, "__call__")
        return decorators_of(call) if call is not None else names_of(original, None)
    return decorators_of(original)


#: resources a listing walks at most, levels deep at most, children of one at most
WALKED = 500
DEPTH = 8
CHILDREN = 50


@dataclass(frozen=True, slots=True)
class TraversalView:
    """A view that traversal reaches, for people to read."""

    name: str  # the view name ("": the context's default view)
    context: str  # the resource type (or interface) it is registered for; "" for any
    methods: tuple[str, ...]  # the request methods it takes (empty: any)
    templates: tuple[str, ...]  # the templates its requests get, as the tree gives them
    handler: str  # the view callable
    root_name: str | None = None  # the decorators it carries
    route: str | None = None


def traversal_views(registry: Any, root: Callable[[], object]) -> list[TraversalView]:
    """The views of ``registry`` registered without a route (traversal's), exception
    views left out, with the templates their requests get below the resource tree that
    ``root()`` gives (see the module doc; a root that cannot be had: ``...`` templates)."""
    tree = _walk(root)
    listed = []
    for entry in registry.introspector.get_category("views") or ():
        intr = entry["introspectable"]
        context = intr.get("context")
        view = intr.get("callable")
        if intr.get("route_name") is not None or _for_exceptions(context, view):
            continue
        name = str(intr.get("name") or "")
        templates = sorted(
            {_joined(types, name) for types, resource in tree if _provides(context, resource)}
        )
        if not templates:  # not met in the tree: its place below the root is not known
            parts = [] if context is None else ["{%s}" % _label(context)]  # noqa: UP031
            templates = [".../" + "/".join([*parts, name] if name else parts)]
        methods = intr.get("request_methods") or ()
        root_name, route = _names_of(view, intr.get("attr"))
        listed.append(
            TraversalView(
                name,
                _label(context),
                (methods,) if isinstance(methods, str) else tuple(sorted(methods)),
                tuple(templates),
                dotted_name(view) + (f".{intr['attr']}" if intr.get("attr") else ""),
                root_name,
                route,
            )
        )
    return listed


def _walk(root: Callable[[], object]) -> list[tuple[tuple[str, ...], object]]:
    """(the types traversed, the resource) for each resource met from the root, one per
    distinct list of types."""
    try:
        top = root()
    except Exception:
        _ROOT_FAILED.log()
        return []
    met: dict[tuple[str, ...], object] = {(): top}
    queue: deque[tuple[tuple[str, ...], object]] = deque([((), top)])
    walked = 1
    while queue and walked < WALKED:
        types, resource = queue.popleft()
        if len(types) >= DEPTH:
            continue
        for child in _children(resource):
            walked += 1
            below = (*types, "{%s}" % type(child).__name__)  # noqa: UP031 - braces in the text
            if below not in met:
                met[below] = child
                queue.append((below, child))
    return list(met.items())


def _children(resource: object) -> list[object]:
    keys: Any = getattr(resource, "keys", None)
    getitem: Any = getattr(resource, "__getitem__", None)
    if not callable(keys) or not callable(getitem):
        return []
    try:
        return [getitem(key) for key in itertools.islice(cast("Iterable[Any]", keys()), CHILDREN)]
    except Exception:
        _CHILDREN_FAILED.log(resource)
        return []


def _joined(types: tuple[str, ...], name: str) -> str:
    return "/" + "/".join((*types, name) if name else types)


def _provides(context: Any, resource: object) -> bool:
    if context is None:
        return True
    if isinstance(context, type):
        return isinstance(resource, context)
    return bool(context.providedBy(resource))


def _label(context: Any) -> str:
    return "" if context is None else str(getattr(context, "__name__", context))


def _for_exceptions(context: Any, view: object) -> bool:
    """An exception view (or Pyramid's own): found by the exception raised, never by
    traversal."""
    if isinstance(context, type):
        return issubclass(context, BaseException)
    if context is not None and context.isOrExtends(IException):
        return True
    return str(getattr(view, "__module__", "")).startswith("pyramid.")


def _names_of(view: Any, attr: str | None) -> tuple[str | None, str | None]:
    """The names a view callable carries (a class's ``attr`` method, or its ``__call__``)."""
    if isinstance(view, type):
        method = member(view, attr or "__call__")
        return decorators_of(method) if method is not None else names_of(view, None)
    return decorators_of(view)
