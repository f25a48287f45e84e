"""Every database read and write the API and the pipeline use, as keyword-only functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, update
from sqlmodel import Session, col, select

from app.store.models import (
    ActionAttempt,
    AuditEntry,
    Charger,
    ChargingSession,
    Decision,
    Escalation,
    Event,
    Fault,
    Observation,
    WorkItem,
    fit_values,
    utcnow,
)

Executor = Session | Connection
"""Write helpers take either: a Session's transaction or a Core connection's."""
_chargers, _events, _faults = Charger.__table__, Event.__table__, Fault.__table__
_observations, _audit = Observation.__table__, AuditEntry.__table__

# The intake statements are built once with bind parameters (``b_*`` bind WHERE clauses) and
# run for a whole group of events at a time (executemany, multi-row INSERT … RETURNING).
_CHARGER_COLUMNS = [c.key for c in _chargers.columns if c.key not in ("id", "registered_at")]
_CHARGERS_BY_ID = (
    select(_chargers).where(_chargers.c.id.in_(bindparam("b_ids", expanding=True))).order_by(_chargers.c.id)
)
_UPDATE_CHARGER = (
    update(_chargers)
    .where(_chargers.c.id == bindparam("b_id"))
    .values({key: bindparam(key) for key in _CHARGER_COLUMNS})
)
_EVENT_RESULTS = select(_events.c.source, _events.c.external_id, _events.c.result).where(
    _events.c.source.in_(bindparam("b_sources", expanding=True)),
    _events.c.external_id.in_(bindparam("b_external_ids", expanding=True)),
)
_INSERT_EVENTS = insert(_events).returning(_events.c.id, sort_by_parameter_order=True)
_SET_EVENT_RESULT = (
    update(_events).where(_events.c.id == bindparam("b_id")).values(result=bindparam("result"))
)
_OPEN_FAULT_HEADS = (
    select(
        _faults.c.id,
        _faults.c.charger_id,
        _faults.c.signature,
        _faults.c.last_seen_at,
        _faults.c.occurrences,
        _faults.c.state,
    )
    .where(
        _faults.c.charger_id.in_(bindparam("b_charger_ids", expanding=True)), _faults.c.cleared_at.is_(None)
    )
    .order_by(_faults.c.id)
)
_INSERT_FAULTS = insert(_faults).returning(_faults.c.id, sort_by_parameter_order=True)
_UPDATE_FAULT = update(_faults).where(_faults.c.id == bindparam("b_id"))
_UPDATE_OPEN_FAULT = _UPDATE_FAULT.values(
    occurrences=_faults.c.occurrences + bindparam("b_add"),
    last_seen_at=bindparam("last_seen_at"),
    cleared_at=bindparam("cleared_at"),
    updated_at=bindparam("updated_at"),
)


# ---- chargers --------------------------------------------------------------------------------
def get_charger(session: Session, *, charger_id: str) -> Charger | None:
    return session.get(Charger, charger_id)


def charger_states(db: Executor, *, charger_ids: list[str], lock: bool = False) -> dict[str, dict[str, Any]]:
    """Rows of the chargers among ``charger_ids`` that exist, by id. ``lock`` (PostgreSQL) holds
    their row locks until the transaction ends, in id order, so concurrent writers take turns."""
    query = _CHARGERS_BY_ID.with_for_update() if lock else _CHARGERS_BY_ID
    rows = db.execute(query, {"b_ids": sorted(set(charger_ids))}).mappings()
    return {row["id"]: dict(row) for row in rows}


def insert_chargers(db: Executor, *, rows: list[dict[str, Any]]) -> None:
    """Register new chargers (all rows with the same columns); text is cut to column length."""
    if rows:
        full = [{c.key: row.get(c.key) for c in _chargers.columns} for row in rows]
        db.execute(insert(_chargers), [fit_values(_chargers, row) for row in full])


def update_chargers(db: Executor, *, rows: list[dict[str, Any]]) -> None:
    """Write every registry column of existing chargers, one row each."""
    if rows:
        params = [{"b_id": row["id"], **{k: row.get(k) for k in _CHARGER_COLUMNS}} for row in rows]
        db.execute(_UPDATE_CHARGER, [fit_values(_chargers, p) for p in params])


def list_chargers(
    session: Session,
    *,
    site_id: str | None = None,
    after: str | None = None,
    connected: bool | None = None,
    limit: int = 50,
) -> list[Charger]:
    query = select(Charger).order_by(Charger.id).limit(limit)
    if site_id:
        query = query.where(Charger.site_id == site_id)
    if connected is not None:
        node = col(Charger.connected_node)
        query = query.where(node.is_not(None) if connected else node.is_(None))
    if after:
        query = query.where(Charger.id > after)
    return list(session.exec(query).all())


# ---- events and observations -----------------------------------------------------------------
def event_results(db: Executor, *, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The answers already given to events ``(source, external_id)``, for those received before."""
    if not keys:
        return {}
    params = {"b_sources": sorted({k[0] for k in keys}), "b_external_ids": sorted({k[1] for k in keys})}
    wanted = set(keys)
    found = ((row.source, row.external_id, row.result) for row in db.execute(_EVENT_RESULTS, params))
    return {(source, external): result for source, external, result in found if (source, external) in wanted}


def insert_events(db: Executor, *, rows: list[dict[str, Any]]) -> list[int]:
    """Store events (same columns each; ``result`` is set once known); their ids, in order."""
    rows = [fit_values(_events, {"result": {}} | row) for row in rows]
    return list(db.execute(_INSERT_EVENTS, rows).scalars()) if rows else []


def set_event_results(db: Executor, *, results: dict[int, dict[str, Any]]) -> None:
    """Record the answer given to each event id (replayed when the event is sent again)."""
    if results:
        db.execute(_SET_EVENT_RESULT, [{"b_id": id_, "result": result} for id_, result in results.items()])


def insert_observations(db: Executor, *, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.execute(insert(_observations), [fit_values(_observations, row) for row in rows])


def recent_observations(session: Session, *, charger_id: str, limit: int = 50) -> list[Observation]:
    query = (
        select(Observation)
        .where(Observation.charger_id == charger_id)
        .order_by(col(Observation.occurred_at).desc(), col(Observation.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


# ---- faults ----------------------------------------------------------------------------------
def open_faults(session: Session, *, charger_id: str) -> list[Fault]:
    query = select(Fault).where(Fault.charger_id == charger_id, col(Fault.cleared_at).is_(None))
    return list(session.exec(query.order_by(Fault.id)).all())


def open_fault_heads(db: Executor, *, charger_ids: list[str]) -> list[dict[str, Any]]:
    """``id``, ``charger_id``, ``signature``, ``last_seen_at``, ``occurrences``, ``state`` of those
    chargers' open faults, by id."""
    rows = db.execute(_OPEN_FAULT_HEADS, {"b_charger_ids": sorted(set(charger_ids))}).mappings()
    return [dict(row) for row in rows]


def insert_faults(db: Executor, *, rows: list[dict[str, Any]]) -> list[int]:
    """Open faults (same columns each); their ids, in order."""
    rows = [fit_values(_faults, row) for row in rows]
    return list(db.execute(_INSERT_FAULTS, rows).scalars()) if rows else []


def update_open_faults(db: Executor, *, rows: list[dict[str, Any]]) -> None:
    """For each open fault ``id``: add ``recurrences`` occurrences, set ``last_seen_at`` and
    ``cleared_at`` (``None`` while the fault stays open)."""
    if rows:
        now = utcnow()
        params = [
            {
                "b_id": row["id"],
                "b_add": row["recurrences"],
                "last_seen_at": row["last_seen_at"],
                "cleared_at": row["cleared_at"],
                "updated_at": now,
            }
            for row in rows
        ]
        db.execute(_UPDATE_OPEN_FAULT, params)


KEEP_ERROR = object()
"""``error=KEEP_ERROR``: leave the fault's recorded error as it is."""


def set_fault_state(db: Executor, *, fault_id: int, state: str, error: str | object | None = None) -> bool:
    """Move the fault to ``state`` with ``error`` (``None`` clears it, :data:`KEEP_ERROR` keeps
    it); ``False`` if the fault does not exist."""
    values = {"b_id": fault_id, "state": state, "updated_at": utcnow()}
    if error is not KEEP_ERROR:
        values["error"] = error
    return db.execute(_UPDATE_FAULT, values).rowcount == 1


def list_faults(
    session: Session,
    *,
    charger_id: str | None = None,
    site_id: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Fault]:
    """Newest first; ``before_id`` continues a previous page (cursor pagination)."""
    query = select(Fault).order_by(col(Fault.id).desc()).limit(limit)
    for column, value in ((Fault.charger_id, charger_id), (Fault.site_id, site_id), (Fault.state, state)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(Fault.opened_at >= since)
    if before_id is not None:
        query = query.where(Fault.id < before_id)
    return list(session.exec(query).all())


def fault_detail(session: Session, *, fault_id: int) -> dict[str, Any] | None:
    """The fault with its opening event, observations, decisions, actions, escalations, audit."""
    fault = session.get(Fault, fault_id)
    if fault is None:
        return None

    def rows(model, order):
        return list(session.exec(select(model).where(model.fault_id == fault_id).order_by(order)).all())

    return {
        "fault": fault,
        "incident": same_incident(session, fault=fault),
        "event": session.get(Event, fault.event_id),
        "observations": rows(Observation, Observation.id),
        "decisions": rows(Decision, Decision.id),
        "actions": rows(ActionAttempt, ActionAttempt.id),
        "escalations": rows(Escalation, Escalation.id),
        "work": rows(WorkItem, WorkItem.id),
        "audit": rows(AuditEntry, AuditEntry.id),
    }


def same_incident(session: Session, *, fault: Fault) -> list[Fault]:
    """The other reports of ``fault``'s incident: the fault it follows and the faults that follow
    it (``incident_fault_id``), oldest first."""
    linked = col(Fault.incident_fault_id) == fault.id
    if fault.incident_fault_id is not None:
        linked = linked | (col(Fault.id) == fault.incident_fault_id)
    query = select(Fault).where(linked, col(Fault.id) != fault.id).order_by(col(Fault.id))
    return list(session.exec(query).all())


# ---- audit -----------------------------------------------------------------------------------
def insert_audit(db: Executor, *, rows: list[dict[str, Any]]) -> None:
    """Append entries (``at``, ``actor``, ``kind``, ``fault_id``, ``charger_id``, ``detail`` each)."""
    if rows:
        db.execute(insert(_audit), [fit_values(_audit, row) for row in rows])


def audit(
    db: Executor,
    *,
    actor: str,
    kind: str,
    fault_id: int | None = None,
    charger_id: str | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry to the audit trail (the only writer of ``audit_log``)."""
    values = {
        "at": at or utcnow(),
        "actor": actor,
        "kind": kind,
        "fault_id": fault_id,
        "charger_id": charger_id,
        "detail": detail or {},
    }
    db.execute(insert(_audit), fit_values(_audit, values))


def charger_audit(session: Session, *, charger_id: str, limit: int = 100) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.charger_id == charger_id)
        .order_by(col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


# ---- diagnosis, decisions, actions, escalations ------------------------------------------------
def recent_faults(session: Session, *, charger_id: str, since: datetime, exclude_id: int) -> list[Fault]:
    """The charger's other faults opened since ``since``, oldest first."""
    query = select(Fault).where(
        Fault.charger_id == charger_id, Fault.opened_at >= since, Fault.id != exclude_id
    )
    return list(session.exec(query.order_by(Fault.id)).all())


def recent_actions(
    session: Session, *, charger_id: str, since: datetime
) -> list[tuple[ActionAttempt, str | None]]:
    """The charger's action attempts started since ``since`` with their fault's class, oldest first."""
    query = (
        select(ActionAttempt, Fault.fault_class)
        .join(Fault, Fault.id == ActionAttempt.fault_id)
        .where(ActionAttempt.charger_id == charger_id, ActionAttempt.started_at >= since)
        .order_by(ActionAttempt.id)
    )
    return [(attempt, fault_class) for attempt, fault_class in session.exec(query).all()]


def site_automatic_actions(session: Session, *, site_id: str, since: datetime) -> int:
    """Automatic device actions sent to the site's chargers since ``since`` (dry runs excluded)."""
    query = select(func.count()).where(
        ActionAttempt.site_id == site_id,
        ActionAttempt.automatic.is_(True),
        ActionAttempt.executor != "dry_run",
        ActionAttempt.started_at >= since,
    )
    return session.exec(query).one()


def site_escalation_since(session: Session, *, site_id: str, since: datetime) -> bool:
    query = select(Escalation.id).where(
        Escalation.site_id == site_id, Escalation.scope == "site", Escalation.created_at >= since
    )
    return session.exec(query.limit(1)).first() is not None


def add(session: Session, row: Any) -> Any:
    """Insert ``row`` (any table; text cut to column length) and return it with its id."""
    values = row.model_dump()
    for key, value in fit_values(row.__table__, values).items():
        if value is not values[key]:
            setattr(row, key, value)
    session.add(row)
    session.flush()
    return row


def active_escalation(session: Session, *, fault_id: int) -> Escalation | None:
    """The fault's ticket that is still open or acknowledged, if any."""
    query = select(Escalation).where(
        Escalation.fault_id == fault_id, Escalation.scope == "fault", col(Escalation.state) != "resolved"
    )
    return session.exec(query.order_by(col(Escalation.id).desc())).first()


def fault_attempts(session: Session, *, fault_id: int, limit: int = 20) -> list[ActionAttempt]:
    """The fault's action attempts, newest first."""
    query = select(ActionAttempt).where(ActionAttempt.fault_id == fault_id)
    return list(session.exec(query.order_by(col(ActionAttempt.id).desc()).limit(limit)).all())


def open_sessions(session: Session, *, charger_id: str) -> list[ChargingSession]:
    """The charger's charging sessions that have not stopped, oldest first."""
    query = select(ChargingSession).where(
        ChargingSession.charger_id == charger_id, col(ChargingSession.stopped_at).is_(None)
    )
    return list(session.exec(query.order_by(col(ChargingSession.id))).all())
