"""Read-only queries of the web console and the live fault feed (keyword-only, like queries.py)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.guard.approvals import PENDING
from app.store.models import ActionAttempt, Decision, Escalation, Fault


def changed_faults(
    session: Session, *, after: tuple[datetime, int] | None, since: datetime | None = None, limit: int = 200
) -> list[Fault]:
    """Faults changed after the cursor ``after`` = ``(updated_at, id)`` (strictly), else at or
    after ``since``; oldest change first, so a reader can advance its cursor row by row."""
    query = select(Fault).order_by(col(Fault.updated_at), col(Fault.id)).limit(limit)
    if after is not None:
        at, fault_id = after
        query = query.where(
            or_(Fault.updated_at > at, and_(Fault.updated_at == at, col(Fault.id) > fault_id))
        )
    elif since is not None:
        query = query.where(Fault.updated_at >= since)
    return list(session.exec(query).all())


def latest_change(session: Session) -> tuple[datetime, int] | None:
    """The newest ``(updated_at, id)`` of any fault: where a feed that starts now begins."""
    query = select(Fault.updated_at, Fault.id).order_by(col(Fault.updated_at).desc(), col(Fault.id).desc())
    row = session.exec(query.limit(1)).first()
    return (row[0], row[1]) if row else None


def recently_changed(session: Session, *, limit: int = 50) -> list[Fault]:
    """The faults changed most recently, newest change first (the dashboard's first rows)."""
    query = select(Fault).order_by(col(Fault.updated_at).desc(), col(Fault.id).desc()).limit(limit)
    return list(session.exec(query).all())


class LatestDecision(BaseModel):
    """A fault's latest decision and what became of the action it sent."""

    action: str
    verdict: str
    approval_state: str | None = None
    outcome: str | None = None
    """The outcome of the decision's latest action attempt (``ActionAttempt.outcome``); ``None``
    when it sent nothing (no action, waiting for approval, escalated without acting)."""


def latest_decisions(session: Session, *, fault_ids: list[int]) -> dict[int, LatestDecision]:
    """Each fault's most recent decision with its action's outcome, by fault id (faults without
    a decision are absent)."""
    if not fault_ids:
        return {}
    newest = (
        select(func.max(Decision.id))
        .where(col(Decision.fault_id).in_(sorted(set(fault_ids))))
        .group_by(Decision.fault_id)
    )
    rows = session.exec(select(Decision).where(col(Decision.id).in_(newest))).all()
    outcomes = _attempt_outcomes(session, decision_ids=[row.id for row in rows])
    return {
        row.fault_id: LatestDecision(
            action=row.action,
            verdict=row.verdict,
            approval_state=row.approval_state,
            outcome=outcomes.get(row.id),
        )
        for row in rows
    }


def _attempt_outcomes(session: Session, *, decision_ids: list[int]) -> dict[int, str | None]:
    """The outcome of each decision's latest action attempt, by decision id."""
    if not decision_ids:
        return {}
    newest = (
        select(func.max(ActionAttempt.id))
        .where(col(ActionAttempt.decision_id).in_(sorted(set(decision_ids))))
        .group_by(ActionAttempt.decision_id)
    )
    query = select(ActionAttempt.decision_id, ActionAttempt.outcome).where(col(ActionAttempt.id).in_(newest))
    return dict(session.exec(query).all())


def open_fault_counts(session: Session, *, charger_ids: list[str]) -> dict[str, int]:
    """How many faults not yet reported cleared each of these chargers has."""
    if not charger_ids:
        return {}
    query = (
        select(Fault.charger_id, func.count())
        .where(col(Fault.charger_id).in_(sorted(set(charger_ids))), col(Fault.cleared_at).is_(None))
        .group_by(Fault.charger_id)
    )
    return dict(session.exec(query).all())


def attention_counts(session: Session, *, now: datetime) -> dict[str, int]:
    """What waits for a technician: pending approvals and open (unacknowledged) escalations."""
    expires = col(Decision.approval_expires_at)
    pending = (
        select(func.count())
        .select_from(Decision)
        .where(Decision.approval_state == PENDING, or_(expires.is_(None), expires > now))
    )  # a pending request past its expiry counts as expired (guard.approvals.effective_state)
    escalations = select(func.count()).select_from(Escalation).where(Escalation.state == "open")
    return {"approvals": session.exec(pending).one(), "escalations": session.exec(escalations).one()}


def faults_by_id(session: Session, *, fault_ids: list[int]) -> dict[int, Fault]:
    if not fault_ids:
        return {}
    rows = session.exec(select(Fault).where(col(Fault.id).in_(sorted(set(fault_ids))))).all()
    return {row.id: row for row in rows}
