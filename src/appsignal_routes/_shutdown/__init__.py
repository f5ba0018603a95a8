"""No span lost at a stop: flushing at lifespan shutdown and at SIGTERM, within
a bounded time.
"""
