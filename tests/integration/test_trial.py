"""Issue 23's trial, run again: the nine kinds of app the issue names, each served as its
authors deploy it (gunicorn, uvicorn), instrumented with ``ar.instrument(app)`` alone,
about two hundred requests over real HTTP, OTLP to the loopback receiver. Each request's
group was written down by hand, as a user would expect it, before the apps were run.
Counts: grouped right, lost (no server span), traced twice (two server spans)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from ..receiver import running_receiver
from .servers import serving_process

TOKEN = {"Authorization": "Bearer trial-token"}
BAD = {"Authorization": "Bearer wrong"}
EDITOR = {"X-User": "editor"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

#: (method, path, headers, status, the group a user expects)
Case = tuple[str, str, dict[str, str], int, str]

DRF: list[Case] = [
    ("GET", "/api/", TOKEN, 200, "GET api/"),
    ("GET", "/api/snippets/", TOKEN, 200, "GET api/snippets/"),
    ("GET", "/api/snippets.json", TOKEN, 200, "GET api/snippets.<format>"),
    ("GET", "/api/snippets/5/", TOKEN, 200, "GET api/snippets/<pk>/"),
    ("GET", "/api/snippets/6/", TOKEN, 200, "GET api/snippets/<pk>/"),
    ("GET", "/api/snippets/5.json", TOKEN, 200, "GET api/snippets/<pk>.<format>"),
    ("GET", "/api/snippets/5/highlight/", TOKEN, 200, "GET api/snippets/<pk>/highlight/"),
    ("GET", "/api/snippets/5/", {}, 401, "GET api/snippets/<pk>/"),
    ("DELETE", "/api/snippets/5/", TOKEN, 405, "DELETE api/snippets/<pk>/"),
    ("GET", "/api/notes/", TOKEN, 200, "NoteViewSet#list"),
    ("GET", "/api/notes.json", TOKEN, 200, "NoteViewSet#list"),
    ("GET", "/api/notes/5/", TOKEN, 200, "NoteViewSet#retrieve"),
    ("GET", "/api/notes/5/", {}, 401, "NoteViewSet#retrieve"),
    ("GET", "/api/nothing/", TOKEN, 404, "GET"),
]

NINJA: list[Case] = [
    ("GET", "/api/events/", {}, 200, "GET api/events/"),
    ("POST", "/api/events/", {}, 200, "POST api/events/"),
    ("GET", "/api/events/3", {}, 200, "GET api/events/<int:event_id>"),
    ("GET", "/api/events/4", {}, 200, "GET api/events/<int:event_id>"),
    ("GET", "/api/events/5", {}, 200, "GET api/events/<int:event_id>"),
    ("PUT", "/api/events/3", {}, 405, "PUT api/events/<int:event_id>"),
    ("GET", "/api/tracks/monza/laps/7", TOKEN, 200, "GET api/tracks/<track_slug>/laps/<int:lap>"),
    ("GET", "/api/tracks/monza/laps/7", {}, 401, "GET api/tracks/<track_slug>/laps/<int:lap>"),
    ("GET", "/api/openapi.json", {}, 200, "GET api/openapi.json"),
    ("GET", "/api/events/x", {}, 404, "GET"),
    ("GET", "/api/nothing", {}, 404, "GET"),
]

FLASK: list[Case] = [
    ("GET", "/", {}, 200, "GET /"),
    ("GET", "/auth/login", {}, 200, "GET /auth/login"),
    ("POST", "/auth/login", FORM, 302, "POST /auth/login"),
    ("GET", "/auth/logout", {}, 302, "GET /auth/logout"),
    ("GET", "/create", {}, 302, "GET /create"),
    ("GET", "/7/update", {}, 200, "GET /<int:post_id>/update"),
    ("POST", "/8/update", {}, 200, "POST /<int:post_id>/update"),
    ("GET", "/api/posts/3", TOKEN, 200, "GET /api/posts/<int:post_id>"),
    ("GET", "/api/posts/4", {}, 401, "GET /api/posts/<int:post_id>"),
    ("POST", "/api/tokens", TOKEN, 200, "POST /api/tokens"),
    ("POST", "/api/tokens", {}, 401, "POST /api/tokens"),
    ("DELETE", "/api/posts/3", TOKEN, 405, "DELETE /api/posts/<int:post_id>"),
    ("GET", "/nothing", {}, 404, "GET"),
]

FASTAPI: list[Case] = [
    ("POST", "/api/v1/login/access-token", {}, 200, "POST /api/v1/login/access-token"),
    ("GET", "/api/v1/users/me", TOKEN, 200, "GET /api/v1/users/me"),
    ("GET", "/api/v1/users/me", {}, 401, "GET /api/v1/users/me"),
    ("GET", "/api/v1/users/5", TOKEN, 200, "GET /api/v1/users/{user_id}"),
    ("GET", "/api/v1/users/5", BAD, 403, "GET /api/v1/users/{user_id}"),
    ("GET", "/api/v1/users/abc", TOKEN, 422, "GET /api/v1/users/{user_id}"),
    ("GET", "/api/v1/items/", TOKEN, 200, "GET /api/v1/items/"),
    ("GET", "/api/v1/items/1", TOKEN, 200, "GET /api/v1/items/{item_id}"),
    ("GET", "/api/v1/items/99", TOKEN, 404, "GET /api/v1/items/{item_id}"),
    ("DELETE", "/api/v1/items/1", TOKEN, 200, "DELETE /api/v1/items/{item_id}"),
    ("PUT", "/api/v1/items/1", TOKEN, 405, "PUT /api/v1/items/{item_id}"),
    ("GET", "/api/v1/utils/health-check/", {}, 200, "GET /api/v1/utils/health-check/"),
    ("GET", "/api/v1/openapi.json", {}, 200, "GET /api/v1/openapi.json"),
    ("GET", "/nowhere", {}, 404, "GET"),
]

LITESTAR: list[Case] = [
    ("GET", "/v1/users", {}, 200, "GET /v1/users"),
    ("POST", "/v1/users", {}, 201, "POST /v1/users"),
    ("GET", "/v1/users/3", {}, 200, "GET /v1/users/{user_id:int}"),
    ("GET", "/v1/users/4", {}, 200, "GET /v1/users/{user_id:int}"),
    ("DELETE", "/v1/users/3", {}, 405, "DELETE /v1/users/{user_id:int}"),
    ("GET", "/v1/admin/stats", TOKEN, 200, "GET /v1/admin/stats"),
    ("GET", "/v1/admin/stats", {}, 401, "GET /v1/admin/stats"),
    ("POST", "/v1/admin/stats", TOKEN, 405, "POST /v1/admin/stats"),
    ("GET", "/health", {}, 200, "GET /health"),
    ("GET", "/v1/nothing", {}, 404, "GET"),
]

COMPOSED: list[Case] = [
    ("GET", "/items/3", {}, 200, "GET /items/{item_id}"),
    ("GET", "/sub/reports/4", {}, 200, "GET /sub/reports/{report_id}"),
    ("POST", "/sub/reports/4", {}, 405, "POST /sub/reports/{report_id}"),
    ("GET", "/legacy/users/5", {}, 200, "GET /legacy/users/<int:user_id>"),
    ("GET", "/legacy/users/6", {}, 200, "GET /legacy/users/<int:user_id>"),
    ("POST", "/legacy/add", {}, 200, "POST /legacy/add"),
    ("GET", "/old/users/7", {}, 200, "GET /old/users/<int:user_id>"),
    ("POST", "/old/add", {}, 200, "POST /old/add"),
    ("DELETE", "/legacy/users/5", {}, 405, "DELETE /legacy/users/<int:user_id>"),
    ("GET", "/legacy/nothing", {}, 404, "GET"),
    ("GET", "/sub/nothing", {}, 404, "GET"),
    ("GET", "/nothing", {}, 404, "GET"),
]

DISPATCHER: list[Case] = [
    ("GET", "/users/7", {}, 200, "GET /users/<int:user_id>"),
    ("POST", "/add", {}, 200, "POST /add"),
    ("GET", "/backend/users/8", {}, 200, "GET /backend/users/<int:user_id>"),
    ("GET", "/backend/users/9", {}, 200, "GET /backend/users/<int:user_id>"),
    ("POST", "/backend/add", {}, 200, "POST /backend/add"),
    ("GET", "/backend/admin/stats", {}, 401, "GET /backend/admin/stats"),
    ("GET", "/admin/stats", {}, 401, "GET /admin/stats"),
    ("PUT", "/backend/users/8", {}, 405, "PUT /backend/users/<int:user_id>"),
    ("GET", "/backend/nowhere", {}, 404, "GET"),
    ("GET", "/nowhere", {}, 404, "GET"),
]

PAGE = "/{PageWithAttachments}"
WIKI: list[Case] = [
    ("GET", "/", {}, 302, "GET /"),
    ("GET", "/FrontPage", {}, 200, f"GET {PAGE}"),
    ("GET", "/FrontPage/logo", {}, 200, f"GET {PAGE}/{{Attachment}}"),
    ("GET", "/FrontPage/edit_page", {}, 403, f"GET {PAGE}/edit_page"),
    ("GET", "/FrontPage/edit_page", EDITOR, 200, f"GET {PAGE}/edit_page"),
    ("GET", "/FrontPage/@@edit_page", EDITOR, 200, f"GET {PAGE}/edit_page"),
    ("POST", "/add_page/NewPage", EDITOR, 302, "POST /add_page/*subpath"),
    ("GET", "/FrontPage/history", {}, 403, "Pages#history"),
    ("GET", "/FrontPage/nosuch", {}, 404, "GET"),
]

WRAPPED: list[Case] = [
    ("GET", "/static/site.css", {}, 200, "GET"),  # WhiteNoise answers: no route of the app's
    ("GET", "/", {}, 200, "GET /"),
    ("GET", "/5/update", {}, 200, "GET /<int:post_id>/update"),
    ("GET", "/api/posts/3", TOKEN, 200, "GET /api/posts/<int:post_id>"),
    ("GET", "/api/posts/3", {}, 401, "GET /api/posts/<int:post_id>"),
    ("POST", "/auth/login", FORM, 302, "POST /auth/login"),
    ("GET", "/static/missing.css", {}, 404, "GET"),
    ("GET", "/nothing", {}, 404, "GET"),
]

#: (kind of app, server, app, cases)
TRIAL = [
    ("DRF", "uvicorn", "tests.integration.apps.drf_asgi:application", DRF),
    ("Django Ninja", "uvicorn", "tests.integration.apps.trial_ninja:application", NINJA),
    ("Flask", "gunicorn-gthread", "tests.integration.apps.trial:flask_app", FLASK),
    ("FastAPI template", "uvicorn", "tests.integration.apps.trial:fastapi_app", FASTAPI),
    ("Litestar", "uvicorn", "tests.integration.apps.trial:litestar_app", LITESTAR),
    ("FastAPI + mounts", "uvicorn", "tests.integration.apps.trial:composed_app", COMPOSED),
    (
        "DispatcherMiddleware",
        "gunicorn-gthread",
        "tests.integration.apps.composed:dispatcher_app",
        DISPATCHER,
    ),
    ("Pyramid wiki", "gunicorn-gthread", "tests.integration.apps.pyramid_wiki:app", WIKI),
    (
        "WhiteNoise + ProxyFix",
        "gunicorn-gthread",
        "tests.integration.apps.trial:whitenoise_app",
        WRAPPED,
    ),
]

ROUNDS = 2  # each request this many times


@dataclass
class Outcome:
    kind: str
    requests: int = 0
    right: int = 0
    lost: int = 0
    twice: int = 0
    wrong: tuple[tuple[str, str, str, str], ...] = ()  # (method, path, expected, exported)
    statuses: tuple[tuple[str, int, int], ...] = ()  # (path, expected, answered), differing


def run(kind: str, server: str, app: str, cases: list[Case]) -> Outcome:
    planned = [case for _ in range(ROUNDS) for case in cases]
    with (
        running_receiver() as receiver,
        serving_process(server, app, receiver.endpoint) as running,
        httpx.Client(base_url=running.url, timeout=30, follow_redirects=False) as client,
    ):
        answered = []
        for rid, (method, path, headers, _, _) in enumerate(planned):
            response = client.request(
                method, path, headers={**headers, "x-request-id": str(rid)}, content=b"a=b"
            )
            answered.append(response.status_code)
        roots = receiver.wait_for(len(planned))
    per_id = Counter(int(s.attributes["http.request.header.x_request_id"][0]) for s in roots)
    names = {int(s.attributes["http.request.header.x_request_id"][0]): s.name for s in roots}
    outcome = Outcome(kind, len(planned))
    wrong, statuses = [], []
    for rid, (method, path, _, status, group) in enumerate(planned):
        outcome.lost += per_id[rid] == 0
        outcome.twice += per_id[rid] > 1
        if per_id[rid] == 1 and names[rid] == group:
            outcome.right += 1
        elif per_id[rid]:
            wrong.append((method, path, group, names[rid]))
        if answered[rid] != status:
            statuses.append((path, status, answered[rid]))
    outcome.wrong, outcome.statuses = tuple(wrong), tuple(statuses)
    return outcome


def test_the_nine_kinds_of_app_are_grouped_right():
    with ThreadPoolExecutor(max_workers=len(TRIAL)) as pool:
        outcomes = list(pool.map(lambda app: run(*app), TRIAL))
    total = sum(o.requests for o in outcomes)
    right = sum(o.right for o in outcomes)
    summary = [
        f"{o.kind}: {o.right}/{o.requests} right, {o.lost} lost, {o.twice} twice; "
        f"wrong {list(o.wrong)}; statuses {list(o.statuses)}"
        for o in outcomes
    ]
    print(f"trial: {right}/{total} grouped right", *summary, sep="\n")  # the figures, with -s
    assert total >= 200
    assert [o.statuses for o in outcomes] == [()] * len(TRIAL), summary  # as the apps answer
    assert (right, sum(o.lost for o in outcomes), sum(o.twice for o in outcomes)) == (
        total,
        0,
        0,
    ), summary
