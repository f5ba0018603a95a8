"""The ``@route`` and ``@root_name`` decorators, built on ``wrapt``.

A decorated callable annotates the current request when it is called, before its
body runs, then returns exactly what the original returns (the same coroutine or
generator object). ``wrapt`` keeps the signature, names, ``__wrapped__`` and the
``inspect`` predicates of the original, and binds correctly as an instance method,
classmethod or staticmethod in either stacking order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from appsignal_routes._grouping.annotation import RootNameAnnotator, RouteAnnotator, context_is_set
from appsignal_routes._routes import registry
from appsignal_routes._routes.template import check_name

from .wrapping import Copyable, Wrapper, check_callable, wrap_methods

_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)


class _RouteWrapper(Copyable):
    """A handler wrapped by ``@route``."""


class _RootNameWrapper(Copyable):
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
    parsed = registry.declare(template)
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
    kind: type[Wrapper],
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


def _wrap(target: Any, kind: type[Wrapper], value: str, what: str) -> Any:
    check_callable(target, what)
    annotator = RouteAnnotator(value) if kind is _RouteWrapper else RootNameAnnotator(value)
    wrapped: Any = target  # a function, method descriptor or callable object
    # Outside every span (empty context) wrapt calls the original straight away.
    enabled: Any = context_is_set  # returns the context, whose truth wrapt tests
    return kind(wrapped, annotator, enabled=enabled)


def _decorate_class(
    cls: _C,
    kind: type[Wrapper],
    value_for: Callable[[str], str],
    methods: Iterable[str] | None,
) -> _C:
    wrap_methods(cls, methods, kind, lambda m, name: _wrap(m, kind, value_for(name), "decorator"))
    return cls
