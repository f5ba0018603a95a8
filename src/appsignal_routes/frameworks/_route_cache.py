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

K = TypeVar("K", bound=Hashable)

#: at most this many keys remembered per router
SIZE = 1024
#: what ``entries(...).get(key, MISS)`` answers for a key not remembered (None is a
#: remembered "no route"); one ``get``, as another thread may empty the map meanwhile
MISS = "\x00appsignal-routes: not cached"


class RouteCache(Generic[K]):
    """Request key -> template (None: no route), for the current route list only."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._state: tuple[object, dict[K, str | None]] = (object(), {})

    def entries(self, version: object) -> dict[K, str | None]:
        """The map for ``version`` of the route list (empty when it changed);
        ``version`` is compared with ``==`` and kept, so objects in it stay alive."""
        current, entries = self._state
        if current != version:
            entries = {}
            self._state = (version, entries)
        return entries

    def store(self, entries: dict[K, str | None], key: K, template: str | None) -> None:
        """Remember ``template`` for ``key`` in ``entries`` (from ``entries()``)."""
        if len(entries) >= self._size:
            entries.clear()
        entries[key] = template


def shape(path: str) -> str:
    """``path`` with each segment of (ASCII) digits alone replaced by its length: the key
    under which a router whose routes treat such segments alike whatever their value
    remembers its answer (``/users/42`` and ``/users/43`` share one entry)."""
    parts = path.split("/")
    for index, part in enumerate(parts):  # (a loop: a generator costs a third more)
        if part.isdigit() and part.isascii():
            parts[index] = f"\x00{len(part)}"
    return "/".join(parts)
