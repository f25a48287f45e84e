"""``load_context``: the fault, its charger and their history, read once per run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from app.agent.state import ChargerFacts, FaultClass, FaultFacts, History, PastAction, PastFault
from app.store import queries
from app.store.models import Fault

SESSION_STATES = frozenset({"charging", "suspendedev", "suspendedevse", "occupied"})
"""Connector states that mean a vehicle is plugged in and a session may be running (1.6, 2.0.1)."""


@dataclass(frozen=True)
class Context:
    fault: FaultFacts
    charger: ChargerFacts
    history: History
    site_automatic_actions: int
    site_escalation_raised: bool


def load_context(
    session: Session, *, fault_id: int, now: datetime, window_seconds: float, blast_window_seconds: float
) -> Context:
    """Everything the reasoner and the guard need about ``fault_id``; ``LookupError`` if missing."""
    row = session.get(Fault, fault_id)
    if row is None:
        raise LookupError(f"fault {fault_id} does not exist")
    charger_row = queries.get_charger(session, charger_id=row.charger_id)
    charger = (
        ChargerFacts.model_validate(charger_row.model_dump())
        if charger_row
        else ChargerFacts(id=row.charger_id)
    )
    fault = FaultFacts.model_validate(row.model_dump() | {"site_id": row.site_id or charger.site_id})
    since = now - timedelta(seconds=window_seconds)
    sessions = queries.open_sessions(session, charger_id=fault.charger_id)
    history = History(
        faults=[
            _past_fault(f)
            for f in queries.recent_faults(
                session, charger_id=fault.charger_id, since=since, exclude_id=fault_id
            )
        ],
        actions=[
            PastAction(
                fault_id=a.fault_id,
                action=a.action,
                outcome=a.outcome,
                automatic=a.automatic,
                fault_class=_fault_class(fault_class),
                started_at=a.started_at,
            )
            for a, fault_class in queries.recent_actions(session, charger_id=fault.charger_id, since=since)
        ],
        active_session=active_session(charger, fault) or charging(fault, sessions),
        charger_busy=bool(sessions) or any(_in_session(state) for state in charger.connectors.values()),
        window_seconds=window_seconds,
    )
    site_since = now - timedelta(seconds=blast_window_seconds)
    site = fault.site_id
    return Context(
        fault=fault,
        charger=charger,
        history=history,
        site_automatic_actions=queries.site_automatic_actions(session, site_id=site, since=site_since)
        if site
        else 0,
        site_escalation_raised=bool(site)
        and queries.site_escalation_since(session, site_id=site, since=site_since),
    )


def active_session(charger: ChargerFacts, fault: FaultFacts) -> bool:
    """Whether a vehicle may be charging where the fault is: on its connector when it names one,
    else on any connector of the charger (when unsure, assume a session: it blocks, never forces)."""
    states = charger.connectors
    if fault.connector_id is not None:
        key = f"{fault.evse_id or 0}/{fault.connector_id}"
        if key in states:
            return _in_session(states[key])
    return any(_in_session(state) for state in states.values())


def charging(fault: FaultFacts, sessions: list) -> bool:
    """Whether an open charging session (Start/StopTransaction, TransactionEvent) runs where the
    fault is: on its connector (or EVSE) when it names one, else anywhere on the charger."""
    if fault.connector_id is None and fault.evse_id is None:
        return bool(sessions)
    for s in sessions:
        if s.connector_id is None and s.evse_id is None:
            return True  # a session that does not say where: assume it is here
        if fault.evse_id is not None and s.evse_id == fault.evse_id:
            return True
        if fault.evse_id is None and s.connector_id == fault.connector_id:
            return True
    return False


def _in_session(state: dict) -> bool:
    return str(state.get("status", "")).replace("_", "").casefold() in SESSION_STATES


def _past_fault(row: Fault) -> PastFault:
    return PastFault.model_validate(row.model_dump() | {"fault_class": _fault_class(row.fault_class)})


def _fault_class(value: str | None) -> FaultClass | None:
    return FaultClass(value) if value in FaultClass._value2member_map_ else None
