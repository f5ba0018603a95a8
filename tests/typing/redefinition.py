"""Checked by pyright, and by mypy with ``allow_redefinition`` (mypy 2; on mypy 1.16+
``allow_redefinition_new``), as pyproject.toml sets it for this module only: what users
write, ``app = ar.instrument(app)``, the app first built with its framework. Without
that option mypy reports each reassignment ([assignment], see instrument.py): the
result is an app of the same kind, not an object of the framework's class. Never run.
"""

from __future__ import annotations

import cherrypy
import connexion
import falcon
import falcon.asgi
import uvicorn
from blacksheep import Application
from bottle import Bottle
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from fastapi import FastAPI
from flask import Flask
from litestar import Litestar
from pyramid.config import Configurator
from quart import Quart
from sanic import Sanic
from starlette.applications import Starlette
from starlette.testclient import TestClient

import appsignal_routes as ar


def wsgi(environ: ar.Environ, start_response: ar.StartResponse) -> list[bytes]:
    return [b"ok"]


async def asgi(scope: ar.Scope, receive: ar.Receive, send: ar.Send) -> None:
    return None


flask_app = Flask(__name__)
flask_app = ar.instrument(flask_app)
falcon_app = falcon.App()
falcon_app = ar.instrument(falcon_app)
bottle_app = Bottle()
bottle_app = ar.instrument(bottle_app)
pyramid_app = Configurator().make_wsgi_app()
pyramid_app = ar.instrument(pyramid_app)
django_app = get_wsgi_application()
django_app = ar.instrument(django_app)
cherrypy_app = cherrypy.tree
cherrypy_app = ar.instrument(cherrypy_app)
wsgi_app = wsgi
wsgi_app = ar.instrument(wsgi_app)

starlette_app = Starlette()
starlette_app = ar.instrument(starlette_app)
fastapi_app = FastAPI()
fastapi_app = ar.instrument(fastapi_app)
litestar_app = Litestar(route_handlers=[])
litestar_app = ar.instrument(litestar_app)
quart_app = Quart(__name__)
quart_app = ar.instrument(quart_app)
falcon_asgi_app = falcon.asgi.App()
falcon_asgi_app = ar.instrument(falcon_asgi_app)
sanic_app = Sanic("redefinition")
sanic_app = ar.instrument(sanic_app)
blacksheep_app = Application()
blacksheep_app = ar.instrument(blacksheep_app)
connexion_app = connexion.AsyncApp(__name__)
connexion_app = ar.instrument(connexion_app)
django_asgi_app = get_asgi_application()
django_asgi_app = ar.instrument(django_asgi_app)
asgi_app = asgi
asgi_app = ar.instrument(asgi_app)

# ... and the result goes where the framework's docs put the app
uvicorn.run(fastapi_app)
TestClient(starlette_app)

# What the checkers must reject: the framework's methods, once the name is the result's
fastapi_app.include_router  # type: ignore[union-attr]  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue]
flask_app.route("/")  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue]
