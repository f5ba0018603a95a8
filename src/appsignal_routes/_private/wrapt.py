"""wrapt's private names (see ``_private``): its base class's ``__init__``, to choose a
wrapper's binding, and a ``FunctionWrapper``'s ``_self_wrapper``."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import wrapt

from . import take

if TYPE_CHECKING:
    _FunctionWrapper = wrapt.FunctionWrapper[Any, Any]
else:  # (wrapt before 2.0 cannot be subscripted)
    _FunctionWrapper = wrapt.FunctionWrapper

#: Where the toolkit's own wrappers keep their wrapper function and ``enabled`` (a
#: ``_self_`` attribute: wrapt keeps it on the proxy, never on what it wraps).
_OWN = "_self_appsignal_routes"


def _base_init_works() -> bool:
    """Whether ``_FunctionWrapperBase.__init__`` takes the binding, and such a wrapper
    calls through, and binds as a method through the function's own ``__get__``."""

    def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG001
        return wrapped(*args, **kwargs)

    def function(*args: Any) -> Any:
        return args

    class Probe(_FunctionWrapper):
        def __init__(self) -> None:
            base: Any = super(wrapt.FunctionWrapper, self)
            base.__init__(function, None, wrapper, None, "staticmethod")

    proxy: Any = Probe()

    class Owner:
        method = proxy

    owner: Any = Owner()
    return bool(proxy(1) == (1,) and owner.method(2) == (owner, 2))


def _self_wrapper_found() -> bool:
    def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG001
        return wrapped(*args, **kwargs)

    proxy: Any = wrapt.FunctionWrapper(len, wrapper)
    return proxy._self_wrapper is wrapper and proxy("ab") == 2  # noqa: PLR2004 - its length


_STATIC_BINDING = take("wrapt.base_init", _base_init_works)
_SELF_WRAPPER = take("wrapt.self_wrapper", _self_wrapper_found)


def init_wrapper(
    proxy: wrapt.FunctionWrapper[Any, Any], wrapped: Any, wrapper: Any, enabled: Any
) -> None:
    """``FunctionWrapper.__init__(proxy, wrapped, wrapper, enabled)``, but a plain
    function is bound as a ``staticmethod`` where wrapt's base class allows it: the
    ``function`` binding looks ``__self__`` up on every direct call, raising and
    clearing an ``AttributeError`` (about 0.4 µs a call)."""
    if _STATIC_BINDING and inspect.isfunction(wrapped):
        base: Any = super(wrapt.FunctionWrapper, proxy)  # wrapt's _FunctionWrapperBase
        base.__init__(wrapped, None, wrapper, enabled, "staticmethod")
    else:
        wrapt.FunctionWrapper.__init__(proxy, wrapped, wrapper, enabled=enabled)
    setattr(proxy, _OWN, (wrapper, enabled))


def wrapper_of(obj: object) -> Any:
    """The wrapper function of a wrapt ``FunctionWrapper`` (None for anything else);
    where wrapt keeps it otherwise, that of the toolkit's own wrappers alone."""
    if _SELF_WRAPPER:
        return getattr(obj, "_self_wrapper", None)
    own = getattr(obj, _OWN, None)
    return own[0] if type(own) is tuple else None


def enabled_of(proxy: wrapt.FunctionWrapper[Any, Any]) -> Any:
    """What a wrapper of the toolkit's own (``init_wrapper``) was enabled with."""
    return getattr(proxy, _OWN)[1]
