"""Graphene 3: ``Schema.execute`` and ``execute_async`` run graphql-core's
``graphql_sync``/``graphql``, which run its ``execute``."""

from __future__ import annotations

from types import ModuleType
from typing import Final

from ._checks import runs_through

MODULE: Final = "graphene.types.schema"
DISTRIBUTION: Final = "graphene"
LOWEST: Final = "3.4"


def check(module: ModuleType) -> None:
    """Raises ``TypeError`` when this Graphene executes otherwise."""
    runs_through(module, "graphql", "graphql_sync")
