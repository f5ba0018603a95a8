"""graphql-core (3.2, 3.3): the one hook every GraphQL library here runs through.

graphql-core builds an executor for each operation it runs (``ExecutionContext.build``
in 3.2, ``Executor.build`` in 3.3: a classmethod that Strawberry's subclass inherits),
after the document has parsed and validated; it picks the operation ``operationName``
names, or answers a list of errors (no such operation, bad variables). The hook wraps
that classmethod: every execution is reported to the request it runs in. A resolver
that raises is reported as its error is collected (``CollectedErrors.add``; in the
3.2 releases without it, ``handle_field_error``). The wrappers call through first or
last and contain their own failures: the library's response never changes.
"""

from __future__ import annotations

import inspect
import logging
import sys
from types import ModuleType
from typing import Any, Final

import wrapt

from appsignal_routes._contain import Containment

from . import _operation

logger = logging.getLogger("appsignal_routes")

_READING_FAILED: Final = Containment("reading a GraphQL %s failed")

MODULE: Final = "graphql"
DISTRIBUTION: Final = "graphql-core"
LOWEST: Final = "3.2"

#: The executor class hooked, once installed (the libraries' checks ask for it).
hooked: type | None = None


def check(module: ModuleType) -> None:
    """Install the hook in graphql-core's executor class.

    Raises:
        TypeError: the executor class has no ``build`` classmethod, or field errors are
            collected otherwise (a graphql-core this toolkit does not know).
    """
    global hooked  # noqa: PLW0603 - one graphql-core per process
    if hooked is not None:
        return
    execution: Any = getattr(module, "execution", None)
    executor = getattr(execution, "Executor", None) or getattr(execution, "ExecutionContext", None)
    if not isinstance(executor, type) or not _is_classmethod(
        inspect.getattr_static(executor, "build", None)
    ):
        raise TypeError("graphql-core's executor has no build() classmethod")
    collected = getattr(sys.modules.get(executor.__module__), "CollectedErrors", None)
    errors: tuple[object, str] = (
        (collected, "add") if isinstance(collected, type) else (executor, "handle_field_error")
    )
    if not callable(getattr(errors[0], errors[1], None)):
        raise TypeError("graphql-core's executor collects field errors in an unknown way")
    wrapt.wrap_function_wrapper(executor, "build", _on_build)
    wrapt.wrap_function_wrapper(errors[0], errors[1], _on_error)
    hooked = executor


def _is_classmethod(build: object) -> bool:
    """A classmethod, or another tool's ``wrapt`` wrapper around one (wrapped in turn)."""
    return isinstance(build, classmethod) or isinstance(
        getattr(build, "__wrapped__", None), classmethod
    )


def _on_build(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG001
    built = wrapped(*args, **kwargs)
    with _READING_FAILED.about("operation"):
        if isinstance(built, list):  # no operation to run: errors only
            _operation.executed(None)
        else:
            node = built.operation
            name = node.name
            _operation.executed(
                _operation.operation(node.operation.value, None if name is None else name.value)
            )
    return built


def _on_error(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG001
    with _READING_FAILED.about("error"):
        error = args[0] if args else kwargs.get("error")
        original = getattr(error, "original_error", None)
        # a resolver's own exception (a GraphQLError it raised is a client's answer)
        if isinstance(original, Exception) and not hasattr(original, "original_error"):
            _operation.failed(original)
    return wrapped(*args, **kwargs)
