"""Process-local metrics: counted by this process's code as things happen.

Each service process counts what *it* did; with several processes or replicas, add them up
(``sum by (…)``). The cluster-wide figures (queue, faults, decisions, approvals, escalations)
are read from the database instead, see :mod:`app.observability.cluster`.

=============================================  ===========================  ==========================
metric                                         labels                       counted in
=============================================  ===========================  ==========================
``chargemedic_events_received_total``          source (http, ocpp),         ``app.intake.accept``
                                               outcome (accepted,
                                               duplicate, rejected)
``chargemedic_faults_opened_total``            source                       ``app.intake.accept``
``chargemedic_work_item_duration_seconds``     kind, result (done, failed,  ``app.worker``
                                               lease_lost)
``chargemedic_llm_calls_total``                component (diagnosis, chat)  ``app.agent.llm``,
                                                                            ``app.chat.llm``
``chargemedic_llm_errors_total``               component, kind              (same)
``chargemedic_llm_tokens_total``               component, type (prompt,     (same, from ``usage``)
                                               completion)
``chargemedic_llm_call_duration_seconds``      component                    (same)
``chargemedic_commands_total``                 action, status, executor     ``app.agent.nodes``,
                                                                            ``app.chargers.verify``
``chargemedic_verifications_total``            action, verdict (fixed,      ``app.chargers.verify``
                                               not_fixed, unknown)
``chargemedic_escalation_deliveries_total``    result (delivered, failed)   ``app.escalation.delivery``
``chargemedic_http_request_duration_seconds``  method, route (template),    :mod:`app.observability.http`
                                               status (2xx, 4xx, …)
``chargemedic_ocpp_connections``               version (1.6, 2.0.1)         sampled from the gateway
=============================================  ===========================  ==========================

Labels take a small, fixed set of values: never a charger, fault or request id. Metrics live in
:data:`REGISTRY`; in prometheus-client's multiprocess mode (``CHARGEMEDIC_PROCESSES`` > 1, see
:mod:`app.observability.exporter`) each process writes its values to files that a scrape sums.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
"""prometheus-client's multiprocess switch, read once, as the library reads it when imported."""
REGISTRY = CollectorRegistry(auto_describe=True)
"""This process's metrics (and, outside multiprocess mode, its CPU, memory and GC figures)."""
disable_created_metrics()  # no ``*_created`` series: Prometheus does not need them
if not MULTIPROCESS_DIR:
    for _collector in (ProcessCollector, PlatformCollector, GCCollector):
        _collector(registry=REGISTRY)
OCPP_VERSIONS = ("1.6", "2.0.1")
_LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)

EVENTS = Counter(
    "chargemedic_events_received",
    "Charger events received, by source (http: POST /v1/events, ocpp: the gateway) and outcome "
    "(accepted, duplicate: an event id seen before, rejected: the payload's structure is wrong).",
    ["source", "outcome"],
    registry=REGISTRY,
)
FAULTS_OPENED = Counter(
    "chargemedic_faults_opened", "Faults opened by received events, by source.", ["source"], registry=REGISTRY
)
WORK = Histogram(
    "chargemedic_work_item_duration_seconds",
    "Time a queue worker spent on a work item (claim to commit), by kind and result.",
    ["kind", "result"],
    registry=REGISTRY,
)
LLM_CALLS = Counter(
    "chargemedic_llm_calls",
    "Requests sent to the LLM endpoint, by component.",
    ["component"],
    registry=REGISTRY,
)
LLM_ERRORS = Counter(
    "chargemedic_llm_errors",
    "LLM requests that failed or whose answer could not be used, by component and kind "
    "(timeout, http_error, invalid_json, schema, unknown_action, missing_citations, refused, error).",
    ["component", "kind"],
    registry=REGISTRY,
)
LLM_TOKENS = Counter(
    "chargemedic_llm_tokens",
    "Tokens the LLM endpoint reported using (its response's usage), by component and type.",
    ["component", "type"],
    registry=REGISTRY,
)
LLM_SECONDS = Histogram(
    "chargemedic_llm_call_duration_seconds",
    "Duration of one LLM request (a streamed chat answer: until its last token), by component.",
    ["component"],
    buckets=_LLM_BUCKETS,
    registry=REGISTRY,
)
COMMANDS = Counter(
    "chargemedic_commands",
    "Commands sent to chargers, by action, outcome status and executor.",
    ["action", "status", "executor"],
    registry=REGISTRY,
)
VERIFICATIONS = Counter(
    "chargemedic_verifications",
    "Action attempts settled by verification, by action and verdict.",
    ["action", "verdict"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "chargemedic_escalation_deliveries",
    "Escalation webhook requests, by result (delivered: a 2xx answer; failed: anything else).",
    ["result"],
    registry=REGISTRY,
)
HTTP = Histogram(
    "chargemedic_http_request_duration_seconds",
    "HTTP API requests, by method, route template and status class.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
OCPP_CONNECTIONS = Gauge(
    "chargemedic_ocpp_connections",
    "Chargers connected to this process's OCPP gateway, by OCPP version.",
    ["version"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


def event_received(source: str, outcome: str, *, faults_opened: int = 0) -> None:
    """One intake answer; ``source`` is the submission's (``ocpp:<charger>`` or an API key's)."""
    kind = "ocpp" if source.startswith("ocpp:") else "http"
    EVENTS.labels(kind, outcome).inc()
    if faults_opened:
        FAULTS_OPENED.labels(kind).inc(faults_opened)


def work_item(kind: str, result: str, seconds: float) -> None:
    WORK.labels(kind, result).observe(seconds)


@contextlib.contextmanager
def llm_call(component: str) -> Iterator[None]:
    """Count and time one LLM request; an exception leaving the block counts as an error of its
    ``kind`` (a ``ReasonerFailure``'s), else ``error``."""
    LLM_CALLS.labels(component).inc()
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        LLM_ERRORS.labels(component, getattr(exc, "kind", "error")).inc()
        raise
    finally:
        LLM_SECONDS.labels(component).observe(time.perf_counter() - started)


def llm_usage(component: str, usage: Any) -> None:
    """Add an OpenAI ``usage`` object's prompt and completion tokens (``None``: nothing)."""
    if usage is None:
        return
    for kind in ("prompt", "completion"):
        LLM_TOKENS.labels(component, kind).inc(getattr(usage, f"{kind}_tokens", 0) or 0)


def command(action: Any, status: Any, executor: str) -> None:
    """One command's outcome (``action``/``status`` are enums or their values)."""
    COMMANDS.labels(_value(action), _value(status), executor or "unknown").inc()


def verification(action: str, verdict: str) -> None:
    VERIFICATIONS.labels(action, verdict).inc()


def escalation_delivery(*, delivered: bool) -> None:
    DELIVERIES.labels("delivered" if delivered else "failed").inc()


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP.labels(method, route, f"{status // 100}xx").observe(seconds)


def ocpp_connections(versions: Iterable[str]) -> None:
    """Set the gauge from the OCPP versions of this process's open connections."""
    versions = list(versions)
    for version in OCPP_VERSIONS:
        OCPP_CONNECTIONS.labels(version).set(versions.count(version))


def _value(member: Any) -> str:
    return str(getattr(member, "value", member))
