"""Every example under the servers its users deploy with: real HTTP, concurrent requests,
real OTLP to the loopback receiver, and the exported group of every request checked.

Each example serves the same requests: an undecorated route (grouped by the route the
framework dispatches it to), a class handler with a root name, a 401 answered by the
framework's auth middleware before any handler, a 404, a handler that raises, a
streaming response, a 405 (a method the route does not take) and a route of a mounted
or included sub-router.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ..integration.servers import serving_process
from ..integration.traffic import by_request_id
from ..receiver import running_receiver
from ..reliability.figures import record

WSGI_SERVERS = ["gunicorn-sync", "gunicorn-gthread", "waitress"]
ASGI_SERVERS = ["uvicorn", "hypercorn"]
ROUNDS = 8  # each path, 8 times, from 8 concurrent clients

REQUESTS = [
    ("GET", "/users/1"),
    ("GET", "/orders/7"),
    ("GET", "/admin/stats"),
    ("GET", "/missing"),
    ("GET", "/crash"),
    ("GET", "/stream"),
    ("DELETE", "/users/1"),
    ("GET", "/api/items/3"),
]
PATHS = [path for _, path in REQUESTS]
STATUSES = [200, 200, 401, 404, 500, 200, 405, 200]


def routed(
    interface: str, user: str, order: str, item: str, root: str = "/"
) -> tuple[str, list[str]]:
    """(interface, group of each path in PATHS) of an example grouped by the routes its
    framework dispatches to: ``user`` and ``item`` the id parameters of its user and item
    routes as it spells them, ``order`` the root name of its class handler, ``root`` what
    its templates start with (Django's: nothing)."""
    return interface, [
        f"GET {root}users/{user}",
        order,
        f"GET {root}admin/stats",
        "GET",  # the 404
        f"GET {root}crash",
        f"GET {root}stream",
        f"DELETE {root}users/{user}",
        f"GET {root}api/items/{item}",
    ]


#: example -> (interface, group of each path in PATHS)
EXAMPLES: dict[str, tuple[str, list[str]]] = {
    "raw_wsgi": routed("wsgi", ":user_id", "Orders#show", ":item_id"),
    "falcon_app": routed("wsgi", "{user_id:int}", "OrderResource#on_get", "{item_id:int}"),
    "bottle_app": routed("wsgi", "<user_id:int>", "Orders#show", "<item_id:int>"),
    "pyramid_app": routed("wsgi", "{user_id}", "OrderViews#show", "{item_id}"),
    "flask_app": routed("wsgi", "<int:user_id>", "Orders#get", "<int:item_id>"),
    "raw_asgi": routed("asgi", "{user_id:int}", "Orders#show", "{item_id:int}"),
    "starlette_app": routed("asgi", "{user_id:int}", "Orders#get", "{item_id:int}"),
    "quart_app": routed("asgi", "<int:user_id>", "Orders#get", "<int:item_id>"),
    "litestar_app": routed("asgi", "{user_id:int}", "OrderController#show", "{item_id:int}"),
    "fastapi_app": routed("asgi", "{user_id}", "Orders#show", "{item_id}"),
    "django_app": routed("wsgi", "<int:user_id>", "Orders#get", "<int:item_id>", root=""),
    "sanic_app": routed("asgi", "<user_id:int>", "OrderView#get", "<item_id:int>"),
    "blacksheep_app": routed("asgi", "{int:user_id}", "Orders#show", "{int:item_id}"),
    "django_asgi": routed("asgi", "<int:user_id>", "Orders#get", "<int:item_id>", root=""),
    "connexion_app": routed("asgi", "{user_id}", "Orders#show", "{item_id}"),
    # CherryPy names every request by the handler it dispatches to
    "cherrypy_app": (
        "wsgi",
        [
            "UsersPage#default",
            "Orders#show",
            "AdminPage#stats",
            "GET",
            "Root#crash",
            "Root#stream",
            "UsersPage#default",
            "ItemResource#GET",
        ],
    ),
}

#: example -> the status of each path in PATHS, where its framework answers otherwise
#: (BlackSheep answers a method a route does not take with 404, not 405)
STATUSES_OF: dict[str, list[int]] = {
    "blacksheep_app": [200, 200, 401, 404, 500, 200, 404, 200],
}

#: example -> the servers it is also deployed with, beside those of its interface
OWN_SERVERS: dict[str, list[str]] = {"cherrypy_app": ["cheroot"]}

CASES = [
    (example, server)
    for example, (kind, _) in EXAMPLES.items()
    for server in [
        *(WSGI_SERVERS if kind == "wsgi" else ASGI_SERVERS),
        *OWN_SERVERS.get(example, []),
    ]
]
# Connexion builds its middleware stack on its first call: the lifespan's start, or
# (lifespan off) the first of many concurrent requests; and gunicorn's uvicorn workers
CASES += [("connexion_app", "uvicorn-no-lifespan"), ("connexion_app", "gunicorn-uvicorn")]


@pytest.mark.parametrize(("example", "server"), CASES)
def test_every_request_is_grouped(example, server):
    groups = EXAMPLES[example][1]
    plan = [(rid, rid % len(PATHS)) for rid in range(ROUNDS * len(PATHS))]
    with running_receiver() as receiver:
        env = {
            "APPSIGNAL_COLLECTOR_ENDPOINT": receiver.endpoint,
            "APPSIGNAL_APP_NAME": f"matrix-{example}",
        }
        with serving_process(server, f"examples.{example}:app", receiver.endpoint, env) as srv:
            with httpx.Client(base_url=srv.url, timeout=30) as client:

                def send(item):
                    rid, index = item
                    method, path = REQUESTS[index]
                    headers = {"x-request-id": str(rid)}
                    if path == "/crash":
                        # servers close the connection after an app error: do not reuse it
                        headers["connection"] = "close"
                    response = client.request(method, path, headers=headers)
                    return response.status_code, response.text

                with ThreadPoolExecutor(max_workers=8) as pool:
                    answers = list(pool.map(send, plan))
            roots = receiver.wait_for(len(plan), timeout=20)
            log = srv.log()
    statuses = STATUSES_OF.get(example, STATUSES)
    assert [status for status, _ in answers] == [statuses[i] for _, i in plan], log
    streamed = [
        text for (_, text), (_, i) in zip(answers, plan, strict=True) if PATHS[i] == "/stream"
    ]
    assert all(text == "chunk 0\nchunk 1\nchunk 2\n" for text in streamed)
    exported = by_request_id(roots)
    wrong = [
        (PATHS[i], groups[i], exported[rid].name if rid in exported else None)
        for rid, i in plan
        if rid not in exported or exported[rid].name != groups[i]
    ]
    record(
        f"matrix-{example}-{server}",
        requests=len(plan),
        exported=len(exported),
        misgrouped=len(wrong),
    )
    assert wrong == [], log
