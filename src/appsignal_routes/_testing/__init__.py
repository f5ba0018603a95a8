"""The ``route_groups`` pytest fixture and what it captures."""
