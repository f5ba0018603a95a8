"""Per-request grouping state, and how it names the request's local root span.

Each request in flight has one ``RequestGroup``, shared by every span below its local
root. Annotations (decorators, ``set_route``, the middleware's registry match) land
in it and are applied to the root span at once, while it still records: the SDK
freezes a span before any processor hook at its end could rename it.
"""

from __future__ import annotations

import logging
import threading
from typing import Final, Literal

from opentelemetry.sdk.trace import Span
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import Attributes

from ._template import parse

logger = logging.getLogger("appsignal_routes")

ROUTE_SOURCE: Final = "appsignal_routes.route_source"
HTTP_ROUTE: Final = "http.route"
ROOT_NAME: Final = "appsignal.root_name"
ACTION_NAME: Final = "appsignal.action_name"

RouteSource = Literal["decorator", "framework", "registry", "inferred"]
# A higher rank replaces a lower one; among explicit sources the first one wins.
_RANK: Final[dict[str | None, int]] = {
    None: 0,
    "inferred": 1,
    "registry": 2,
    "decorator": 3,
    "framework": 3,
}
Mode = Literal["both", "agent", "collector"]
RouteStyle = Literal["template", "appsignal"]
_OWN_ATTRIBUTES: Final = (HTTP_ROUTE, ROUTE_SOURCE, ROOT_NAME, ACTION_NAME)


class Naming:
    """How names are written: route style, which AppSignal attributes, the group cap."""

    def __init__(
        self,
        *,
        max_groups: int = 1000,
        route_style: RouteStyle = "template",
        mode: Mode = "both",
    ) -> None:
        if not isinstance(max_groups, int) or isinstance(max_groups, bool) or max_groups < 1:
            raise ValueError(f"max_groups must be a positive int, not {max_groups!r}")
        if route_style not in ("template", "appsignal"):
            raise ValueError(f"route_style must be 'template' or 'appsignal', not {route_style!r}")
        if mode not in ("both", "agent", "collector"):
            raise ValueError(f"mode must be 'both', 'agent' or 'collector', not {mode!r}")
        self.max_groups = max_groups
        self.appsignal_style = route_style == "appsignal"
        self.root_name_attr = mode in ("both", "agent")
        self.action_name_attr = mode in ("both", "collector")
        self._groups: set[str] = set()
        self._lock = threading.Lock()
        self._warned = False

    def style(self, route: str) -> str:
        if not self.appsignal_style:
            return route
        try:
            return parse(route).appsignal
        except (TypeError, ValueError):
            return route  # a framework's route in a form we do not parse: keep it as written

    def admit(self, name: str, method: str | None) -> str:
        """The name itself while under the cap, else the method's overflow group."""
        if name in self._groups:
            return name
        with self._lock:
            if len(self._groups) < self.max_groups:
                self._groups.add(name)
                return name
            if not self._warned:
                self._warned = True
                logger.warning(
                    "appsignal-routes: more than max_groups=%d distinct groups; "
                    "new ones are exported as '<METHOD> [other]'",
                    self.max_groups,
                )
        return f"{method} [other]" if method else "[other]"


def _plain(attributes: Attributes) -> dict[str, object]:
    """A span's attributes as a dict: copied at C speed, where a ``.get`` on the SDK's
    read-only view would raise and catch a ``KeyError`` for every missing key."""
    if not attributes:
        return {}
    copy = getattr(attributes, "copy", None)
    return copy() if copy is not None else dict(attributes)


class RequestGroup:
    """What is known about one request's group; applied to its root span on change."""

    __slots__ = (
        "applied",
        "applied_name",
        "method",
        "naming",
        "root",
        "root_name",
        "route",
        "route_source",
    )

    def __init__(self, root: Span, naming: Naming) -> None:
        self.root = root
        self.naming = naming
        self.method: str | None = None
        self.root_name: str | None = None
        self.route: str | None = None
        self.route_source: str | None = None
        # what apply() last wrote to the root span: only changes are written again
        self.applied: dict[str, str] = {}
        self.applied_name: str | None = None

    def start(
        self,
        kind: SpanKind,
        name: str,
        attributes: Attributes,
    ) -> None:
        """Read what the middleware put on the root span at its start; name it."""
        attrs = _plain(attributes)
        method = attrs.get("http.request.method") or attrs.get("http.method")
        if kind is not SpanKind.SERVER or not isinstance(method, str) or not method:
            return
        self.method = "HTTP" if method == "_OTHER" else method
        # what the span starts with need not be written again
        self.applied = {
            key: value for key in _OWN_ATTRIBUTES if isinstance(value := attrs.get(key), str)
        }
        self.applied_name = name
        route = attrs.get(HTTP_ROUTE)
        if isinstance(route, str) and route:
            source = attrs.get(ROUTE_SOURCE)
            self.route = route
            self.route_source = source if source in ("registry", "inferred") else "framework"
        self.apply()

    def set_route(self, route: str, source: RouteSource, override: bool) -> None:
        adopted = self.route_source not in ("decorator", "framework") and self._adopt_framework()
        if override or _RANK[source] > _RANK[self.route_source]:
            self.route = route
            self.route_source = source
            self.apply()
        elif adopted:
            self.apply()

    def set_root_name(self, name: str, override: bool) -> None:
        if override or self.root_name is None:
            self.root_name = name
            self.apply()

    def _adopt_framework(self) -> bool:
        """A ``http.route`` a framework set after the span started counts as explicit."""
        attributes = self.root.attributes
        current = attributes.get(HTTP_ROUTE) if attributes else None
        if isinstance(current, str) and current and current != self._exported_route():
            self.route = current
            self.route_source = "framework"
            return True
        return False

    def _exported_route(self) -> str | None:
        return self.naming.style(self.route) if self.route is not None else None

    def apply(self) -> None:
        """Name the root span and set the grouping attributes, per the precedence rules."""
        root = self.root
        if not root.is_recording():
            return
        naming = self.naming
        method = self.method
        route = self._exported_route()
        root_name = self.root_name
        if root_name is not None:
            name = naming.admit(root_name, method)
            source = "root_name"
        elif route is not None:
            name = naming.admit(f"{method} {route}" if method else route, method)
            source = self.route_source or "decorator"
        elif method is not None:
            name = method  # one per HTTP method: never a cardinality problem, not capped
            source = "method"
        else:
            return  # not an HTTP request and nothing to name it by
        applied = self.applied
        for key, value in (
            (HTTP_ROUTE, route if self.route_source != "inferred" else None),
            (ROOT_NAME, name if root_name is not None and naming.root_name_attr else None),
            # by the method alone: the collector falls back to the span name, the same
            (ACTION_NAME, name if naming.action_name_attr and source != "method" else None),
            (ROUTE_SOURCE, source),
        ):
            # only what changed: each write costs the SDK a lock and a validation
            if value is not None and applied.get(key) != value:
                root.set_attribute(key, value)
                applied[key] = value
        if name != self.applied_name:
            root.update_name(name)
            self.applied_name = name
