"""Approvals: technicians approve or reject actions the guard held back, and unanswered
requests expire. All state lives in the database (``decisions.approval_*``), so an approval
resumes the fault's flow durably: approving queues an ``execute_approved`` work item in the
same transaction, which a worker carries out — after a restart too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.agent.state import Diagnosis, FaultClass
from app.escalation import escalate
from app.guard.actions import Action, ActionParams
from app.store import queries
from app.store.models import Decision, Fault, utcnow
from app.store.queue import EXECUTE_APPROVED, enqueue

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"


class ApprovalError(Exception):
    """The request cannot be answered: ``status`` is 404 (no such request) or 409 (not pending)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def list_approvals(
    session: Session, *, state: str = PENDING, now: datetime, limit: int = 100
) -> list[Decision]:
    """Approval requests in ``state``, oldest first (a pending one past its expiry counts as expired,
    as :func:`effective_state` says); filtered in the database, on the indexed state column."""
    stored, expires = col(Decision.approval_state), col(Decision.approval_expires_at)
    overdue = (stored == PENDING) & expires.is_not(None) & (expires <= now)
    if state == PENDING:
        where = (stored == PENDING) & ~overdue
    elif state == EXPIRED:
        where = (stored == EXPIRED) | overdue
    else:
        where = stored == state
    return list(session.exec(select(Decision).where(where).order_by(Decision.id).limit(limit)).all())


def effective_state(decision: Decision, now: datetime) -> str | None:
    expires = decision.approval_expires_at
    if decision.approval_state == PENDING and expires is not None and expires <= now:
        return EXPIRED
    return decision.approval_state


def approve(session: Session, *, decision_id: int, by: str, comment: str, now: datetime) -> Decision:
    """Approve a pending request and queue its execution (same transaction)."""
    decision = _pending(session, decision_id, now)
    _answer(session, decision, APPROVED, by, comment, now)
    _carry_out(session, decision)
    return decision


def request_approved(
    session: Session,
    *,
    fault: Fault,
    action: Action,
    params: dict[str, Any],
    by: str,
    comment: str,
    now: datetime,
) -> Decision:
    """A request a technician makes and approves at once (e.g. re-enabling a connector when
    resolving its ticket): recorded and queued like an answered approval, so a worker carries it
    out through the guard, whose safety rules may still block it. Rests on the fault's latest
    diagnosis (a placeholder naming the technician when there is none)."""
    latest = session.exec(
        select(Decision).where(Decision.fault_id == fault.id).order_by(col(Decision.id).desc()).limit(1)
    ).first()
    decision = queries.add(
        session,
        Decision(
            fault_id=fault.id,
            action=action.value,
            params=ActionParams.model_validate(params).model_dump(exclude_none=True),
            verdict="needs_approval",
            reasons=[f"requested by {by}"],
            diagnosis=latest.diagnosis
            if latest is not None and latest.diagnosis
            else _placeholder(fault, by),
            reasoner="technician",
            approval_state=PENDING,
            created_at=now,
        ),
    )
    _answer(session, decision, APPROVED, by, comment, now)
    _carry_out(session, decision)
    return decision


def reject(session: Session, *, decision_id: int, by: str, comment: str, now: datetime) -> Decision:
    """Reject a pending request: nothing is sent; the fault is handed to a technician."""
    decision = _pending(session, decision_id, now)
    _answer(session, decision, REJECTED, by, comment, now)
    _hand_over(session, decision, f"{decision.action} was rejected by {by}: {comment or 'no comment'}")
    return decision


def expire_due(session: Session, *, now: datetime) -> list[int]:
    """Expire unanswered requests past their time (fail closed: escalate); their decision ids."""
    query = select(Decision).where(Decision.approval_state == PENDING, Decision.approval_expires_at <= now)
    expired = []
    for decision in session.exec(query.with_for_update(skip_locked=True)).all():
        decision.approval_state = EXPIRED
        session.add(decision)
        _hand_over(
            session,
            decision,
            f"nobody approved {decision.action} before {decision.approval_expires_at:%H:%M} UTC",
        )
        expired.append(decision.id)
    return expired


def _carry_out(session: Session, decision: Decision) -> None:
    """Queue the approved ``decision``'s execution in this transaction."""
    fault = session.get(Fault, decision.fault_id)
    enqueue(session, kind=EXECUTE_APPROVED, items=[(fault.id, fault.charger_id)])
    fault.state, fault.updated_at = "approved", utcnow()  # updated_at: the live feed shows the change
    session.add(fault)


def _placeholder(fault: Fault, by: str) -> dict[str, Any]:
    diagnosis = Diagnosis(
        fault_class=FaultClass(fault.fault_class or FaultClass.UNKNOWN),
        summary=f"{by} asked for this action; no automatic diagnosis was recorded.",
        likely_cause="Assessed by a technician.",
        remedy="As the technician decided.",
    )
    return diagnosis.model_dump(mode="json") | {"text": diagnosis.text()}


def _pending(session: Session, decision_id: int, now: datetime) -> Decision:
    decision = session.get(Decision, decision_id, with_for_update=True)
    if decision is None or decision.approval_state is None:
        raise ApprovalError(404, f"no approval request with id {decision_id}")
    state = effective_state(decision, now)
    if state != PENDING:
        raise ApprovalError(409, f"approval request {decision_id} is {state}, not pending")
    return decision


def _answer(session: Session, decision: Decision, state: str, by: str, comment: str, now: datetime) -> None:
    decision.approval_state = state
    decision.approved_by = by
    decision.approval_comment = comment
    decision.approval_at = now
    session.add(decision)
    detail = {"decision_id": decision.id, "action": decision.action, "by": by, "comment": comment}
    fault = session.get(Fault, decision.fault_id)
    queries.audit(
        session,
        actor=by,
        kind=f"approval.{state}",
        fault_id=fault.id,
        charger_id=fault.charger_id,
        detail=detail,
    )


def _hand_over(session: Session, decision: Decision, why: str) -> None:
    fault = session.get(Fault, decision.fault_id)
    text = f"{why}\n" + str(decision.diagnosis.get("text", ""))
    escalate(session, fault, text=text, actor="guard")
    fault.state, fault.updated_at = "escalated", utcnow()
    session.add(fault)
