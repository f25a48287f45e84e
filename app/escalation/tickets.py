"""Tickets: open or update a fault's ticket, and a technician's acknowledgement and resolution.

One active ticket (open or acknowledged) per fault and scope: a fault that escalates again adds
an update to it instead of opening another. Every change bumps ``version`` and queues the
ticket for delivery (:mod:`app.escalation.delivery` sends each version once it commits).
Resolving may ask for the connector back in service, but only as an approved ``set_operative``
request that a worker carries out through the guard — never a command sent from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, case
from sqlmodel import Session, col, select

from app.guard.actions import Action
from app.store import queries
from app.store.models import Decision, Escalation, Fault, utcnow

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
ACTIVE = (OPEN, ACKNOWLEDGED)
SEVERITIES = ("low", "normal", "high", "critical")
"""Ascending: an update may raise a ticket's severity, never lower it."""


class FaultRef(Protocol):
    id: int
    charger_id: str
    site_id: str | None


class EscalationError(Exception):
    """The change cannot be made: ``status`` is 404 (no such ticket) or 409 (wrong state)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def escalate(
    session: Session,
    fault: FaultRef,
    *,
    text: str,
    actor: str,
    scope: str = "fault",
    severity: str | None = None,
    ticket: dict[str, Any] | None = None,
) -> Escalation:
    """Open the ticket of ``fault`` (a fault row or the agent's facts), or update its active one,
    in ``session``'s transaction, and audit it.

    ``ticket`` (JSON: what happened, diagnosis, steps, …) becomes the ticket's ``detail``; an
    update keeps the original and appends ``{"at", "text", "ticket"}`` to ``detail["updates"]``.
    ``severity`` defaults to ``high`` for a site-level ticket, else ``normal``."""
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    now = utcnow()
    query = select(Escalation).where(
        Escalation.fault_id == fault.id, Escalation.scope == scope, col(Escalation.state).in_(ACTIVE)
    )
    row = session.exec(query.order_by(col(Escalation.id).desc()).with_for_update()).first()
    if row is not None:
        row.instructions = f"{row.instructions}\n\nUpdate {now:%Y-%m-%d %H:%M} UTC:\n{text}"
        updates = [*row.detail.get("updates", []), {"at": now.isoformat(), "text": text, "ticket": ticket}]
        row.detail = {**row.detail, "updates": updates}
        if severity is not None and SEVERITIES.index(severity) > SEVERITIES.index(row.severity):
            row.severity = severity
        _changed(session, row, now)
        kind = "escalation.updated"
    else:
        row = Escalation(
            fault_id=fault.id,
            charger_id=fault.charger_id,
            site_id=fault.site_id,
            scope=scope,
            severity=severity or ("high" if scope == "site" else "normal"),
            instructions=text,
            detail=dict(ticket or {}),
            created_at=now,
            updated_at=now,
            next_delivery_at=now,
        )
        row = queries.add(session, row)
        kind = "escalation.opened"
    _audit(session, row, actor, kind, {"scope": scope, "severity": row.severity})
    return row


def acknowledge(session: Session, *, escalation_id: int, by: str, comment: str, now: datetime) -> Escalation:
    """A technician takes an open ticket; ``comment`` (if any) is added to the ticket's comments."""
    row = _locked(session, escalation_id)
    if row.state != OPEN:
        raise EscalationError(
            409, f"escalation {escalation_id} is already {row.state} ({_by(row)}), not open"
        )
    row.state, row.acknowledged_at, row.acknowledged_by = ACKNOWLEDGED, now, by
    if comment:
        comments = [*row.detail.get("comments", []), {"at": now.isoformat(), "by": by, "text": comment}]
        row.detail = {**row.detail, "comments": comments}
    _changed(session, row, now)
    _audit(session, row, by, "escalation.acknowledged", {"comment": comment})
    return row


def resolve(
    session: Session, *, escalation_id: int, by: str, note: str, reenable: bool, now: datetime
) -> tuple[Escalation, Decision | None]:
    """Close a ticket with ``note``. ``reenable`` also asks for the fault's connector back in
    service: an approved ``set_operative`` request (returned) that a worker carries out through
    the guard, which may still block it. A site-level ticket names no connector: 409."""
    if not note.strip():
        raise ValueError("a resolution needs a note")
    row = _locked(session, escalation_id)
    if row.state == RESOLVED:
        raise EscalationError(409, f"escalation {escalation_id} is already resolved ({_by(row)})")
    if reenable and row.scope != "fault":
        raise EscalationError(
            409,
            f"escalation {escalation_id} is a {row.scope}-level ticket and names no connector to "
            "re-enable: resolve it without reenable, then re-enable through each fault's ticket",
        )
    row.state, row.resolved_at, row.resolved_by, row.resolution_note = RESOLVED, now, by, note
    _changed(session, row, now)
    _audit(session, row, by, "escalation.resolved", {"note": note, "reenable": reenable})
    decision = None
    if reenable:
        from app.guard.approvals import request_approved  # approvals escalate through this module

        fault = session.get(Fault, row.fault_id)
        params = {"connector_id": fault.connector_id, "evse_id": fault.evse_id}
        params = {key: value for key, value in params.items() if value is not None}
        decision = request_approved(
            session, fault=fault, action=Action.SET_OPERATIVE, params=params, by=by, comment=note, now=now
        )
    elif row.scope == "fault":
        queries.set_fault_state(session, fault_id=row.fault_id, state=RESOLVED, error=queries.KEEP_ERROR)
    return row, decision


def get_escalation(session: Session, *, escalation_id: int) -> Escalation | None:
    return session.get(Escalation, escalation_id)


def list_escalations(
    session: Session,
    *,
    states: tuple[str, ...] = ACTIVE,
    site_id: str | None = None,
    charger_id: str | None = None,
    delivery_state: str | None = None,
    limit: int = 100,
) -> list[Escalation]:
    """Tickets in ``states`` (all when empty), most urgent first (see :func:`urgency_order`),
    optionally of one site or charger or in one delivery state."""
    query = select(Escalation).order_by(*urgency_order()).limit(limit)
    if states:
        query = query.where(col(Escalation.state).in_(states))
    filters = (
        (Escalation.site_id, site_id),
        (Escalation.charger_id, charger_id),
        (Escalation.delivery_state, delivery_state),
    )
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return list(session.exec(query).all())


def urgency_order() -> tuple[ColumnElement, ...]:
    """The order a dispatcher works through tickets: active ones (open or acknowledged) first,
    by severity (critical, high, normal, low), and within a severity the oldest first — the ticket
    that has waited longest is the most overdue, and newest-first would bury it under each new
    arrival. Resolved tickets follow, newest resolution first (history: the latest is the one
    asked about, and a ``limit`` keeps the recent ones rather than the oldest)."""
    resolved = Escalation.state == RESOLVED
    rank = case({s: i for i, s in enumerate(SEVERITIES)}, value=Escalation.severity, else_=-1)
    return (
        case((resolved, 1), else_=0),
        case((resolved, None), else_=rank).desc(),
        case((resolved, None), else_=Escalation.created_at),
        col(Escalation.resolved_at).desc(),
        col(Escalation.id),
    )


def requeue(row: Escalation, now: datetime) -> None:
    """Queue ``row``'s current version for delivery, with a fresh count of attempts."""
    row.delivery_state, row.delivery_attempts, row.next_delivery_at = "pending", 0, now


def _changed(session: Session, row: Escalation, now: datetime) -> None:
    row.version += 1
    row.updated_at = now
    requeue(row, now)
    session.add(row)


def _locked(session: Session, escalation_id: int) -> Escalation:
    row = session.get(Escalation, escalation_id, with_for_update=True)
    if row is None:
        raise EscalationError(404, f"no escalation with id {escalation_id}")
    return row


def _by(row: Escalation) -> str:
    if row.state == RESOLVED:
        return f"by {row.resolved_by} at {row.resolved_at:%Y-%m-%d %H:%M} UTC"
    return f"by {row.acknowledged_by} at {row.acknowledged_at:%Y-%m-%d %H:%M} UTC"


def _audit(session: Session, row: Escalation, actor: str, kind: str, extra: dict[str, Any]) -> None:
    detail = {"escalation_id": row.id, "version": row.version} | extra
    queries.audit(
        session, actor=actor, kind=kind, fault_id=row.fault_id, charger_id=row.charger_id, detail=detail
    )
