"""The toolkit's command line run as a user runs it: ``python -m appsignal_routes ...``,
in a process of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def appsignal_routes(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The finished command, its output and errors as text (run from the project's root,
    where ``examples.*`` can be imported, unless ``cwd`` says otherwise)."""
    return subprocess.run(
        [sys.executable, "-m", "appsignal_routes", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def routes_listed(target: str, cwd: Path = ROOT) -> list[str]:
    """The lines ``appsignal-routes routes TARGET`` prints (it must succeed)."""
    done = appsignal_routes("routes", target, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()
