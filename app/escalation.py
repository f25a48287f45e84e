"""Escalations: hand a fault to a technician with instructions, one open ticket per fault.

A fault that escalates again while its ticket is open (it recurs, an approval is rejected or
expires) adds an update to that ticket instead of opening another: technicians get one story
per fault. A site-level escalation (blast radius) is a ticket of its own, ``scope="site"``.
Delivery to a ticketing system arrives with the webhook executor.
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session, select

from app.store import queries
from app.store.models import Escalation, utcnow


class FaultRef(Protocol):
    id: int
    charger_id: str
    site_id: str | None


def escalate(session: Session, fault: FaultRef, *, text: str, actor: str, scope: str = "fault") -> Escalation:
    """Open (or update) the ticket of ``fault`` (a fault row or the agent's facts) in
    ``session``'s transaction, and audit it."""
    fault_id, charger_id, site_id = fault.id, fault.charger_id, fault.site_id
    query = select(Escalation).where(
        Escalation.fault_id == fault_id, Escalation.scope == scope, Escalation.state == "open"
    )
    row = session.exec(query).first()
    if row is not None:
        row.instructions = f"{row.instructions}\n\nUpdate {utcnow():%Y-%m-%d %H:%M} UTC:\n{text}"
        row.updated_at = utcnow()
        session.add(row)
        kind = "escalation.updated"
    else:
        priority = "high" if scope == "site" else "normal"
        row = Escalation(
            fault_id=fault_id,
            charger_id=charger_id,
            site_id=site_id,
            scope=scope,
            priority=priority,
            instructions=text,
        )
        row = queries.add(session, row)
        kind = "escalation.opened"
    detail = {"escalation_id": row.id, "scope": scope}
    queries.audit(session, actor=actor, kind=kind, fault_id=fault_id, charger_id=charger_id, detail=detail)
    return row
