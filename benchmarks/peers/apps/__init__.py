"""One module per agent, each set up as its documentation says for a generic WSGI and
ASGI app, naming the request by its route its own way.

Each module exposes ``wsgi_app`` and ``asgi_app`` (the same trivial app as
``benchmarks/variants.py``: one route, ``/users/<id>``), ``NAME`` (the name it gives the
request, as the agent exports it) and ``exported_names()``: the names the agent really
exported since the last call, read from what reached the loopback sink or, where the
agent sends nothing offline, from its own in-process record.
"""
