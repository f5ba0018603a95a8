"""What user code marks: ``@route``, ``@root_name`` and ``@job``, the wrapt
glue they share, and the decorator a handler carries, read before it runs.
"""
