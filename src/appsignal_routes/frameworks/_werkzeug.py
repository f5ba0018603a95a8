"""What Flask and Quart share: a werkzeug routing ``Map``, asked which rule a request
matches.

``MapAdapter.match`` takes ~5 µs on a 30-rule map, so its answers are kept in a
bounded cache keyed by what the match depends on: method, path, the domain the app
binds to (a constant unless host or subdomain matching is on) and whether it is a
WebSocket. Where every rule treats a segment of digits alone the same whatever its
value (werkzeug's own converters without bounds, no static digit segments, no
``defaults`` or ``redirect_to``), the path is keyed by its shape, so ``/users/42`` and
``/users/43`` share one match. The cache is emptied whenever the map changes
(werkzeug's own flag that rules were added, a new endpoint, a new map), so a rule added
after ``instrument()`` is seen by the next request. (One case is missed: a rule added
to an existing endpoint while another thread's match clears werkzeug's flag before the
next request here.)

The exported template is ``rule.rule``, the rule as werkzeug holds it (a blueprint's
``url_prefix`` included), found with the view function of its endpoint (a decorated view
groups the request by its decorator from the start). A request werkzeug answers with a
405 or a WebSocket mismatch is matched again with an allowed method or the other kind of
request, so it gets the rule of its path; a redirect werkzeug answers itself (strict
slashes: a 308 to the URL with the slash; merged slashes; an alias or ``redirect_to``
rule) gets the rule of the URL it redirects to on the same host, if any."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule, WebsocketMismatch
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
)

from appsignal_routes._private.werkzeug import converters_of, grown_by, map_size, rules_pending

from . import DiscoveredRoute, Found
from ._route_cache import MISS, RouteCache, shape

#: werkzeug's converters that take any value of digits alone alike (bounds aside)
_UNIFORM_CONVERTERS = (UnicodeConverter, PathConverter, UUIDConverter, FloatConverter)
_RULE_CONVERTER = re.compile(r"<[^<>]*>")
_STEPS = 4  # a 405, a WebSocket mismatch and a redirect may each be followed once

#: (server name, subdomain) as ``Map.bind`` takes them
Domain = tuple[str, str | None]


class WerkzeugApp(Protocol):
    """A Flask or Quart app, as far as its routing goes."""

    url_map: Map
    subdomain_matching: bool
    config: Any
    view_functions: dict[str, Any]


class WerkzeugRouter:
    """Asks the app's ``url_map`` (read on every request) which rule a request matches.

    Subclasses say how a request binds: ``where(path, request)`` gives its path, domain and
    whether it is a WebSocket, as the framework itself would bind it.
    """

    framework = "werkzeug"

    @classmethod
    def of(cls, app: object, kind: type) -> WerkzeugRouter | None:
        """A router for ``app`` if it is a ``kind`` (its framework's app class), else None.

        Raises:
            TypeError: the app's ``url_map`` is not a werkzeug ``Map``.
        """
        return cls(app) if isinstance(app, kind) else None  # type: ignore[arg-type]

    def __init__(self, app: WerkzeugApp) -> None:
        check_map(app.url_map)
        self._app = app
        self._map: Map | None = None
        self._endpoints = -1
        self._version = object()
        self._by_shape = False
        self._cache: RouteCache[tuple[str, str, str, str | None, bool]] = RouteCache()

    def where(self, path: str, request: Any) -> tuple[str, Domain, bool] | None:
        """The path, domain and WebSocket flag the framework binds ``request`` with;
        None when the framework routes it nowhere."""
        raise NotImplementedError

    def route(self, method: str | None, path: str, request: Any) -> Found | None:
        url_map = self._app.url_map
        # Map.add sets werkzeug's own "rules changed" flag; a new endpoint is counted
        # too, in case another thread's match has already cleared the flag since
        if (
            url_map is not self._map
            or rules_pending(url_map)
            or len(grown_by(url_map)) != self._endpoints
        ):
            self._forget(url_map)
        bound = self.where(path, request)
        if bound is None:
            return None
        path, (server_name, subdomain), websocket = bound
        method = (method or "GET").upper()
        key = (method, shape(path) if self._by_shape else path, server_name, subdomain, websocket)
        entries = self._cache.entries(self._version)
        found = entries.get(key, MISS)
        if found is MISS:
            found = self._match(method, path, server_name, subdomain, websocket)
            self._cache.store(entries, key, found)
        return found  # type: ignore[return-value] # this router stores Found or None

    def answers_version(self) -> object | None:
        """A token that changes as the map does (a new map, endpoint or pending rule, as
        ``route`` sees it); None when the answers depend on the request's host (host or
        subdomain matching, a ``SERVER_NAME``). While it holds, an answer depends on the
        method, the path and whether the request is a WebSocket alone: an app this one
        is mounted in may remember it (see ``_mounted``). Flask and Quart refuse new
        rules once the app has served a request, which every remembered answer's request
        reached but one refused outside it; a rule for an existing endpoint added to the
        map itself after that is missed."""
        app = self._app
        url_map = app.url_map
        if url_map.host_matching or app.subdomain_matching or app.config["SERVER_NAME"]:
            return None
        if rules_pending(url_map):  # rules added, not matched yet: no answer to keep
            return object()
        return (url_map, map_size(url_map), url_map.default_subdomain)

    @property
    def answers_by_shape(self) -> bool:
        """Whether a segment of digits alone is routed alike whatever its value (as
        last seen by ``route``; ``answers_version`` changes when that may)."""
        return self._by_shape

    def _forget(self, url_map: Map) -> None:
        self._version = object()  # a new, empty cache
        self._map = url_map
        self._endpoints = map_size(url_map)
        self._by_shape = digits_match_alike(url_map)

    def _match(
        self, method: str, path: str, server_name: str, subdomain: str | None, websocket: bool
    ) -> Found | None:
        adapter = self._app.url_map.bind(server_name or "localhost", subdomain=subdomain)
        for _ in range(_STEPS):
            found = _step(adapter, method, path, websocket)
            if isinstance(found, Rule):
                return Found(found.rule, self._app.view_functions.get(found.endpoint))
            if found is None:
                return None
            method, path, websocket = found
        return None

    def routes(self) -> Iterable[DiscoveredRoute]:
        return _routes_of(self._app.url_map)


def _step(
    adapter: MapAdapter, method: str, path: str, websocket: bool
) -> Rule | tuple[str, str, bool] | None:
    """The rule werkzeug matches, the request to match instead, or None (no rule)."""
    try:
        rule: Rule = adapter.match(path, method, return_rule=True, websocket=websocket)[0]
    except MethodNotAllowed as error:  # the rule of an allowed method, to group the 405
        allowed = sorted(error.valid_methods or ())
        return next(((allowed_method, path, websocket) for allowed_method in allowed), None)
    except WebsocketMismatch:
        return method, path, not websocket
    except RequestRedirect as error:
        redirected = _redirected_path(adapter, error.new_url)
        return None if redirected is None else (method, redirected, websocket)
    except HTTPException:  # NotFound, BadHost
        return None
    return rule


def _redirected_path(adapter: MapAdapter, url: str) -> str | None:
    """The path a redirect of werkzeug's leads to, if it stays on the request's host."""
    parts = urlsplit(url)
    if parts.netloc != adapter.get_host(None):
        return None
    return unquote(parts.path)


def _routes_of(url_map: Map) -> Iterator[DiscoveredRoute]:
    for rule in url_map.iter_rules():
        handler = str(rule.endpoint)
        if rule.websocket:
            handler += " (WebSocket)"
        yield DiscoveredRoute(tuple(sorted(rule.methods or ())), rule.rule, handler)


def digits_match_alike(url_map: Map) -> bool:
    """Whether every rule matches any segment of digits alone the same whatever its
    value: werkzeug's own converters only, ints without bounds or sign, ``any`` without
    digit items, no static segment of digits alone, no ``defaults`` or ``redirect_to``
    (werkzeug redirects a path that spells a rule's defaults)."""
    for rule in url_map.iter_rules():
        if rule.defaults or rule.redirect_to is not None:
            return False
        converters = converters_of(rule)
        if not all(_takes_digits_alike(converter) for converter in converters):
            return False
        for segment in rule.rule.split("/"):
            static = _RULE_CONVERTER.sub("", segment)
            if static and static.isdigit():
                return False
    return True


def _takes_digits_alike(converter: object) -> bool:
    if isinstance(converter, IntegerConverter) and type(converter) is IntegerConverter:
        return converter.min is None and converter.max is None and not converter.signed
    if isinstance(converter, AnyConverter) and type(converter) is AnyConverter:
        return not any(str(item).isdigit() for item in converter.items)
    return type(converter) in _UNIFORM_CONVERTERS


def check_map(url_map: object) -> None:
    """Raises TypeError when ``url_map`` is not the werkzeug ``Map`` this module reads."""
    if not isinstance(url_map, Map):
        msg = f"url_map is not a werkzeug routing Map: {type(url_map).__name__}"
        raise TypeError(msg)


def strip_port(scheme: str, host: str) -> str:
    """``host`` without the port its scheme implies, as werkzeug and Quart compare it."""
    if scheme in {"http", "ws"} and host.endswith(":80"):
        return host[:-3]
    if scheme in {"https", "wss"} and host.endswith(":443"):
        return host[:-4]
    return host


def subdomain_of(host: str, server_name: str) -> str:
    """The subdomain of ``host`` below ``server_name``; ``"<invalid>"`` (no rule
    matches it) when the host is not under it, as werkzeug binds it."""
    host_parts = host.split(".")
    server_parts = server_name.split(".")
    if host_parts[-len(server_parts) :] != server_parts:
        return "<invalid>"
    return ".".join(filter(None, host_parts[: -len(server_parts)]))
