"""GraphQL with Strawberry on FastAPI, and ``instrument()`` alone: each request that
executes one named operation is grouped by it (``query GetBook``, ``mutation AddBook``),
by POST or GET, whatever its variables, and a resolver that raises makes its request an
error of that group. Anonymous operations, documents that do not parse or validate and
batches keep the endpoint's group, ``POST /graphql``; the other routes keep theirs.

Run it:  .venv/bin/uvicorn examples.graphql_app:app   (then open http://127.0.0.1:8000/graphql)

Then send it an operation:

    curl -s http://127.0.0.1:8000/graphql -H 'content-type: application/json' \
      -d '{"query": "query GetBook($id: Int!) { book(id: $id) { title } }", "variables": {"id": 1}}'

and the console shows ``query GetBook  200  2.4 ms``.
"""

from __future__ import annotations

import strawberry
from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

BOOKS = {1: "Dune", 2: "Emma"}


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
    def bestseller(self) -> Book | None:
        raise RuntimeError("the ranking service is down")  # an error of its operation's group


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_book(self, title: str) -> Book:
        BOOKS[len(BOOKS) + 1] = title
        return Book(id=len(BOOKS), title=title)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(batching_config={"max_operations": 10}),  # batches: the endpoint
)

web = FastAPI()
web.include_router(GraphQLRouter(schema), prefix="/graphql")


@web.get("/health")
async def health():
    return {"status": "ok"}


app = ar.instrument(web)
