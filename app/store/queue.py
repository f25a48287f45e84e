"""The durable work queue: rows of ``work_items`` leased by one worker at a time.

* **Claim** is one atomic ``UPDATE … WHERE id = (SELECT …) RETURNING``: on PostgreSQL the inner
  select takes ``FOR UPDATE SKIP LOCKED``; on SQLite the statement runs under the database's
  single write lock. Claiming increments ``attempts`` and sets a lease (owner + expiry).
* **Order per charger**: only the oldest unfinished item of a charger can be claimed, so a
  charger's faults are processed one at a time, in the order they arrived.
* **Unfinished** means ``finished_at IS NULL`` (state ``queued`` or ``leased``): every path that
  ends an item (done, parked as failed) sets ``finished_at``; partial indexes cover only those
  rows, so a claim costs the same with a hundred or a million finished items.
* **Crash safety**: a worker that dies stops renewing its lease; once it expires the item is
  claimable again. A worker's results count only if it still holds the lease when it completes
  (``complete`` is fenced on the owner), in the same transaction as its effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, or_, select, update
from sqlmodel import Session

from app.store.models import WorkItem, utcnow
from app.store.queries import KEEP_ERROR as _KEEP
from app.store.queries import set_fault_state

PROCESS_FAULT = "process_fault"
EXECUTE_APPROVED = "execute_approved"
"""Carry out a decision a technician approved (resumes the fault's flow, survives restarts)."""
_PENDING = ("queued", "leased")


@dataclass(frozen=True)
class Claim:
    id: int
    kind: str
    fault_id: int
    charger_id: str
    attempts: int
    owner: str


class LeaseLost(RuntimeError):
    """The worker no longer holds the item's lease: its work must be rolled back."""


def enqueue(db: Session | Connection, *, kind: str, items: list[tuple[int, str]]) -> None:
    """Queue work on each ``(fault_id, charger_id)`` in ``db``'s transaction (claimable once it
    commits)."""
    if items:
        now = utcnow()
        rows = [
            {"kind": kind, "fault_id": f, "charger_id": c, "available_at": now, "created_at": now}
            for f, c in items
        ]
        db.execute(insert(WorkItem.__table__), rows)


def claim(engine: Engine, *, owner: str, lease_seconds: float, now: datetime | None = None) -> Claim | None:
    """Lease the next claimable item to ``owner``; ``None`` when there is nothing to do."""
    now = now or utcnow()
    params = {"b_now": now, "b_owner": owner, "b_expires": now + timedelta(seconds=lease_seconds)}
    with engine.begin() as connection:
        row = connection.execute(_claim_statement(engine.dialect.name), params).first()
        if row is None:
            return None
        set_fault_state(connection, fault_id=row.fault_id, state="processing", error=_KEEP)
    return Claim(row.id, row.kind, row.fault_id, row.charger_id, row.attempts, owner)


@cache
def _claim_statement(dialect: str):
    """``UPDATE … WHERE id = (oldest ready item heading its charger's queue) RETURNING …``,
    built once per dialect (PostgreSQL skips rows other workers have locked).

    "Heading its charger's queue" is ``id = min(id)`` of the charger's unfinished items: one
    index probe per candidate on the partial ``(charger_id, id)`` index, whatever the plan's
    row estimates (an anti-join form degraded to a quadratic scan on PostgreSQL)."""
    table = WorkItem.__table__
    candidate = table.alias("candidate")
    earlier = table.alias("earlier")
    now = bindparam("b_now")
    ready = or_(
        and_(candidate.c.state == "queued", candidate.c.available_at <= now),
        and_(candidate.c.state == "leased", candidate.c.lease_expires_at < now),
    )
    head_of_charger = (
        select(func.min(earlier.c.id))
        .where(earlier.c.finished_at.is_(None), earlier.c.charger_id == candidate.c.charger_id)
        .scalar_subquery()
    )
    pick = (
        select(candidate.c.id)
        .where(candidate.c.finished_at.is_(None), ready, candidate.c.id == head_of_charger)
        .order_by(candidate.c.id)
        .limit(1)
    )
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return (
        update(table)
        .where(
            table.c.id == pick.scalar_subquery(),
            or_(table.c.state == "queued", table.c.lease_expires_at < now),
        )
        .values(
            state="leased",
            lease_owner=bindparam("b_owner"),
            lease_expires_at=bindparam("b_expires"),
            attempts=table.c.attempts + 1,
        )
        .returning(table.c.id, table.c.kind, table.c.fault_id, table.c.charger_id, table.c.attempts)
    )


def renew(engine: Engine, *, item: Claim, lease_seconds: float) -> bool:
    """Extend the lease; ``False`` if it was lost (expired and taken by another worker)."""
    now = utcnow()
    with engine.begin() as connection:
        result = connection.execute(
            _owned(item).values(lease_expires_at=now + timedelta(seconds=lease_seconds))
        )
    return result.rowcount == 1


def complete(session: Session, *, item: Claim) -> None:
    """Mark the item done in ``session``'s transaction; raises :class:`LeaseLost` if not owned."""
    result = session.execute(_owned(item).values(state="done", finished_at=utcnow(), lease_expires_at=None))
    if result.rowcount != 1:
        raise LeaseLost(f"work item {item.id} is no longer leased by {item.owner}")


def fail(session: Session, *, item: Claim, error: str, max_attempts: int, backoff_seconds: float) -> bool:
    """Record a failed attempt: retry later (with doubling backoff) or, after ``max_attempts``,
    park the item and its fault as ``failed``. Returns ``True`` when parked."""
    parked = item.attempts >= max_attempts
    now = utcnow()
    values = {"last_error": error[:4000], "lease_expires_at": None, "lease_owner": None}
    if parked:
        values |= {"state": "failed", "finished_at": now}
    else:
        delay = backoff_seconds * 2 ** (item.attempts - 1)
        values |= {"state": "queued", "available_at": now + timedelta(seconds=delay)}
    result = session.execute(_owned(item).values(**values))
    if result.rowcount != 1:
        raise LeaseLost(f"work item {item.id} is no longer leased by {item.owner}")
    set_fault_state(
        session, fault_id=item.fault_id, state="failed" if parked else "queued", error=error[:4000]
    )
    return parked


def depth(session: Session) -> dict[str, int]:
    """Unfinished items by state (``queued``, ``leased``)."""
    table = WorkItem.__table__
    query = select(table.c.state, func.count()).where(table.c.finished_at.is_(None)).group_by(table.c.state)
    return {state: 0 for state in _PENDING} | dict(session.execute(query).all())


def _owned(item: Claim):
    table = WorkItem.__table__
    return update(table).where(
        table.c.id == item.id, table.c.state == "leased", table.c.lease_owner == item.owner
    )
