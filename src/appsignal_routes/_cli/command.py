"""The ``appsignal-routes`` command: ``demo``, ``diagnose``, ``routes MODULE:APP`` and
``report FILE``."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections import Counter
from collections.abc import Sequence
from importlib import metadata
from urllib.parse import urlsplit

from appsignal_routes._agent.config import Config, resolve
from appsignal_routes._grouping.attributes import PATH, ROUTE_SOURCE
from appsignal_routes._routes.infer import infer_template

from .table import Request, group_rows, render


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="appsignal-routes", description="Group web requests by route in AppSignal."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="serve a sample app on loopback and print its groups")
    commands.add_parser("diagnose", help="print the resolved configuration and what is wrong")
    routes = commands.add_parser("routes", help="print the routes discovered in an app")
    routes.add_argument("app", metavar="MODULE:APP", help="the app, as a server takes it")
    report = commands.add_parser("report", help="group the spans of a jsonl file")
    report.add_argument("file", help="a file written by exporter='jsonl'")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo  # noqa: PLC0415 - imports the sample app only when asked

        print(run_demo())
        return 0
    if args.command == "diagnose":
        return diagnose()
    if args.command == "routes":
        return print_routes(args.app)
    return report_file(args.file)


def print_routes(target: str) -> int:
    """Print the routes discovered in ``MODULE:APP`` and the group each gets."""
    from .routes import routes_report  # noqa: PLC0415 - imports the app only when asked

    try:
        text, status = routes_report(target)
    except Exception as error:  # the user's module failed to import: say so, plainly
        print(f"appsignal-routes routes: cannot load {target}: {error!r}", file=sys.stderr)
        return 2
    print(text)
    return status


def diagnose() -> int:
    """Print the resolved configuration (key masked), reachability, versions, problems."""
    problems: list[str] = []
    try:
        config: Config | None = resolve({})
    except ValueError as error:
        config = None
        problems.append(str(error))
    print("appsignal-routes diagnose\n")
    if config is not None:
        print("configuration (keyword arguments > environment > defaults):")
        for key, value in _config_rows(config):
            print(f"  {key:<20} {value}")
        problems.extend(_problems(config))
    print("\ninstalled packages:")
    for package in _PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "not installed"
        print(f"  {package:<42} {version}")
    print("\nproblems:" if problems else "\nproblems: none found")
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


def _problems(config: Config) -> list[str]:
    problems = list(config.warnings)
    endpoint = _endpoint(config)
    if endpoint:
        reachable = _reachable(endpoint)
        state = "reachable" if reachable else "UNREACHABLE"
        print(f"\nexporter endpoint    {endpoint}  ({state})")
        if not reachable:
            problems.append(f"the exporter endpoint {endpoint} does not accept connections")
    if config.exporter == "collector" and not config.push_api_key:
        problems.append("collector mode without push_api_key (APPSIGNAL_PUSH_API_KEY)")
    if not config.name and config.exporter in ("collector", "agent"):
        problems.append("no app name: set name= or APPSIGNAL_APP_NAME")
    return problems


_PACKAGES = (
    "appsignal-routes",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-wsgi",
    "opentelemetry-instrumentation-asgi",
    "opentelemetry-exporter-otlp-proto-http",
    "wrapt",
)


def _config_rows(config: Config) -> list[tuple[str, str]]:
    rows = []
    for field in config.__dataclass_fields__:
        if field in ("warnings", "exporter_explicit"):
            continue
        value = config.masked_push_api_key if field == "push_api_key" else getattr(config, field)
        rows.append((field, str(value)))
    return rows


def _endpoint(config: Config) -> str | None:
    if config.exporter == "collector":
        return f"{config.collector_endpoint}/v1/traces"
    if config.exporter == "agent":
        return f"http://localhost:{config.opentelemetry_port}/v1/traces"
    return None


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=2):
            return True
    except OSError:
        return False


def report_file(path: str) -> int:
    """Print the grouped table of a jsonl span file, then its ungrouped paths."""
    requests: list[Request] = []
    ungrouped: Counter[str] = Counter()
    try:
        with open(path, encoding="utf-8") as file:  # noqa: PTH123
            records = [json.loads(line) for line in file if line.strip()]
    except (OSError, ValueError) as error:
        print(f"appsignal-routes report: cannot read {path}: {error}", file=sys.stderr)
        return 2
    for record in records:
        if record.get("kind") != "SERVER" or not record.get("local_root"):
            continue
        attrs = record.get("attributes") or {}
        requests.append(Request(record["name"], bool(record.get("error")), record["duration_ms"]))
        if attrs.get(ROUTE_SOURCE) == "method":
            raw = attrs.get(PATH[0]) or attrs.get(PATH[1]) or ""
            ungrouped[str(raw).split("?", 1)[0]] += 1
    print(render(group_rows(requests)))
    if ungrouped:
        print("\nungrouped paths (method-only groups), most frequent first:")
        for raw, count in ungrouped.most_common():
            print(f"  {count:>6}  {raw:<40} suggested: @route({(infer_template(raw) or raw)!r})")
    return 0
