"""GraphQL operations: a request that executes one named operation is grouped by it.

One hook, at graphql-core's execution, which Strawberry, Ariadne and Graphene all run
their operations through (``graphql_core``): graphql-core builds an executor for each
operation it is asked to run, once the document has parsed and validated, and that
executor knows the operation ``operationName`` picked. So nothing here reads a request
body, and the framework underneath does not matter. The hook goes in as graphql-core is
imported (``wrapt``'s post-import hooks), and only once ``instrument()`` has run: a
process that imports no GraphQL library never pays for it, and a request that runs no
GraphQL operation passes through none of its code.

Each GraphQL library has an adapter module here, behind one small interface
(``Library``): the module it is imported as, its distribution and the lowest release
tested, and ``check(module)``, which raises when that version of the library does not
run its operations through the hook. A library (or graphql-core) this toolkit does not
understand is left alone with one warning: its requests keep their endpoint's group.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from importlib import metadata
from types import ModuleType
from typing import Final, Protocol, cast

import wrapt

from appsignal_routes._contain import Containment

logger = logging.getLogger("appsignal_routes")

_WATCH_FAILED: Final = Containment("watching %s failed")

#: The adapter modules, graphql-core's first (the libraries' checks ask it).
ADAPTERS: Final = ("graphql_core", "strawberry", "ariadne", "graphene", "graphene_django")


class Library(Protocol):
    """What an adapter module defines."""

    #: the top-level module whose import triggers ``check``
    MODULE: str
    #: the PyPI distribution whose installed version is read
    DISTRIBUTION: str
    #: the lowest release supported and tested
    LOWEST: str

    def check(self, module: ModuleType) -> None:
        """Make sure the imported library's operations are grouped (graphql-core's
        adapter installs the hook); raise when this version's are not."""
        ...


_watching = False


def watch() -> None:
    """Group GraphQL operations from now on: each adapter checks its library as soon
    as it is imported (at once, if it already is). Idempotent; never raises."""
    global _watching  # noqa: PLW0603 - one process has one set of imported libraries
    if _watching:
        return
    _watching = True
    for name in ADAPTERS:
        with _WATCH_FAILED.about(name):  # one adapter's failure leaves the others
            adapter = cast("Library", importlib.import_module(f"{__name__}.{name}"))
            wrapt.register_post_import_hook(_checker(adapter), adapter.MODULE)


def _checker(adapter: Library) -> Callable[[ModuleType], None]:
    def check(module: ModuleType) -> None:
        try:
            adapter.check(module)
        except Exception as error:  # more than containment: the user is warned
            logger.warning(
                "appsignal-routes: GraphQL operations of %s %s are not grouped (%s); "
                "its requests keep their endpoint's group",
                adapter.DISTRIBUTION,
                version_of(adapter.DISTRIBUTION),
                error,
            )
            logger.debug("appsignal-routes: the %s check failed", adapter.MODULE, exc_info=True)
            return
        release = version_of(adapter.DISTRIBUTION)
        if _release(release) < _release(adapter.LOWEST):
            logger.warning(
                "appsignal-routes: %s %s is older than the lowest release tested (%s); "
                "GraphQL operations may not be grouped",
                adapter.DISTRIBUTION,
                release,
                adapter.LOWEST,
            )

    return check


def version_of(distribution: str) -> str:
    """The installed version of ``distribution``, or ``unknown``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _release(version: str) -> tuple[int, ...]:
    """The leading numbers of a version (``3.2.14`` -> (3, 2, 14); ``unknown`` -> ())."""
    numbers: list[int] = []
    for part in version.split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
        if len(digits) != len(part):
            break
    return tuple(numbers)


def reset() -> None:
    """Let ``watch`` register its hooks again (for tests; the hooks installed stay)."""
    global _watching  # noqa: PLW0603
    _watching = False
