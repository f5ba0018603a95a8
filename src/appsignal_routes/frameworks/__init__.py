"""Route discovery: ask the framework's own router which route a request is headed for.

One adapter module per framework, each exposing ``router_for(app) -> Router | None``
and two constants: ``DISTRIBUTION``, the PyPI distribution whose installed version is
read, and ``LOWEST``, the lowest release of it the adapter supports and is tested on.
An app is recognised by the modules of its type's classes (its MRO), so no framework is
imported before the app itself has imported it. A framework older than the adapter's
``LOWEST``, or one whose router the adapter does not understand (it raises), falls back
to the registry, with one warning that names the framework and its installed version.
Wrappers around an app and dispatchers in front of it are looked through (see
``_composed``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass
from types import ModuleType
from typing import Any, Final, Protocol

from appsignal_routes._contain import Containment

logger = logging.getLogger("appsignal_routes")

_NO_VERSION: Final = Containment("no installed version of %s")
_PREPARE_FAILED: Final = Containment("preparing %r failed")

#: top-level package of an app's class -> the adapter module that knows its router
ADAPTERS: dict[str, str] = {
    "blacksheep": "blacksheep",
    "bottle": "bottle",
    "cherrypy": "cherrypy",
    "connexion": "connexion",
    "django": "django",
    "falcon": "falcon",
    "fastapi": "fastapi",
    "flask": "flask",
    "litestar": "litestar",
    "pyramid": "pyramid",
    "quart": "quart",
    "sanic": "sanic",
    "starlette": "starlette",
}


@dataclass(frozen=True, slots=True)
class DiscoveredRoute:
    """One route of an app as its framework declares it.

    ``methods`` is empty when the route takes any method; ``template`` is written in the
    framework's own syntax, exactly as it is exported (``http.route``).
    """

    methods: tuple[str, ...]
    template: str
    handler: str = ""  # the endpoint, view or resource, for people to read
    _: KW_ONLY  # the fields below are named where they are given
    #: a route of a mounted app: where that app is mounted, and its framework ("" for
    #: both: a route of the app itself)
    prefix: str = ""
    framework: str = ""
    #: the group its requests get when it is not "{METHOD} {template}" (a root name:
    #: CherryPy's "Class#method"); empty for the route's own group
    group: str = ""


@dataclass(frozen=True, slots=True)
class Found:
    """A route a router found for a request, with the handler it dispatches to.

    ``handler`` is the view, endpoint or responder the framework would call (the object
    the framework holds, possibly a decorated one), or None when the adapter cannot
    name it cheaply; a handler that carries ``@route`` or ``@root_name`` groups the
    request by the decorator's name from its start, whether or not the handler runs.
    """

    template: str
    handler: object = None
    #: the prefix of a mount the router cannot see into (``StaticFiles``, an app of no
    #: known framework): a route declared in the registry outranks it
    opaque: bool = False


class Router(Protocol):
    """A framework's router, as the request-start path asks it."""

    #: the framework's name, for people: "Flask", "Falcon (ASGI)", ...
    framework: str

    def route(self, method: str | None, path: str, request: Any) -> str | Found | None:
        """The template of the route a request is headed for (with its handler, as a
        ``Found``, where the adapter knows it; or a ``RootName``), or None when no
        route matches. ``path``
        is relative to the app's mount point; ``request`` is the WSGI environ or the
        ASGI scope. A route that matches the path but not the method (a 405) still
        counts. May raise: the caller contains it."""
        ...

    def routes(self) -> Iterable[DiscoveredRoute]:
        """Every route the router knows now, for ``appsignal-routes routes``."""
        ...


def adapter_of(app: object) -> tuple[str, object] | None:
    """The adapter module for ``app`` itself and the object it reads: the app, or the
    app behind a bound method such as Flask's ``app.wsgi_app``; found by the packages
    of its classes. None if no adapter knows it."""
    candidates = [app]
    bound_to = getattr(app, "__self__", None) if hasattr(app, "__func__") else None
    if bound_to is not None:
        candidates.append(bound_to)
    for candidate in candidates:
        for cls in type(candidate).__mro__:
            adapter = ADAPTERS.get(cls.__module__.partition(".")[0])
            if adapter is not None:
                return adapter, candidate
    return None


def framework_of(app: object) -> tuple[str, object] | None:
    """The adapter module for ``app``, or for the app its wrappers keep (ProxyFix,
    WhiteNoise, a2wsgi, a middleware holding ``self.app``...), and the object it reads.
    None if no adapter knows any of them."""
    from . import _composed  # noqa: PLC0415 - it imports this module

    return _composed.framework_of(app, adapter_of)


class Unreadable(Exception):  # noqa: N818 - a router that cannot be read, not an error of the app
    """An app of a known framework whose router is not read: the framework is older than
    its adapter's ``LOWEST`` (``too_old``), or the adapter raised. The message names the
    framework and its installed version. Raised while routers are built, it ends the
    walk through that app's wrappers (the app was found: nothing inside it is guessed
    at), and the one warning is given where it is caught: by ``router_for`` for the app
    ``instrument()`` wraps, by a dispatcher for an app mounted in it."""

    def __init__(self, message: str, target: object, *, too_old: bool = False) -> None:
        super().__init__(message)
        self.target = target
        self.too_old = too_old


def _read_router(adapter: str, target: object) -> Router | None:
    """The router the adapter reads off ``target``, or None when it knows none there.

    Raises:
        Unreadable: the framework is older than the adapter's ``LOWEST``, or the adapter
            does not understand its router (it raised).
    """
    module: ModuleType | None = None
    try:
        module = importlib.import_module(f"{__name__}.{adapter}")
        _check_version(module, adapter, target)
        router: Router | None = module.router_for(target)
    except Unreadable:
        raise
    except Exception as error:  # not contained here: re-raised, named, for router_for
        distribution, installed, _ = declared_versions(module, adapter)
        message = f"{distribution} {installed or '(version unknown)'}: {error}"
        raise Unreadable(message, target) from error
    return router


def _check_version(module: ModuleType, adapter: str, target: object) -> None:
    """Raises ``Unreadable`` when the installed framework is older than ``LOWEST``."""
    distribution, installed, lowest = declared_versions(module, adapter)
    if installed is not None and lowest is not None and older(installed, lowest):
        raise Unreadable(
            f"{distribution} {installed} is older than {lowest}, the lowest version its "
            "route discovery supports",
            target,
            too_old=True,
        )


def router_for(app: object) -> Router | None:
    """The router of a framework's app object, seen through the wrappers around it and
    into the apps a dispatcher mounts (see ``_composed``), or None: an app of no known
    framework, of a framework older than its adapter's ``LOWEST``, or one whose router
    the adapter does not understand (each with one warning naming the framework and its
    version). Never raises."""
    from . import _composed  # noqa: PLC0415 - it imports this module

    try:
        return _composed.compose(app, adapter_of, _read_router)
    except Unreadable as error:
        if error.too_old:
            logger.warning(
                "appsignal-routes: %s; %r is grouped by declared routes only", error, error.target
            )
        else:
            _cannot_read(error.target, error)
    except Exception as error:  # more than containment: the user is warned
        _cannot_read(app, error)
    return None


def _cannot_read(target: object, error: Exception) -> None:
    logger.warning(
        "appsignal-routes: cannot read the routes of %r (%s); grouping by declared routes only",
        target,
        error,
    )
    logger.debug("appsignal-routes: route discovery failed", exc_info=error)


def declared_versions(
    module: ModuleType | None, adapter: str
) -> tuple[str, str | None, str | None]:
    """The adapter's framework distribution, the version of it installed, and the
    adapter's ``LOWEST``: for an adapter that declares no ``DISTRIBUTION`` (or failed to
    import), the distribution that installed the adapter's package, and no ``LOWEST``
    (one debug log: the version is not checked). Never raises."""
    distribution = getattr(module, "DISTRIBUTION", None)
    lowest = getattr(module, "LOWEST", None)
    with _NO_VERSION.about(adapter):
        if not isinstance(distribution, str) or not isinstance(lowest, str):
            if module is not None:
                logger.debug(
                    "appsignal-routes: the %s adapter declares no DISTRIBUTION or LOWEST; "
                    "its framework's version is not checked",
                    adapter,
                )
            lowest = None
            distribution = importlib.metadata.packages_distributions().get(adapter, [adapter])[0]
        return distribution, importlib.metadata.version(distribution), lowest
    return str(distribution or adapter), None, None


_VERSION = re.compile(
    r"v?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview|dev))?", re.IGNORECASE
)


def older(version: str, lowest: str) -> bool:
    """Whether release ``version`` comes before ``lowest`` (``"2.0.0rc1"`` does before
    ``"2.0"``); a version either side that is not a release number compares as not older."""
    key, floor = _release(version), _release(lowest)
    return key is not None and floor is not None and key < floor


def _release(version: str) -> tuple[tuple[int, ...], int] | None:
    """A version's release numbers without trailing zeros (2.0.0 is 2), and 0 for a
    pre-release or development release of it, 1 for the release and its post-releases."""
    match = _VERSION.match(version.strip())
    if match is None:
        return None
    numbers = [int(number) for number in match.group(1).split(".")]
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers), 0 if match.group(2) else 1


def prepare(app: object) -> object | None:
    """What ``instrument()`` wraps for ``app``, as the adapter's optional
    ``prepare(app)`` says: the app itself; a stand-in that calls it and keeps the
    framework's own tracing from starting a second server span; or None when the app
    already makes its own server spans (a contrib instrumentor), so that wrapping it
    would trace each request twice. Never raises: on a failure, the app itself."""
    from . import _composed  # noqa: PLC0415 - it imports this module

    with _PREPARE_FAILED.about(app):
        hook = adapter_hook(app, "prepare")
        prepared: object | None = app if hook is None else hook(app)
        if prepared is not None and prepared is not app:
            crossed = _composed.interface_of(prepared) != _composed.interface_of(app)
            prepared = app if crossed else prepared  # a stand-in for an app inside an adapter
        return prepared
    return app


def adapter_hook(app: object, name: str) -> Callable[[object], object] | None:
    """The optional hook ``name`` (``prepare``, ``tracing``) of the adapter that reads
    ``app`` (its framework's, along its wrapper chain), or None: no adapter, or no hook.
    Raises what importing the adapter raises."""
    found = framework_of(app)
    if found is None:
        return None
    hook: Callable[[object], object] | None = getattr(
        importlib.import_module(f"{__name__}.{found[0]}"), name, None
    )
    return hook


def prepare_mounted(app: object) -> None:
    """Prepare an app mounted inside the one ``instrument()`` wraps, where its adapter
    can do so in place (FastAPI's native telemetry then adopts our server span instead
    of starting a second one); a stand-in it would make is not used. Never raises."""
    prepare(app)
