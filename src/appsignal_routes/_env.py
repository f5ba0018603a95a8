"""The toolkit's on/off environment variables, read the same way everywhere.

``APPSIGNAL_ACTIVE``, ``APPSIGNAL_ROUTES_INFER``, ``APPSIGNAL_ROUTES_LEARN`` and
``APPSIGNAL_ROUTES_DISCOVER`` take the same words; any other word is a ``ValueError``
naming the variable, raised where the variable is read (``start()``, ``instrument()``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

TRUE_WORDS: Final = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS: Final = frozenset({"0", "false", "no", "off"})


def flag(name: str, raw: str | None, default: bool) -> bool:
    """The boolean environment variable ``name`` whose value is ``raw``: ``default``
    where it is unset or blank, else what its word says (``TRUE_WORDS``,
    ``FALSE_WORDS``, any case). ``ValueError`` naming the variable for any other word."""
    word = (raw or "").strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        f"{name}={raw!r}: must be one of {', '.join(sorted(TRUE_WORDS))} (on) "
        f"or {', '.join(sorted(FALSE_WORDS))} (off)"
    )


def env_flag(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """The boolean environment variable ``name`` (see ``flag``), read now."""
    return flag(name, (os.environ if environ is None else environ).get(name), default)
