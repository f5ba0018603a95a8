"""graphene-django 3: ``GraphQLView`` parses and validates the document itself, then
runs graphql-core's ``execute`` (with its ``execution_context_class``, if set)."""

from __future__ import annotations

from types import ModuleType
from typing import Final

from ._checks import runs_through

MODULE: Final = "graphene_django.views"
DISTRIBUTION: Final = "graphene-django"
LOWEST: Final = "3.2"


def check(module: ModuleType) -> None:
    """Raises ``TypeError`` when this graphene-django executes otherwise."""
    runs_through(module, "execute")
