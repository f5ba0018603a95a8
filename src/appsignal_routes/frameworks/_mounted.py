"""What every router that composes another one shares: joining a mounted app's answers
to the mount's prefix, and remembering them where its router says they may be.

A mounted app's answers are remembered by the request's method, path and kind only
where its router says they depend on nothing else, and for as long as it says so: its
``answers_version()`` (an optional method; Flask's and Quart's routers have it) gives a
token that changes as its routes do, or None when its answers depend on more (the Host
header, a header predicate): those are asked on every request. Where its
``answers_by_shape`` is true, a path is remembered by its shape (``/users/42`` and
``/users/43`` alike), as the router itself remembers it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from . import DiscoveredRoute, Found, Router
from ._route_cache import shape

#: answers remembered per composing router, at most (a full map is emptied)
_REMEMBERED = 1024


def answers_version(router: object) -> object | None:
    """The router's ``answers_version()`` (see the module's doc), None without one."""
    version = getattr(router, "answers_version", None)
    return None if version is None else version()


def answer_path(router: object, path: str) -> str:
    """``path`` as a router's answers are remembered by: its shape (each segment of digits
    alone by its length, ``_route_cache.shape``) where the router says a segment of
    digits is routed alike whatever its value (``answers_by_shape``), else itself."""
    if getattr(router, "answers_by_shape", False) is True:
        return "\x00" + shape(path)  # (apart from any path as it is)
    return path


def remember(entries: dict[Any, Any], key: object, value: object) -> None:
    """Keep ``value`` for ``key`` in a bounded map (emptied when full)."""
    if len(entries) >= _REMEMBERED:
        entries.clear()
    entries[key] = value


def join(prefix: str, template: str) -> str:
    """A mounted app's route below the mount's prefix (``/legacy`` + ``/add``); a route
    written without a leading slash (Django's) is put below it too."""
    prefix = prefix.rstrip("/")
    return prefix + template if template.startswith("/") else f"{prefix}/{template}"


def below_mount(router: object) -> bool:
    """Whether a mounted app's templates already hold the mount's path: an app that
    routes an ASGI scope's whole path, its ``root_path`` included (Falcon's ASGI app)."""
    return getattr(router, "whole_path", False) is True


def prefixed(prefix: str, found: str | Found | None) -> str | Found | None:
    """A mounted app's answer, joined to the mount's prefix."""
    if found is None or not prefix:
        return found
    if isinstance(found, Found):
        return dataclasses.replace(found, template=join(prefix, found.template))
    return join(prefix, found)


def mounted_routes(prefix: str, router: Router) -> Iterator[DiscoveredRoute]:
    """A mounted app's routes, below the mount's prefix, each saying which app it is of."""
    below = prefix and not below_mount(router)
    for route in router.routes():
        yield dataclasses.replace(
            route,
            template=join(prefix, route.template) if below else route.template,
            prefix=join(prefix, route.prefix) if prefix and route.prefix else prefix,
            framework=route.framework or router.framework,
        )
