"""Hostile input: templates and paths nobody should send, and more of them than expected.

Property tests check the template parser and the route table against a reference
regex; hostile paths go through the real middleware; floods of unique paths and
never-ended spans must not grow memory or the number of groups without bound.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

import appsignal_routes as ar
from appsignal_routes._grouping.processor import MAX_TRACKED_SPANS, index
from appsignal_routes._routes.table import RouteTable
from appsignal_routes._routes.template import RouteTemplate, parse, segment_pattern

from .figures import record
from .inprocess import call_asgi, call_wsgi, ok_asgi, ok_wsgi

#: The longest group name inference can produce (16 segments of at most 64 characters,
#: then "*"), plus the method: the documented bound.
MAX_INFERRED_NAME = 1100
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# -- the template parser ---------------------------------------------------------------

PARAM_FORMS = ["{%s}", "{%s:int}", ":%s", "<%s>", "<int:%s>", "<%s:int>", "{%s:uuid}"]
WORD = st.text(alphabet="abcxyz019-_.", min_size=1, max_size=6)


@st.composite
def templates(draw: st.DrawFn) -> str:
    segments = []
    for position in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            segments.append(draw(WORD))
        else:
            segments.append(draw(st.sampled_from(PARAM_FORMS)) % f"p{position}")
    if draw(st.booleans()):
        segments.append(draw(st.sampled_from(["*", "*rest", "{rest:path}", "<path:rest>"])))
    return "/" + "/".join(segments)


#: No deadline: a shared, loaded machine must not turn a slow example into a failure.
NO_DEADLINE = settings(deadline=None)


@NO_DEADLINE
@given(st.text(max_size=60))
def test_the_parser_raises_only_the_documented_errors(text):
    try:
        parsed = parse(text)
    except ValueError as error:  # the message quotes the input
        message = str(error)
        assert repr(text) in message or repr(text)[1:-1] in message
    else:
        assert parsed.format() == text


@NO_DEADLINE
@given(st.one_of(st.integers(), st.none(), st.binary(), st.lists(st.text())))
def test_a_non_string_template_is_a_type_error(value):
    with pytest.raises(TypeError):
        parse(value)


@NO_DEADLINE
@given(templates())
def test_formatting_a_parsed_template_gives_it_back(text):
    parsed = parse(text)
    assert parsed.format() == text
    assert parse(parsed.appsignal).appsignal == parsed.appsignal


# -- the route table against a reference regex -------------------------------------


def reference(template: RouteTemplate) -> re.Pattern[str]:
    """What a template matches, written the slow, obvious way."""
    segments = list(template.segments)
    if segments and not segments[-1]:
        segments.pop()
    pattern = ""
    for parts in segments:
        if len(parts) == 1 and not isinstance(parts[0], str) and parts[0].wildcard:
            return re.compile(pattern + r"(?:/.*)?")
        pattern += "/" + segment_pattern(parts)
    return re.compile(pattern or "")


def normal(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


PATH = st.lists(
    st.one_of(st.sampled_from(["1", "42", "abc", "x", "", "a-b", "0.5"]), WORD), max_size=6
).map(lambda parts: "/" + "/".join(parts))


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300, deadline=None)
@given(st.lists(templates(), min_size=1, max_size=8), st.lists(PATH, min_size=1, max_size=10))
def test_matching_agrees_with_the_reference_regex(texts, paths):
    table = RouteTable(texts)
    parsed = table.templates
    for path in paths:
        found = table.match(path)
        matching = [
            t
            for t in parsed
            if reference(t).fullmatch(normal(path)) or (path == "/" and reference(t).fullmatch(""))
        ]
        if found is None:
            assert matching == [], (path, [t.text for t in matching])
        else:
            assert found in matching, (path, found.text)


# -- hostile paths through the real middleware -------------------------------------

HOSTILE = [
    "/" + "a" * 10_000,
    "/" + "/".join(["x"] * 5000),
    "/users/\x00\x01\x1b[31m/\x7f",
    "/files/a%2Fb%2F..%2F..%2Fetc%2Fpasswd",
    "/files/../../etc/passwd",
    "/users/\u00e9\u4e2d\u6587/\U0001f600",
    "/users/\ud800",  # a lone surrogate, as surrogateescape decoding makes
    "//double//slashes//",
    "/%00%ff%fe",
    "",
    "no-leading-slash",
]


class Names(SpanExporter):
    """Keeps only the names of local roots: what a flood needs, in little memory."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.count = 0

    def export(self, spans: list[ReadableSpan]) -> SpanExportResult:  # type: ignore[override]
        for span in spans:
            if span.parent is None:
                self.names.add(span.name)
                self.count += 1
        return SpanExportResult.SUCCESS


def grouped_provider(max_groups: int = 1000) -> tuple[TracerProvider, Names]:
    names = Names()
    provider = TracerProvider()
    provider.add_span_processor(ar.GroupingSpanProcessor(max_groups=max_groups))
    provider.add_span_processor(SimpleSpanProcessor(names))
    return provider, names


@pytest.mark.parametrize("path", HOSTILE)
def test_a_hostile_path_never_breaks_a_request(path):
    provider, names = grouped_provider()
    ar.route("/users/:id")(ok_wsgi)
    wsgi = ar.instrument(ok_wsgi, infer_routes=True, tracer_provider=provider)
    asgi = ar.instrument(ok_asgi, infer_routes=True, tracer_provider=provider)
    assert call_wsgi(wsgi, path) == ("200 OK", b"ok")
    assert call_asgi(asgi, path)[0]["status"] == 200
    assert names.count == 2
    for name in names.names:
        assert len(name) <= MAX_INFERRED_NAME
        assert not CONTROL.search(name), name


# -- floods --------------------------------------------------------------------------


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _word(n: int) -> str:
    """A static segment of letters only, one per n (digits would make it an id)."""
    return "t" + "".join(chr(ord("a") + int(d)) for d in str(n))


def test_a_flood_of_unique_paths_stays_within_max_groups():
    provider, names = grouped_provider(max_groups=1000)
    app = ar.instrument(ok_wsgi, infer_routes=True, tracer_provider=provider)
    total = 100_000
    for n in range(10_000):
        call_wsgi(app, f"/{_word(n)}/{n}")
    after_warm_up = rss_bytes()
    for n in range(10_000, total):
        call_wsgi(app, f"/{_word(n)}/{n}")  # a new inferred template each time
    growth = rss_bytes() - after_warm_up
    record(
        "flood-unique-paths",
        requests=total,
        groups=len(names.names),
        rss_growth_mb=round(growth / 2**20, 1),
        tracked_spans_after=len(index),
    )
    assert names.count == total
    # 1,000 groups, plus the overflow group of the one method used
    assert len(names.names) == 1001
    assert "GET [other]" in names.names
    assert len(index) == 0
    assert growth < 16 * 2**20


def test_spans_never_ended_do_not_grow_the_processor_without_bound():
    provider, _ = grouped_provider()
    tracer = provider.get_tracer("leaks")
    leaked = MAX_TRACKED_SPANS + 20_000
    for _ in range(leaked):
        tracer.start_span("GET", kind=SpanKind.SERVER, attributes={"http.method": "GET"})
    tracked = len(index)
    record("leaked-spans", started_never_ended=leaked, tracked=tracked)
    assert tracked <= MAX_TRACKED_SPANS
