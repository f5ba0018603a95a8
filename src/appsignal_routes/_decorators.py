"""The ``@route`` and ``@root_name`` decorators, built on ``wrapt``.

A decorated callable annotates the current request when it is called, before its
body runs, then returns exactly what the original returns (the same coroutine or
generator object). ``wrapt`` keeps the signature, names, ``__wrapped__`` and the
``inspect`` predicates of the original, and binds correctly as an instance method,
classmethod or staticmethod in either stacking order.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

import wrapt

from . import _registry
from ._annotation import RootNameAnnotator, RouteAnnotator, context_is_set
from ._private.wrapt import enabled_of, init_wrapper, wrapper_of
from ._template import check_name

_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)

if TYPE_CHECKING:
    _Wrapper = wrapt.FunctionWrapper[Any, Any]
else:
    _Wrapper = wrapt.FunctionWrapper


class _Copyable(_Wrapper):
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


class _RouteWrapper(_Copyable):
    """A handler wrapped by ``@route``."""


class _RootNameWrapper(_Copyable):
    """A handler wrapped by ``@root_name``."""


def route(template: str, *, methods: Iterable[str] | None = None) -> Callable[[_T], _T]:
    """Group every request that calls the decorated handler under ``template``.

    Works on functions of every kind, methods (also stacked with ``@classmethod`` or
    ``@staticmethod``), callable objects and classes (each public method and
    ``__call__``, or the ``methods`` named). The template is also declared in the
    route registry, so requests that never reach the handler are grouped too.

    Raises:
        TypeError: ``template`` is not a ``str``, or the target is not callable.
        ValueError: the template is malformed; the message quotes it.
    """
    parsed = _registry.declare(template)
    text = parsed.text

    def decorate(target: _T) -> _T:
        return _decorate(target, _RouteWrapper, lambda _method: text, methods, "@route")

    return decorate


@overload
def root_name(name: _C, /) -> _C: ...
@overload
def root_name(
    name: str | None = None, /, *, methods: Iterable[str] | None = None
) -> Callable[[_T], _T]: ...
def root_name(
    name: Any = None, /, *, methods: Iterable[str] | None = None
) -> Callable[[_T], _T] | Any:
    """Name every request that calls the decorated handler ``name``.

    On a function or method: ``@root_name("UserHandlers#show")``. On a class:
    ``@root_name`` (or ``@root_name()``) names each handler method
    ``"ClassName#method"``; ``@root_name("Users")`` names them ``"Users#method"``.
    A root name wins over any route.

    Raises:
        TypeError: ``name`` is not a ``str``, no name is given for a function, or the
            target is not callable.
        ValueError: the name is empty or has whitespace or control characters.
    """
    if inspect.isclass(name):  # bare @root_name on a class
        return _decorate_class(name, _RootNameWrapper, lambda m: f"{name.__name__}#{m}", None)
    prefix = None if name is None else check_name(name)

    def decorate(target: _T) -> _T:
        if inspect.isclass(target):
            base = prefix if prefix is not None else target.__name__
            return _decorate_class(target, _RootNameWrapper, lambda m: f"{base}#{m}", methods)
        if prefix is None:
            raise TypeError(
                "@root_name needs a name on a function or method, as in "
                '@root_name("UserHandlers#show"); only a class can take it bare'
            )
        name_: str = prefix
        return _decorate(target, _RootNameWrapper, lambda _method: name_, methods, "@root_name")

    return decorate


def _decorate(
    target: _T,
    kind: type[_Wrapper],
    value_for: Callable[[str], str],
    methods: Iterable[str] | None,
    what: str,
) -> _T:
    if inspect.isclass(target):
        return _decorate_class(target, kind, value_for, methods)
    if methods is not None:
        raise TypeError(f"{what}(methods=...) applies to classes only, not to {target!r}")
    wrapped: _T = _wrap(target, kind, value_for(""), what)
    return wrapped


def _wrap(target: Any, kind: type[_Wrapper], value: str, what: str) -> Any:
    if not (callable(target) or isinstance(target, (classmethod, staticmethod))):
        raise TypeError(f"{what} decorates callables and classes, not {target!r}")
    annotator = RouteAnnotator(value) if kind is _RouteWrapper else RootNameAnnotator(value)
    wrapped: Any = target  # a function, method descriptor or callable object
    # Outside every span (empty context) wrapt calls the original straight away.
    enabled: Any = context_is_set  # returns the context, whose truth wrapt tests
    return kind(wrapped, annotator, enabled=enabled)


def _decorate_class(
    cls: _C,
    kind: type[_Wrapper],
    value_for: Callable[[str], str],
    methods: Iterable[str] | None,
) -> _C:
    names = _handler_names(cls, methods)
    for name in names:
        member = cls.__dict__[name]
        if _already(member, kind):
            continue  # a method-level decorator of the same kind is more specific
        setattr(cls, name, _wrap(member, kind, value_for(name), "decorator"))
    return cls


def _handler_names(cls: type, methods: Iterable[str] | None) -> list[str]:
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


def _already(member: object, kind: type[_Wrapper]) -> bool:
    """Is ``member`` (or anything it wraps) already wrapped by a decorator of ``kind``?"""
    seen = 0
    while seen < 32:  # noqa: PLR2004 - a bound on pathological wrapper chains
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
