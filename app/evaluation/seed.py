"""Seeding a case's database: its charger and its recorded history, oldest entry first.

History goes in the way it happened: recorded OCPP payloads through the real intake (their faults
classified as the playbook sees them and taken off the queue: they are history, not work), earlier
actions with their outcomes, and charging sessions starting or ending.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import select

from app.agent.state import ChargerFacts, FaultFacts
from app.evaluation.cases import Case, HistoryEntry, Shift
from app.intake.accept import accept_event
from app.store.db import session_scope
from app.store.models import ActionAttempt, Charger, ChargingSession, Fault, WorkItem, utcnow

SOURCE = "eval"
_COMMAND_STATUS = {"fixed": "accepted", "not_fixed": "accepted", "rejected": "rejected", "timeout": "timeout"}


class Seeder:
    """Writes a case's charger and history into its database, oldest entry first."""

    def __init__(self, engine: Engine, case: Case, shift: Shift, classify) -> None:
        self.engine = engine
        self.case = case
        self.shift = shift
        self.classify = classify

    def seed(self) -> None:
        self._register(self.case.charger.id, None)
        for n, entry in enumerate(self.case.history):
            charger_id = entry.charger_id or self.case.charger.id
            self._register(charger_id, entry)
            at = self.shift.time(entry.at)
            if entry.payload_field:
                body = self.case.entry_body(entry, where=f"history.{n}", shift=self.shift)
                accept_event(self.engine, source=SOURCE, body=body, actor=SOURCE)
                self._settle_recorded_faults()
            elif entry.action:
                self._action(n, entry, charger_id, at)
            else:
                self._session(n, entry, charger_id, at)

    def _register(self, charger_id: str, entry: HistoryEntry | None) -> None:
        """The case's charger as described; another charger of the site like it, unless the
        entry describes it."""
        with session_scope(self.engine) as session:
            if session.get(Charger, charger_id) is not None:
                return
            details = self.case.charger.model_dump(exclude={"id"})
            if entry is not None and entry.charger is not None:
                details |= entry.charger.model_dump(exclude_none=True)
            session.add(Charger(id=charger_id, **details))

    def _settle_recorded_faults(self) -> None:
        """Recorded faults are history, not work: classify them and take them off the queue."""
        with session_scope(self.engine) as session:
            for fault in session.exec(select(Fault).where(Fault.fault_class.is_(None))).all():
                charger = session.get(Charger, fault.charger_id)
                facts = FaultFacts.model_validate(
                    fault.model_dump() | {"site_id": fault.site_id or charger.site_id}
                )
                fault.fault_class = self.classify(facts, ChargerFacts.model_validate(charger.model_dump()))
                fault.state = "resolved" if fault.cleared_at else "monitoring"
                session.add(fault)
            session.execute(
                update(WorkItem)
                .where(WorkItem.finished_at.is_(None))
                .values(state="done", finished_at=utcnow())
            )

    def _action(self, n: int, entry: HistoryEntry, charger_id: str, at: datetime) -> None:
        with session_scope(self.engine) as session:
            fault = _latest_fault(session, charger_id, entry.connector_id, at)
            if fault is None:
                raise ValueError(
                    f"history.{n}: the action has no earlier recorded fault of {charger_id} to act on"
                )
            params = {
                k: v
                for k, v in {"connector_id": entry.connector_id, "evse_id": entry.evse_id}.items()
                if v is not None
            }
            session.add(
                ActionAttempt(
                    fault_id=fault.id,
                    charger_id=charger_id,
                    site_id=fault.site_id,
                    action=entry.action.value,
                    params=params,
                    automatic=entry.automatic,
                    executor="recorded",
                    outcome=entry.outcome,
                    command_status=_COMMAND_STATUS[entry.outcome],
                    started_at=at,
                    finished_at=at,
                    verified_at=at if entry.outcome in ("fixed", "not_fixed") else None,
                )
            )
            if entry.outcome == "fixed" and fault.cleared_at is None:
                fault.cleared_at, fault.state = at, "resolved"
                session.add(fault)

    def _session(self, n: int, entry: HistoryEntry, charger_id: str, at: datetime) -> None:
        with session_scope(self.engine) as session:
            if entry.session == "active":
                session.add(
                    ChargingSession(
                        charger_id=charger_id,
                        transaction_id=f"history-{n}",
                        connector_id=entry.connector_id,
                        evse_id=entry.evse_id,
                        started_at=at,
                        updated_at=at,
                    )
                )
                return
            query = select(ChargingSession).where(
                ChargingSession.charger_id == charger_id,
                ChargingSession.connector_id == entry.connector_id,
                ChargingSession.stopped_at.is_(None),
            )
            for row in session.exec(query).all():
                row.stopped_at, row.stop_reason = at, "Local"
                session.add(row)


def _latest_fault(session, charger_id: str, connector_id: int | None, at: datetime) -> Fault | None:
    """The charger's latest fault opened by ``at`` — on ``connector_id`` when one is given."""
    query = select(Fault).where(Fault.charger_id == charger_id, Fault.opened_at <= at)
    if connector_id is not None:
        query = query.where(Fault.connector_id == connector_id)
    return session.exec(query.order_by(Fault.opened_at.desc(), Fault.id.desc()).limit(1)).first()
