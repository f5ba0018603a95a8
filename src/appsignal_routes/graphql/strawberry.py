"""Strawberry: every integration (FastAPI's ``GraphQLRouter``, the ASGI app, the Django
and Flask views, ...) runs ``Schema.execute``, which runs graphql-core's ``execute``
with Strawberry's own executor class, a subclass of graphql-core's that keeps its
``build``."""

from __future__ import annotations

from types import ModuleType
from typing import Final

from ._checks import inherits_build, runs_through

MODULE: Final = "strawberry.schema.schema"
DISTRIBUTION: Final = "strawberry-graphql"
LOWEST: Final = "0.327"


def check(module: ModuleType) -> None:
    """Raises ``TypeError`` when this Strawberry executes otherwise."""
    runs_through(module, "execute")
    inherits_build(getattr(module, "StrawberryGraphQLCoreExecutionContext", None))
