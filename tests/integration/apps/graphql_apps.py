"""One small books API in each GraphQL library and integration, for the tests of issue 27.

Every app serves the same schema at ``/graphql`` (Django: ``graphql/``) beside a plain
``/health`` route: ``book(id)``, ``books``, ``boom`` (its resolver raises) and the
mutation ``addBook(title)``. ``APPS`` names each factory; a factory returns the app
uninstrumented. Served by a real server, ``served_{name}`` is the app instrumented and
exporting to ``TEST_COLLECTOR`` (built on first access, so that one server process
builds one app).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BOOKS = {1: "Dune", 2: "Emma", 3: "Ulysses"}
SDL = """
type Book { id: Int!  title: String! }
type Query { book(id: Int!): Book  books: [Book!]!  boom: String }
type Mutation { addBook(title: String!): Book! }
"""


def _raise() -> None:
    raise RuntimeError("the resolver failed")


# -- Strawberry ----------------------------------------------------------------------


def strawberry_schema(*, batching: bool = False) -> Any:
    import strawberry
    from strawberry.schema.config import StrawberryConfig

    @strawberry.type
    class Book:
        id: int
        title: str

    @strawberry.type
    class Query:
        @strawberry.field
        def book(self, id: int) -> Book | None:  # noqa: A002 - the API's argument
            return Book(id=id, title=BOOKS[id]) if id in BOOKS else None

        @strawberry.field
        def books(self) -> list[Book]:
            return [Book(id=key, title=title) for key, title in BOOKS.items()]

        @strawberry.field
        def boom(self) -> str | None:
            _raise()
            return None

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def add_book(self, title: str) -> Book:
            return Book(id=len(BOOKS) + 1, title=title)

    config = StrawberryConfig(batching_config={"max_operations": 5}) if batching else None
    return strawberry.Schema(query=Query, mutation=Mutation, config=config)


def strawberry_fastapi() -> Any:
    from fastapi import FastAPI
    from strawberry.fastapi import GraphQLRouter

    app = FastAPI()
    app.include_router(GraphQLRouter(strawberry_schema(batching=True)), prefix="/graphql")
    app.get("/health")(_health_json)
    return app


async def _health_json() -> dict[str, str]:
    return {"status": "ok"}


def strawberry_starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route
    from strawberry.asgi import GraphQL

    async def health(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/health", health),
            Mount("/graphql", GraphQL(strawberry_schema(batching=True))),
        ]
    )


def strawberry_flask() -> Any:
    from flask import Flask
    from strawberry.flask.views import GraphQLView

    app = Flask(__name__)
    app.add_url_rule(
        "/graphql",
        view_func=GraphQLView.as_view("graphql_view", schema=strawberry_schema(batching=True)),
    )
    app.add_url_rule("/health", "health", lambda: "ok")
    return app


# -- Ariadne -------------------------------------------------------------------------


def ariadne_schema() -> Any:
    from ariadne import MutationType, QueryType, make_executable_schema

    query = QueryType()
    mutation = MutationType()

    @query.field("book")
    def resolve_book(_obj: Any, _info: Any, id: int) -> dict[str, Any] | None:  # noqa: A002
        return {"id": id, "title": BOOKS[id]} if id in BOOKS else None

    @query.field("books")
    def resolve_books(*_: Any) -> list[dict[str, Any]]:
        return [{"id": key, "title": title} for key, title in BOOKS.items()]

    @query.field("boom")
    def resolve_boom(*_: Any) -> None:
        _raise()

    @mutation.field("addBook")
    def resolve_add_book(_obj: Any, _info: Any, title: str) -> dict[str, Any]:
        return {"id": len(BOOKS) + 1, "title": title}

    return make_executable_schema(SDL, query, mutation)


def ariadne_asgi() -> Any:
    from ariadne.asgi import GraphQL
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    async def health(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/health", health),
            Mount("/graphql", GraphQL(ariadne_schema(), execute_get_queries=True)),
        ]
    )


def ariadne_wsgi() -> Any:
    """Ariadne's WSGI app in front, a plain WSGI app for everything else (as its
    documentation mounts it)."""
    from ariadne.wsgi import GraphQL, GraphQLMiddleware

    def health(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return GraphQLMiddleware(
        health, GraphQL(ariadne_schema(), execute_get_queries=True), path="/graphql"
    )


# -- Django: Strawberry's view and graphene-django's ---------------------------------


def graphene_schema() -> Any:
    import graphene

    class Book(graphene.ObjectType):
        id = graphene.Int(required=True)
        title = graphene.String(required=True)

    class Query(graphene.ObjectType):
        book = graphene.Field(Book, id=graphene.Int(required=True))
        books = graphene.List(graphene.NonNull(Book), required=True)
        boom = graphene.String()

        def resolve_book(self, info: Any, id: int) -> Book | None:  # noqa: A002
            return Book(id=id, title=BOOKS[id]) if id in BOOKS else None

        def resolve_books(self, info: Any) -> list[Book]:
            return [Book(id=key, title=title) for key, title in BOOKS.items()]

        def resolve_boom(self, info: Any) -> None:
            _raise()

    class AddBook(graphene.Mutation):
        class Arguments:
            title = graphene.String(required=True)

        Output = Book

        def mutate(self, info: Any, title: str) -> Book:
            return Book(id=len(BOOKS) + 1, title=title)

    class Mutation(graphene.ObjectType):
        add_book = AddBook.Field()

    return graphene.Schema(query=Query, mutation=Mutation)


def _django_urls() -> list[Any]:
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt
    from graphene_django.views import GraphQLView as GrapheneView
    from strawberry.django.views import GraphQLView as StrawberryView

    return [
        path("health", lambda request: HttpResponse("ok")),
        path("graphql/", csrf_exempt(GrapheneView.as_view(schema=graphene_schema()))),
        path(
            "graphql/batch/",
            csrf_exempt(GrapheneView.as_view(schema=graphene_schema(), batch=True)),
        ),
        path("strawberry/", csrf_exempt(StrawberryView.as_view(schema=strawberry_schema()))),
    ]


#: the project's URLconf (read by Django as ``urlpatterns`` of ``ROOT_URLCONF``)
URLCONF = __name__


def django_settings() -> None:
    """Configure Django for these views, unless this process already did."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",  # noqa: S106 - not a secret
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=URLCONF,
            INSTALLED_APPS=["graphene_django"],
        )
        django.setup()


def django_wsgi() -> Any:
    django_settings()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def django_asgi() -> Any:
    django_settings()
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


@dataclass(frozen=True)
class App:
    """How one GraphQL app is served and grouped."""

    factory: Callable[[], Any]
    interface: str  # asgi, wsgi
    path: str  # its GraphQL endpoint
    endpoint: str  # the endpoint's HTTP group for a POST (rule 6 where nothing is known)
    batch_path: str | None  # where it takes a batch of operations (None: it refuses them)


APPS: dict[str, App] = {
    "strawberry_fastapi": App(strawberry_fastapi, "asgi", "/graphql", "POST /graphql", "/graphql"),
    "strawberry_starlette": App(
        strawberry_starlette, "asgi", "/graphql/", "POST /graphql", "/graphql/"
    ),
    "strawberry_flask": App(strawberry_flask, "wsgi", "/graphql", "POST /graphql", "/graphql"),
    "strawberry_django": App(django_wsgi, "wsgi", "/strawberry/", "POST strawberry/", None),
    "ariadne_asgi": App(ariadne_asgi, "asgi", "/graphql/", "POST /graphql", None),
    "ariadne_wsgi": App(ariadne_wsgi, "wsgi", "/graphql", "POST", None),
    "graphene_django": App(django_wsgi, "wsgi", "/graphql/", "POST graphql/", "/graphql/batch/"),
    "graphene_django_asgi": App(
        django_asgi, "asgi", "/graphql/", "POST graphql/", "/graphql/batch/"
    ),
}


def __getattr__(name: str) -> Any:
    """``served_{app}`` for a server: the app instrumented, exporting to the receiver."""
    app = name.removeprefix("served_")
    if name == "urlpatterns":  # Django reads its URLconf
        value = _django_urls()
    elif app != name and app in APPS:
        import appsignal_routes as ar

        ar.start(
            exporter="collector",
            collector_endpoint=os.environ["TEST_COLLECTOR"],
            name=f"graphql-{app}",
            push_api_key="test-key-0000",
        )
        value = ar.instrument(APPS[app].factory())
    else:
        raise AttributeError(name)
    globals()[name] = value
    return value
