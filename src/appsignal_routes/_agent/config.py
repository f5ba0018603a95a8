"""The agent's configuration: keyword arguments, then environment variables, then defaults.

Option names follow the AppSignal for Python package. Every value is checked here,
at ``start()``, so that a typo fails loudly at boot and never at request time.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit

from opentelemetry.sdk.trace.export import SpanExporter

from appsignal_routes._env import env_flag, flag

EXPORTERS: Final = ("collector", "agent", "otlp", "console", "jsonl", "memory", "none")

# option -> environment variables, first set wins
ENV: Final[dict[str, tuple[str, ...]]] = {
    "active": ("APPSIGNAL_ACTIVE",),
    "name": ("APPSIGNAL_APP_NAME",),
    "environment": ("APPSIGNAL_APP_ENV",),
    "push_api_key": ("APPSIGNAL_PUSH_API_KEY",),
    "revision": ("APP_REVISION",),
    "collector_endpoint": ("APPSIGNAL_COLLECTOR_ENDPOINT",),
    "opentelemetry_port": ("APPSIGNAL_OPENTELEMETRY_PORT",),
    "hostname": ("APPSIGNAL_HOSTNAME",),
    "service_name": ("APPSIGNAL_SERVICE_NAME", "OTEL_SERVICE_NAME"),
    "ignore_actions": ("APPSIGNAL_IGNORE_ACTIONS",),
    "routes": ("APPSIGNAL_ROUTES",),
    "infer_routes": ("APPSIGNAL_ROUTES_INFER",),
    "learn_routes": ("APPSIGNAL_ROUTES_LEARN",),
    "max_groups": ("APPSIGNAL_ROUTES_MAX_GROUPS",),
    "route_style": ("APPSIGNAL_ROUTES_STYLE",),
    "regex_routes": ("APPSIGNAL_ROUTES_REGEX_ROUTES",),
    "exporter": ("APPSIGNAL_ROUTES_EXPORTER",),
    "jsonl_path": ("APPSIGNAL_ROUTES_JSONL_PATH",),
}
_OTLP_ENV: Final = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
#: The words a boolean environment variable may say (any case, spaces around ignored).
#: Boolean environment variables that ``instrument()`` reads (checked by ``start()`` too).
READ_AT_INSTRUMENT: Final = ("APPSIGNAL_ROUTES_DISCOVER",)
#: The options whose environment variables are booleans.
_FLAGS: Final = ("active", "infer_routes", "learn_routes")


@dataclass(frozen=True)
class Config:
    """The resolved options of ``start()`` (see the docs for each one)."""

    active: bool = True
    name: str | None = None
    environment: str = "development"
    push_api_key: str | None = field(default=None, repr=False)
    revision: str | None = None
    collector_endpoint: str | None = None
    opentelemetry_port: int = 8099
    hostname: str = field(default_factory=socket.gethostname)
    service_name: str | None = None
    ignore_actions: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    infer_routes: bool = False
    learn_routes: bool = False
    max_groups: int = 1000
    route_style: str = "template"
    regex_routes: str = "readable"
    exporter: str | SpanExporter = "console"
    jsonl_path: str = "appsignal-routes.jsonl"
    #: ``exporter`` was asked for (keyword or environment), not chosen by default
    exporter_explicit: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def masked_push_api_key(self) -> str | None:
        key = self.push_api_key
        if not key:
            return None
        return "*" * 8 + key[-4:] if len(key) > 8 else "*" * 8  # noqa: PLR2004

    @property
    def resolved_service_name(self) -> str:
        return self.service_name or "app"  # as the AppSignal package names it


def resolve(options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """Build a Config; ``ValueError`` naming the option and the value when one is bad."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for option, names in ENV.items():
        if options.get(option) is not None:
            values[option] = options[option]
            continue
        for name in names:
            if env.get(name, "").strip():
                values[option] = _from_env(option, name, env[name].strip())
                break
    config = Config(**{k: _check(k, v) for k, v in values.items()})
    for name in READ_AT_INSTRUMENT:  # a bad word fails at start(), before instrument()
        env_flag(name, default=True, environ=env)
    if "exporter" not in values:
        return replace(config, **_default_exporter(config, env))
    return replace(config, exporter_explicit=True)


def _from_env(option: str, name: str, raw: str) -> Any:
    if option in _FLAGS:
        return flag(name, raw, default=False)  # not blank: ``resolve`` skips those
    if option in ("ignore_actions", "routes"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if option in ("opentelemetry_port", "max_groups"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r}: {option} must be a whole number") from None
    return raw


def _check(option: str, value: Any) -> Any:  # noqa: C901, PLR0912 - one branch per option
    def bad(why: str) -> ValueError:
        return ValueError(f"start({option}={value!r}): {why}")

    if option in ("active", "infer_routes", "learn_routes"):
        if not isinstance(value, bool):
            raise bad("must be True or False")
    elif option in ("opentelemetry_port", "max_groups"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("must be an int")
        if option == "opentelemetry_port" and not 0 < value < 65536:  # noqa: PLR2004
            raise bad("must be a port number, 1 to 65535")
        if option == "max_groups" and value < 1:
            raise bad("must be at least 1")
    elif option in ("ignore_actions", "routes"):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise bad("must be a list of str")
        value = tuple(value)
        if not all(isinstance(v, str) for v in value):
            raise bad("must be a list of str")
    elif option == "collector_endpoint":
        parts = urlsplit(str(value))
        if not isinstance(value, str) or parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad("must be an http:// or https:// URL, such as https://collector.example.com")
        value = value.rstrip("/")
    elif option == "exporter":
        if not isinstance(value, SpanExporter) and value not in EXPORTERS:
            raise bad(f"must be one of {', '.join(EXPORTERS)}, or a SpanExporter instance")
    elif option == "route_style":
        if value not in ("template", "appsignal"):
            raise bad("must be 'template' or 'appsignal'")
    elif option == "regex_routes":
        if value not in ("readable", "raw"):
            raise bad("must be 'readable' or 'raw'")
    elif not isinstance(value, str) or not value:
        raise bad("must be a non-empty str")
    return value


def _default_exporter(config: Config, env: Mapping[str, str]) -> dict[str, Any]:
    if config.collector_endpoint:
        return {"exporter": "collector"}
    if any(env.get(name) for name in _OTLP_ENV):
        return {"exporter": "otlp"}
    if config.environment == "development":
        return {"exporter": "console"}
    return {
        "exporter": "none",
        "warnings": (
            (
                f"no exporter configured in environment {config.environment!r}: spans are not "
                "exported; set collector_endpoint, OTEL_EXPORTER_OTLP_ENDPOINT or exporter="
            ),
        ),
    }
