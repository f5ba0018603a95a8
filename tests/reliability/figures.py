"""The figures a reliability run publishes: one JSON line per test, to $RELIABILITY_FIGURES."""

from __future__ import annotations

import json
import os


def record(test: str, **figures: object) -> None:
    path = os.environ.get("RELIABILITY_FIGURES")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:  # noqa: PTH123
        out.write(json.dumps({"test": test, **figures}) + "\n")
