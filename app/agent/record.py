"""Writing a run's results: the decision, the action attempt, escalations, the fault's new state
and the audit trail (one entry per node, with its timing and output).

Everything but the action attempt is written in the worker's transaction, so it commits with
the work item's completion or not at all. The attempt is committed *before* the executor is
called (:func:`begin_attempt`): if the process dies mid-call, the next run sees an attempt with
no outcome, and the guard's cooldown stops a blind repeat.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.agent.state import AgentState, FaultFacts
from app.chargers.executors import OutcomeStatus
from app.escalation import escalate
from app.guard.policy import Decision, Verdict
from app.store import queries
from app.store.db import session_scope
from app.store.models import ActionAttempt, Fault, utcnow
from app.store.models import Decision as DecisionRow

FAULT_STATE = {
    Verdict.EXECUTE: "action_sent",
    Verdict.DRY_RUN: "dry_run",
    Verdict.NEEDS_APPROVAL: "awaiting_approval",
    Verdict.ESCALATE: "escalated",
    Verdict.NO_ACTION: "monitoring",
}


def begin_attempt(
    engine: Engine, *, fault: FaultFacts, decision: Decision, executor: str, automatic: bool
) -> int:
    """Commit an attempt without outcome, before anything is sent; its id."""
    with session_scope(engine) as session:
        row = queries.add(
            session,
            ActionAttempt(
                fault_id=fault.id,
                charger_id=fault.charger_id,
                site_id=fault.site_id,
                action=decision.action.value,
                params=decision.params.model_dump(exclude_none=True),
                automatic=automatic,
                executor=executor,
            ),
        )
        return row.id


def approved_decision(session: Session, *, fault_id: int) -> DecisionRow | None:
    """The fault's latest decision if it is an approved request not yet carried out."""
    query = select(DecisionRow).where(DecisionRow.fault_id == fault_id).order_by(col(DecisionRow.id).desc())
    latest = session.exec(query.limit(1)).first()
    return latest if latest is not None and latest.approval_state == "approved" else None


def instructions(state: AgentState) -> str:
    """What the technician should do and why, specific to this fault."""
    diagnosis = state["reasoning"].diagnosis
    decision: Decision = state["decision"]
    outcome = state.get("outcome")
    lines = [diagnosis.summary, f"Likely cause: {diagnosis.likely_cause}", f"Do: {diagnosis.remedy}"]
    if outcome is not None and outcome.status not in (OutcomeStatus.ACCEPTED, OutcomeStatus.DRY_RUN):
        lines.append(
            f"The automatic {decision.action.value} failed: {outcome.status.value} {outcome.detail}".strip()
        )
    lines += [f"Guard: {reason}" for reason in decision.reasons]
    lines += [f"History: {item}" for item in diagnosis.evidence]
    return "\n".join(lines)


def write_run(session: Session, state: AgentState) -> None:
    """Persist the run (see the module docstring)."""
    fault, decision, reasoning = state["fault"], state["decision"], state["reasoning"]
    actor = state.get("actor", "agent")
    row = _decision_row(session, state)
    if (attempt_id := state.get("attempt_id")) is not None:
        _finish_attempt(session, attempt_id, row.id, state["outcome"])
    if escalation := state.get("escalation"):
        _escalate(session, fault, escalation, scope="fault")
    if decision.site_escalation and fault.site_id:
        text = f"Blast radius reached on site {fault.site_id}: further automatic actions need approval.\n"
        _escalate(session, fault, text + escalation if escalation else text, scope="site")
    new_state = FAULT_STATE[decision.verdict]
    if escalation and decision.verdict is not Verdict.NEEDS_APPROVAL:
        new_state = "escalated"
    _update_fault(session, fault.id, new_state, reasoning.diagnosis.fault_class.value)
    for step in state.get("trace", []):
        _audit(session, fault, f"agent.{step['node']}", step, actor)
    detail = {"decision_id": row.id, "verdict": decision.verdict.value, "action": decision.action.value}
    _audit(session, fault, "fault.decided", detail, actor)


def _decision_row(session: Session, state: AgentState) -> DecisionRow:
    decision: Decision = state["decision"]
    reasoning = state["reasoning"]
    expires = state.get("approval_expires_at")
    return queries.add(
        session,
        DecisionRow(
            fault_id=state["fault"].id,
            action=decision.action.value,
            params=decision.params.model_dump(exclude_none=True),
            escalate=decision.escalate,
            verdict=decision.verdict.value,
            reasons=list(decision.reasons),
            diagnosis=reasoning.diagnosis.model_dump(mode="json") | {"text": reasoning.diagnosis.text()},
            reasoner=reasoning.reasoner,
            confidence=state["proposal"].confidence,
            approval_state="pending" if decision.verdict is Verdict.NEEDS_APPROVAL else None,
            approval_expires_at=expires if decision.verdict is Verdict.NEEDS_APPROVAL else None,
        ),
    )


def _finish_attempt(session: Session, attempt_id: int, decision_id: int, outcome: Any) -> None:
    attempt = session.get(ActionAttempt, attempt_id)
    attempt.decision_id = decision_id
    attempt.outcome = outcome.status.value
    attempt.detail = {"detail": outcome.detail}
    attempt.finished_at = utcnow()
    session.add(attempt)


def _escalate(session: Session, fault: FaultFacts, text: str, *, scope: str) -> None:
    escalate(session, fault, text=text, actor="agent", scope=scope)


def _audit(session: Session, fault: FaultFacts, kind: str, detail: dict, actor: str) -> None:
    queries.audit(
        session, actor=actor, kind=kind, fault_id=fault.id, charger_id=fault.charger_id, detail=detail
    )


def _update_fault(session: Session, fault_id: int, state: str, fault_class: str) -> None:
    fault = session.get(Fault, fault_id)
    fault.state = state
    fault.fault_class = fault_class
    fault.error = None
    fault.updated_at = utcnow()
    session.add(fault)
