"""``POST /v1/events`` — the CSMS forwards charger messages; ``GET /v1/events/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from fastapi.exceptions import RequestValidationError

from app.api.bodies import JsonRoute
from app.api.deps import Csms, EngineDep, IntakeDep, Reader
from app.api.errors import GUARDED, problems
from app.intake.envelope import EventAccepted, EventIn, PayloadError
from app.intake.limits import INT32_MAX
from app.store.db import read_scope
from app.store.models import Event

router = APIRouter(prefix="/v1/events", tags=["events"], responses=GUARDED, route_class=JsonRoute)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventAccepted,
    summary="Forward a StatusNotification, NotifyEvent or BootNotification",
    responses={
        200: {"model": EventAccepted, "description": "This event_id was received before: original result."},
    },
)
async def post_event(body: EventIn, caller: Csms, intake: IntakeDep, response: Response) -> EventAccepted:
    """Store the event (committed before this returns), normalise it, open or clear faults and
    queue new faults for diagnosis. Non-standard values are kept raw, normalised where possible
    and listed in ``issues``. A repeated ``event_id`` from the same caller is not processed again."""
    try:
        accepted = await intake.accept(
            source=caller.source, body=body, actor=f"api:{caller.name or caller.key_id}"
        )
    except PayloadError as exc:
        raise RequestValidationError(exc.errors) from exc
    if not accepted.created:
        response.status_code = status.HTTP_200_OK
    return accepted.result


@router.get(
    "/{event_id}",
    response_model=Event,
    responses=problems(404),
    summary="One stored event, raw and as answered",
)
def get_event(event_id: Annotated[int, Path(ge=1, le=INT32_MAX)], _: Reader, engine: EngineDep) -> Event:
    with read_scope(engine) as session:
        event = session.get(Event, event_id)
    if event is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event with id {event_id}")
    return event
