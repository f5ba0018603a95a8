"""A small bounded cache of request keys to templates, for routers that are slow to ask.

Valid for one version of a router's route list (a value that changes whenever a route
is added: its length and last route, say); a new version starts an empty map. Bounded:
a full map is emptied rather than evicted entry by entry, which keeps every operation a
single dict operation, safe under threads without a lock. A request that raced a route
change may store its answer in the map of the old version: that map is already dropped.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from . import Found

K = TypeVar("K", bound=Hashable)

#: at most this many keys remembered per router
SIZE = 1024
#: what ``entries(...).get(key, MISS)`` answers for a key not remembered (None is a
#: remembered "no route"); one ``get``, as another thread may empty the map meanwhile
MISS = "\x00appsignal-routes: not cached"


class RouteCache(Generic[K]):
    """Request key -> template, or the template with its handler (None: no route), for
    the current route list only."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._state: tuple[object, dict[K, str | Found | None]] = (object(), {})

    def entries(self, version: object) -> dict[K, str | Found | None]:
        """The map for ``version`` of the route list (empty when it changed);
        ``version`` is compared with ``==`` and kept, so objects in it stay alive."""
        current, entries = self._state
        if current != version:
            entries = {}
            self._state = (version, entries)
        return entries

    def store(
        self, entries: dict[K, str | Found | None], key: K, template: str | Found | None
    ) -> None:
        """Remember ``template`` for ``key`` in ``entries`` (from ``entries()``)."""
        if len(entries) >= self._size:
            entries.clear()
        entries[key] = template


def shape(path: str) -> str:
    """``path`` with each segment of (ASCII) digits alone replaced by its length: the key
    under which a router whose routes treat such segments alike whatever their value
    remembers its answer (``/users/42`` and ``/users/43`` share one entry). A path that
    holds a NUL itself (``%00`` decoded) is its own key, marked by a trailing NUL that no
    shape ends with: ``/users/\x002`` never shares the entry of ``/users/12``."""
    if "\x00" in path:
        return path + "\x00"
    parts = path.split("/")
    for index, part in enumerate(parts):  # (a loop: a generator costs a third more)
        if part.isdigit() and part.isascii():
            parts[index] = f"\x00{len(part)}"
    return "/".join(parts)


class Founds:
    """One ``Found`` per template and handler, made once (making one costs about a
    microsecond): for routers that find a route anew for every request."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._made: dict[tuple[str, object], Found] = {}

    def of(self, template: str, handler: object) -> Found:
        key = (template, handler)
        try:
            found = self._made.get(key)
        except TypeError:  # an unhashable handler
            return Found(template, handler)
        if found is None:
            found = Found(template, handler)
            if len(self._made) >= self._size:
                self._made.clear()
            self._made[key] = found
        return found
