"""Checked by mypy --strict and pyright: @ar.job keeps the original types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

from typing_extensions import assert_type

import appsignal_routes as ar


@ar.job("Mailer#deliver")
def deliver(to: str, *, subject: str = "hi") -> bool:
    return bool(to and subject)


@ar.job
def sweep(days: int) -> int:
    return days


@ar.job(namespace="reports")
async def build(report_id: int) -> list[int]:
    return [report_id]


@ar.job("Feed#items")
def items(n: int) -> Iterator[int]:
    yield n


@ar.job("Feed#aitems")
async def aitems(n: int) -> AsyncIterator[int]:
    yield n


@ar.job
class Mailer:
    def deliver(self, to: str) -> str:
        return to

    @ar.job("Mailer#digest")
    @classmethod
    def digest(cls, day: int) -> Mailer:
        return cls()

    @staticmethod
    @ar.job("Mailer#ping")
    def ping() -> bool:
        return True


@ar.job("Reports", namespace="reports", methods=["build"])
class Reports:
    def build(self) -> dict[str, int]:
        return {}


assert_type(deliver("a@b"), bool)
assert_type(deliver("a@b", subject="x"), bool)
assert_type(sweep(3), int)
coroutine: Coroutine[Any, Any, list[int]] = build(1)  # must stay a coroutine of list[int]
coroutine.close()
assert_type(items(1), Iterator[int])
assert_type(aitems(1), AsyncIterator[int])
assert_type(Mailer().deliver("x"), str)
assert_type(Mailer.digest(1), Mailer)
assert_type(Mailer.ping(), bool)
assert_type(Reports().build(), dict[str, int])

ar.set_namespace("admin")
ar.set_namespace("admin", None)

# What the checkers must reject:
deliver(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
sweep("3")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
ar.job("A#b", namespace=7)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
ar.set_namespace(7)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
