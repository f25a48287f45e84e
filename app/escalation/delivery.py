"""Escalation delivery: an outbox that POSTs each ticket version, signed, to the ticketing webhook.

The ``escalations`` rows are the outbox: a change (:mod:`app.escalation.tickets`) commits the
new version with ``delivery_state="pending"`` and ``next_delivery_at=now``. A round
(:func:`deliver_due`) then, row by row:

1. **claims** a due row in a short transaction — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
   write lock on SQLite — pushing ``next_delivery_at`` forward by a lease longer than a request
   can take, so no other replica sends that version meanwhile and no lock is held during the call;
2. **POSTs** ``{"event", "escalation"}`` (see :func:`payload`) with ``Idempotency-Key:
   escalation-<id>-v<version>``, signed as :mod:`app.webhooks` describes;
3. **records** the answer: a 2xx marks the version delivered (a newer version committed during the
   call stays pending and goes next); anything else counts an attempt and retries after
   ``backoff · 2^(attempts-1)`` (at most 1 h), until ``max_attempts`` parks it as ``dead_letter``
   (audited). ``POST /v1/escalations/{id}/redeliver`` queues it again.

Without a webhook URL (or secret), pending rows become ``disabled``: visible, never silently lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from app.escalation.tickets import ACKNOWLEDGED, RESOLVED, EscalationError, requeue
from app.observability import metrics
from app.observability.logs import bound
from app.settings import Settings
from app.store import queries
from app.store.db import session_scope
from app.store.models import Escalation, utcnow
from app.webhooks import backoff_delay, excerpt, sign

log = logging.getLogger("chargemedic.escalation")
PENDING, DELIVERED, DEAD_LETTER, DISABLED = "pending", "delivered", "dead_letter", "disabled"
PER_ROUND = 50
"""Most deliveries one round attempts (each row at most once)."""
LEASE_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class _Claim:
    id: int
    version: int
    lease_until: datetime
    payload: dict[str, Any]


def deliver_due(
    engine: Engine,
    client: httpx.Client,
    settings: Settings,
    now: datetime,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """One round: deliver every escalation version due at ``now`` (up to :data:`PER_ROUND`,
    until ``stopping()``); the number of requests sent."""
    if (reason := _disabled_reason(settings)) is not None:
        _disable_pending(engine, reason)
        return 0
    lease = settings.escalation_webhook_timeout_seconds + LEASE_MARGIN_SECONDS
    sent: list[int] = []
    while len(sent) < PER_ROUND and not stopping():
        claim = _claim(engine, now=now, lease_until=now + timedelta(seconds=lease), skip=sent)
        if claim is None:
            break
        sent.append(claim.id)
        ticket = claim.payload["escalation"]
        with bound(fault_id=ticket["fault_id"], charger_id=ticket["charger_id"]):
            error = _post(client, settings, claim)
            metrics.escalation_delivery(delivered=error is None)
            log.info("escalation %s v%s: %s", claim.id, claim.version, error or "delivered")
            with session_scope(engine) as session:
                _record(session, claim, error, settings, now)
    return len(sent)


async def deliver_forever(
    engine: Engine,
    settings: Settings,
    stop: asyncio.Event,
    wake: asyncio.Event | None = None,
    *,
    every: float = 5.0,
) -> None:
    """Run :func:`deliver_due` every ``every`` seconds (sooner when ``wake`` is set) until ``stop``."""
    client = httpx.Client(timeout=settings.escalation_webhook_timeout_seconds)
    try:
        while not stop.is_set():
            try:
                sent = await asyncio.to_thread(
                    deliver_due, engine, client, settings, utcnow(), stopping=stop.is_set
                )
            except Exception:  # database briefly unavailable: try again next round
                log.exception("delivering escalations failed")
                sent = 0
            if sent < PER_ROUND:
                await _pause(stop, wake, every)
    finally:
        client.close()


def redeliver(session: Session, *, escalation_id: int, by: str, now: datetime) -> Escalation:
    """Queue a ``dead_letter`` or ``disabled`` ticket for delivery again, attempts from zero."""
    row = session.get(Escalation, escalation_id, with_for_update=True)
    if row is None:
        raise EscalationError(404, f"no escalation with id {escalation_id}")
    if row.delivery_state not in (DEAD_LETTER, DISABLED):
        raise EscalationError(
            409,
            f"escalation {escalation_id} is {row.delivery_state}: only dead_letter or disabled "
            "deliveries can be queued again",
        )
    previous = row.delivery_state
    requeue(row, now)
    row.last_delivery_error = None
    session.add(row)
    detail = {"escalation_id": row.id, "version": row.version, "was": previous}
    queries.audit(
        session,
        actor=by,
        kind="escalation.redeliver",
        fault_id=row.fault_id,
        charger_id=row.charger_id,
        detail=detail,
    )
    return row


def event_name(row: Escalation) -> str:
    """What the version being sent reports: opened, updated, acknowledged or resolved."""
    if row.state == RESOLVED:
        return "escalation.resolved"
    if row.version == 1:
        return "escalation.opened"
    if row.state == ACKNOWLEDGED and row.acknowledged_at == row.updated_at:
        return "escalation.acknowledged"
    return "escalation.updated"


def payload(row: Escalation) -> dict[str, Any]:
    """The JSON body delivered for ``row``'s current version."""
    fields = ("id", "version", "state", "severity", "scope", "fault_id", "charger_id", "site_id")
    handling = (
        "created_at",
        "updated_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
    )
    escalation = {name: getattr(row, name) for name in fields}
    escalation |= {"instructions": row.instructions, "ticket": row.detail}
    escalation |= {name: getattr(row, name) for name in handling}
    escalation |= {
        "resolution_note": row.resolution_note,
        "links": {"escalation": f"/v1/escalations/{row.id}", "fault": f"/v1/faults/{row.fault_id}"},
    }
    return {"event": event_name(row), "escalation": escalation}


def _disabled_reason(settings: Settings) -> str | None:
    if not settings.escalation_webhook_url:
        return "escalation_webhook_url is not configured"
    secret = settings.escalation_webhook_secret
    if secret is None or not secret.get_secret_value():
        return "escalation_webhook_secret is not set (deliveries are signed)"
    return None


def _disable_pending(engine: Engine, reason: str) -> None:
    table = Escalation.__table__
    with session_scope(engine) as session:
        session.execute(
            update(table)
            .where(table.c.delivery_state == PENDING)
            .values(delivery_state=DISABLED, next_delivery_at=None, last_delivery_error=reason)
        )


def _claim(engine: Engine, *, now: datetime, lease_until: datetime, skip: list[int]) -> _Claim | None:
    """Lease the next due row: its version cannot be claimed again before ``lease_until``."""
    due = col(Escalation.next_delivery_at)
    query = select(Escalation).where(Escalation.delivery_state == PENDING, or_(due.is_(None), due <= now))
    if skip:
        query = query.where(col(Escalation.id).not_in(skip))
    query = query.order_by(due, col(Escalation.id)).limit(1).with_for_update(skip_locked=True)
    with session_scope(engine) as session:
        row = session.exec(query).first()
        if row is None:
            return None
        row.next_delivery_at = lease_until
        session.add(row)
        return _Claim(row.id, row.version, lease_until, payload(row))


def _post(client: httpx.Client, settings: Settings, claim: _Claim) -> str | None:
    """Send the claimed version; ``None`` on a 2xx, else what went wrong."""
    signed = sign(
        claim.payload,
        secret=settings.escalation_webhook_secret.get_secret_value(),
        idempotency_key=f"escalation-{claim.id}-v{claim.version}",
    )
    try:
        response = client.post(
            settings.escalation_webhook_url,
            content=signed.body,
            headers=signed.headers,
            timeout=settings.escalation_webhook_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.is_success:
        return None
    return f"HTTP {response.status_code}: {excerpt(response.text)}"


def _record(session: Session, claim: _Claim, error: str | None, settings: Settings, now: datetime) -> None:
    row = session.get(Escalation, claim.id, with_for_update=True)
    if row is None:
        return
    if error is None:
        _delivered(session, row, claim, now)
    elif (row.delivered_version or 0) < row.version:  # else a newer version got through meanwhile
        _failed(session, row, error, settings, now)
    session.add(row)


def _delivered(session: Session, row: Escalation, claim: _Claim, now: datetime) -> None:
    if claim.version > (row.delivered_version or 0):
        row.delivered_version, row.delivered_at = claim.version, now
    if row.delivered_version >= row.version:
        row.delivery_state, row.next_delivery_at = DELIVERED, None
        row.delivery_attempts, row.last_delivery_error = 0, None
    elif row.next_delivery_at == claim.lease_until:  # changed during the call: send the new version
        row.next_delivery_at = now
    _audit(session, row, "escalation.delivered", {"version": claim.version})


def _failed(session: Session, row: Escalation, error: str, settings: Settings, now: datetime) -> None:
    row.delivery_attempts += 1
    row.last_delivery_error = error[:2000]
    if row.delivery_attempts < settings.escalation_webhook_max_attempts:
        delay = backoff_delay(row.delivery_attempts, settings.escalation_webhook_backoff_seconds)
        row.next_delivery_at = now + timedelta(seconds=delay)
        return
    row.delivery_state, row.next_delivery_at = DEAD_LETTER, None
    log.warning(
        "escalation %s parked as dead_letter after %d attempts: %s", row.id, row.delivery_attempts, error
    )
    _audit(session, row, "escalation.dead_letter", {"attempts": row.delivery_attempts, "error": error[:2000]})


def _audit(session: Session, row: Escalation, kind: str, extra: dict[str, Any]) -> None:
    detail = {"escalation_id": row.id, "version": row.version} | extra
    queries.audit(
        session, actor="delivery", kind=kind, fault_id=row.fault_id, charger_id=row.charger_id, detail=detail
    )


async def _pause(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    """Wait ``seconds``, or until ``stop`` or ``wake`` is set (``wake`` is then cleared)."""
    waiters = [asyncio.ensure_future(event.wait()) for event in (stop, wake) if event is not None]
    _, pending = await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for waiter in pending:
        waiter.cancel()
    if wake is not None:
        wake.clear()
