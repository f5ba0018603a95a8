"""``appsignal-routes routes`` lists Pyramid's traversal views beside its URL-dispatch
routes: view name, resource type, group, handler; the resource tree is learnt from the
root factory, and what cannot be learnt is said (issue 23)."""

from __future__ import annotations

import sys
import textwrap

from appsignal_routes._cli.command import main

MIXED_APP = """
    from pyramid.config import Configurator
    from pyramid.response import Response
    from zope.interface import Interface, implementer

    import appsignal_routes as ar


    class IFolder(Interface):
        pass


    @implementer(IFolder)
    class Folder(dict):
        pass


    class Document:
        pass


    class Broken(dict):
        def keys(self):
            raise RuntimeError("no listing here")


    def make_root():
        root = Folder()
        root["docs"] = Folder(a=Document(), b=Document())
        root["broken"] = Broken()
        return root


    class DocumentViews:
        def __init__(self, context, request):
            self.request = request

        @ar.route("/documents/:name/raw")
        def raw(self):
            return Response("raw")


    def folder(context, request):
        return Response("folder")


    @ar.root_name("Documents#history")
    def history(context, request):
        return Response("history")


    def anything(context, request):
        return Response("any")


    def oops(exc, request):
        return Response("oops", status=500)


    def make_app(root_factory):
        with Configurator(root_factory=root_factory) as config:
            config.add_route("health", "/health")
            config.add_view(lambda request: Response("ok"), route_name="health")
            config.add_view(folder, context=IFolder, request_method="GET")
            config.add_view(DocumentViews, context=Document, name="raw", attr="raw")
            config.add_view(history, context=Document, name="history")
            config.add_view(anything, name="about")
            config.add_view(oops, context=ValueError)
            return config.make_wsgi_app()


    app = make_app(lambda request: make_root())


    def no_root(request):
        raise RuntimeError("the database is down")


    unrooted = make_app(no_root)
"""


def report(tmp_path, monkeypatch, capsys, target):
    (tmp_path / "userapp_traversal.py").write_text(textwrap.dedent(MIXED_APP))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "userapp_traversal", raising=False)
    assert main(["routes", f"userapp_traversal:{target}"]) == 0
    out = capsys.readouterr().out
    start = out.index("view name  resource type")
    return out[: out.index("traversal views")], out[start : out.index("\n\n", start)].splitlines()


def test_views_are_listed_beside_the_routes_with_the_groups_the_tree_gives(
    tmp_path, monkeypatch, capsys
):
    routes, views = report(tmp_path, monkeypatch, capsys, "app")
    assert "/health" in routes  # URL dispatch first, as before
    rows = [line.split(None, 2) for line in views[2:]]
    assert [row[:2] for row in rows] == [
        ["(default)", "IFolder"],
        ["raw", "Document"],
        ["history", "Document"],
        ["about", "(any)"],
    ]
    assert views[2].split("  userapp")[0].split(None, 2)[2].strip() == "GET /, GET /{Folder}"
    assert "{METHOD} /documents/:name/raw" in views[3]  # the decorator's route
    assert "userapp_traversal.DocumentViews.raw" in views[3]
    assert views[4].split()[2] == "Documents#history"  # the decorator's root name
    about = views[5].split("  userapp")[0].split(None, 2)[2].strip()
    # any resource met: the root, the folders, the documents; the broken folder lists none
    assert about.split(", ") == [
        "{METHOD} /about",
        "{METHOD} /{Broken}/about",
        "{METHOD} /{Folder}/about",
        "{METHOD} /{Folder}/{Document}/about",
    ]


def test_the_walk_stops_at_its_depth(tmp_path, monkeypatch, capsys):
    from appsignal_routes.frameworks import _pyramid_traversal

    monkeypatch.setattr(_pyramid_traversal, "DEPTH", 1)
    _, views = report(tmp_path, monkeypatch, capsys, "app")
    about = views[5].split("  userapp")[0].split(None, 2)[2].strip()
    assert about.split(", ") == [
        "{METHOD} /about",
        "{METHOD} /{Broken}/about",
        "{METHOD} /{Folder}/about",
    ]


def test_a_root_factory_that_fails_leaves_the_places_unknown(tmp_path, monkeypatch, capsys):
    _, views = report(tmp_path, monkeypatch, capsys, "unrooted")
    groups = [line.split("  userapp")[0].split(None, 2)[2].strip() for line in views[2:]]
    assert groups == [
        "GET .../{IFolder}",
        "{METHOD} /documents/:name/raw",
        "Documents#history",
        "{METHOD} .../about",
    ]
