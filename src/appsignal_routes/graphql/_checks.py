"""What the library adapters check: that a library runs its operations through the
graphql-core functions and executor class the hook is in."""

from __future__ import annotations

import sys
from types import ModuleType

from . import graphql_core


def runs_through(module: ModuleType, *functions: str) -> None:
    """Raise unless each of ``functions`` in ``module`` is graphql-core's
    own function of that name (the one whose executor the hook is in).

    Raises:
        TypeError: graphql-core is not hooked, or the library has a function of its own.
    """
    hooked_executor()
    core = sys.modules["graphql"]
    for name in functions:
        if getattr(module, name, None) is not getattr(core, name, ...):
            raise TypeError(f"{module.__name__}.{name} is not graphql-core's {name}")


def inherits_build(executor: object) -> None:
    """Raise unless ``executor`` is graphql-core's hooked executor class or a subclass
    that keeps its ``build``.

    Raises:
        TypeError: it is another class, or it defines a ``build`` of its own.
    """
    hooked = hooked_executor()
    if not isinstance(executor, type) or not issubclass(executor, hooked):
        raise TypeError(f"{executor!r} is not graphql-core's {hooked.__name__}")
    mro = executor.__mro__
    for cls in mro[: mro.index(hooked)]:
        if "build" in vars(cls):
            raise TypeError(f"{cls.__qualname__} defines its own build()")


def hooked_executor() -> type:
    """The executor class the hook is in.

    Raises:
        TypeError: graphql-core is not hooked (a version the toolkit does not know).
    """
    if graphql_core.hooked is None:
        raise TypeError("graphql-core is not hooked")
    return graphql_core.hooked
