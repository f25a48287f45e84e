"""``GET /v1/chargers`` and ``GET /v1/chargers/{id}`` with the charger's history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from app.api.deps import EngineDep, Reader
from app.api.errors import GUARDED, problems
from app.intake.limits import NO_NUL
from app.store import queries
from app.store.db import read_scope
from app.store.models import AuditEntry, Charger, ChargingSession, Fault, Observation

router = APIRouter(prefix="/v1/chargers", tags=["chargers"], responses=GUARDED)


class ChargerOut(BaseModel):
    """A registered charger: identity, connectors' latest states, and its OCPP connection (never
    its credentials)."""

    id: str
    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    site_id: str | None = None
    ocpp_version: str | None = None
    registered_at: datetime
    last_seen_at: datetime | None = None
    last_boot_at: datetime | None = None
    connectors: dict[str, Any] = Field(
        description='``{"<evse>/<connector>": {"status", "error_code", "at"}}``'
    )
    connected: bool = Field(description="Whether its OCPP websocket is open on a gateway now.")
    connected_node: str | None = Field(None, description="The service process holding the websocket.")
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    has_password: bool = Field(description="Whether OCPP Basic-auth credentials are registered.")

    @classmethod
    def of(cls, row: Charger) -> ChargerOut:
        values = row.model_dump(exclude={"password_hash"})
        return cls(**values, connected=row.connected_node is not None, has_password=bool(row.password_hash))


class ChargerDetail(BaseModel):
    """A charger with its connectors (in ``charger.connectors``), faults and recent history."""

    charger: ChargerOut
    sessions: list[ChargingSession] = Field(
        description="Charging sessions still running (the guard's busy check)."
    )
    open_faults: list[Fault] = Field(description="Faults not yet reported cleared, oldest first.")
    faults: list[Fault] = Field(description="Its faults, newest first (at most ``limit``).")
    observations: list[Observation] = Field(description="Its latest normalised reports, newest first.")
    audit: list[AuditEntry] = Field(description="Its latest audit entries, newest first.")


class ChargerPage(BaseModel):
    items: list[ChargerOut]
    next_cursor: str | None = None


@router.get("", response_model=ChargerPage, summary="Registered chargers, by id")
def list_chargers(
    _: Reader,
    engine: EngineDep,
    site: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    cursor: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    connected: Annotated[bool | None, Query(description="Only chargers (not) connected over OCPP.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ChargerPage:
    with read_scope(engine) as session:
        items = queries.list_chargers(
            session, site_id=site, after=cursor, connected=connected, limit=limit + 1
        )
    more = len(items) > limit
    items = items[:limit]
    return ChargerPage(items=[ChargerOut.of(c) for c in items], next_cursor=items[-1].id if more else None)


@router.get(
    "/{charger_id}",
    response_model=ChargerDetail,
    responses=problems(404),
    summary="A charger, its connectors, faults and recent history",
)
def get_charger(
    charger_id: Annotated[str, Path(max_length=64, pattern=NO_NUL)],
    _: Reader,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ChargerDetail:
    with read_scope(engine) as session:
        charger = queries.get_charger(session, charger_id=charger_id)
        if charger is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no charger with id {charger_id!r}")
        return ChargerDetail(
            charger=ChargerOut.of(charger),
            sessions=queries.open_sessions(session, charger_id=charger_id),
            open_faults=queries.open_faults(session, charger_id=charger_id),
            faults=queries.list_faults(session, charger_id=charger_id, limit=limit),
            observations=queries.recent_observations(session, charger_id=charger_id, limit=limit),
            audit=queries.charger_audit(session, charger_id=charger_id, limit=limit),
        )
