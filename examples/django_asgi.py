"""The project of ``django_app`` (settings, URLconf, views), served by Django's ASGI handler.

Run it:  .venv/bin/uvicorn examples.django_asgi:app   (then open http://127.0.0.1:8000/users/1)
"""

from __future__ import annotations

from django.core.asgi import get_asgi_application
from examples import django_app  # noqa: F401 - configures the project

import appsignal_routes as ar

app = ar.instrument(get_asgi_application())
