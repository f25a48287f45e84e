"""``/v1/escalations``: tickets handed to technicians — list, read, acknowledge, resolve, redeliver."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Reader
from app.api.errors import GUARDED, problems
from app.escalation import delivery, tickets
from app.intake.limits import INT32_MAX, NO_NUL
from app.store.db import read_scope, session_scope
from app.store.keys import Principal
from app.store.models import Decision, Escalation, utcnow

router = APIRouter(prefix="/v1/escalations", tags=["escalations"], responses=GUARDED, route_class=JsonRoute)
EscalationId = Annotated[int, Path(ge=1, le=INT32_MAX)]
State = Literal["open", "acknowledged", "resolved"]
DeliveryState = Literal["pending", "delivered", "dead_letter", "disabled"]


class Delivery(BaseModel):
    """Where delivery to the ticketing webhook stands."""

    state: DeliveryState
    attempts: int = Field(description="Failed attempts since the current version was queued.")
    next_attempt_at: datetime | None = None
    delivered_version: int | None = None
    delivered_at: datetime | None = None
    last_error: str | None = None


class EscalationOut(BaseModel):
    """A ticket: the fault handed to a technician, with instructions, and its handling."""

    id: int
    version: int = Field(description="Raised by every change; each version is delivered.")
    fault_id: int
    charger_id: str | None = None
    site_id: str | None = None
    scope: Literal["fault", "site"]
    state: State
    severity: Literal["critical", "high", "normal", "low"]
    instructions: str
    ticket: dict[str, Any] = Field(description="What happened, diagnosis, steps, updates and comments.")
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None
    delivery: Delivery
    links: dict[str, str]


class ReenableRequest(BaseModel):
    """The approved ``set_operative`` a worker carries out through the guard (which may block it)."""

    decision_id: int
    action: str
    params: dict[str, int]
    approval_state: str
    links: dict[str, str]


class Resolved(BaseModel):
    escalation: EscalationOut
    reenable: ReenableRequest | None = Field(None, description="Present when re-enabling was asked for.")


class Acknowledgement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=2000, pattern=NO_NUL, examples=["On my way, ETA 40 min."])


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000, pattern=NO_NUL)
    ]
    reenable: bool = Field(
        False, description="Put the connector back in service: an approved set_operative, still guarded."
    )


@router.get(
    "",
    response_model=list[EscalationOut],
    summary="Tickets (default: open and acknowledged), most urgent first",
)
def list_escalations(
    _: Reader,
    engine: EngineDep,
    state: Annotated[
        State | Literal["all"] | None, Query(description="Default: open and acknowledged.")
    ] = None,
    site: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    charger: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    delivery_state: Annotated[DeliveryState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EscalationOut]:
    """Open and acknowledged tickets by severity (critical, high, normal, low), the longest
    waiting first within a severity; then resolved ones, the latest resolution first."""
    states = tickets.ACTIVE if state is None else () if state == "all" else (state,)
    with read_scope(engine) as session:
        rows = tickets.list_escalations(
            session,
            states=states,
            site_id=site,
            charger_id=charger,
            delivery_state=delivery_state,
            limit=limit,
        )
    return [_out(row) for row in rows]


@router.get("/{escalation_id}", response_model=EscalationOut, responses=problems(404), summary="One ticket")
def get_escalation(escalation_id: EscalationId, _: Reader, engine: EngineDep) -> EscalationOut:
    with read_scope(engine) as session:
        row = tickets.get_escalation(session, escalation_id=escalation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no escalation with id {escalation_id}")
    return _out(row)


@router.post(
    "/{escalation_id}/acknowledge",
    response_model=EscalationOut,
    responses=problems(404, 409),
    summary="Take an open ticket",
)
def acknowledge(
    escalation_id: EscalationId, body: Acknowledgement, caller: Reader, engine: EngineDep
) -> EscalationOut:
    row = _change(
        engine,
        lambda session, by, now: tickets.acknowledge(
            session, escalation_id=escalation_id, by=by, comment=body.comment, now=now
        ),
        caller,
    )
    return _out(row)


@router.post(
    "/{escalation_id}/resolve",
    response_model=Resolved,
    responses=problems(404, 409),
    summary="Close a ticket with a note; optionally re-enable the connector (approved set_operative)",
)
def resolve(escalation_id: EscalationId, body: Resolution, caller: Reader, engine: EngineDep) -> Resolved:
    row, decision = _change(
        engine,
        lambda session, by, now: tickets.resolve(
            session, escalation_id=escalation_id, by=by, note=body.note, reenable=body.reenable, now=now
        ),
        caller,
    )
    return Resolved(escalation=_out(row), reenable=_reenable(decision) if decision else None)


@router.post(
    "/{escalation_id}/redeliver",
    response_model=EscalationOut,
    responses=problems(404, 409),
    summary="Queue a dead-lettered or disabled ticket for delivery again",
)
def redeliver(escalation_id: EscalationId, caller: Reader, engine: EngineDep) -> EscalationOut:
    row = _change(
        engine,
        lambda session, by, now: delivery.redeliver(session, escalation_id=escalation_id, by=by, now=now),
        caller,
    )
    return _out(row)


def _change(engine, operation, caller: Principal):
    """Run ``operation(session, by, now)`` in one transaction; its errors become 404/409."""
    by = f"key:{caller.key_id}" + (f" ({caller.name})" if caller.name else "")
    try:
        with session_scope(engine) as session:
            return operation(session, by, utcnow())
    except tickets.EscalationError as exc:
        raise HTTPException(exc.status, str(exc)) from exc


def _out(row: Escalation) -> EscalationOut:
    return EscalationOut(
        **row.model_dump(include=set(EscalationOut.model_fields) - {"ticket", "delivery", "links"}),
        ticket=row.detail,
        delivery=Delivery(
            state=row.delivery_state,
            attempts=row.delivery_attempts,
            next_attempt_at=row.next_delivery_at,
            delivered_version=row.delivered_version,
            delivered_at=row.delivered_at,
            last_error=row.last_delivery_error,
        ),
        links={"self": f"/v1/escalations/{row.id}", "fault": f"/v1/faults/{row.fault_id}"},
    )


def _reenable(decision: Decision) -> ReenableRequest:
    return ReenableRequest(
        decision_id=decision.id,
        action=decision.action,
        params=decision.params,
        approval_state=decision.approval_state,
        links={"fault": f"/v1/faults/{decision.fault_id}", "approvals": "/v1/approvals?state=approved"},
    )
