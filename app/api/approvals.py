"""``/v1/approvals``: actions the guard held back for a technician, and their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Reader
from app.api.errors import GUARDED, problems
from app.guard import approvals
from app.intake.limits import INT32_MAX, NO_NUL
from app.store.db import read_scope, session_scope
from app.store.models import Decision, Fault, utcnow

router = APIRouter(prefix="/v1/approvals", tags=["approvals"], responses=GUARDED, route_class=JsonRoute)
State = Literal["pending", "approved", "rejected", "expired"]


class Approval(BaseModel):
    """One approval request: the action the guard held back, why, and its answer."""

    decision_id: int
    fault_id: int
    charger_id: str
    site_id: str | None = None
    action: str
    params: dict[str, Any]
    escalate: bool
    reasons: list[str] = Field(description="The guard's reasons, e.g. the policy requiring approval.")
    diagnosis: str = Field(description="The diagnosis the proposal rests on, with its citations.")
    state: State
    expires_at: datetime | None = None
    answered_by: str | None = None
    comment: str | None = None
    answered_at: datetime | None = None


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=2000, pattern=NO_NUL, examples=["Site visit booked; reset is fine."])


@router.get("", response_model=list[Approval], summary="Approval requests (default: pending), oldest first")
def list_approvals(
    _: Reader, engine: EngineDep, state: Annotated[State, Query()] = "pending"
) -> list[Approval]:
    now = utcnow()
    with read_scope(engine) as session:
        rows = approvals.list_approvals(session, state=state, now=now)
        return [_out(session, row, now) for row in rows]


@router.post(
    "/{decision_id}/approve",
    response_model=Approval,
    responses=problems(404, 409),
    summary="Approve: the action is queued for execution (the guard's safety rules still apply)",
)
def approve(
    decision_id: Annotated[int, Path(ge=1, le=INT32_MAX)], answer: Answer, caller: Reader, engine: EngineDep
):
    return _answer(approvals.approve, decision_id, answer, caller, engine)


@router.post(
    "/{decision_id}/reject",
    response_model=Approval,
    responses=problems(404, 409),
    summary="Reject: nothing is sent and the fault is handed to a technician",
)
def reject(
    decision_id: Annotated[int, Path(ge=1, le=INT32_MAX)], answer: Answer, caller: Reader, engine: EngineDep
):
    return _answer(approvals.reject, decision_id, answer, caller, engine)


def _answer(operation, decision_id: int, answer: Answer, caller, engine) -> Approval:
    now = utcnow()
    by = f"key:{caller.key_id}" + (f" ({caller.name})" if caller.name else "")
    try:
        with session_scope(engine) as session:
            row = operation(session, decision_id=decision_id, by=by, comment=answer.comment, now=now)
            return _out(session, row, now)
    except approvals.ApprovalError as exc:
        raise HTTPException(exc.status, str(exc)) from exc


def _out(session, row: Decision, now: datetime) -> Approval:
    fault = session.get(Fault, row.fault_id)
    return Approval(
        decision_id=row.id,
        fault_id=row.fault_id,
        charger_id=fault.charger_id,
        site_id=fault.site_id,
        action=row.action,
        params=row.params,
        escalate=row.escalate,
        reasons=row.reasons,
        diagnosis=str(row.diagnosis.get("text", "")),
        state=approvals.effective_state(row, now),
        expires_at=row.approval_expires_at,
        answered_by=row.approved_by,
        comment=row.approval_comment,
        answered_at=row.approval_at,
    )
