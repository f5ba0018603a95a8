"""The route model: templates, the table that matches them, the registry of
declared routes, inference. No OpenTelemetry here: a route is plain data.
"""
