"""The fault path a worker runs for each claimed fault.

Until the diagnosis agent lands, processing records that the fault reached the pipeline and
leaves it ``awaiting_diagnosis``. It runs inside the worker's transaction, so its effects
commit together with the work item's completion, or not at all.
"""

from __future__ import annotations

from sqlmodel import Session

from app.store import queries
from app.store.queue import Claim


def process_fault(session: Session, item: Claim) -> None:
    """Advance the fault of ``item`` by one step (see the module docstring)."""
    if not queries.set_fault_state(session, fault_id=item.fault_id, state="awaiting_diagnosis"):
        raise LookupError(f"work item {item.id} refers to missing fault {item.fault_id}")
    queries.audit(
        session,
        actor=f"worker:{item.owner}",
        kind="fault.awaiting_diagnosis",
        fault_id=item.fault_id,
        charger_id=item.charger_id,
        detail={"work_item": item.id, "attempt": item.attempts},
    )
