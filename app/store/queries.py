"""Every database read and write the API and the pipeline use, as keyword-only functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.store.models import (
    ActionAttempt,
    AuditEntry,
    Charger,
    Decision,
    Escalation,
    Event,
    Fault,
    Observation,
    WorkItem,
    utcnow,
)


# ---- chargers --------------------------------------------------------------------------------
def get_charger(session: Session, *, charger_id: str) -> Charger | None:
    return session.get(Charger, charger_id)


def ensure_charger(session: Session, *, charger_id: str) -> Charger:
    """The charger row, created on first sight (the CSMS is trusted to name real chargers)."""
    charger = session.get(Charger, charger_id)
    if charger is None:
        charger = Charger(id=charger_id)
        session.add(charger)
        session.flush()
    return charger


def list_chargers(
    session: Session, *, site_id: str | None = None, after: str | None = None, limit: int = 50
) -> list[Charger]:
    query = select(Charger).order_by(Charger.id).limit(limit)
    if site_id:
        query = query.where(Charger.site_id == site_id)
    if after:
        query = query.where(Charger.id > after)
    return list(session.exec(query).all())


# ---- events and observations -----------------------------------------------------------------
def find_event(session: Session, *, source: str, external_id: str) -> Event | None:
    query = select(Event).where(Event.source == source, Event.external_id == external_id)
    return session.exec(query).first()


def recent_observations(session: Session, *, charger_id: str, limit: int = 50) -> list[Observation]:
    query = (
        select(Observation)
        .where(Observation.charger_id == charger_id)
        .order_by(col(Observation.occurred_at).desc(), col(Observation.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


# ---- faults ----------------------------------------------------------------------------------
def open_faults(session: Session, *, charger_id: str) -> list[Fault]:
    query = select(Fault).where(Fault.charger_id == charger_id, col(Fault.cleared_at).is_(None))
    return list(session.exec(query.order_by(Fault.id)).all())


def list_faults(
    session: Session,
    *,
    charger_id: str | None = None,
    site_id: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Fault]:
    """Newest first; ``before_id`` continues a previous page (cursor pagination)."""
    query = select(Fault).order_by(col(Fault.id).desc()).limit(limit)
    for column, value in ((Fault.charger_id, charger_id), (Fault.site_id, site_id), (Fault.state, state)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(Fault.opened_at >= since)
    if before_id is not None:
        query = query.where(Fault.id < before_id)
    return list(session.exec(query).all())


def fault_detail(session: Session, *, fault_id: int) -> dict[str, Any] | None:
    """The fault with its opening event, observations, decisions, actions, escalations, audit."""
    fault = session.get(Fault, fault_id)
    if fault is None:
        return None

    def rows(model, order):
        return list(session.exec(select(model).where(model.fault_id == fault_id).order_by(order)).all())

    return {
        "fault": fault,
        "event": session.get(Event, fault.event_id),
        "observations": rows(Observation, Observation.id),
        "decisions": rows(Decision, Decision.id),
        "actions": rows(ActionAttempt, ActionAttempt.id),
        "escalations": rows(Escalation, Escalation.id),
        "work": rows(WorkItem, WorkItem.id),
        "audit": rows(AuditEntry, AuditEntry.id),
    }


# ---- audit -----------------------------------------------------------------------------------
def audit(
    session: Session,
    *,
    actor: str,
    kind: str,
    fault_id: int | None = None,
    charger_id: str | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail (the only writer of ``audit_log``)."""
    entry = AuditEntry(
        at=at or utcnow(),
        actor=actor,
        kind=kind,
        fault_id=fault_id,
        charger_id=charger_id,
        detail=detail or {},
    )
    session.add(entry)
    return entry


def charger_audit(session: Session, *, charger_id: str, limit: int = 100) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.charger_id == charger_id)
        .order_by(col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())
