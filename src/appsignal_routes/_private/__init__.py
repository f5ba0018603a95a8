"""Every use of a dependency's private names, each with a probe and a public fallback.

The toolkit reads (and in a few places writes) names its dependencies keep private,
where the public way costs a request thousands of instructions or cannot say what the
private name does (measured: about 5 % of a request's instructions). Each such access
lives in this package (or in ``_private.sdk_spans``, for the SDK span's fields), with:

- a probe, run once at import: does the private name exist and behave as the toolkit
  expects? (``take``, which records the path chosen in ``chosen``);
- a public fallback, real code, taken when the probe fails, and by every access at
  once when ``APPSIGNAL_ROUTES_FALLBACKS=force`` is set in the environment (read once,
  when this package is imported; or a comma-separated list of the names below, to take
  those fallbacks alone): the unit suite runs once more so (``make pytest``).

A fallback is never wrong: at worst it costs more or knows less (noted below; the tests
of what only a private path does are marked ``private_path`` and left out of a run that
takes its fallback; ``tests/unit/test_private.py`` tests each fallback in its place).
The accesses, by module (``name`` in ``chosen``: dependency, private name; why; fallback):

``_private.sdk_spans`` (the OpenTelemetry API and SDK):

- ``sdk.span.fields``: SDK ``ReadableSpan``'s ``_name``, ``_context``, ``_parent``,
  ``_kind``, ``_attributes._dict``, read by C-level ``attrgetter``; a property call each
  (and a new read-only attribute view) else. Fallback: the public properties.
- ``sdk.span.writes``: SDK ``Span``'s ``_lock``, ``_end_time``, ``_attributes._dict``
  (and ``BoundedAttributes.maxlen``/``max_value_len``), ``_name``: the attributes and
  the name the grouping writes onto a root, under the span's own lock, without
  ``set_attribute``'s validation (~10k instructions a request). Fallback:
  ``set_attribute``/``update_name``. ``drop`` (removing a batch's GraphQL operation
  attributes, which the API cannot do) has no fallback that would not leave a wrong
  attribute: it tries the SDK's fields whatever the switch, and does nothing (one
  debug log) on spans laid out otherwise.
- ``api.span_context.tuple``: ``SpanContext`` is a tuple (its fields read by
  ``itemgetter``). Fallback: its properties.
- ``api.context.span_key``: ``opentelemetry.trace.propagation._SPAN_KEY``, the context
  key of the current span: a dict look-up, no call. Fallback: the one key that
  ``set_span_in_context`` sets in a context it makes (a ``Context`` is a dict); where
  there is none, ``get_current_span``.

``otel`` (the OpenTelemetry API and SDK):

- ``api.context.runtime``: ``opentelemetry.context._RUNTIME_CONTEXT._current_context``,
  the ``ContextVar`` behind the default runtime context: a decorated call outside
  every span skips its annotation with no Python call. Fallback:
  ``opentelemetry.context.get_current``.
- ``sdk.provider.processors``: ``TracerProvider._active_span_processor._span_processors``,
  to find the grouping or capture processor already on a provider. Fallback: the
  processors the toolkit itself added (``add_span_processor``), so one a user added
  by hand is not found (``start()`` then adds a second grouping processor).

``wrapt``:

- ``wrapt.base_init``: ``_FunctionWrapperBase.__init__`` (via ``super`` past
  ``FunctionWrapper``), to wrap a plain function with the ``staticmethod`` binding,
  which skips a failing ``__self__`` look-up on every call (~0.4 µs). Fallback:
  ``FunctionWrapper.__init__``, the ``function`` binding.
- ``wrapt.self_wrapper``: a ``FunctionWrapper``'s ``_self_wrapper``, the wrapper
  function, read to find the toolkit's annotator on a handler (and to copy a wrapper).
  Fallback: ``_self_annotator``, which the toolkit's own wrappers keep beside it
  (``_self_`` attributes are wrapt's public way to keep state on a proxy).

``werkzeug`` (Flask, Quart):

- ``werkzeug.map.changes``: ``Map._remap`` (rules added, not yet matched) and
  ``Map._rules_by_endpoint`` (its size: the endpoints), to know the cached answers still
  hold, in a few instructions. Fallback: the number of rules, counted through
  ``Map.iter_rules()`` on every request (a cost linear in the rules).
- ``werkzeug.rule.converters``: ``Rule._converters``, to see that a rule takes any
  segment of digits alike (the cache then keys ``/users/42`` by its shape). Fallback:
  the converters made again from the rule as written (``parse_converter_args``,
  ``Rule.get_converter``), once per change of the map.

``falcon``:

- ``falcon.router``: ``App._router`` (the router Falcon routes with; no public
  accessor) and ``CompiledRouter._roots`` (its tree, for route discovery). Fallback: a
  router the app was given (``router_options`` tells nothing of it): none, so a
  Falcon app is not routed (``instrument()`` says why) and no route is discovered.
- ``falcon.sinks``: ``App._sink_and_static_routes``, the sinks and static routes tried
  after the routes, and ``StaticRoute._prefix``. Fallback: none known: such requests
  are not grouped by their prefix.

``fastapi``:

- ``fastapi.telemetry``: FastAPI's (0.142+) ``app._native_telemetry`` and
  ``fastapi.telemetry._asgi.NativeTelemetry`` (its ``_get_tracer``), replaced so that
  its spans adopt the toolkit's server span, and ``app._telemetry`` (its options).
  Fallback: FastAPI's telemetry left as it is (a second root span beside ours), its
  options unread.
- ``fastapi.contrib_mark``: ``app._is_instrumented_by_opentelemetry``, the mark the
  contrib ``FastAPIInstrumentor`` leaves on an app it traces. Fallback: the app's own
  ``build_middleware_stack`` replaced by one defined in the contrib's module.

``starlette``:

- ``starlette.telemetry``: Starlette's (1.7+) ``OpenTelemetryMiddleware`` instance's
  ``_tracer_provider`` and ``_excluded_urls``. Fallback: neither known (the global
  provider's spans, no URL excluded).

Not yet here (each read with a default, or imported from a framework's own modules, so
an absent name fails the adapter's own preparation, which ``instrument()`` contains; to
move in with a probe and fallback each): Sanic's ``app._future_routes``; BlackSheep's
``router._sub_routers``, ``router._get_pattern`` and ``_BaseControllerRegistry``;
CherryPy's ``_cprequest``, ``_cptree``, ``_cpdispatch`` and ``_cptools`` modules (most
with public aliases: ``cherrypy.dispatch``, ``cherrypy.Application``), ``HandlerTool._name``
and ``request._json_inner_handler``; Pyramid's ``pyramid.view._find_views``;
Connexion's ``_operation``; and the ``_app`` attribute the wrapper walk of
``frameworks._composed`` follows on any wrapper.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Final, Literal

logger = logging.getLogger("appsignal_routes")

_SWITCH = os.environ.get("APPSIGNAL_ROUTES_FALLBACKS", "").strip()
#: Whether every access takes its public fallback (``APPSIGNAL_ROUTES_FALLBACKS=force``).
FORCED: Final = _SWITCH.lower() == "force"
#: The accesses forced one by one (``APPSIGNAL_ROUTES_FALLBACKS=wrapt.base_init,...``),
#: to find which fallback a behaviour depends on.
_FORCED_NAMES: Final = frozenset(name.strip() for name in _SWITCH.split(",")) - {""}

Path = Literal["private", "public"]

#: The path each access took, by its name (see above); filled as the modules import.
chosen: dict[str, Path] = {}


def switched(*names: str) -> bool:
    """Whether the switch takes the fallback of any of the accesses ``names``."""
    return FORCED or not _FORCED_NAMES.isdisjoint(names)


def take(name: str, probe: Callable[[], object]) -> bool:
    """Whether access ``name`` takes its private path: what ``probe`` finds (False when
    it raises), and never when its fallback is forced (the probe is not run)."""
    private = False
    if not FORCED and name not in _FORCED_NAMES:
        try:
            private = bool(probe())
        except Exception:
            private = False
    chosen[name] = "private" if private else "public"
    if not private:
        logger.debug("appsignal-routes: %s is read the public way", name)
    return private
