"""The pytest plugin of appsignal-routes (entry point ``pytest11``): ``route_groups``.

pytest imports its plugins before ``pytest-cov`` starts measuring, and importing any
module of ``appsignal_routes`` runs the whole package's module code: so this module
stays outside the package and imports nothing of it. The fixture and its hooks are
registered as the initial conftests load (after coverage starts, before a
``conftest.py`` or a test module can import an app that calls ``ar.start()``).
"""

from __future__ import annotations

import pytest


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    from appsignal_routes._testing import pytest_plugin  # noqa: PLC0415 - see the module docstring

    manager = early_config.pluginmanager
    if not manager.is_registered(pytest_plugin):
        manager.register(pytest_plugin, "appsignal_routes.route_groups")
