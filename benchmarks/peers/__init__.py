"""``make bench-peers``: the trivial apps of ``benchmarks/variants.py`` under other APM
agents (ddtrace, sentry-sdk, newrelic, elastic-apm, logfire, scout-apm), offline on
loopback, against the hand-written way and this toolkit. Runs in ``.venv-peers`` only."""
