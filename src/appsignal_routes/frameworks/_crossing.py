"""A request handed across an ASGI/WSGI adapter, for the router of the app on the other side.

A WSGI app inside an ASGI one (a2wsgi's ``WSGIMiddleware``, asgiref's ``WsgiToAsgi``)
gets the environ those adapters build from the scope: ``SCRIPT_NAME`` is the scope's
``root_path``, ``PATH_INFO`` the rest of its path, both in WSGI's latin-1 tunnel. An
ASGI app inside a WSGI one (a2wsgi's ``ASGIMiddleware``) gets the scope built from the
environ: ``root_path`` is ``SCRIPT_NAME`` and ``path`` the two joined, decoded.

Route discovery runs on every request and most routers read no header, or one: the
headers are converted when first asked for (one header by its name, all of them for
anything that iterates), so a request that crosses costs a small dict, not a copy of
its headers.
"""

from __future__ import annotations

from _collections_abc import dict_items, dict_keys, dict_values
from collections.abc import Callable, Iterator
from typing import Any

#: environ keys of headers that have no ``HTTP_`` prefix (CGI's)
_CGI_HEADERS = {"CONTENT_TYPE": b"content-type", "CONTENT_LENGTH": b"content-length"}
_HEADER_KEYS = {value: key for key, value in _CGI_HEADERS.items()}


def wsgi_path(path: str) -> str:
    """An ASGI path as WSGI's ``PATH_INFO`` carries it (UTF-8 bytes read as latin-1)."""
    return path if path.isascii() else path.encode().decode("latin-1")


def asgi_path(path: str) -> str:
    """A WSGI ``PATH_INFO`` as an ASGI scope's ``path`` carries it (decoded)."""
    return path if path.isascii() else path.encode("latin-1").decode(errors="replace")


def is_scope(request: Any) -> bool:
    """Whether ``request`` is an ASGI scope (every scope has a ``type``; no environ does)."""
    return "type" in request


def _header_name(key: object) -> bytes | None:
    """The ASGI header name of an environ key, or None for a key that is no header."""
    if not isinstance(key, str):
        return None
    if key.startswith("HTTP_"):
        return key[5:].lower().replace("_", "-").encode("latin-1")
    return _CGI_HEADERS.get(key)


def _environ_key(name: bytes) -> str:
    key = _HEADER_KEYS.get(name)
    return key if key is not None else "HTTP_" + name.decode("latin-1").upper().replace("-", "_")


class _Converted(dict[str, Any]):
    """A request converted for the other interface: what iterates over it, copies it or
    counts it sees it whole (``_complete`` adds what was left to first use)."""

    __slots__ = ()

    def _complete(self) -> None:
        raise NotImplementedError

    def __iter__(self) -> Iterator[str]:
        self._complete()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._complete()
        return dict.__len__(self)

    def keys(self) -> dict_keys[str, Any]:
        self._complete()
        return dict.keys(self)

    def items(self) -> dict_items[str, Any]:
        self._complete()
        return dict.items(self)

    def values(self) -> dict_values[str, Any]:
        self._complete()
        return dict.values(self)

    def copy(self) -> dict[str, Any]:
        self._complete()
        return dict(dict.items(self))


class ScopeEnviron(_Converted):
    """The WSGI environ of an ASGI scope: the request line's keys at once, the others
    (headers, server, query string) read from the scope on first use."""

    __slots__ = ("_scope",)

    def __init__(self, scope: Any, path: str) -> None:
        """``path``: the scope's path below its ``root_path``, in WSGI's form."""
        dict.__init__(
            self,
            {
                "REQUEST_METHOD": scope.get("method", "GET"),
                "SCRIPT_NAME": wsgi_path(scope.get("root_path", "")),
                "PATH_INFO": path,
                "wsgi.url_scheme": scope.get("scheme", "http"),
            },
        )
        self._scope: Any = scope  # None once every key is in the dict

    def _lookup(self, key: object) -> str | None:
        """A key not made at once, read from the scope (None: the request has none)."""
        scope = self._scope
        if scope is None or not isinstance(key, str):
            return None
        derived = _DERIVED.get(key)
        if derived is not None:
            return derived(scope)
        name = _NAMES.get(key)
        if name is None:
            name = _header_name(key) or b""
            if len(_NAMES) < _NAMES_SIZE:
                _NAMES[key] = name
        if not name:
            return None
        values = [v for n, v in scope.get("headers") or () if n == name]
        if not values:
            return None
        return b",".join(values).decode("latin-1")

    def _complete(self) -> None:
        scope, self._scope = self._scope, None
        if scope is None:
            return
        for key, derived in _DERIVED.items():
            dict.__setitem__(self, key, derived(scope))
        for name, value in scope.get("headers") or ():
            key = _environ_key(bytes(name).lower())
            text = bytes(value).decode("latin-1")
            if dict.__contains__(self, key):  # a repeated header, joined as adapters join it
                text = f"{dict.__getitem__(self, key)},{text}"
            dict.__setitem__(self, key, text)

    def __missing__(self, key: str) -> Any:
        value = self._lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = dict.get(self, key, _ABSENT)
        if value is _ABSENT:
            value = self._lookup(key)
            return default if value is None else value
        return value

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._lookup(key) is not None


_ABSENT = object()
#: environ key -> its header's name (b"": no header), for the keys routers ask for
_NAMES: dict[str, bytes] = {}
_NAMES_SIZE = 256


def _server(scope: Any) -> tuple[str, Any]:
    server = scope.get("server") or ("localhost", 80)
    return server[0], server[1]


#: the environ keys a scope gives without headers, made on first use
_DERIVED: dict[str, Callable[[Any], str]] = {
    "SERVER_NAME": lambda scope: str(_server(scope)[0]),
    "SERVER_PORT": lambda scope: str(_server(scope)[1] or 0),
    "SERVER_PROTOCOL": lambda scope: f"HTTP/{scope.get('http_version', '1.1')}",
    "QUERY_STRING": lambda scope: bytes(scope.get("query_string", b"")).decode("latin-1"),
}


class EnvironScope(_Converted):
    """The ASGI scope of a WSGI environ, its ``headers`` made on first use."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Any, path: str) -> None:
        """``path``: the environ's ``PATH_INFO``, decoded."""
        root_path = asgi_path(environ.get("SCRIPT_NAME", ""))
        super().__init__(
            type="http",
            asgi={"version": "3.0"},
            http_version=str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")).partition("/")[2],
            method=environ.get("REQUEST_METHOD", "GET"),
            scheme=environ.get("wsgi.url_scheme", "http"),
            path=root_path + path,
            root_path=root_path,
            query_string=str(environ.get("QUERY_STRING", "")).encode("latin-1"),
            server=(environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        )
        self._environ: Any = environ  # None once the headers are in the dict

    def _complete(self) -> None:
        environ, self._environ = self._environ, None
        if environ is not None:
            dict.__setitem__(self, "headers", _headers_of(environ))

    def __missing__(self, key: str) -> Any:
        if key != "headers" or self._environ is None:
            raise KeyError(key)
        self._complete()
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key == "headers":
            self._complete()
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        if key == "headers":
            self._complete()
        return dict.__contains__(self, key)


def _headers_of(environ: Any) -> list[tuple[bytes, bytes]]:
    """An environ's headers as a scope lists them (as a2wsgi's ``build_scope`` reads them)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            name = key[5:]
        elif key in _CGI_HEADERS:
            name = key
        else:
            continue
        headers.append((name.lower().replace("_", "-").encode("latin-1"), value.encode("latin-1")))
    return headers
