"""Background work grouped like requests: the ``@job`` decorator and ``set_namespace``.

A job called outside every request and job in progress is a local root span of its
own, named by the job and put in its namespace (``background`` by default), so an
AppSignal agent or collector groups it as it groups requests. Called inside a request
or another job, it is a child span that regroups nothing. The span covers the work:
a plain call, a coroutine until it completes, a generator or async generator until it
is exhausted or closed. Built on ``wrapt`` as ``@route`` is, so the decorated callable
keeps its signature, names, types and ``inspect`` predicates.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator, Iterable
from typing import Any, Final, TypeVar, overload

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, get_current_span
from opentelemetry.util.types import AttributeValue

from appsignal_routes._grouping.annotation import CALL_FAILED
from appsignal_routes._grouping.attributes import ACTION_NAME, NAMESPACE, ROOT_NAME
from appsignal_routes._grouping.processor import group_for, group_of
from appsignal_routes._routes.template import check_name

from .wrapping import Copyable, check_callable, wrap_methods

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

DEFAULT_NAMESPACE: Final = "background"

#: A context without a span: a job's root never descends from a request that has ended.
_NO_PARENT: Final = otel_context.Context()

_SYNC, _COROUTINE, _GENERATOR, _ASYNC_GENERATOR = range(4)

_tracer_of: tuple[trace.TracerProvider, trace.Tracer] | None = None  # the global one's


class _JobWrapper(Copyable):
    """A callable wrapped by ``@job``."""


@overload
def job(target: _F, /) -> _F: ...
@overload
def job(
    name: str | None = None,
    /,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    methods: Iterable[str] | None = None,
) -> Callable[[_T], _T]: ...
def job(
    name: Any = None,
    /,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    methods: Iterable[str] | None = None,
) -> Any:
    """Trace each call of the decorated callable as a background job named ``name``.

    ``@job("Mailer#deliver")`` on a function or method; bare ``@job`` (or ``@job()``)
    names a function by its qualified name and each public method of a class (and
    ``__call__``, or the ``methods`` named) ``"Class#method"``; ``@job("Mailer")`` on a
    class gives ``"Mailer#method"``. Outside any request or job in progress a call is
    a root span in ``namespace``; inside one, a child span. An exception is recorded
    on the span with an error status and re-raised unchanged.

    Raises:
        TypeError: ``name`` or ``namespace`` is not a ``str``, or the target is not
            callable.
        ValueError: ``name`` or ``namespace`` is empty or has whitespace or control
            characters.
    """
    space = check_name(namespace, "namespace")
    if name is not None and not isinstance(name, str):  # bare @job on its target
        return _decorate(name, None, space, None)
    prefix = None if name is None else check_name(name, "job name")

    def decorate(target: _T) -> _T:
        return _decorate(target, prefix, space, methods)

    return decorate


def _decorate(target: _T, name: str | None, namespace: str, methods: Iterable[str] | None) -> _T:
    if inspect.isclass(target):
        base = name if name is not None else target.__name__
        # a method's own @job is more specific: it is kept
        wrap_methods(target, methods, _JobWrapper, lambda m, n: _wrap(m, f"{base}#{n}", namespace))
        return target
    if methods is not None:
        raise TypeError(f"@job(methods=...) applies to classes only, not to {target!r}")
    wrapped: _T = _wrap(target, name if name is not None else _qualname(target), namespace)
    return wrapped


def _wrap(target: Any, name: str, namespace: str) -> Any:
    check_callable(target, "@job")
    wrapped: Any = target  # a function, method descriptor or callable object
    return _JobWrapper(wrapped, _Job(name, namespace, _kind_of(target)))


def _function_of(target: Any) -> Any:
    if isinstance(target, (classmethod, staticmethod)):
        return target.__func__
    if inspect.isfunction(target) or inspect.ismethod(target):
        return target
    return type(target).__call__  # a callable object: its class's __call__ does the work


def _qualname(target: Any) -> str:
    function = _function_of(target)
    name = getattr(function, "__qualname__", None)
    if function is not target and not isinstance(target, (classmethod, staticmethod)):
        name = type(target).__qualname__  # a callable object: its class names the job
    return check_name(name, "job name")


def _kind_of(target: Any) -> int:
    function = _function_of(target)
    if inspect.isasyncgenfunction(function):
        return _ASYNC_GENERATOR
    if inspect.iscoroutinefunction(function):
        return _COROUTINE
    if inspect.isgeneratorfunction(function):
        return _GENERATOR
    return _SYNC


class _Job:
    """The wrapper function ``wrapt`` calls: one span around the work of each call."""

    __slots__ = ("kind", "name", "namespace", "start_attributes", "started")

    def __init__(self, name: str, namespace: str, kind: int) -> None:
        self.name = name
        self.namespace = namespace
        self.kind = kind
        self.start_attributes: dict[str, AttributeValue] = {NAMESPACE: namespace}
        #: (provider, the attributes its grouping gave a root of this job once admitted):
        #: a root that starts with them has nothing left to write
        self.started: tuple[trace.TracerProvider, dict[str, AttributeValue]] | None = None

    def __call__(self, wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:  # noqa: ARG002
        kind = self.kind
        if kind == _SYNC:
            span, context = self.begin()
            with _Covering(span, _attach(context)):
                return wrapped(*args, **kwargs)
        work = wrapped(*args, **kwargs)  # its body runs, and its span starts, when driven
        if kind == _COROUTINE:
            runner: Any = _run_coroutine(work, self)
        elif kind == _GENERATOR:
            runner = _run_generator(work, self)
        else:
            runner = _run_async_generator(work, self)
        try:  # named as the work itself, for task names and reprs
            runner.__name__ = work.__name__
            runner.__qualname__ = work.__qualname__
        except (AttributeError, TypeError):  # not a native coroutine or generator
            pass
        return runner

    def begin(self) -> tuple[Span | None, otel_context.Context | None]:
        """Start the job's span; the context to run its work in. Never raises."""
        try:
            current_context = otel_context.get_current()
            current = get_current_span(current_context)
            provider, tracer = _tracer()
            if _in_progress(current):  # inside a request or job: a child span
                span = tracer.start_span(self.name, current_context)
            else:
                # a remote parent (a trace context a message carried) is kept; a span
                # that has ended (a request already answered) never becomes the parent
                parent = current_context if current.get_span_context().is_remote else _NO_PARENT
                started = self.started
                known = started is not None and started[0] is provider
                attributes = started[1] if started is not None and known else self.start_attributes
                span = tracer.start_span(
                    self.name, parent, kind=SpanKind.CONSUMER, attributes=attributes
                )
                group = group_of(span.get_span_context().span_id)
                if group is not None:
                    group.set_root_name(self.name, override=False)  # the cap, the mode's attributes
                    if not known and group.span_name == self.name:  # admitted under the cap
                        self.started = (provider, dict(group.root.attributes or {}))
                elif span.is_recording():  # no grouping processor: name it as AppSignal reads
                    span.set_attributes({ROOT_NAME: self.name, ACTION_NAME: self.name})
            if not span.is_recording():
                return None, None
            return span, trace.set_span_in_context(span, current_context)
        except Exception:  # (not ``with``: on every call of a job)
            CALL_FAILED.log()
            return None, None


def _in_progress(span: Span) -> bool:
    """Is ``span`` part of a request or job still in progress?"""
    if not span.is_recording():
        return False
    group = group_for(span)
    return group is None or group.root.is_recording()


def forget_tracer() -> None:
    """Forget the tracer made for the global provider (for tests that replace it)."""
    global _tracer_of  # noqa: PLW0603
    _tracer_of = None


def _tracer() -> tuple[trace.TracerProvider, trace.Tracer]:
    """The global provider and its tracer for jobs, made once per provider."""
    global _tracer_of  # noqa: PLW0603 - one tracer per global provider, made once
    provider = trace.get_tracer_provider()
    cached = _tracer_of
    if cached is not None and cached[0] is provider:
        return cached
    _tracer_of = cached = (provider, provider.get_tracer("appsignal_routes"))
    return cached


def _attach(context: otel_context.Context | None) -> object:
    """Make ``context`` (a job's) current; the token to detach it with (None: none)."""
    return otel_context.attach(context) if context is not None else None


class _Covering:
    """A job's span covering its work: as the work ends, an exception it raised is
    recorded on the span (and goes on, unchanged: this is no containment), the job's
    context is detached and the span ended."""

    __slots__ = ("span", "token")

    def __init__(self, span: Span | None, token: object) -> None:
        self.span = span
        self.token = token

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, *_: object) -> None:
        if isinstance(error, Exception):
            _fail(self.span, error)
        _end(self.span, self.token)


def _fail(span: Span | None, error: BaseException) -> None:
    if span is None:
        return
    with CALL_FAILED:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))


def _end(span: Span | None, token: object) -> None:
    try:  # (not ``with``: on every call of a job)
        _detach(token)
        if span is not None:
            span.end()
    except Exception:
        CALL_FAILED.log()


async def _run_coroutine(work: Coroutine[Any, Any, _T], job_: _Job) -> _T:
    span, context = job_.begin()
    with _Covering(span, _attach(context)):
        return await work


def _run_generator(work: Generator[Any, Any, _T], job_: _Job) -> Generator[Any, Any, _T]:
    """Drives ``work`` as ``yield from`` would, in the job's context at each step only:
    a generator that set it across a ``yield`` would leak it into its consumer."""
    span, context = job_.begin()
    sent: Any = None
    thrown: BaseException | None = None
    with _Covering(span, None):
        while True:
            token = _attach(context)
            try:
                value = work.send(sent) if thrown is None else work.throw(thrown)
            except StopIteration as stop:
                result: _T = stop.value
                return result
            finally:
                _detach(token)
            sent = thrown = None
            try:
                sent = yield value
            except GeneratorExit:
                work.close()
                raise
            except BaseException as error:  # thrown in by the consumer: into the work
                thrown = error


async def _run_async_generator(
    work: AsyncGenerator[Any, Any], job_: _Job
) -> AsyncGenerator[Any, Any]:
    """Drives ``work`` step by step in the job's context, as ``_run_generator`` does."""
    span, context = job_.begin()
    sent: Any = None
    thrown: BaseException | None = None
    with _Covering(span, None):
        while True:
            token = _attach(context)
            try:
                value = await (work.asend(sent) if thrown is None else work.athrow(thrown))
            except StopAsyncIteration:
                return
            finally:
                _detach(token)
            sent = thrown = None
            try:
                sent = yield value
            except GeneratorExit:
                await work.aclose()
                raise
            except BaseException as error:
                thrown = error


def _detach(token: object) -> None:
    if token is not None:
        otel_context.detach(token)  # type: ignore[arg-type]


def set_namespace(name: str, span: trace.Span | None = None) -> None:
    """Put the current request or job (or ``span``'s) in the namespace ``name``.

    As ``appsignal.set_namespace`` does: ``set_namespace("admin")`` in an admin
    handler groups those requests apart. The last call wins. Does nothing outside a
    recording span. Raises ``TypeError``/``ValueError`` for a bad name, and nothing
    else.
    """
    namespace = check_name(name, "namespace")
    with CALL_FAILED:
        target = get_current_span() if span is None else span
        if not target.is_recording():
            return
        group = group_for(target)
        root = group.root if group is not None else target
        if root.is_recording():
            root.set_attribute(NAMESPACE, namespace)
