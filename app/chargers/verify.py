"""Verification: did the action fix the fault? Every executed recovery action is ``verifying``
until the charger shows recovery, or its window (``verify_window_seconds``) ends.

* **fixed** — the fault is cleared (1.6 StatusNotification Available/NoError, 2.0.1 ``cleared``
  NotifyEvent or Available status) and the last report from the fault's connector since the
  action is not the fault again. The fault's state becomes ``resolved``.
* **not_fixed** — the window ended and the charger did report since the action, but not recovery.
* **unknown** — the window ended with no report from the charger at all since the action.
Both escalate, with what was tried. Half-way through a silent window the charger is asked for its
status once (TriggerMessage StatusNotification — read-only, allowlisted ``trigger_status``).

Reports count by when chargemedic *received* them, never by the charger's clock. Settling is a
compare-and-set on the attempt (``outcome = 'verifying'``), so two replicas never settle one
attempt twice. The outcome feeds the next decision for the charger (reboot-loop rule, playbook).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.chargers.executors import Executor, OutcomeStatus
from app.escalation import escalate
from app.escalation.content import compose
from app.guard.actions import Action, ActionParams
from app.observability import metrics
from app.observability.logs import bound
from app.store import queries
from app.store.db import read_scope, session_scope
from app.store.models import ActionAttempt, Charger, Decision, Event, Fault, Observation, utcnow

log = logging.getLogger("chargemedic.verify")
VERIFYING, FIXED, NOT_FIXED, UNKNOWN = "verifying", "fixed", "not_fixed", "unknown"
FOLLOWING = "following"
"""A fault's state while it waits for a sibling's action (same incident, ``incident_fault_id``):
settling the sibling's attempt resolves or escalates it too."""
RECOVERY_ACTIONS = frozenset(
    {
        Action.SOFT_RESET,
        Action.HARD_RESET,
        Action.CLEAR_CACHE,
        Action.UNLOCK_CONNECTOR,
        Action.TRIGGER_STATUS,
        Action.SET_OPERATIVE,
    }
)
"""Actions meant to bring the connector back (``set_inoperative`` takes it out on purpose)."""
VERIFIABLE = frozenset({OutcomeStatus.ACCEPTED, OutcomeStatus.TIMEOUT, OutcomeStatus.DISCONNECTED})
"""Answers after which the action may have taken effect (a reset often drops the line first)."""


def verify_until(action: Action, status: OutcomeStatus, *, now: datetime, window: float) -> datetime | None:
    """When verification of this attempt ends, or ``None`` if it is not verified."""
    if action in RECOVERY_ACTIONS and status in VERIFIABLE:
        return now + timedelta(seconds=window)
    return None


@dataclass(frozen=True)
class Report:
    """One observation received after the action: where it was, and whether it was a fault."""

    connector_id: int | None
    evse_id: int | None
    faulted: bool


def judge(fault: Fault, reports: list[Report], *, expired: bool) -> str | None:
    """The verdict for ``fault`` given the reports received since the action (oldest first), or
    ``None`` to keep waiting."""
    here = [r for r in reports if _same_place(fault, r)]
    recovered = fault.cleared_at is not None and not (here and here[-1].faulted)
    if recovered and (here or expired):
        return FIXED
    if not expired:
        return None
    return NOT_FIXED if reports else UNKNOWN


def _same_place(fault: Fault, report: Report) -> bool:
    if fault.connector_id is None:
        return True
    return report.connector_id == fault.connector_id and (report.evse_id or 0) == (fault.evse_id or 0)


class Verifier:
    """Settles ``verifying`` attempts; :meth:`check` is one round, :meth:`run` loops."""

    def __init__(self, engine: Engine, *, executor: Executor | None, window_seconds: float) -> None:
        self.engine = engine
        self.executor = executor
        self.window = window_seconds

    def check(self, now: datetime | None = None) -> dict[int, str]:
        """One round: ``{attempt id: verdict}`` for the attempts settled now."""
        now = now or utcnow()
        settled: dict[int, str] = {}
        for attempt, fault in self._waiting():
            with bound(fault_id=fault.id, charger_id=fault.charger_id, attempt_id=attempt.id):
                if (verdict := self._check_one(attempt, fault, now)) is not None:
                    settled[attempt.id] = verdict
        return settled

    def _check_one(self, attempt: ActionAttempt, fault: Fault, now: datetime) -> str | None:
        """Settle ``attempt`` if its verdict is in (returned), or ask for the status when due."""
        reports = self._reports(attempt)
        verdict = judge(fault, reports, expired=now >= attempt.verify_until)
        if verdict is not None and self._settle(attempt.id, verdict, now):
            metrics.verification(attempt.action, verdict)
            log.info("attempt %s (%s on %s): %s", attempt.id, attempt.action, fault.charger_id, verdict)
            return verdict
        if verdict is None and not reports and self._ask_due(attempt, now):
            self._ask(attempt, fault, now)
        return None

    async def run(self, stop: asyncio.Event, wake: asyncio.Event, every: float) -> None:
        """Check every ``every`` seconds, or as soon as ``wake`` is set (a fault was cleared)."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.check)
            except Exception:  # database briefly unavailable: next round
                log.exception("verification round failed")
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(stop, wake), every)

    # ---- reading -----------------------------------------------------------------------------
    def _waiting(self) -> list[tuple[ActionAttempt, Fault]]:
        query = (
            select(ActionAttempt, Fault)
            .join(Fault, col(Fault.id) == ActionAttempt.fault_id)
            .where(ActionAttempt.outcome == VERIFYING)
            .order_by(col(ActionAttempt.id))
            .limit(500)
        )
        with read_scope(self.engine) as session:
            return [tuple(row) for row in session.exec(query).all()]

    def _reports(self, attempt: ActionAttempt) -> list[Report]:
        query = (
            select(Observation.connector_id, Observation.evse_id, Observation.fault_id)
            .join(Event, col(Event.id) == Observation.event_id)
            .where(Observation.charger_id == attempt.charger_id, Event.received_at >= attempt.started_at)
            .order_by(col(Observation.id))
        )
        with read_scope(self.engine) as session:
            return [Report(c, e, f is not None) for c, e, f in session.exec(query).all()]

    # ---- asking ------------------------------------------------------------------------------
    def _ask_due(self, attempt: ActionAttempt, now: datetime) -> bool:
        halfway = attempt.started_at + (attempt.verify_until - attempt.started_at) / 2
        return self.executor is not None and attempt.status_requested_at is None and now >= halfway

    def _ask(self, attempt: ActionAttempt, fault: Fault, now: datetime) -> None:
        """Ask once for the connector's status (claimed first, so one replica asks)."""
        with session_scope(self.engine) as session:
            claimed = session.exec(
                update(ActionAttempt)
                .where(col(ActionAttempt.id) == attempt.id, col(ActionAttempt.status_requested_at).is_(None))
                .values(status_requested_at=now)
            ).rowcount
        if not claimed:
            return
        params = ActionParams(connector_id=fault.connector_id, evse_id=fault.evse_id)
        outcome = self.executor.execute(fault.charger_id, Action.TRIGGER_STATUS, params)
        metrics.command(Action.TRIGGER_STATUS, outcome.status, outcome.executor or self.executor.name)
        with session_scope(self.engine) as session:
            queries.audit(
                session,
                actor="verify",
                kind="verify.status_requested",
                fault_id=fault.id,
                charger_id=fault.charger_id,
                detail={"attempt_id": attempt.id, "answer": outcome.status.value, "detail": outcome.detail},
            )

    # ---- settling ----------------------------------------------------------------------------
    def _settle(self, attempt_id: int, verdict: str, now: datetime) -> bool:
        with session_scope(self.engine) as session:
            won = session.exec(
                update(ActionAttempt)
                .where(col(ActionAttempt.id) == attempt_id, ActionAttempt.outcome == VERIFYING)
                .values(outcome=verdict, verified_at=now)
            ).rowcount
            if not won:
                return False
            attempt = session.get(ActionAttempt, attempt_id)
            fault = session.get(Fault, attempt.fault_id)
            detail = {"attempt_id": attempt_id, "action": attempt.action, "verdict": verdict}
            queries.audit(
                session,
                actor="verify",
                kind=f"verify.{verdict}",
                fault_id=fault.id,
                charger_id=fault.charger_id,
                detail=detail,
            )
            followers = _followers(session, fault)
            if verdict == FIXED:
                _resolved(session, fault, attempt)
            else:
                _not_recovered(session, fault, attempt, verdict, self.window, followers)
            _follow(session, fault, followers, verdict)
        return True


def _followers(session: Session, fault: Fault) -> list[Fault]:
    """Faults of the same incident that wait for ``fault``'s action (state ``following``)."""
    query = select(Fault).where(Fault.incident_fault_id == fault.id, Fault.state == FOLLOWING)
    return list(session.exec(query.order_by(col(Fault.id))).all())


def _follow(session: Session, fault: Fault, followers: list[Fault], verdict: str) -> None:
    """Each follower takes ``fault``'s outcome: resolved with it, or escalated with it (on its ticket)."""
    state = "resolved" if verdict == FIXED else "escalated"
    for follower in followers:
        follower.state, follower.updated_at = state, utcnow()
        session.add(follower)
        queries.audit(
            session,
            actor="verify",
            kind=f"fault.{state}_with_incident",
            fault_id=follower.id,
            charger_id=follower.charger_id,
            detail={"incident_fault_id": fault.id, "verdict": verdict},
        )


def _resolved(session: Session, fault: Fault, attempt: ActionAttempt) -> None:
    fault.state, fault.updated_at = "resolved", utcnow()
    session.add(fault)
    if queries.active_escalation(session, fault_id=fault.id) is not None:
        text = f"{fault.charger_id} recovered after the automatic {attempt.action} (verified)."
        escalate(session, fault, text=text, actor="verify")


def _not_recovered(
    session: Session,
    fault: Fault,
    attempt: ActionAttempt,
    verdict: str,
    window: float,
    followers: list[Fault],
) -> None:
    fault.state, fault.updated_at = "escalated", utcnow()
    session.add(fault)
    heard = "reported, but not recovery" if verdict == NOT_FIXED else "sent no report at all"
    reason = (
        f"the automatic {attempt.action} (charger answered {attempt.command_status}) did not fix it: "
        f"within {window:g} s the charger {heard}"
    )
    if followers:
        reason += f"; the same incident was also reported as fault {', '.join(str(f.id) for f in followers)}"
    charger = session.get(Charger, fault.charger_id)
    decision = session.get(Decision, attempt.decision_id) if attempt.decision_id else None
    ticket = compose(
        charger=(
            charger.model_dump(exclude={"password_hash", "connectors"})
            if charger
            else {"id": fault.charger_id}
        ),
        fault=fault.model_dump(include=_FAULT_FIELDS),
        diagnosis=decision.diagnosis if decision else {},
        automation=[_tried(a) for a in queries.fault_attempts(session, fault_id=fault.id)],
        history=[],
        reason=reason,
    )
    escalate(session, fault, text=ticket.text, actor="verify", severity=ticket.severity, ticket=ticket.detail)


_FAULT_FIELDS = {
    "id",
    "charger_id",
    "site_id",
    "connector_id",
    "evse_id",
    "error_code",
    "vendor_error_code",
    "component",
    "variable",
    "info",
    "opened_at",
    "occurrences",
    "fault_class",
}


def _tried(a: ActionAttempt) -> dict:
    return {
        "action": a.action,
        "at": a.started_at,
        "command_status": a.command_status,
        "outcome": a.outcome,
        "executor": a.executor,
        "automatic": a.automatic,
    }


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
