"""``load_context``: the fault, its charger and their history, read once per run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from app.agent.state import ChargerFacts, FaultClass, FaultFacts, History, PastAction, PastFault
from app.guard.reach import fault_place, overlaps, session_places
from app.store import queries
from app.store.models import Fault


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
    open_sessions = queries.open_sessions(session, charger_id=fault.charger_id)
    places = session_places(charger.connectors, [(s.evse_id, s.connector_id) for s in open_sessions])
    here = fault_place(fault)
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
        active_session=any(overlaps(here, where) for where in places),
        sessions=places,
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


def _past_fault(row: Fault) -> PastFault:
    return PastFault.model_validate(row.model_dump() | {"fault_class": _fault_class(row.fault_class)})


def _fault_class(value: str | None) -> FaultClass | None:
    return FaultClass(value) if value in FaultClass._value2member_map_ else None
