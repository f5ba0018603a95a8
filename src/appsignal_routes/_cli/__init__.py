"""The ``appsignal-routes`` command: ``demo``, ``diagnose``, ``routes`` and
``report``.
"""
