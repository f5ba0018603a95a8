"""The ``wrapt`` glue the toolkit's decorators share (``@route``, ``@root_name``, ``@job``).

A decorated handler is a ``Copyable`` wrapper (a ``wrapt.FunctionWrapper`` that copies
as a function does); on a class, the decorator wraps the methods ``handler_names``
picks, skipping those ``already_wrapped`` by a decorator of the same kind. A decorated
call's own failure is contained by ``CALL_FAILED`` (logged once per process).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final

import wrapt

from appsignal_routes._private.wrapt import enabled_of, init_wrapper, wrapper_of

if TYPE_CHECKING:
    Wrapper = wrapt.FunctionWrapper[Any, Any]
else:
    Wrapper = wrapt.FunctionWrapper

#: A bound on pathological wrapper chains.
_MAX_CHAIN: Final = 32


class Copyable(Wrapper):
    """Copies as the handler does: ``copy`` treats functions as atomic, so a wrapped
    function is its own copy; a wrapped object is copied and wrapped again. Frameworks
    deep-copy their route handlers (Litestar), and ``wrapt`` proxies refuse by default.

    A plain function is wrapped with ``wrapt``'s ``staticmethod`` binding. With the
    ``function`` binding ``wrapt`` looks up ``__self__`` on every direct call, for the
    case of an already bound method; on a function the look-up fails, raising and
    clearing an ``AttributeError`` (about 0.4 µs a call). The other binding calls the
    wrapper straight away, and binds through the function's own ``__get__`` all the
    same: a method is called with its instance either way, and the wrapper ignores the
    instance it is given.
    """

    def __init__(self, wrapped: Any, wrapper: Any, enabled: Any = None) -> None:
        init_wrapper(self, wrapped, wrapper, enabled)

    def __copy__(self) -> Any:
        wrapped = copy.copy(self.__wrapped__)
        return self if wrapped is self.__wrapped__ else self._rewrap(wrapped)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        wrapped = copy.deepcopy(self.__wrapped__, memo)
        return self if wrapped is self.__wrapped__ else self._rewrap(wrapped)

    def _rewrap(self, wrapped: Any) -> Any:
        return type(self)(wrapped, wrapper_of(self), enabled=enabled_of(self))


def check_callable(target: object, what: str) -> None:
    """``TypeError`` unless a decorator can wrap ``target`` (a callable or a method
    descriptor); ``what`` names the decorator in the message."""
    if not (callable(target) or isinstance(target, (classmethod, staticmethod))):
        raise TypeError(f"{what} decorates callables and classes, not {target!r}")


def handler_names(cls: type, methods: Iterable[str] | None) -> list[str]:
    """The methods a decorator on ``cls`` wraps: ``methods``, each defined in the class
    body, or else every public method and ``__call__``. ``TypeError``/``ValueError``
    for a ``methods`` that is a str or names a method the body does not define."""
    if methods is not None:
        if isinstance(methods, str):
            raise TypeError("methods must be a list of method names, not a str")
        names = list(methods)
        missing = [n for n in names if not _is_method(cls.__dict__.get(n))]
        if missing:
            raise ValueError(
                f"{cls.__name__} has no method {missing[0]!r} defined in its body to decorate"
            )
        return names
    return [
        name
        for name, member in cls.__dict__.items()
        if (not name.startswith("_") or name == "__call__") and _is_method(member)
    ]


def _is_method(member: object) -> bool:
    if isinstance(member, (classmethod, staticmethod)):
        return True
    return inspect.isfunction(member) or isinstance(member, wrapt.FunctionWrapper)


def already_wrapped(member: object, kind: type[Wrapper]) -> bool:
    """Is ``member`` (or anything it wraps) already wrapped by a decorator of ``kind``?"""
    seen = 0
    while seen < _MAX_CHAIN:
        seen += 1
        if isinstance(member, (classmethod, staticmethod)):
            member = member.__func__
        elif type(member) is kind:
            return True
        elif isinstance(member, wrapt.FunctionWrapper):
            member = member.__wrapped__
        else:
            return False
    return False


def wrap_methods(
    cls: type, methods: Iterable[str] | None, kind: type[Wrapper], wrap: Callable[[Any, str], Any]
) -> None:
    """Replace each of ``cls``'s ``handler_names`` by ``wrap(member, name)``, except a
    member ``already_wrapped`` by ``kind``: a method's own decorator is more specific."""
    for name in handler_names(cls, methods):
        member = cls.__dict__[name]
        if not already_wrapped(member, kind):
            setattr(cls, name, wrap(member, name))
