"""Checked by mypy --strict and pyright: the decorators keep the original types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

from typing_extensions import assert_type

import appsignal_routes as ar


@ar.route("/users/:user_id")
def show(user_id: int, *, verbose: bool = False) -> dict[str, int]:
    return {"id": user_id}


@ar.root_name("Users#index")
async def index(page: int) -> list[int]:
    return [page]


@ar.route("/stream")
def stream(n: int) -> Iterator[int]:
    yield n


@ar.route("/astream")
async def astream(n: int) -> AsyncIterator[int]:
    yield n


@ar.root_name
class UserHandlers:
    def show(self, user_id: int) -> str:
        return str(user_id)

    @ar.route("/c")
    @classmethod
    def create(cls, name: str) -> UserHandlers:
        return cls()

    @staticmethod
    @ar.route("/h")
    def health() -> bool:
        return True


@ar.root_name("Users")
class Prefixed:
    def list(self) -> list[str]:
        return []


assert_type(show(1), dict[str, int])
assert_type(show(1, verbose=True), dict[str, int])
coroutine: Coroutine[Any, Any, list[int]] = index(1)  # must stay a coroutine of list[int]
coroutine.close()
assert_type(stream(1), Iterator[int])
assert_type(astream(1), AsyncIterator[int])
assert_type(UserHandlers().show(1), str)
assert_type(UserHandlers.create("x"), UserHandlers)
assert_type(UserHandlers.health(), bool)
assert_type(Prefixed().list(), list[str])
assert_type(ar.start(exporter="none"), ar.Agent)

ar.set_route("/x")
ar.set_root_name("A#b", override=True)

# What the checkers must reject:
show("not an int")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.route(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.set_route("/x", overide=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
