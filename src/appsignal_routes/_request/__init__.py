"""The request path: ``instrument()``'s middleware, what a request's server
span starts with (its route, matched as the request arrives), and its isolation
from other requests.
"""
