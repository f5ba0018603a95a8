"""A request handed across an ASGI/WSGI adapter, for the router of the app on the other side.

A WSGI app inside an ASGI one (a2wsgi's ``WSGIMiddleware``, asgiref's ``WsgiToAsgi``)
gets the environ those adapters build from the scope: ``SCRIPT_NAME`` is the scope's
``root_path``, ``PATH_INFO`` the rest of its path, both in WSGI's latin-1 tunnel. An
ASGI app inside a WSGI one (a2wsgi's ``ASGIMiddleware``) gets the scope built from the
environ: ``root_path`` is ``SCRIPT_NAME`` and ``path`` the two joined, decoded.

Each is a plain ``dict`` with every key the app would read (some libraries accept no
other: WebOb, Django's path decoding); a header's environ key is made once per name.
"""

from __future__ import annotations

from typing import Any

#: environ keys of headers that have no ``HTTP_`` prefix (CGI's)
_CGI_HEADERS = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
#: header name -> its environ key, made once per name (bounded)
_KEYS: dict[bytes, str] = {}
_KEYS_SIZE = 512


def wsgi_path(path: str) -> str:
    """An ASGI path as WSGI's ``PATH_INFO`` carries it (UTF-8 bytes read as latin-1)."""
    return path if path.isascii() else path.encode().decode("latin-1")


def asgi_path(path: str) -> str:
    """A WSGI ``PATH_INFO`` as an ASGI scope's ``path`` carries it (decoded)."""
    return path if path.isascii() else path.encode("latin-1").decode(errors="replace")


def is_scope(request: Any) -> bool:
    """Whether ``request`` is an ASGI scope (every scope has a ``type``; no environ does)."""
    return "type" in request


def _environ_key(name: bytes) -> str:
    key = _KEYS.get(name)
    if key is None:
        key = _CGI_HEADERS.get(name) or "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_KEYS) < _KEYS_SIZE:
            _KEYS[name] = key
    return key


def environ_of(scope: Any, path: str) -> dict[str, Any]:
    """The WSGI environ a WSGI-in-ASGI adapter builds from ``scope`` (its body aside);
    ``path`` is the scope's path below its ``root_path``, in WSGI's form."""
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": wsgi_path(scope.get("root_path", "")),
        "PATH_INFO": path,
        "QUERY_STRING": bytes(scope.get("query_string", b"")).decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.url_scheme": scope.get("scheme", "http"),
    }
    for name, value in scope.get("headers") or ():
        key = _environ_key(bytes(name).lower())
        text = bytes(value).decode("latin-1")
        if key in environ:  # a repeated header, joined as the adapters join it
            text = f"{environ[key]},{text}"
        environ[key] = text
    return environ


def scope_of(environ: Any, path: str) -> dict[str, Any]:
    """The ASGI scope an ASGI-in-WSGI adapter (a2wsgi's ``build_scope``) builds from
    ``environ``; ``path`` is its ``PATH_INFO``, decoded."""
    root_path = asgi_path(environ.get("SCRIPT_NAME", ""))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")).partition("/")[2],
        "method": environ.get("REQUEST_METHOD", "GET"),
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": root_path + path,
        "root_path": root_path,
        "query_string": str(environ.get("QUERY_STRING", "")).encode("latin-1"),
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        "headers": [
            (_header_name(key), str(value).encode("latin-1"))
            for key, value in environ.items()
            if (key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"))
            or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
        ],
    }


def _header_name(key: str) -> bytes:
    return key.removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
