"""Writing a run's results: the decision, the action attempt, escalations, the fault's new state
and the audit trail (one entry per node, with its timing and output).

Everything but the action attempt is written in the worker's transaction, so it commits with
the work item's completion or not at all. The attempt is committed *before* the executor is
called (:func:`begin_attempt`): if the process dies mid-call, the next run sees an attempt with
no outcome, and the guard's cooldown stops a blind repeat.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.agent.state import AgentState, FaultFacts
from app.chargers.executors import Outcome, OutcomeStatus
from app.chargers.verify import FOLLOWING, VERIFYING
from app.escalation import escalate
from app.escalation.content import Ticket, compose
from app.guard.policy import Decision, Verdict
from app.store import queries
from app.store.db import session_scope
from app.store.models import ActionAttempt, Fault, utcnow
from app.store.models import Decision as DecisionRow

log = logging.getLogger("chargemedic.agent")
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


def ticket(state: AgentState) -> Ticket:
    """The escalation ticket for this run: what happened, the cited diagnosis and steps, what
    automation tried (earlier actions and this run's), the recent history, and why now."""
    fault, charger, history = state["fault"], state["charger"], state["history"]
    diagnosis = state["reasoning"].diagnosis
    decision: Decision = state["decision"]
    outcome = state.get("outcome")
    automation = [
        {"action": a.action, "at": a.started_at, "outcome": a.outcome, "automatic": a.automatic}
        for a in history.actions[:10]
    ]
    reasons = list(decision.reasons)
    if outcome is not None:
        automation.insert(
            0,
            {
                "action": decision.action.value,
                "at": state["now"],
                "command_status": outcome.status.value,
                "outcome": outcome.status.value,
                "detail": outcome.detail,
            },
        )
        if outcome.status not in (OutcomeStatus.ACCEPTED, OutcomeStatus.DRY_RUN):
            reasons.insert(0, f"the automatic {decision.action.value} failed: {outcome.status.value}")
    past = [
        f"{f.opened_at:%Y-%m-%d %H:%M} UTC {f.error_code or ''} {f.vendor_error_code or ''}".strip()
        + f" ({f.fault_class.value if f.fault_class else 'unclassified'}, "
        + ("cleared)" if f.cleared_at else "open)")
        for f in history.faults[:10]
    ]
    return compose(
        charger=charger.model_dump(exclude={"connectors"}),
        fault=fault.model_dump() | {"fault_class": diagnosis.fault_class.value},
        diagnosis=diagnosis.model_dump(mode="json"),
        automation=automation,
        history=[*diagnosis.evidence, *past],
        reason="; ".join(reasons) or "the playbook hands this fault class to a technician",
    )


def write_run(session: Session, state: AgentState) -> None:
    """Persist the run (see the module docstring)."""
    fault, decision, reasoning = state["fault"], state["decision"], state["reasoning"]
    actor = state.get("actor", "agent")
    row = _decision_row(session, state)
    if (attempt_id := state.get("attempt_id")) is not None:
        _finish_attempt(session, attempt_id, row.id, state["outcome"], state.get("verify_until"))
    found: Ticket | None = state.get("ticket")
    if found is not None:
        escalate(session, fault, text=found.text, actor="agent", severity=found.severity, ticket=found.detail)
    if decision.site_escalation and fault.site_id:
        text = f"Blast radius reached on site {fault.site_id}: further automatic actions need approval.\n"
        text += found.text if found else ""
        escalate(
            session, fault, text=text, actor="agent", scope="site", ticket=found.detail if found else None
        )
    new_state = FAULT_STATE[decision.verdict]
    if state.get("verify_until") is not None:
        new_state = VERIFYING
    if found is not None and decision.verdict is not Verdict.NEEDS_APPROVAL:
        new_state = "escalated"
    sibling = decision.follows_fault_id if decision.follows_fault_id != fault.id else None
    if sibling is not None and new_state == FAULT_STATE[Verdict.NO_ACTION]:
        new_state = FOLLOWING
    _update_fault(session, fault.id, new_state, reasoning.diagnosis.fault_class.value, sibling)
    for step in state.get("trace", []):
        _audit(session, fault, f"agent.{step['node']}", step, actor)
    detail = {"decision_id": row.id, "verdict": decision.verdict.value, "action": decision.action.value}
    _audit(session, fault, "fault.decided", detail, actor)
    if sibling is not None:
        link = {"incident_fault_id": sibling, "state": new_state}
        _audit(session, fault, "fault.same_incident", link, actor)
    reasons = "; ".join(decision.reasons) or "no objection"
    log.info("fault %s: guard %s %s (%s)", fault.id, detail["verdict"], detail["action"], reasons)


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


def _finish_attempt(
    session: Session, attempt_id: int, decision_id: int, outcome: Outcome, verify_until: datetime | None
) -> None:
    """Record the executor's answer; an action that awaits verification is ``verifying`` until
    :mod:`app.chargers.verify` settles it as fixed, not_fixed or unknown."""
    attempt = session.get(ActionAttempt, attempt_id)
    attempt.decision_id = decision_id
    attempt.command_status = outcome.status.value
    attempt.outcome = VERIFYING if verify_until else outcome.status.value
    attempt.verify_until = verify_until
    attempt.executor = outcome.executor or attempt.executor
    attempt.detail = {"detail": outcome.detail}
    attempt.finished_at = utcnow()
    session.add(attempt)


def _audit(session: Session, fault: FaultFacts, kind: str, detail: dict, actor: str) -> None:
    queries.audit(
        session, actor=actor, kind=kind, fault_id=fault.id, charger_id=fault.charger_id, detail=detail
    )


def _update_fault(
    session: Session, fault_id: int, state: str, fault_class: str, incident_fault_id: int | None
) -> None:
    fault = session.get(Fault, fault_id)
    fault.state = state
    fault.fault_class = fault_class
    fault.incident_fault_id = incident_fault_id or fault.incident_fault_id
    fault.error = None
    fault.updated_at = utcnow()
    session.add(fault)
