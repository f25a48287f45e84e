"""``GET /v1/faults`` (filters, cursor pagination) and ``GET /v1/faults/{id}`` (everything known)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from app.api.deps import EngineDep, Reader
from app.api.errors import GUARDED, problems
from app.intake.limits import INT32_MAX, NO_NUL, UtcTime
from app.store import queries
from app.store.db import read_scope
from app.store.models import (
    ActionAttempt,
    AuditEntry,
    Decision,
    Escalation,
    Event,
    Fault,
    Observation,
    WorkItem,
)

router = APIRouter(prefix="/v1/faults", tags=["faults"], responses=GUARDED)


class FaultDetail(BaseModel):
    """Everything known about a fault; later stages fill decisions, actions and escalations."""

    fault: Fault
    incident: list[Fault] = Field(
        default_factory=list,
        description="Other reports of the same incident: the fault this one follows "
        "(``fault.incident_fault_id``) and the faults that follow it.",
    )
    event: Event | None = Field(description="The event that opened the fault, raw and as answered.")
    observations: list[Observation] = Field(description="Every report of this fault (recurrences included).")
    decisions: list[Decision] = Field(description="The guard's verdicts on proposed actions.")
    actions: list[ActionAttempt] = Field(description="Device actions attempted and their outcomes.")
    escalations: list[Escalation] = Field(description="Hand-overs to a technician.")
    work: list[WorkItem] = Field(description="The fault's processing in the durable queue.")
    audit: list[AuditEntry] = Field(description="Every step taken, oldest first.")


class FaultPage(BaseModel):
    items: list[Fault]
    next_cursor: str | None = None
    """Pass as ``cursor`` to get the next (older) page; absent on the last page."""


@router.get("", response_model=FaultPage, summary="Faults, newest first")
def list_faults(
    _: Reader,
    engine: EngineDep,
    charger: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    site: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    state: Annotated[
        str | None, Query(max_length=32, pattern=NO_NUL, examples=["queued", "awaiting_diagnosis"])
    ] = None,
    since: Annotated[UtcTime | None, Query(description="Opened at or after (ISO 8601).")] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FaultPage:
    with read_scope(engine) as session:
        items = queries.list_faults(
            session,
            charger_id=charger,
            site_id=site,
            state=state,
            since=since,
            before_id=int(cursor) if cursor else None,
            limit=limit + 1,
        )
    more = len(items) > limit
    items = items[:limit]
    return FaultPage(items=items, next_cursor=str(items[-1].id) if more else None)


@router.get(
    "/{fault_id}",
    response_model=FaultDetail,
    responses=problems(404),
    summary="A fault with its event, diagnosis, decisions, actions and audit",
)
def get_fault(
    fault_id: Annotated[int, Path(ge=1, le=INT32_MAX)], _: Reader, engine: EngineDep
) -> FaultDetail:
    with read_scope(engine) as session:
        detail = queries.fault_detail(session, fault_id=fault_id)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no fault with id {fault_id}")
    return FaultDetail(**detail)
