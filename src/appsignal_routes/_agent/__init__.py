"""``start()`` and ``stop()``: the configuration, the exporters, and the one
place that wires OpenTelemetry together.
"""
