"""The routes both integration apps serve: (path pattern to request, expected group)."""

from __future__ import annotations

# (path to request, group the exported root span must carry)
CASES: list[tuple[str, str]] = [
    *[(f"/r{n}/items/{n * 7}", f"GET /r{n}/items/:item_id") for n in range(14)],
    ("/users/42", "GET /users/{user_id:int}"),
    ("/users/me", "GET /users/me"),
    ("/reports/daily", "Reports#daily"),
    ("/admin/panel", "GET /admin/panel"),  # 401 from auth middleware, grouped by the registry
    ("/missing/path", "GET"),  # 404
    ("/crash", "GET /crash"),  # handler raises: 500
]
