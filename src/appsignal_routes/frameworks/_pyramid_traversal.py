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
"""

from __future__ import annotations

import logging
from typing import Any, Final

from pyramid.interfaces import IContextFound, IRequest
from pyramid.view import _find_views
from zope.interface import providedBy

from appsignal_routes._annotation import annotate_root_name, annotate_route
from appsignal_routes._contain import Containment
from appsignal_routes._handler_names import decorators_of, member, names_of

logger = logging.getLogger("appsignal_routes")

#: the registry attribute that says the listener is there (a registry holds it once)
_LISTENING = "_appsignal_routes_traversal"
_NAMING_FAILED: Final = Containment("naming a traversal request failed", once=True)


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
