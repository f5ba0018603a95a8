"""``python -m appsignal_routes``: the ``appsignal-routes`` command."""

import sys

from ._cli.command import main

sys.exit(main())
