"""Charging sessions reported over OCPP: 1.6 Start/StopTransaction, 2.0.1 TransactionEvent, and
their MeterValues. The guard reads open sessions (:func:`busy_connectors`) so that nothing it
lets through interrupts a vehicle that is charging.

All functions take a session in the caller's transaction and return what the charger must be
answered. Repeats are harmless: a StartTransaction a charger re-sends (same connector and start
time) gets the same transaction id, a second stop keeps the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.store.models import ChargingSession, utcnow

ENERGY = "Energy.Active.Import.Register"


def start16(
    session: Session, *, charger_id: str, connector_id: int, id_tag: str, meter_start: int, at: datetime
) -> int:
    """Open a 1.6 transaction; its id (ours: the row id, an integer as 1.6 requires)."""
    same = select(ChargingSession).where(
        ChargingSession.charger_id == charger_id,
        ChargingSession.connector_id == connector_id,
        ChargingSession.started_at == at,
    )
    if (row := session.exec(same).first()) is not None:
        return int(row.transaction_id)
    _close_open(session, charger_id=charger_id, connector_id=connector_id, at=at, reason="Superseded")
    row = ChargingSession(
        charger_id=charger_id,
        transaction_id=f"pending:{connector_id}:{at.isoformat()}",
        connector_id=connector_id,
        id_token=id_tag[:64],
        started_at=at,
        meter_start_wh=float(meter_start),
        meter_last_wh=float(meter_start),
    )
    session.add(row)
    session.flush()
    row.transaction_id = str(row.id)
    session.add(row)
    return row.id


def stop16(
    session: Session,
    *,
    charger_id: str,
    transaction_id: int,
    meter_stop: int,
    at: datetime,
    reason: str | None,
) -> bool:
    """Close a 1.6 transaction; False if it is unknown (the charger is answered all the same)."""
    row = _find(session, charger_id, str(transaction_id))
    if row is None:
        return False
    if row.stopped_at is None:
        row.stopped_at, row.stop_reason = at, reason or "Local"
    row.meter_last_wh = float(meter_stop)
    row.updated_at = utcnow()
    session.add(row)
    return True


def transaction_event201(
    session: Session,
    *,
    charger_id: str,
    event_type: str,
    at: datetime,
    transaction_info: dict[str, Any],
    evse: dict[str, Any] | None,
    id_token: dict[str, Any] | None,
    meter_value: list[dict[str, Any]] | None,
) -> None:
    """Apply a 2.0.1 TransactionEvent (Started, Updated or Ended; out-of-order events too)."""
    tx_id = str(transaction_info["transaction_id"])[:64]
    row = _find(session, charger_id, tx_id)
    if row is None:
        row = ChargingSession(
            charger_id=charger_id,
            transaction_id=tx_id,
            evse_id=(evse or {}).get("id"),
            connector_id=(evse or {}).get("connector_id"),
            started_at=at,
        )
    if id_token and not row.id_token:
        row.id_token = str(id_token.get("id_token", ""))[:64] or None
    if (energy := latest_energy(meter_value)) is not None:
        row.meter_start_wh = row.meter_start_wh if row.meter_start_wh is not None else energy
        row.meter_last_wh = energy
        row.meter_values += 1
    if event_type == "Ended" and row.stopped_at is None:
        row.stopped_at = at
        row.stop_reason = transaction_info.get("stopped_reason") or "Local"
    row.updated_at = utcnow()
    session.add(row)


def meter_values(
    session: Session,
    *,
    charger_id: str,
    meter_value: list[dict[str, Any]],
    transaction_id: str | None = None,
    connector_id: int | None = None,
    evse_id: int | None = None,
) -> bool:
    """Record the latest energy reading on the session it belongs to; False if none is open."""
    row = _find(session, charger_id, transaction_id) if transaction_id else None
    if row is None:
        query = _open(charger_id)
        if connector_id:
            query = query.where(ChargingSession.connector_id == connector_id)
        if evse_id:
            query = query.where(ChargingSession.evse_id == evse_id)
        row = session.exec(query.order_by(col(ChargingSession.id).desc())).first()
    if row is None:
        return False
    if (energy := latest_energy(meter_value)) is not None:
        row.meter_last_wh = energy
    row.meter_values += 1
    row.updated_at = utcnow()
    session.add(row)
    return True


def busy_connectors(session: Session, *, charger_id: str) -> list[tuple[int | None, int | None]]:
    """``(evse_id, connector_id)`` of every open session on the charger."""
    rows = session.exec(_open(charger_id)).all()
    return [(row.evse_id, row.connector_id) for row in rows]


def latest_energy(meter_value: list[dict[str, Any]] | None) -> float | None:
    """The last Energy.Active.Import.Register sample in Wh (the default measurand), if any."""
    energy = None
    for value in meter_value or []:
        for sample in value.get("sampled_value") or []:
            if (sample.get("measurand") or ENERGY) != ENERGY:
                continue
            try:
                reading = float(sample["value"])
            except (KeyError, TypeError, ValueError):
                continue
            unit = (sample.get("unit") or (sample.get("unit_of_measure") or {}).get("unit") or "Wh").lower()
            energy = reading * 1000 if unit == "kwh" else reading
    return energy


def _open(charger_id: str):
    return select(ChargingSession).where(
        ChargingSession.charger_id == charger_id, col(ChargingSession.stopped_at).is_(None)
    )


def _find(session: Session, charger_id: str, transaction_id: str) -> ChargingSession | None:
    query = select(ChargingSession).where(
        ChargingSession.charger_id == charger_id, ChargingSession.transaction_id == transaction_id
    )
    return session.exec(query).first()


def _close_open(session: Session, *, charger_id: str, connector_id: int, at: datetime, reason: str) -> None:
    """A new 1.6 transaction on a connector ends any the charger never stopped there."""
    query = _open(charger_id).where(ChargingSession.connector_id == connector_id)
    for row in session.exec(query).all():
        row.stopped_at, row.stop_reason, row.updated_at = at, reason, utcnow()
        session.add(row)
