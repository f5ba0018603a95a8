"""The grouping model: the handoff from a request's start to its group, the
group that names the request's root span, the span processor that gives each
request its group, and the annotations that regroup it.
"""
