"""Django: ask Django's own URL resolver, at request start, which route a path resolves to.

The route is ``ResolverMatch.route``, exactly as Django joins it across ``include()``
(``"api/items/<int:item_id>"``; a ``re_path`` gives its regex): the value the
OpenTelemetry Django instrumentor writes to ``http.route`` too, so both name a request
alike; it is found with the view (``ResolverMatch.func``: a function, or the
``as_view()`` function of a class-based view or a ViewSet). A regex route (``re_path``,
Django REST framework's routers) is written in Django's path syntax
(``^snippets/(?P<pk>[^/.]+)/$`` is ``snippets/<pk>/``, see ``_regex``) unless
``raw_regex`` keeps the pattern. Only the root's empty route is exported as ``"/"`` (an
empty ``http.route`` is no route; the instrumentor writes none there).

A resolved route is remembered by the path's shape where the URLconf allows it: when
every route is a ``path()`` with Django's own converters and no segment of static
digits, a segment of digits alone resolves alike whatever its value, so ``/users/42``
and ``/users/43`` share one entry (a path never seen before then costs no resolve).
Any ``re_path``, custom converter, ``i18n_patterns`` or static digit segment keys the
cache by the whole path instead.

The URLconf is ``settings.ROOT_URLCONF``: a ``request.urlconf`` set by a middleware
cannot be known before that middleware runs. Under ``i18n_patterns`` a path resolves in
the language its prefix names (else ``LANGUAGE_CODE``), as ``LocaleMiddleware`` would
activate it; translated routes outside ``i18n_patterns`` resolve in ``LANGUAGE_CODE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from inspect import signature
from typing import Any, cast

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler, get_path_info
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from django.urls.resolvers import ResolverMatch, RoutePattern
from django.utils import translation

from . import DiscoveredRoute, Found
from ._regex import readable
from ._route_cache import MISS, RouteCache, shape

DISTRIBUTION = "django"  # whose installed version route discovery checks
LOWEST = "4.2"  # the lowest release of it this adapter supports, tested in CI

#: Django's own converters: each treats every value of digits alone alike
_UNIFORM_CONVERTERS = (IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter)
_CONVERTER = re.compile(r"<[^<>]*>")


def _join(route1: str, route2: str) -> str:
    """Two routes joined as ``URLResolver.resolve`` joins them (the second loses its ``^``)."""
    return route2 if not route1 else route1 + route2.removeprefix("^")


def _exported(route: str) -> str:
    return route or "/"


class DjangoRouter:
    """Django's URL resolver, asked for each request's route (misses are not cached:
    a route added later is seen the first time a path needs it)."""

    def __init__(self, framework: str) -> None:
        self.framework = framework
        #: regex routes as their patterns, not in path syntax (``regex_routes="raw"``)
        self.raw_regex = False
        self._cache: RouteCache[str] = RouteCache()
        self._resolver: object = None
        self._by_shape = False

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        if method is None:
            return None  # a WebSocket: Django's handlers serve HTTP only
        resolver = get_resolver()  # a new one after clear_url_caches() or a new ROOT_URLCONF
        if resolver is not self._resolver:
            self._by_shape = _digits_resolve_alike(cast("Iterable[Any]", resolver.url_patterns))
            self._resolver = resolver
        if not path.isascii() and type(request) is dict:
            path = get_path_info(request)  # WSGI's latin-1 PATH_INFO, decoded as Django does
        key = shape(path) if self._by_shape else path
        entries = self._cache.entries(resolver)
        found = entries.get(key, MISS)
        if found is not MISS:
            return found
        try:
            with _language_of(path):
                match: ResolverMatch = resolver.resolve(path)
        except Resolver404:
            return None
        route = match.route or ""
        found = Found(_exported(route if self.raw_regex else readable(route)), match.func)
        self._cache.store(entries, key, found)
        return found

    def routes(self) -> Iterable[DiscoveredRoute]:
        patterns = cast("Iterable[Any]", get_resolver().url_patterns)
        with _language_of("/"):
            return list(_walk(patterns, "", raw_regex=self.raw_regex))


def _digits_resolve_alike(patterns: Iterable[Any]) -> bool:
    """Whether every route resolves any segment of digits alone the same whatever its
    value: ``path()`` routes only (no ``re_path``, no ``i18n_patterns``), Django's own
    converters only, and no segment whose static text is digits alone."""
    for entry in patterns:
        pattern = entry.pattern
        if type(pattern) is not RoutePattern:
            return False
        if not all(type(c) in _UNIFORM_CONVERTERS for c in pattern.converters.values()):
            return False
        for segment in str(pattern).split("/"):
            static = _CONVERTER.sub("", segment)
            if static and static.isdigit():
                return False  # "2024", or "1<int:n>": which route depends on the value
        if isinstance(entry, URLResolver) and not _digits_resolve_alike(
            cast("Iterable[Any]", entry.url_patterns)
        ):
            return False
    return True


def _language_of(path: str) -> AbstractContextManager[object]:
    """The language ``LocaleMiddleware`` would resolve ``path`` in (see the module doc)."""
    if not settings.USE_I18N:
        return nullcontext()
    language = None
    if is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]:
        language = translation.get_language_from_path(path)
    language = language or settings.LANGUAGE_CODE
    if translation.get_language() == language:
        return nullcontext()  # mostly so: activating costs more than most resolves
    override: AbstractContextManager[object] = translation.override(language)
    return override


def _walk(patterns: Iterable[Any], prefix: str, *, raw_regex: bool) -> Iterator[DiscoveredRoute]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            included = cast("Iterable[Any]", pattern.url_patterns)
            yield from _walk(included, _join(prefix, str(pattern.pattern)), raw_regex=raw_regex)
        else:  # a URLPattern: Django's URLconfs hold nothing else
            route = _join(prefix, str(pattern.pattern))
            route = _exported(route if raw_regex else readable(route))
            yield DiscoveredRoute(_methods(pattern), route, str(pattern.lookup_str))


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    """A class-based view's methods (``View.setup`` answers HEAD with ``get``); () (any
    method) for a function view, whose methods Django cannot tell."""
    view = getattr(pattern.callback, "view_class", None)
    if view is None:
        return ()
    return tuple(
        m.upper()
        for m in view.http_method_names
        if hasattr(view, m) or (m == "head" and hasattr(view, "get"))
    )


def router_for(app: object) -> DjangoRouter | None:
    """A router for Django's WSGI or ASGI handler (``get_wsgi_application()``,
    ``get_asgi_application()``); None for any other object.

    Raises:
        TypeError: a Django whose ``ResolverMatch`` carries no ``route`` (before 2.2).
    """
    if not isinstance(app, (WSGIHandler, ASGIHandler)):
        return None
    if "route" not in signature(ResolverMatch).parameters:
        raise TypeError("this Django's ResolverMatch has no route")
    return DjangoRouter("Django (ASGI)" if isinstance(app, ASGIHandler) else "Django")
