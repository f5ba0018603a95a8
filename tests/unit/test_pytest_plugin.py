"""The pytest plugin's wiring: importing it changes nothing; registering it with pytest
gives ``start()`` the export guard, once. (What a user's suite sees of it:
``tests/integration/test_pytest_plugin.py``.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHECK = """
    import pytest

    from appsignal_routes._agent import agent
    from appsignal_routes._testing import capture
    from appsignal_routes._testing import pytest_plugin

    assert agent._export_guards == [], "importing the plugin registered a guard"
    manager = pytest.PytestPluginManager()
    manager.register(pytest_plugin, "appsignal_routes.route_groups")
    manager.register(object(), "another plugin")
    assert agent._export_guards == [capture.guard_export]
"""


def test_the_plugin_registers_explicitly_and_once():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHECK)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
