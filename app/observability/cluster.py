"""Cluster-wide metrics: read from the shared database when scraped, so every service process
and replica reports the same values — aggregate them with ``max()`` (never ``sum()``).

======================================================  ===========================================
metric                                                  what
======================================================  ===========================================
``chargemedic_queue_depth{kind, state}``                unfinished work items (queued, leased)
``chargemedic_queue_oldest_ready_age_seconds``          how long the oldest claimable item has
                                                        waited (0 when none is waiting)
``chargemedic_faults{state}``                           faults by processing state
``chargemedic_decisions_total{action, verdict}``        guard decisions ever recorded
``chargemedic_approvals_pending``                       approval requests waiting for a technician
``chargemedic_escalations{state, severity,              escalation tickets
delivery_state}``
``chargemedic_cluster_metrics_up``                      1 when the figures above could be read
======================================================  ===========================================

A scrape reads them at most once per ``ttl`` seconds (then answers from the cache), with one
aggregate query per table over indexed columns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, and_, func, or_, select
from sqlmodel import Session

from app.store.db import read_scope
from app.store.models import Decision, Escalation, Fault, WorkItem, utcnow
from app.store.queue import EXECUTE_APPROVED, PROCESS_FAULT

log = logging.getLogger("chargemedic.metrics")
QUEUE_KINDS = (PROCESS_FAULT, EXECUTE_APPROVED)
QUEUE_STATES = ("queued", "leased")


class ClusterCollector(Collector):
    """Yields the cluster-wide metrics (see the module docstring), cached for ``ttl`` seconds."""

    def __init__(self, engine: Engine, *, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._cached: list[Metric] = []
        self._read_at: float | None = None

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if self._read_at is None or self.clock() - self._read_at >= self.ttl:
                self._cached = self._read()
                self._read_at = self.clock()
            return iter(self._cached)

    def _read(self) -> list[Metric]:
        up = GaugeMetricFamily("chargemedic_cluster_metrics_up", "1 when the database could be read.")
        try:
            with read_scope(self.engine) as session:
                families = read_families(session, now=utcnow())
        except Exception:  # the database is down: say so, and let the process metrics through
            log.warning("reading cluster metrics failed", exc_info=True)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]


def read_families(session: Session, *, now: datetime) -> list[Metric]:
    """The cluster-wide metric families, read in ``session`` at ``now``."""
    return [
        *_queue(session, now),
        _faults(session),
        _decisions(session),
        _approvals(session, now),
        _escalations(session),
    ]


def _queue(session: Session, now: datetime) -> list[Metric]:
    table = WorkItem.__table__
    unfinished = table.c.finished_at.is_(None)
    counts = session.execute(
        select(table.c.kind, table.c.state, func.count())
        .where(unfinished)
        .group_by(table.c.kind, table.c.state)
    ).all()
    depth = GaugeMetricFamily(
        "chargemedic_queue_depth", "Unfinished work items, by kind and state.", labels=["kind", "state"]
    )
    found = {(kind, state): n for kind, state, n in counts}
    for kind in dict.fromkeys([*QUEUE_KINDS, *(k for k, _ in found)]):
        for state in QUEUE_STATES:
            depth.add_metric([kind, state], found.get((kind, state), 0))
    ready = or_(
        and_(table.c.state == "queued", table.c.available_at <= now),
        and_(table.c.state == "leased", table.c.lease_expires_at < now),
    )
    oldest = session.execute(select(func.min(table.c.available_at)).where(unfinished, ready)).scalar()
    age = GaugeMetricFamily(
        "chargemedic_queue_oldest_ready_age_seconds",
        "Seconds the oldest claimable work item has been waiting (0 when none is).",
    )
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    return [depth, age]


def _faults(session: Session) -> Metric:
    family = GaugeMetricFamily("chargemedic_faults", "Faults by processing state.", labels=["state"])
    for state, n in session.execute(select(Fault.state, func.count()).group_by(Fault.state)).all():
        family.add_metric([state], n)
    return family


def _decisions(session: Session) -> Metric:
    family = CounterMetricFamily(
        "chargemedic_decisions",
        "Guard decisions recorded, by action and verdict.",
        labels=["action", "verdict"],
    )
    query = select(Decision.action, Decision.verdict, func.count()).group_by(
        Decision.action, Decision.verdict
    )
    for action, verdict, n in session.execute(query).all():
        family.add_metric([action, verdict], n)
    return family


def _approvals(session: Session, now: datetime) -> Metric:
    expires = Decision.approval_expires_at
    query = select(func.count()).where(
        Decision.approval_state == "pending", or_(expires.is_(None), expires > now)
    )
    family = GaugeMetricFamily(
        "chargemedic_approvals_pending", "Approval requests waiting for a technician (not expired)."
    )
    family.add_metric([], session.execute(query).scalar_one())
    return family


def _escalations(session: Session) -> Metric:
    family = GaugeMetricFamily(
        "chargemedic_escalations",
        "Escalation tickets, by state, severity and delivery state.",
        labels=["state", "severity", "delivery_state"],
    )
    columns = (Escalation.state, Escalation.severity, Escalation.delivery_state)
    for state, severity, delivery, n in session.execute(select(*columns, func.count()).group_by(*columns)):
        family.add_metric([state, severity, delivery], n)
    return family
