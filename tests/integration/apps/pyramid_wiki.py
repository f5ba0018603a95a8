"""The shape of Pyramid's own traversal wiki tutorial (``wiki`` in the Pyramid docs): a
``Wiki`` root holding ``Page`` resources, views found by the context's type and the
view name, and a security policy that lets only an editor add or edit pages.

``make_app()`` builds the WSGI app; served as ``tests.integration.apps.pyramid_wiki:app``
(instrumented after ``ar.start()``, as a user deploys it).
"""

from __future__ import annotations

import os
from typing import Any

from pyramid.authorization import ACLHelper, Allow, Authenticated, Everyone
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response

import appsignal_routes as ar


class Wiki(dict[str, Any]):
    __name__ = ""
    __parent__ = None
    __acl__ = ((Allow, Everyone, "view"), (Allow, "group:editors", "edit"))


class Page:
    def __init__(self, data: str) -> None:
        self.data = data
        self.__name__ = ""
        self.__parent__: Wiki | None = None


class Attachment:
    """A resource below a page: ``/FrontPage/logo`` reaches it."""

    def __init__(self, name: str, parent: Page) -> None:
        self.__name__ = name
        self.__parent__ = parent


class PageWithAttachments(Page):
    def __getitem__(self, name: str) -> Attachment:
        if name != "logo":
            raise KeyError(name)
        return Attachment(name, self)


def make_root() -> Wiki:
    root = Wiki()
    front = PageWithAttachments("This is the front page")
    front.__name__, front.__parent__ = "FrontPage", root
    root["FrontPage"] = front
    return root


class HeaderSecurityPolicy:
    """Who the request says it is (``X-User``); ``editor`` is in ``group:editors``."""

    def identity(self, request: Any) -> str | None:
        user: str | None = request.headers.get("X-User")
        return user

    def authenticated_userid(self, request: Any) -> str | None:
        return self.identity(request)

    def permits(self, request: Any, context: Any, permission: str) -> Any:
        user = self.identity(request)
        principals = [Everyone]
        if user is not None:
            principals += [Authenticated, user]
            if user == "editor":
                principals.append("group:editors")
        return ACLHelper().permits(context, principals, permission)

    def remember(self, request: Any, userid: str, **kw: Any) -> list[Any]:
        return []

    def forget(self, request: Any, **kw: Any) -> list[Any]:
        return []


def view_wiki(context: Wiki, request: Any) -> Any:
    return HTTPFound(location=request.resource_url(context, "FrontPage"))


def view_page(context: Page, request: Any) -> Response:
    return Response(context.data)


def add_page(context: Wiki, request: Any) -> Response:
    name = request.subpath[0] if request.subpath else "NewPage"
    if request.method == "POST":
        page = Page(request.params.get("body", ""))
        page.__name__, page.__parent__ = name, context
        context[name] = page
        return HTTPFound(location=request.resource_url(page))
    return Response(f"add {name}")


def edit_page(context: Page, request: Any) -> Response:
    return Response(f"edit {context.__name__}")


def view_attachment(context: Attachment, request: Any) -> Response:
    return Response(context.__name__)


@ar.root_name("Pages#history")
def history(context: Page, request: Any) -> Response:
    return Response("history")


def make_app() -> Any:
    root = make_root()
    with Configurator(root_factory=lambda request: root) as config:
        config.set_security_policy(HeaderSecurityPolicy())
        config.add_view(view_wiki, context=Wiki, permission="view")
        config.add_view(view_page, context=Page, permission="view")
        config.add_view(add_page, context=Wiki, name="add_page", permission="edit")
        config.add_view(edit_page, context=Page, name="edit_page", permission="edit")
        config.add_view(history, context=Page, name="history", permission="edit")
        config.add_view(view_attachment, context=Attachment, permission="view")
        return config.make_wsgi_app()


if os.environ.get("TEST_COLLECTOR"):  # served by a real server in the integration tests
    ar.start(
        exporter="collector",
        collector_endpoint=os.environ["TEST_COLLECTOR"],
        name="integration-pyramid-wiki",
        push_api_key="test-key-0000",
    )
    app = ar.instrument(make_app())
