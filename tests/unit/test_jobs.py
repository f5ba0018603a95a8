"""@ar.job and ar.set_namespace: roots outside requests, children inside, every callable
kind, concurrency, the cap, transparency and containment."""

from __future__ import annotations

import asyncio
import copy
import inspect
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

import appsignal_routes as ar
from appsignal_routes._decorators import jobs as _jobs

from ..conftest import Traced, make_traced


@pytest.fixture
def jobs(traced) -> Traced:
    """The traced provider, made global: a job starts its span with the global tracer."""
    trace.set_tracer_provider(traced.provider)
    return traced


def by_name(traced):
    return {span.name: span for span in traced.spans()}


def is_root(span):
    return span.parent is None


def assert_job_root(span, name, namespace="background"):
    assert span.name == name
    assert is_root(span)
    assert span.kind is SpanKind.CONSUMER
    attrs = span.attributes
    assert attrs["appsignal.namespace"] == namespace
    assert attrs["appsignal.root_name"] == name
    assert attrs["appsignal.action_name"] == name
    assert attrs["appsignal_routes.route_source"] == "root_name"


# -- naming -----------------------------------------------------------------------------


def test_a_named_job_outside_requests_is_a_root_in_background(jobs):
    @ar.job("Mailer#deliver")
    def deliver(to, *, subject="hi"):
        return f"{to}:{subject}"

    assert deliver("a@b", subject="x") == "a@b:x"
    (span,) = jobs.spans()
    assert_job_root(span, "Mailer#deliver")
    assert span.status.status_code is StatusCode.UNSET


def test_bare_on_a_function_names_it_by_its_qualified_name(jobs):
    @ar.job
    def sweep():
        return 1

    @ar.job()
    def tidy():
        return 2

    assert sweep() + tidy() == 3
    names = [s.name for s in jobs.spans()]
    assert names == [sweep.__qualname__, tidy.__qualname__]
    assert names[0].endswith("<locals>.sweep")


def test_bare_on_a_class_names_each_public_method(jobs):
    @ar.job
    class Mailer:
        def deliver(self):
            return "d"

        @classmethod
        def digest(cls):
            return "g"

        @staticmethod
        def ping():
            return "p"

        def _private(self):
            return "x"

        def __call__(self):
            return "c"

        @ar.job("Custom#name")  # the method's own decorator is more specific
        def custom(self):
            return "n"

    mailer = Mailer()
    assert [mailer.deliver(), Mailer.digest(), Mailer.ping(), mailer._private(), mailer()] == list(
        "dgpxc"
    )
    assert mailer.custom() == "n"
    assert [s.name for s in jobs.spans()] == [
        "Mailer#deliver",
        "Mailer#digest",
        "Mailer#ping",
        "Mailer#__call__",
        "Custom#name",
    ]
    assert isinstance(mailer, Mailer)  # the class itself, not a proxy


def test_a_prefix_and_methods_on_a_class(jobs):
    @ar.job("Reports", namespace="reports", methods=["build"])
    class ReportJobs:
        def build(self):
            return 1

        def other(self):
            return 2

    assert ReportJobs().build() + ReportJobs().other() == 3
    (span,) = jobs.spans()
    assert_job_root(span, "Reports#build", namespace="reports")


def test_bare_on_a_callable_object_and_on_method_descriptors(jobs):
    class Sender:
        def __call__(self, x):
            return x * 2

    sender = ar.job(Sender())
    assert sender(2) == 4
    assert jobs.spans()[-1].name.endswith("Sender")

    static = ar.job(staticmethod(lambda: 1))
    assert isinstance(static, _jobs._JobWrapper)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: ar.job(42), TypeError),  # not callable, not a name
        (lambda: ar.job(""), ValueError),
        (lambda: ar.job("has space"), ValueError),
        (lambda: ar.job("A#b", namespace=""), ValueError),
        (lambda: ar.job("A#b", namespace="two words"), ValueError),
        (lambda: ar.job("A#b", namespace=7), TypeError),  # type: ignore[arg-type]
        (lambda: ar.job("A#b")(42), TypeError),
        (lambda: ar.job("A#b", methods=["x"])(lambda: 1), TypeError),
    ],
)
def test_bad_input_fails_at_decoration_time(call, error):
    with pytest.raises(error):
        call()


def test_bad_names_are_quoted_in_the_message():
    with pytest.raises(ValueError, match="'two words'"):
        ar.job("A#b", namespace="two words")


# -- errors -----------------------------------------------------------------------------


def test_an_exception_is_recorded_with_an_error_status_and_reraised_unchanged(jobs):
    error = KeyError("missing")

    @ar.job("Mailer#fail")
    def fail():
        raise error

    with pytest.raises(KeyError) as excinfo:
        fail()
    assert excinfo.value is error
    assert traceback.extract_tb(excinfo.tb)[-1].name == "fail"
    (span,) = jobs.spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "KeyError: 'missing'"
    assert [e.name for e in span.events] == ["exception"]
    assert span.events[0].attributes["exception.type"] == "KeyError"


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, asyncio.CancelledError])
def test_base_exceptions_end_the_span_without_an_error(jobs, exc_type):
    @ar.job("Worker#stop")
    def stop():
        raise exc_type

    with pytest.raises(exc_type):
        stop()
    (span,) = jobs.spans()
    assert span.status.status_code is StatusCode.UNSET


# -- every callable kind ----------------------------------------------------------------


def test_a_coroutine_span_ends_when_it_completes(jobs):
    seen = []

    @ar.job("Async#work")
    async def work(x):
        seen.append(trace.get_current_span().get_span_context().span_id)
        await asyncio.sleep(0)
        assert jobs.spans() == ()  # still running
        return x + 1

    coroutine = work(1)
    assert inspect.iscoroutine(coroutine)
    assert coroutine.__qualname__ == work.__qualname__
    assert jobs.spans() == ()  # nothing has run yet
    assert asyncio.run(coroutine) == 2
    (span,) = jobs.spans()
    assert_job_root(span, "Async#work")
    assert seen == [span.context.span_id]  # the job's span is current in its body


def test_a_failing_coroutine_records_its_error(jobs):
    @ar.job("Async#fail")
    async def fail():
        await asyncio.sleep(0)
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        asyncio.run(fail())
    assert jobs.spans()[0].status.status_code is StatusCode.ERROR


def test_a_cancelled_coroutine_ends_its_span(jobs):
    started = []

    @ar.job("Async#slow")
    async def slow():
        started.append(1)
        await asyncio.sleep(10)

    async def main():
        task = asyncio.create_task(slow())
        while not started:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    (span,) = jobs.spans()
    assert span.status.status_code is StatusCode.UNSET


def test_a_generator_keeps_send_throw_close_and_ends_when_exhausted(jobs):
    tracer = jobs.tracer

    @ar.job("Gen#numbers")
    def numbers():
        with tracer.start_as_current_span("inside"):
            received = yield 1
        try:
            yield received * 2
        except ValueError:
            yield -1
        return "done"

    g = numbers()
    assert inspect.isgenerator(g)
    assert next(g) == 1
    # between steps the consumer's context has no job span in it
    assert not trace.get_current_span().is_recording()
    assert g.send(5) == 10
    assert g.throw(ValueError("x")) == -1
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"
    spans = by_name(jobs)
    assert_job_root(spans["Gen#numbers"], "Gen#numbers")
    assert spans["inside"].parent.span_id == spans["Gen#numbers"].context.span_id


def test_a_generator_closed_early_ends_its_span(jobs):
    closed = []

    @ar.job("Gen#forever")
    def forever():
        try:
            while True:
                yield 0
        finally:
            closed.append(True)

    g = forever()
    next(g)
    assert jobs.spans() == ()
    g.close()
    assert closed == [True]
    assert jobs.spans()[0].status.status_code is StatusCode.UNSET


def test_a_generator_that_raises_records_its_error(jobs):
    @ar.job("Gen#fail")
    def fail():
        yield 1
        raise RuntimeError("gen")

    g = fail()
    next(g)
    with pytest.raises(RuntimeError, match="gen"):
        next(g)
    assert jobs.spans()[0].status.status_code is StatusCode.ERROR


def test_an_async_generator_keeps_asend_athrow_aclose(jobs):
    @ar.job("Agen#numbers")
    async def numbers():
        received = yield 1
        try:
            yield (received or 0) * 3
        except ValueError:
            yield -1
        yield 99

    async def drive():
        a = numbers()
        assert inspect.isasyncgen(a)
        assert await a.asend(None) == 1
        assert await a.asend(2) == 6
        assert await a.athrow(ValueError("x")) == -1
        assert jobs.spans() == ()
        await a.aclose()

    asyncio.run(drive())
    (span,) = jobs.spans()
    assert_job_root(span, "Agen#numbers")

    async def exhaust():
        return [x async for x in numbers()]

    assert asyncio.run(exhaust()) == [1, 0, 99]


def test_an_async_generator_that_raises_records_its_error(jobs):
    @ar.job("Agen#fail")
    async def fail():
        yield 1
        raise RuntimeError("agen")

    async def drive():
        return [x async for x in fail()]

    with pytest.raises(RuntimeError, match="agen"):
        asyncio.run(drive())
    assert jobs.spans()[0].status.status_code is StatusCode.ERROR


class Tasks:
    @ar.job("Tasks#instance")
    def instance(self, x):
        return x

    @ar.job("Tasks#class_outer")
    @classmethod
    def class_outer(cls, x):
        return (cls, x)

    @classmethod
    @ar.job("Tasks#class_inner")
    def class_inner(cls, x):
        return (cls, x)

    @ar.job("Tasks#static_outer")
    @staticmethod
    def static_outer(x):
        return x

    @staticmethod
    @ar.job("Tasks#static_inner")
    def static_inner(x):
        return x


@pytest.mark.parametrize(
    ("call", "expected", "name"),
    [
        (lambda: Tasks().instance(1), 1, "Tasks#instance"),
        (lambda: Tasks.class_outer(2), (Tasks, 2), "Tasks#class_outer"),
        (lambda: Tasks().class_outer(2), (Tasks, 2), "Tasks#class_outer"),
        (lambda: Tasks.class_inner(3), (Tasks, 3), "Tasks#class_inner"),
        (lambda: Tasks.static_outer(4), 4, "Tasks#static_outer"),
        (lambda: Tasks().static_inner(5), 5, "Tasks#static_inner"),
    ],
)
def test_methods_in_both_stacking_orders(jobs, call, expected, name):
    assert call() == expected
    assert_job_root(jobs.spans()[-1], name)


def test_transparency_of_signature_names_and_predicates():
    async def fetch(user_id: int, *, verbose: bool = False) -> dict[str, int]:
        """Fetch one user."""
        return {"id": user_id}

    def gen(n: int):
        yield n

    async def agen(n: int):
        yield n

    wrapped = ar.job("Users#fetch")(fetch)
    assert inspect.signature(wrapped) == inspect.signature(fetch)
    assert wrapped.__name__ == "fetch"
    assert wrapped.__qualname__ == fetch.__qualname__
    assert wrapped.__doc__ == "Fetch one user."
    assert wrapped.__wrapped__ is fetch
    assert inspect.iscoroutinefunction(wrapped)
    assert inspect.isgeneratorfunction(ar.job(gen))
    assert inspect.isasyncgenfunction(ar.job(agen))
    assert not inspect.iscoroutinefunction(ar.job(gen))
    assert inspect.signature(Tasks().instance) == inspect.signature(lambda x: None)


def test_stacked_with_route_both_ways(jobs):
    @ar.job("Both#outer")
    @ar.route("/both")
    def outer():
        return 1

    @ar.route("/both2")
    @ar.job("Both#inner")
    def inner():
        return 2

    assert outer() + inner() == 3
    assert [s.name for s in jobs.spans()] == ["Both#outer", "Both#inner"]


def test_copies_of_a_job_still_trace(jobs):
    @ar.job("Copy#me")
    def task():
        return "ok"

    assert copy.copy(task) is task
    assert copy.deepcopy(task)() == "ok"

    class Endpoint:
        def __call__(self):
            return "obj"

    obj = ar.job("Copy#obj")(Endpoint())
    assert copy.deepcopy(obj)() == "obj"
    assert [s.name for s in jobs.spans()] == ["Copy#me", "Copy#obj"]


# -- inside requests and jobs -----------------------------------------------------------


def test_inside_a_request_a_job_is_a_child_that_regroups_nothing(jobs):
    @ar.job("Mailer#deliver", namespace="mail")
    def deliver():
        return "sent"

    with jobs.request() as request:
        ar.set_route("/signup")
        assert deliver() == "sent"
    spans = by_name(jobs)
    child = spans["Mailer#deliver"]
    assert child.parent.span_id == request.get_span_context().span_id
    assert child.kind is SpanKind.INTERNAL
    assert not {"appsignal.namespace", "appsignal.root_name", "appsignal.action_name"} & set(
        child.attributes
    )
    (root,) = jobs.roots()
    assert root.name == "GET /signup"
    assert "appsignal.namespace" not in root.attributes


def test_a_job_inside_a_job_is_a_child(jobs):
    @ar.job("Inner#run")
    def inner():
        return 1

    @ar.job("Outer#run")
    def outer():
        return inner() + 1

    assert outer() == 2
    spans = by_name(jobs)
    assert_job_root(spans["Outer#run"], "Outer#run")
    assert spans["Inner#run"].parent.span_id == spans["Outer#run"].context.span_id
    assert [s.name for s in jobs.roots()] == ["Outer#run"]


def test_a_job_started_after_its_request_ended_is_its_own_root(jobs):
    """Starlette's background tasks run after the response, under the ended server span."""

    @ar.job("Later#run")
    def later():
        return trace.get_current_span().get_span_context().trace_id

    with jobs.request() as request:
        request.end()  # the server span has ended, but is still the current span
        trace_id = later()
    spans = by_name(jobs)
    assert_job_root(spans["Later#run"], "Later#run")
    assert trace_id != request.get_span_context().trace_id


def test_a_child_span_left_recording_after_its_request_ended_is_not_inside(jobs):
    @ar.job("Later#run")
    def later():
        return 1

    with jobs.request() as request, jobs.tracer.start_as_current_span("leaked"):
        request.end()
        later()
    assert is_root(by_name(jobs)["Later#run"])


def test_a_remote_parent_is_kept(jobs):
    """A trace context carried by a message makes the job part of the producer's trace."""
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))

    @ar.job("Consumer#run")
    def consume():
        return 1

    token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(remote)))
    try:
        consume()
    finally:
        otel_context.detach(token)
    (span,) = jobs.spans()
    assert span.parent.span_id == 0xDEF
    assert span.context.trace_id == 0xABC
    assert span.attributes["appsignal.root_name"] == "Consumer#run"


def test_without_a_grouping_processor_a_job_still_names_its_root():
    """A provider without the processor: the span, its namespace; no group to cap it."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)

    @ar.job("Plain#run")
    def run():
        return ar.set_namespace("plain")

    @ar.job("Outer#run")
    def outer():
        return run()

    outer()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    outer_ = spans["Outer#run"].attributes
    assert outer_["appsignal.namespace"] == "background"
    assert outer_["appsignal.root_name"] == outer_["appsignal.action_name"] == "Outer#run"
    # a child (the agent hoists a child's namespace to its root, as appsignal's own does)
    assert spans["Plain#run"].parent is not None
    assert spans["Plain#run"].attributes == {"appsignal.namespace": "plain"}


def test_without_an_sdk_provider_a_job_just_calls_through():
    @ar.job("Noop#run")
    def run():
        return trace.get_current_span().is_recording()

    @ar.job("Noop#agen")
    async def agen():
        yield trace.get_current_span().is_recording()

    async def drive():
        return [x async for x in agen()]

    assert run() is False
    assert asyncio.run(drive()) == [False]


# -- concurrency ------------------------------------------------------------------------


def test_threads_and_thread_pools_keep_each_job_apart(jobs):
    barrier = threading.Barrier(4)

    @ar.job("Pool#work")
    def work(i):
        barrier.wait(timeout=5)
        return trace.get_current_span().get_span_context().trace_id

    with jobs.request(), ThreadPoolExecutor(4) as pool:  # a pool's threads start empty
        trace_ids = list(pool.map(work, range(4)))
    roots = [s for s in jobs.roots() if s.name == "Pool#work"]
    assert len(roots) == 4
    assert len(set(trace_ids)) == 4


def test_asyncio_tasks_and_run_in_executor_keep_each_job_apart(jobs):
    @ar.job("Async#task")
    async def task(i):
        await asyncio.sleep(0.01)
        return trace.get_current_span().get_span_context().span_id

    @ar.job("Sync#blocking")
    def blocking():
        return 1

    async def main():
        ids = await asyncio.gather(*(task(i) for i in range(5)))
        await asyncio.get_running_loop().run_in_executor(None, blocking)
        return ids

    span_ids = asyncio.run(main())
    roots = {s.context.span_id for s in jobs.roots() if s.name == "Async#task"}
    assert roots == set(span_ids)
    assert len(roots) == 5
    assert [s.name for s in jobs.roots()].count("Sync#blocking") == 1


def test_a_fire_and_forget_task_that_outlives_its_request_ends_as_its_own(jobs):
    """A task created in a handler but run after the response: its own root."""

    @ar.job("Fire#forget")
    async def fire():
        return 1

    async def handler():
        with jobs.request() as request:
            task = asyncio.create_task(fire())
            request.end()  # the response went out before the task ran
        await task

    asyncio.run(handler())
    assert is_root(by_name(jobs)["Fire#forget"])


# -- the cap and the mode ---------------------------------------------------------------


def test_job_names_count_against_max_groups():
    traced = make_traced(max_groups=1)
    trace.set_tracer_provider(traced.provider)

    @ar.job("First#job")
    def first():
        return 1

    @ar.job("Second#job")
    def second():
        return 2

    first()
    second()
    first()
    assert [s.name for s in traced.spans()] == ["First#job", "[other]", "First#job"]
    other = traced.spans()[1]
    assert other.attributes["appsignal.root_name"] == "[other]"
    assert other.attributes["appsignal.action_name"] == "[other]"


def test_collector_mode_sets_the_action_name_only():
    traced = make_traced(mode="collector")
    trace.set_tracer_provider(traced.provider)

    @ar.job("Collector#job")
    def run():
        return 1

    run()
    (span,) = traced.spans()
    assert "appsignal.root_name" not in span.attributes
    assert span.attributes["appsignal.action_name"] == "Collector#job"
    assert span.attributes["appsignal.namespace"] == "background"


# -- set_namespace ----------------------------------------------------------------------


def test_set_namespace_puts_the_request_in_a_namespace_from_any_span(jobs):
    with jobs.request(), jobs.tracer.start_as_current_span("child"):
        ar.set_namespace("admin")
    (root,) = jobs.roots()
    assert root.attributes["appsignal.namespace"] == "admin"
    assert "appsignal.namespace" not in by_name(jobs)["child"].attributes


def test_set_namespace_in_a_job_last_call_wins(jobs):
    @ar.job("Admin#sweep")
    def sweep():
        ar.set_namespace("maintenance")
        ar.set_namespace("admin")

    sweep()
    assert jobs.spans()[0].attributes["appsignal.namespace"] == "admin"


def test_set_namespace_on_a_given_span_and_outside_spans(jobs):
    ar.set_namespace("admin")  # nothing recording: nothing happens
    with jobs.request() as request:
        pass
    ar.set_namespace("admin", span=request)  # ended: nothing happens
    with jobs.request() as request:
        ar.set_namespace("admin", span=request)
    assert "appsignal.namespace" not in jobs.roots()[0].attributes
    assert jobs.roots()[1].attributes["appsignal.namespace"] == "admin"


@pytest.mark.parametrize(
    ("bad", "error"),
    [(None, TypeError), ("", ValueError), ("a b", ValueError), ("a\n", ValueError)],
)
def test_set_namespace_validates_its_name(bad, error):
    with pytest.raises(error):
        ar.set_namespace(bad)


def test_set_namespace_when_the_request_root_has_ended(jobs):
    with jobs.request() as request, jobs.tracer.start_as_current_span("leaked"):
        request.end()
        ar.set_namespace("late")  # the root is frozen: nothing, and no error
    assert "appsignal.namespace" not in jobs.roots()[0].attributes


# -- containment ------------------------------------------------------------------------


def test_internal_failures_are_swallowed_and_the_work_still_runs(jobs, monkeypatch, caplog):
    from appsignal_routes._grouping.annotation import CALL_FAILED

    def broken(*args, **kwargs):
        raise RuntimeError("internal")

    CALL_FAILED.reset()
    monkeypatch.setattr(_jobs, "group_of", broken)
    caplog.set_level("DEBUG", logger="appsignal_routes")

    @ar.job("Broken#run")
    def run():
        return "ok"

    @ar.job("Broken#gen")
    def gen():
        yield "g"

    @ar.job("Broken#fail")
    def fail():
        raise KeyError("still raised")

    assert run() == "ok"
    assert list(gen()) == ["g"]
    with pytest.raises(KeyError, match="still raised"):
        fail()
    with jobs.request():
        ar.set_namespace("admin")  # no raise
    assert [r.message for r in caplog.records].count("appsignal-routes: annotation failed") == 1


def test_a_failing_span_end_or_status_is_swallowed(jobs, monkeypatch):
    class Broken:
        def record_exception(self, error):
            raise RuntimeError("internal")

        def end(self):
            raise RuntimeError("internal")

    _jobs._fail(Broken(), ValueError("x"))  # type: ignore[arg-type]
    _jobs._end(Broken(), None)  # type: ignore[arg-type]


def test_a_coroutine_returned_by_something_else_is_not_renamed(jobs):
    class NotNative:
        def __await__(self):
            yield from ()
            return 1

    job_ = _jobs._Job("X#y", "background", _jobs._COROUTINE)

    async def await_it(awaitable):
        return await awaitable

    runner = job_(lambda: NotNative(), None, (), {})
    assert asyncio.run(await_it(runner)) == 1


def test_the_console_prints_job_roots_with_namespace_and_error(jobs):
    import io

    from appsignal_routes._agent.exporters import ConsoleExporter

    @ar.job("Mailer#deliver")
    def deliver():
        return 1

    @ar.job("Mailer#fail", namespace="mail")
    def fail():
        raise ValueError("x")

    with jobs.request():
        deliver()  # a child: not a line of its own
    deliver()
    with pytest.raises(ValueError, match="x"):
        fail()
    stream = io.StringIO()
    ConsoleExporter(stream).export(jobs.spans())
    lines = [line.rsplit("  ", 1)[0].split() for line in stream.getvalue().splitlines()]
    assert lines == [
        ["GET", "-"],  # the request, by its method alone
        ["Mailer#deliver", "[background]", "-"],
        ["Mailer#fail", "[mail]", "ERR"],
    ]


def test_a_job_named_once_starts_named_and_each_provider_keeps_its_mode():
    @ar.job("Mode#job")
    def run():
        ar.set_route("/not/a/regroup")  # a route inside a job never renames it
        return 1

    both = make_traced()
    trace.set_tracer_provider(both.provider)
    run()
    run()  # starts with the attributes the first call was given
    collector = make_traced(mode="collector")
    from opentelemetry.util._once import Once

    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace.set_tracer_provider(collector.provider)
    run()
    first, second = both.spans()
    assert first.attributes == second.attributes
    assert second.name == "Mode#job"
    assert second.attributes["appsignal.root_name"] == "Mode#job"
    assert second.attributes["appsignal_routes.route_source"] == "root_name"
    (third,) = collector.spans()
    assert third.name == "Mode#job"
    assert "appsignal.root_name" not in third.attributes
    assert third.attributes["appsignal.action_name"] == "Mode#job"
