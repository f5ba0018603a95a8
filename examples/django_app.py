"""Django without its instrumentor: a single-file project, each request grouped by the
route Django's own URL resolver dispatches it to, with no decorator on the views.

Run it:  .venv/bin/gunicorn examples.django_app:app   (then open http://127.0.0.1:8000/users/1)
The same project under ASGI:  .venv/bin/uvicorn examples.django_asgi:app
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import include, path
from django.views import View
from django.views.decorators.http import require_http_methods

import appsignal_routes as ar

ar.start()  # the console in development; set APPSIGNAL_COLLECTOR_ENDPOINT to export

settings.configure(
    DEBUG=False,  # a view that raises answers 500, not the debug page
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    SECRET_KEY="example-only",  # noqa: S106 - not a secret
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[f"{__name__}.require_token"],
)


@require_http_methods(["GET"])  # DELETE answers 405: grouped by this route all the same
def show_user(request, user_id):
    return JsonResponse({"id": user_id})


@ar.root_name  # "Orders#get"
class Orders(View):
    def get(self, request, order_id):
        return JsonResponse({"order": order_id})


def stats(request):  # never reached without a token: grouped by its route all the same
    return JsonResponse({"requests": 1})


def crash(request):
    raise RuntimeError("boom")


async def async_chunks():
    for n in range(3):
        yield f"chunk {n}\n"


def stream(request):
    if isinstance(request, ASGIRequest):  # Django streams an async iterator under ASGI
        return StreamingHttpResponse(async_chunks(), content_type="text/plain")
    return StreamingHttpResponse((f"chunk {n}\n" for n in range(3)), content_type="text/plain")


def show_item(request, item_id):
    return JsonResponse({"item": item_id})


def require_token(get_response):
    """Answers 401 before any view runs."""

    def middleware(request):
        if request.path.startswith("/admin") and "HTTP_AUTHORIZATION" not in request.META:
            return JsonResponse({"error": "token required"}, status=401)
        return get_response(request)

    return middleware


urlpatterns = [
    path("users/<int:user_id>", show_user),
    path("orders/<int:order_id>", Orders.as_view()),
    path("admin/stats", stats),
    path("crash", crash),
    path("stream", stream),
    path("api/", include([path("items/<int:item_id>", show_item)])),
]

app = ar.instrument(get_wsgi_application())
