"""``tests/suites`` runs in its own environment (``make suites``: .venv-suites, where
trio is installed); a bare ``pytest`` in the dev environment leaves it out."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("trio") else ["test_trio.py"]
