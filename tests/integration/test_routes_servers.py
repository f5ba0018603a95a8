"""Issue 23 under real servers, a real HTTP client and real OTLP: regex routes in
path syntax (a Django REST framework API), one group per endpoint whether or not its
decorated handler runs (Flask, Django), and Pyramid traversal (the wiki tutorial)."""

from __future__ import annotations

import httpx
import pytest

from ..receiver import running_receiver
from .servers import serving

TOKEN = {"Authorization": "Bearer t"}


def exported(server: str, app: str, requests: list[tuple[str, str, dict[str, str], int]]):
    with running_receiver() as receiver, serving(server, app, receiver.endpoint) as base:
        with httpx.Client(base_url=base, follow_redirects=False) as client:
            statuses = [
                client.request(method, path, headers=headers).status_code
                for method, path, headers, _ in requests
            ]
        roots = receiver.wait_for(len(requests))
    assert statuses == [status for *_, status in requests]
    assert len(roots) == len(requests)  # none lost, none traced twice
    return roots


def groups_of(roots):
    return sorted(
        (
            r.attributes.get("http.request.method") or r.attributes.get("http.method"),
            r.attributes.get("url.path") or r.attributes.get("http.target"),
            r.name,
            r.attributes.get("http.route"),
            r.attributes.get("appsignal_routes.route_source"),
        )
        for r in roots
    )


def test_flask_one_endpoint_one_group_under_gunicorn():
    requests = [
        ("GET", "/users/7", TOKEN, 200),
        ("GET", "/users/7", {}, 401),
        ("GET", "/orders/3", TOKEN, 200),
        ("GET", "/orders/3", {}, 401),
        ("GET", "/missing", TOKEN, 404),
    ]
    roots = exported("gunicorn-gthread", "tests.integration.apps.flask_auth:app", requests)
    assert groups_of(roots) == sorted(
        [
            ("GET", "/users/7", "GET /users/:user_id", "/users/:user_id", "decorator"),
            ("GET", "/users/7", "GET /users/:user_id", "/users/:user_id", "decorator"),
            ("GET", "/orders/3", "Orders#get", "/orders/<int:order_id>", "root_name"),
            ("GET", "/orders/3", "Orders#get", "/orders/<int:order_id>", "root_name"),
            ("GET", "/missing", "GET", None, "method"),
        ]
    )


def test_django_rest_framework_under_uvicorn():
    requests = [
        ("GET", "/api/snippets/", TOKEN, 200),
        ("GET", "/api/snippets/5/", TOKEN, 200),
        ("GET", "/api/snippets/5.json", TOKEN, 200),
        ("GET", "/api/snippets/5/highlight/", {}, 401),
        ("GET", "/api/notes/5/", TOKEN, 200),
        ("GET", "/api/notes/5/", {}, 401),
        ("GET", "/api/nothing/", TOKEN, 404),
    ]
    roots = exported("uvicorn", "tests.integration.apps.drf_asgi:application", requests)
    pk = "api/snippets/<pk>/"
    notes = ("NoteViewSet#retrieve", "api/notes/<pk>/", "root_name")
    assert groups_of(roots) == sorted(
        [
            ("GET", "/api/snippets/", "GET api/snippets/", "api/snippets/", "discovered"),
            ("GET", "/api/snippets/5/", f"GET {pk}", pk, "discovered"),
            (
                "GET",
                "/api/snippets/5.json",
                "GET api/snippets/<pk>.<format>",
                "api/snippets/<pk>.<format>",
                "discovered",
            ),
            (
                "GET",
                "/api/snippets/5/highlight/",
                "GET api/snippets/<pk>/highlight/",
                "api/snippets/<pk>/highlight/",
                "discovered",
            ),
            ("GET", "/api/notes/5/", *notes),
            ("GET", "/api/notes/5/", *notes),
            ("GET", "/api/nothing/", "GET", None, "method"),
        ]
    )


@pytest.mark.parametrize("server", ["waitress", "gunicorn-gthread"])
def test_pyramid_traversal_wiki(server):
    editor = {"X-User": "editor"}
    requests = [
        ("GET", "/", {}, 302),
        ("GET", "/FrontPage", {}, 200),
        ("GET", "/FrontPage/edit_page", {}, 403),
        ("GET", "/FrontPage/edit_page", editor, 200),
        ("POST", "/add_page/NewPage", editor, 302),
        ("GET", "/FrontPage/history", {}, 403),
        ("GET", "/FrontPage/nosuch", {}, 404),
    ]
    roots = exported(server, "tests.integration.apps.pyramid_wiki:app", requests)
    page = "/{PageWithAttachments}"
    edit = (f"GET {page}/edit_page", f"{page}/edit_page", "discovered")
    assert groups_of(roots) == sorted(
        [
            ("GET", "/", "GET /", "/", "discovered"),
            ("GET", "/FrontPage", f"GET {page}", page, "discovered"),
            ("GET", "/FrontPage/edit_page", *edit),
            ("GET", "/FrontPage/edit_page", *edit),
            (
                "POST",
                "/add_page/NewPage",
                "POST /add_page/*subpath",
                "/add_page/*subpath",
                "discovered",
            ),
            ("GET", "/FrontPage/history", "Pages#history", f"{page}/history", "root_name"),
            ("GET", "/FrontPage/nosuch", "GET", None, "method"),
        ]
    )
