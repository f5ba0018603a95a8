"""The containment helper: what it contains, what it lets through, what it logs."""

from __future__ import annotations

import asyncio
import logging

import pytest

from appsignal_routes import _contain
from appsignal_routes._contain import Containment


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "appsignal_routes"]


def test_a_with_block_contains_an_exception_and_logs_it_at_debug(caplog):
    failure = Containment("reading %s failed")
    ran = []
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        with failure.about("the thing"):
            ran.append("before")
            raise RuntimeError("broken")
        ran.append("after")
        with failure:
            raise ValueError("again")
    assert ran == ["before", "after"]
    assert messages(caplog) == [
        "appsignal-routes: reading the thing failed",
        "appsignal-routes: reading %s failed",
    ]
    assert all(r.levelno == logging.DEBUG and r.exc_info for r in caplog.records)


def test_a_block_that_does_not_fail_runs_and_logs_nothing(caplog):
    def value() -> int:
        with Containment("never"):
            return 1
        return 2  # pragma: no cover - only on a failure

    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert value() == 1
    assert messages(caplog) == []


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(3), asyncio.CancelledError()])
def test_what_is_not_an_exception_passes_unchanged(error):
    failure = Containment("never")
    with pytest.raises(type(error)) as raised, failure:
        raise error
    assert raised.value is error
    with pytest.raises(type(error)) as raised, failure.about("x"):
        raise error
    assert raised.value is error

    @failure.returning(None)
    def call() -> None:
        raise error

    with pytest.raises(type(error)):
        call()


def test_returning_gives_the_default_where_the_function_raised(caplog):
    failure = Containment("parsing failed")

    @failure.returning(-1)
    def parse(text: str) -> int:
        """Parses."""
        return int(text)

    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        assert parse("12") == 12
        assert parse("twelve") == -1
    assert messages(caplog) == ["appsignal-routes: parsing failed"]
    assert parse.__name__ == "parse"
    assert parse.__doc__ == "Parses."


def test_once_logs_the_first_failure_until_reset(caplog):
    once = Containment("naming failed", once=True)
    every = Containment("flushing failed")
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        for _ in range(3):
            with once:
                raise RuntimeError
            with every:
                raise RuntimeError
        _contain.reset_all()
        with once:
            raise RuntimeError
    assert messages(caplog).count("appsignal-routes: naming failed") == 2
    assert messages(caplog).count("appsignal-routes: flushing failed") == 3


def test_log_in_an_except_block_logs_the_exception_handled(caplog):
    failure = Containment("step %d failed")
    with caplog.at_level(logging.DEBUG, logger="appsignal_routes"):
        try:
            {}["missing"]
        except Exception:
            failure.log(2)
    [record] = caplog.records
    assert record.getMessage() == "appsignal-routes: step 2 failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], KeyError)
