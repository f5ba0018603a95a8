"""Ariadne: its ASGI and WSGI apps (and its ``graphql``/``graphql_sync`` functions) run
graphql-core's ``execute``/``execute_sync`` with graphql-core's executor class, or
one the user gives it (``execution_context_class``)."""

from __future__ import annotations

from types import ModuleType
from typing import Final

from ._checks import runs_through

MODULE: Final = "ariadne.graphql"
DISTRIBUTION: Final = "ariadne"
LOWEST: Final = "1.1"


def check(module: ModuleType) -> None:
    """Raises ``TypeError`` when this Ariadne executes otherwise."""
    runs_through(module, "execute", "execute_sync")
