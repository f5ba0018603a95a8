"""Containment: the toolkit's own failures never reach a user's request.

Code that runs inside a user's request, a server's shutdown or a framework's hook
must not raise, whatever goes wrong in it: the failure is contained, logged at debug
level, and the caller gets a default. A ``Containment`` is one such place, named by
what failed; it is made once, at module level, and used in one of three forms::

    _NAMING_FAILED = Containment("naming a CherryPy request failed")
    _READING_FAILED = Containment("reading the tracing of %r failed")

    with _NAMING_FAILED:                      # the rest of the block is skipped; the
        ...                                   # code after the ``with`` runs (it
    return default                            # returns the default)

    with _READING_FAILED.about(app):          # the same, the message formatted
        ...                                   # with ``app``

    @_NAMING_FAILED.returning(None)           # the whole function returns None
    def name_of(request): ...                 # where it would have raised

    try:                                      # on the per-request path: no call at
        ...                                   # all unless it fails (a ``with``
    except Exception:                         # costs two calls a request, the
        _NAMING_FAILED.log()                  # decorator one)

The contract, the same in every form:

- Only ``Exception`` is contained. ``BaseException`` (``KeyboardInterrupt``,
  ``SystemExit``, ``GeneratorExit``, ``asyncio.CancelledError``) passes unchanged.
- A contained failure is logged on the ``appsignal_routes`` logger at DEBUG level as
  ``"appsignal-routes: " + message`` (``%``-formatted with the arguments given to the
  call), with its traceback. With ``once=True`` only the first failure is logged, per
  process (a failure that repeats on every request would flood the log), until
  ``reset()`` (``reset_all()``, which ``_state.reset()`` calls, resets every one).
- Nothing of it raises; it neither re-raises nor cleans up. A block that must do more
  (record the error on a span and re-raise it, warn the user, release a lock) keeps its
  own ``try``; the ``except`` may still call ``log()``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Final, ParamSpec, TypeVar

logger: Final = logging.getLogger("appsignal_routes")

_P = ParamSpec("_P")
_R = TypeVar("_R")
_D = TypeVar("_D")


class Containment:
    """One place whose failures are contained and logged (see the module docstring).

    Args:
        message: what failed, as the log says it (``"reading the tracing of %r failed"``).
        once: log only the first failure of the process (until ``reset()``).
    """

    __slots__ = ("_logged", "message", "once")

    def __init__(self, message: str, *, once: bool = False) -> None:
        self.message = f"appsignal-routes: {message}"
        self.once = once
        self._logged = False
        if once:
            _LOG_ONCE.append(self)

    def log(self, *args: object) -> None:
        """Log the exception being handled; call it in an ``except`` block only."""
        if self.once:
            if self._logged:
                return
            self._logged = True
        logger.debug(self.message, *args, exc_info=True)  # noqa: LOG014 - called in except

    def reset(self) -> None:
        """Log the next failure again, where ``once`` (for tests)."""
        self._logged = False

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return _contains(self, kind, ())

    def about(self, *args: object) -> _About:
        """The ``with`` form whose message is formatted with ``args``."""
        return _About(self, args)

    def returning(self, default: _D) -> Callable[[Callable[_P, _R]], Callable[_P, _R | _D]]:
        """A decorator: the function returns ``default`` where it would have raised."""

        def decorate(function: Callable[_P, _R]) -> Callable[_P, _R | _D]:
            @functools.wraps(function)
            def contained(*args: _P.args, **kwargs: _P.kwargs) -> _R | _D:
                try:
                    return function(*args, **kwargs)
                except Exception:
                    self.log()
                    return default

            return contained

        return decorate


#: Every log-once containment (made at import, so a bounded few): ``reset_all`` resets them.
_LOG_ONCE: list[Containment] = []


def reset_all() -> None:
    """Log the next failure of every log-once containment again (for tests)."""
    for containment in _LOG_ONCE:
        containment.reset()


class _About:
    """``Containment.about``: one ``with`` whose log message has arguments."""

    __slots__ = ("_args", "_containment")

    def __init__(self, containment: Containment, args: tuple[object, ...]) -> None:
        self._containment = containment
        self._args = args

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return _contains(self._containment, kind, self._args)


def _contains(
    containment: Containment, kind: type[BaseException] | None, args: tuple[object, ...]
) -> bool:
    """Whether a ``with`` block's exception is contained (and then logged)."""
    if kind is None or not issubclass(kind, Exception):
        return False
    containment.log(*args)
    return True  # contained: the code after the ``with`` runs
