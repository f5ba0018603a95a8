"""The grouped table the CLI prints: group, requests, errors, p50, p95."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """One request as the table sees it: its group, whether it failed, how long it took."""

    group: str
    error: bool
    duration_ms: float


@dataclass(frozen=True)
class Row:
    group: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty list."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def group_rows(requests: Iterable[Request]) -> list[Row]:
    """One row per group, most requests first (then by name)."""
    by_group: dict[str, list[Request]] = {}
    for request in requests:
        by_group.setdefault(request.group, []).append(request)
    rows = []
    for group, items in by_group.items():
        durations = sorted(r.duration_ms for r in items)
        rows.append(
            Row(
                group=group,
                requests=len(items),
                errors=sum(r.error for r in items),
                p50_ms=percentile(durations, 0.50),
                p95_ms=percentile(durations, 0.95),
            )
        )
    rows.sort(key=lambda row: (-row.requests, row.group))
    return rows


def render(rows: list[Row]) -> str:
    """A plain-text table, columns aligned."""
    header = ("group", "requests", "errors", "p50 ms", "p95 ms")
    body = [
        (r.group, str(r.requests), str(r.errors), f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}")
        for r in rows
    ]
    width = max([len(header[0])] + [len(line[0]) for line in body])
    lines = [
        f"{header[0]:<{width}}  {header[1]:>8}  {header[2]:>6}  {header[3]:>7}  {header[4]:>7}"
    ]
    lines.append("-" * len(lines[0]))
    lines.extend(f"{g:<{width}}  {n:>8}  {e:>6}  {p50:>7}  {p95:>7}" for g, n, e, p50, p95 in body)
    return "\n".join(lines)
