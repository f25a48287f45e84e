"""The fault path a worker runs for each claimed fault.

Until the diagnosis agent lands, processing records that the fault reached the pipeline and
leaves it ``awaiting_diagnosis``. It runs inside the worker's transaction, so its effects
commit together with the work item's completion, or not at all.
"""

from __future__ import annotations

from sqlmodel import Session

from app.store import queries
from app.store.models import Fault, utcnow
from app.store.queue import Claim


def process_fault(session: Session, item: Claim) -> None:
    """Advance the fault of ``item`` by one step (see the module docstring)."""
    fault = session.get(Fault, item.fault_id)
    if fault is None:
        raise LookupError(f"work item {item.id} refers to missing fault {item.fault_id}")
    fault.state = "awaiting_diagnosis"
    fault.error = None
    fault.updated_at = utcnow()
    session.add(fault)
    queries.audit(
        session,
        actor=f"worker:{item.owner}",
        kind="fault.awaiting_diagnosis",
        fault_id=fault.id,
        charger_id=fault.charger_id,
        detail={"work_item": item.id, "attempt": item.attempts},
    )
