"""Accepting an event: validate, normalise, persist, open or clear faults, enqueue — in one
transaction, committed before the caller is answered.

A fault observation whose signature matches a fault still open on the charger counts as a
recurrence of that fault instead of opening a new one (chargers repeat themselves). A recovery
observation clears the open faults it covers. Each newly opened fault gets one work item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.intake import normalise
from app.intake.envelope import EventAccepted, EventIn, parse_payload
from app.intake.payloads import StatusNotification16
from app.store import queries
from app.store.db import session_scope
from app.store.models import Charger, Event, Fault, Observation, fit_columns, utcnow
from app.store.queue import PROCESS_FAULT, enqueue


@dataclass(frozen=True)
class Accepted:
    result: EventAccepted
    created: bool
    """False when the event id had been received before (the original result is replayed)."""


def accept_event(engine: Engine, *, source: str, body: EventIn, actor: str) -> Accepted:
    """Persist ``body`` from ``source`` (idempotent on ``(source, event_id)``).

    Raises :class:`~app.intake.envelope.PayloadError` when the payload's structure is wrong.
    """
    try:
        with session_scope(engine) as session:
            if previous := queries.find_event(session, source=source, external_id=body.event_id):
                return _replay(previous)
            result = _record(session, source=source, body=body, actor=actor)
        return Accepted(result, created=True)
    except IntegrityError:
        # Two requests with the same event id raced (PostgreSQL); the other one won.
        with session_scope(engine) as session:
            previous = queries.find_event(session, source=source, external_id=body.event_id)
            if previous is None:
                raise
            return _replay(previous)


def _replay(event: Event) -> Accepted:
    return Accepted(EventAccepted.model_validate({**event.result, "duplicate": True}), created=False)


def _record(session: Session, *, source: str, body: EventIn, actor: str) -> EventAccepted:
    received_at = utcnow()
    charger = queries.ensure_charger(session, charger_id=body.charger_id)
    version = body.ocpp_version or charger.ocpp_version or "1.6"
    payload = parse_payload(body, version)
    observations, issues = _observe(body.payload_field, payload, charger)
    occurred_at = body.occurred_at or next((o.occurred_at for o in observations if o.occurred_at), None)
    _update_charger(charger, body, version, occurred_at or received_at)
    event = Event(
        source=source,
        external_id=body.event_id,
        charger_id=body.charger_id,
        kind=body.payload_field,
        ocpp_version=version,
        occurred_at=occurred_at or received_at,
        received_at=received_at,
        payload=body.model_dump(mode="json", exclude_none=True),
        issues=issues,
    )
    session.add(event)
    session.flush()
    outcome = _Outcome()
    for item in observations:
        _apply(session, event, charger, item, occurred_at or received_at, outcome, actor)
    result = EventAccepted(
        id=event.id,
        event_id=body.event_id,
        charger_id=body.charger_id,
        opened_fault=bool(outcome.opened),
        faults_opened=outcome.opened,
        faults_recurring=outcome.recurring,
        faults_cleared=outcome.cleared,
        observations=len(observations),
        issues=issues,
        links=_links(event, charger, outcome),
    )
    event.result = result.model_dump(mode="json")
    session.add(event)
    return result


def _observe(field: str, payload, charger: Charger) -> tuple[list[normalise.Observation], list[str]]:
    if field == "boot_notification":
        observation, identity = normalise.from_boot_notification(payload)
        for key in ("vendor", "model", "firmware", "serial"):
            if identity.get(key):
                setattr(charger, key, identity[key])
        charger.last_boot_at = utcnow()
        observations = [observation]
    elif field == "notify_event":
        observations = normalise.from_notify_event(payload)
    elif isinstance(payload, StatusNotification16):
        observations = normalise.from_status_notification_16(payload)
    else:
        observations = normalise.from_status_notification_201(payload)
    issues = [issue for o in observations for issue in o.issues]
    return observations, list(dict.fromkeys(issues))


def _update_charger(charger: Charger, body: EventIn, version: str, seen_at: datetime) -> None:
    if body.charger is not None:
        for key, value in body.charger.model_dump(exclude_none=True).items():
            setattr(charger, key, value)
    if body.ocpp_version or charger.ocpp_version is None:
        charger.ocpp_version = version
    if charger.last_seen_at is None or seen_at > charger.last_seen_at:
        charger.last_seen_at = seen_at
    fit_columns(charger)


@dataclass
class _Outcome:
    opened: list[int] = field(default_factory=list)
    recurring: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)


def _apply(session, event: Event, charger: Charger, item, fallback_time: datetime, outcome, actor) -> None:
    at = item.occurred_at or fallback_time
    row = Observation(
        event_id=event.id,
        charger_id=charger.id,
        occurred_at=at,
        **{k: getattr(item, k) for k in _OBSERVATION_FIELDS},
        issues=list(item.issues),
    )
    if item.kind == "fault":
        row.fault_id = _open_or_recur(session, event, charger, item, at, outcome, actor)
    elif item.kind == "recovery":
        _clear(session, charger, item, at, outcome, actor)
    if item.connector_id is not None and item.status:
        key = f"{item.evse_id or 0}/{item.connector_id}"
        charger.connectors = {
            **charger.connectors,
            key: {"status": item.status, "error_code": item.error_code, "at": at.isoformat()},
        }
    session.add(fit_columns(row))


_OBSERVATION_FIELDS = (
    "kind",
    "connector_id",
    "evse_id",
    "status",
    "error_code",
    "raw_error_code",
    "vendor_id",
    "vendor_error_code",
    "info",
    "component",
    "variable",
    "actual_value",
    "trigger",
    "cleared",
    "signature",
)


def _open_or_recur(session, event, charger: Charger, item, at: datetime, outcome, actor) -> int:
    for fault in queries.open_faults(session, charger_id=charger.id):
        if fault.signature == item.signature:
            fault.occurrences += 1
            fault.last_seen_at = max(fault.last_seen_at, at)
            fault.updated_at = utcnow()
            session.add(fault)
            outcome.recurring.append(fault.id)
            return fault.id
    fault = Fault(
        charger_id=charger.id,
        site_id=charger.site_id,
        event_id=event.id,
        signature=item.signature,
        connector_id=item.connector_id,
        evse_id=item.evse_id,
        error_code=item.error_code,
        vendor_error_code=item.vendor_error_code,
        component=item.component,
        variable=item.variable,
        info=item.info,
        opened_at=at,
        last_seen_at=at,
    )
    session.add(fit_columns(fault))
    session.flush()
    enqueue(session, kind=PROCESS_FAULT, fault_id=fault.id, charger_id=charger.id)
    queries.audit(
        session,
        actor=actor,
        kind="fault.opened",
        fault_id=fault.id,
        charger_id=charger.id,
        detail={"event_id": event.id, "signature": item.signature, "issues": list(item.issues)},
    )
    outcome.opened.append(fault.id)
    return fault.id


def _clear(session, charger: Charger, item, at: datetime, outcome, actor) -> None:
    for fault in queries.open_faults(session, charger_id=charger.id):
        if normalise.clears(item, fault.signature):
            fault.cleared_at = at
            fault.updated_at = utcnow()
            session.add(fault)
            outcome.cleared.append(fault.id)
            queries.audit(
                session,
                actor=actor,
                kind="fault.cleared",
                fault_id=fault.id,
                charger_id=charger.id,
                detail={"signature": item.signature, "status": item.status},
            )


def _links(event: Event, charger: Charger, outcome: _Outcome) -> dict[str, str]:
    links = {"event": f"/v1/events/{event.id}", "charger": f"/v1/chargers/{charger.id}"}
    for fault_id in outcome.opened[:1] or outcome.recurring[:1]:
        links["fault"] = f"/v1/faults/{fault_id}"
    return links
