"""``GET /v1/chargers`` and ``GET /v1/chargers/{id}`` with the charger's history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from app.api.deps import EngineDep, Reader
from app.api.errors import GUARDED, problems
from app.intake.limits import NO_NUL
from app.store import queries
from app.store.db import read_scope
from app.store.models import AuditEntry, Charger, Fault, Observation

router = APIRouter(prefix="/v1/chargers", tags=["chargers"], responses=GUARDED)


class ChargerDetail(BaseModel):
    """A charger with its connectors (in ``charger.connectors``), faults and recent history."""

    charger: Charger
    open_faults: list[Fault] = Field(description="Faults not yet reported cleared, oldest first.")
    faults: list[Fault] = Field(description="Its faults, newest first (at most ``limit``).")
    observations: list[Observation] = Field(description="Its latest normalised reports, newest first.")
    audit: list[AuditEntry] = Field(description="Its latest audit entries, newest first.")


class ChargerPage(BaseModel):
    items: list[Charger]
    next_cursor: str | None = None


@router.get("", response_model=ChargerPage, summary="Registered chargers, by id")
def list_chargers(
    _: Reader,
    engine: EngineDep,
    site: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    cursor: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ChargerPage:
    with read_scope(engine) as session:
        items = queries.list_chargers(session, site_id=site, after=cursor, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return ChargerPage(items=items, next_cursor=items[-1].id if more else None)


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
            charger=charger,
            open_faults=queries.open_faults(session, charger_id=charger_id),
            faults=queries.list_faults(session, charger_id=charger_id, limit=limit),
            observations=queries.recent_observations(session, charger_id=charger_id, limit=limit),
            audit=queries.charger_audit(session, charger_id=charger_id, limit=limit),
        )
