"""How a route's handler is named for people (``appsignal-routes routes``)."""

from __future__ import annotations


def dotted_name(handler: object) -> str:
    """``module.Qualified.name`` of a function, method or class; an instance (a
    resource object, a callable object) is named after its class."""
    named = handler if hasattr(handler, "__qualname__") else type(handler)
    return f"{named.__module__}.{getattr(named, '__qualname__', type(named).__name__)}"
