"""The package's layers, as its layout shows them: each imports only the layers below it.

A request flows up this list: its route (``_routes``) is matched as it starts
(``_request``), handed to its group (``_grouping``), which names the root span that
the agent exports (``_agent``). Lazy imports inside functions count too: a layer that
needs a higher one at run time is a design that can no longer be seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import appsignal_routes

ROOT = Path(appsignal_routes.__file__).parent

#: Lowest first. A module may import its own layer and the layers before it.
LAYERS = (
    "_types",
    "_contain",
    "_env",
    "_routes",
    "_private",
    "_shutdown",
    "_grouping",
    "_decorators",
    "frameworks",
    "graphql",
    "_request",
    "_agent",
    "_testing",
    "_cli",
    "_state",
    "__init__",
    "__main__",
)


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _layer(path: Path) -> str:
    first = path.relative_to(ROOT).parts[0]
    return first.removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    """The layers of this package that ``path`` imports, and "opentelemetry" if it
    imports OpenTelemetry."""
    relative = path.relative_to(ROOT.parent).with_suffix("")
    package = list(relative.parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            target, names = [], []
            for alias in node.names:
                found |= _of(alias.name.split("."), [])
            continue
        else:
            continue
        found |= _of(target, names)
    return found


def _of(target: list[str], names: list[str]) -> set[str]:
    if target[0] == "opentelemetry":
        return {"opentelemetry"}
    if target[0] != "appsignal_routes":
        return set()
    if len(target) > 1:
        return {target[1]}
    return {name for name in names if name in LAYERS}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_module_imports_only_the_layers_below_it(path: Path) -> None:
    layer = _layer(path)
    assert layer in LAYERS, f"{layer} is in no layer: add it to LAYERS"
    allowed = set(LAYERS[: LAYERS.index(layer) + 1]) | {"opentelemetry"}
    assert _imported_layers(path) - allowed == set()


@pytest.mark.parametrize("path", sorted((ROOT / "_routes").glob("*.py")), ids=lambda p: p.name)
def test_the_route_model_knows_no_opentelemetry(path: Path) -> None:
    assert "opentelemetry" not in _imported_layers(path)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_says_what_it_is_for(path: Path) -> None:
    if path.name == "__main__.py":
        return
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring, f"{path.relative_to(ROOT)} has no docstring"


def test_the_import_reader_sees_what_a_module_imports() -> None:
    # the reader itself: the layers of these imports, as the checks above read them
    assert _of(["appsignal_routes", "_agent", "agent"], ["start"]) == {"_agent"}
    assert _of(["opentelemetry", "trace"], []) == {"opentelemetry"}
    assert _of(["appsignal_routes"], ["_routes", "route"]) == {"_routes"}
    assert _of(["wrapt"], ["FunctionWrapper"]) == set()
    assert "_routes" in _imported_layers(ROOT / "_request" / "start.py")
