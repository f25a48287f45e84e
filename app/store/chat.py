"""Reads and writes of the technician chat: conversations, their turns, and a charger's brief."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.store.models import ActionAttempt, ChatTurn, Conversation, Decision, Escalation, Fault
from app.store.queries import add


def get_conversation(session: Session, *, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def conversation_turns(session: Session, *, conversation_id: str, limit: int = 20) -> list[ChatTurn]:
    """The conversation's latest ``limit`` turns, oldest first."""
    query = select(ChatTurn).where(ChatTurn.conversation_id == conversation_id)
    rows = session.exec(query.order_by(col(ChatTurn.id).desc()).limit(limit)).all()
    return list(reversed(rows))


def save_turn(session: Session, *, conversation: Conversation, turn: ChatTurn) -> ChatTurn:
    """Store ``turn``, and ``conversation`` (new, or with its scope changed) as updated at the turn's time."""
    conversation.updated_at = turn.created_at
    session.merge(conversation)
    session.flush()
    return add(session, turn)


@dataclass
class FaultRecord:
    """One fault with what was decided and done about it (newest decision, attempts newest first)."""

    fault: Fault
    decision: Decision | None = None
    attempts: list[ActionAttempt] = field(default_factory=list)
    escalation: Escalation | None = None


def charger_faults(session: Session, *, charger_id: str, limit: int = 5) -> list[FaultRecord]:
    """The charger's open faults and then its latest cleared ones, at most ``limit`` in all,
    each with its latest decision, its action attempts and its latest escalation."""
    newest = col(Fault.id).desc()
    base = select(Fault).where(Fault.charger_id == charger_id)
    open_ = session.exec(base.where(col(Fault.cleared_at).is_(None)).order_by(newest).limit(limit)).all()
    closed = session.exec(
        base.where(col(Fault.cleared_at).is_not(None)).order_by(newest).limit(limit - len(open_))
    ).all()
    return [_record(session, fault) for fault in [*open_, *closed]]


def _record(session: Session, fault: Fault) -> FaultRecord:
    decision = session.exec(
        select(Decision).where(Decision.fault_id == fault.id).order_by(col(Decision.id).desc())
    ).first()
    attempts = session.exec(
        select(ActionAttempt).where(ActionAttempt.fault_id == fault.id).order_by(col(ActionAttempt.id).desc())
    ).all()
    escalation = session.exec(
        select(Escalation).where(Escalation.fault_id == fault.id).order_by(col(Escalation.id).desc())
    ).first()
    return FaultRecord(fault, decision, list(attempts), escalation)
