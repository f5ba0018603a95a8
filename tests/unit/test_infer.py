"""Route inference from raw paths (opt-in): identifiers become parameters, one route
gives one template whatever its ids, and no raw value is left in a name."""

from __future__ import annotations

import threading
import uuid
from wsgiref.util import setup_testing_defaults

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appsignal_routes as ar
from appsignal_routes._routes import infer
from appsignal_routes._routes.infer import MAX_PATH, PathLearner, infer_template, set_learning

UUID = "12345678-1234-1234-1234-123456789abc"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/users/123", "/users/:user_id"),
        ("/users/123/posts/456", "/users/:user_id/posts/:post_id"),
        ("/files/" + UUID, "/files/:file_id"),
        ("/commits/0123456789abcdef0123", "/commits/:commit_id"),
        ("/days/2024-01-31", "/days/:day_id"),
        ("/people/alice@example.com", "/people/:person_id".replace("person", "people")),
        ("/tokens/abc123XYZ789qq", "/tokens/:token_id"),
        ("/orders/INV-2024001", "/orders/:order_id"),
        ("/odd/%7Bx%7D space", "/odd/:odd_id"),
        ("/long/" + "a" * 100, "/long/:long_id"),
        ("/categories/5/addresses/6", "/categories/:category_id/addresses/:address_id"),
        ("/boxes/1/statuses/2", "/boxes/:box_id/statuses/:status_id"),
        ("/7", "/:id"),
        ("/a/1/2/3", "/a/:a_id/:id/:id_4"),  # a clash is settled by the position
        ("/reports/2024-01-31.json", "/reports/:report_id.json"),
        ("/" + "/".join("s" for _ in range(20)), "/" + "/".join("s" for _ in range(16)) + "/*"),
    ],
)
def test_identifiers_become_parameters(path, expected):
    assert infer_template(path) == expected


@pytest.mark.parametrize(
    "path",
    ["/users", "/", "/about/team", "relative", "/x" * MAX_PATH, "/files/report.pdf", "/api/v1"],
)
def test_nothing_to_infer(path):
    assert infer_template(path) is None


def test_the_issues_paths_give_one_group_per_route_and_no_raw_value():
    accounts = {
        infer_template("/accounts/123/invoices/456"),
        infer_template("/accounts/987654/invoices/2"),
        infer_template(f"/accounts/{uuid.uuid4()}/invoices/77"),
    }
    assert accounts == {"/accounts/:account_id/invoices/:invoice_id"}
    thumbnails = {
        infer_template(f"/thumbnails/{uuid.uuid4()}/320x180.jpeg"),
        infer_template(f"/thumbnails/{uuid.uuid4()}/160x90.jpeg"),
    }
    assert thumbnails == {"/thumbnails/:thumbnail_id/:id.jpeg"}
    # word parameters are not ids: inference alone leaves them (learning groups them)
    assert infer_template("/user/alice") is None
    assert infer_template("/wiki/FrontPage") is None


# -- property: one inferred group per route, whatever its ids ------------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
IDS = st.one_of(
    st.integers(min_value=0, max_value=10**12).map(str),
    st.uuids().map(str),
    st.uuids().map(lambda u: u.hex),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.binary(min_size=8, max_size=20).map(bytes.hex),
    st.tuples(st.integers(1, 4000), st.integers(1, 4000)).map(lambda t: f"{t[0]}x{t[1]}"),
    st.from_regex(r"[a-z]{2,6}-[0-9]{3,8}", fullmatch=True),
)
#: a route: its segments, each a static word or None for a parameter
ROUTES = st.lists(st.one_of(WORDS, st.none()), min_size=1, max_size=6).filter(lambda r: None in r)


@settings(deadline=None, max_examples=150)
@given(routes=st.lists(ROUTES, min_size=1, max_size=8, unique_by=tuple), data=st.data())
def test_inferred_groups_equal_routes(routes, data):
    templates = set()
    for route in routes:
        for _ in range(3):  # each route requested with different ids of any kind
            path = "/" + "/".join(s if s is not None else data.draw(IDS) for s in route)
            template = infer_template(path)
            assert template is not None
            for segment, placeholder in zip(route, template[1:].split("/"), strict=True):
                if segment is None:
                    assert placeholder.startswith(":")  # no raw value left
            templates.add((tuple(route), template))
    # one template per route, and distinct routes never share one
    assert len(templates) == len(routes)
    assert len({template for _, template in templates}) == len(routes)


# -- learning mode ------------------------------------------------------------------------


@pytest.fixture
def learning():
    set_learning(5)
    yield infer.learning()
    set_learning(None)


def test_learning_collapses_a_position_past_its_threshold(learning):
    assert learning.threshold == 5
    names = ["alice", "bob", "carol", "dave", "erin"]
    assert {infer_template(f"/user/{name}") for name in names} == {None}
    assert infer_template("/user/frank") == "/user/:user_id"  # the sixth distinct value
    assert infer_template("/user/alice") == "/user/:user_id"  # from now on, every value
    assert infer_template("/user/alice/posts/12") == "/user/:user_id/posts/:post_id"
    assert infer_template("/wiki/FrontPage") is None  # another prefix learns on its own


def test_learning_never_collapses_the_first_segment(learning):
    for n in range(20):
        assert infer_template(f"/page{'abcdefghijklmnopqrst'[n]}") is None


@settings(deadline=None, max_examples=50)
@given(
    routes=st.lists(ROUTES, min_size=1, max_size=5, unique_by=tuple),
    words=st.lists(WORDS, min_size=8, max_size=12, unique=True),
    data=st.data(),
)
def test_learned_word_parameters_group_one_route_each(routes, words, data):
    # a route's first segment is its own (learning never collapses it), and no static
    # sibling shares a learned position: a declared route would be needed for that
    routes = [["r" + "".join(str(i)), *route] for i, route in enumerate(routes)]
    set_learning(5)
    try:
        for _ in range(2):
            for route in routes:
                for word in words:  # more distinct words than the threshold
                    infer_template("/" + "/".join(s or word for s in route))
        templates = {
            infer_template("/" + "/".join(s or data.draw(WORDS) for s in route)) for route in routes
        }
    finally:
        set_learning(None)
    assert len(templates) == len(routes)
    assert None not in templates


def test_learning_memory_is_bounded_and_thread_safe():
    learner = PathLearner(threshold=3, max_prefixes=10)

    def feed(offset):
        for n in range(200):
            learner.is_parameter([f"p{(n + offset) % 40}"], f"v{n % 7}")

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(learner) == 10  # the prefixes it holds: at most max_prefixes


def test_a_full_memory_forgets_learning_prefixes_before_learned_ones():
    learner = PathLearner(threshold=1, max_prefixes=2)
    assert not learner.is_parameter(["a"], "x")
    assert learner.is_parameter(["a"], "y")  # learned: a parameter
    assert not learner.is_parameter(["b"], "x")
    assert not learner.is_parameter(["c"], "x")  # full: "b" goes, "a" stays learned
    assert learner.is_parameter(["a"], "z")
    only_learned = PathLearner(threshold=1, max_prefixes=1)
    only_learned.is_parameter(["a"], "x")
    only_learned.is_parameter(["a"], "y")
    only_learned.is_parameter(["b"], "x")  # nothing is learning: the oldest goes
    assert not only_learned.is_parameter(["a"], "q")


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_a_bad_threshold_fails_at_once(bad):
    with pytest.raises(ValueError, match="threshold"):
        set_learning(bad)


def test_start_turns_learning_on_and_inference_with_it():
    ar.start(learn_routes=True, exporter="memory")
    try:
        learner = infer.learning()
        assert learner is not None
        assert learner.threshold == infer.LEARN_THRESHOLD
    finally:
        ar.stop()


# -- a 404 is never grouped by an inferred route ---------------------------------------


def _not_found(environ, start_response):
    start_response("404 Not Found", [])
    return [b"none"]


def _ok(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]


def _call(app, path):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD="GET")
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def test_a_404_on_an_id_path_is_grouped_by_its_method_alone(traced):
    _call(ar.instrument(_not_found, infer_routes=True, tracer_provider=traced.provider), "/posts/1")
    _call(ar.instrument(_ok, infer_routes=True, tracer_provider=traced.provider), "/posts/2")
    missing, found = traced.roots()
    assert missing.name == "GET"
    assert missing.attributes.get("appsignal.action_name", "GET") == "GET"
    assert found.name == "GET /posts/:post_id"
