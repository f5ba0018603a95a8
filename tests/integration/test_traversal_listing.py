"""``appsignal-routes routes`` on Pyramid's traversal wiki (``apps/pyramid_wiki.py``),
run as a user runs it: each traversal view with its view name, the resource type it is
registered for and the group a request to it gets (issue 23)."""

from __future__ import annotations

import os
import subprocess
import sys

from .servers import ROOT

WIKI = "tests.integration.apps.pyramid_wiki"

EXPECTED = f"""\
Pyramid app {WIKI}:app: routes discovered from its router

traversal views (Pyramid finds one by the resource type of the context and the view name):

view name  resource type  group                                      handler
----------------------------------------------------------------------------
(default)  Wiki           {{METHOD}} /                                 {WIKI}.view_wiki
(default)  Page           {{METHOD}} /{{PageWithAttachments}}            {WIKI}.view_page
add_page   Wiki           {{METHOD}} /add_page                         {WIKI}.add_page
edit_page  Page           {{METHOD}} /{{PageWithAttachments}}/edit_page  {WIKI}.edit_page
history    Page           Pages#history                              {WIKI}.history
(default)  Attachment     {{METHOD}} .../{{Attachment}}                  {WIKI}.view_attachment

The path's resources are named by their types; a path left after the view name adds /*subpath;
... stands for resources above it not met walking the tree from its root.

A @ar.root_name or @ar.route on a handler replaces the group shown for its route.
Any other path is grouped by its method alone (e.g. GET).
"""


def test_the_wikis_traversal_views_are_listed_with_their_groups():
    done = subprocess.run(
        [sys.executable, "-m", "appsignal_routes", "routes", f"{WIKI}:app"],
        cwd=ROOT,
        env={
            **os.environ,
            "TEST_COLLECTOR": "http://127.0.0.1:9",  # the module starts the agent: no span sent
            "PYTHONWARNINGS": "ignore",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, EXPECTED), done.stderr
