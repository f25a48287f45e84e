"""``GET /v1/faults/stream``: the live fault feed, as server-sent events.

The feed polls the database (every ``console_feed_poll_seconds``) for faults whose ``updated_at``
is past the last one it sent, so it sees changes made by any replica or worker process — there
is no in-process publish/subscribe. Each event's id is a cursor ``<updated_at>/<fault id>``: a
browser that reconnects sends it back as ``Last-Event-ID`` and resumes where it left off.
Several changes to one fault between two polls arrive as one event with its latest state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from app.api.deps import EngineDep, Reader, SettingsDep
from app.api.errors import GUARDED
from app.intake.limits import INT32_MAX, UtcTime
from app.store import console
from app.store.console import LatestDecision
from app.store.db import read_scope
from app.store.models import Fault

router = APIRouter(prefix="/v1/faults", tags=["faults"], responses=GUARDED)
LATE_COMMIT_SECONDS = 2.0
"""Changes stamped this long before the cursor are read again: a transaction that stamped its
row earlier but committed later than another would otherwise be skipped."""
BATCH = 200
CURSOR = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)/\d{1,10}$"
Cursor = tuple[datetime, int]


class FeedDecision(BaseModel):
    """The fault's latest decision."""

    action: str
    verdict: str = Field(examples=["needs_approval"])
    approval_state: str | None = Field(None, description="pending, approved, rejected or expired.")
    outcome: str | None = Field(
        None,
        description="What became of the action it sent: accepted, verifying, fixed, not_fixed, unknown, "
        "rejected, timeout, call_error, disconnected, not_connected, error or dry_run; null when it sent "
        "nothing.",
        examples=["not_connected"],
    )


class FeedFault(BaseModel):
    """The data of one ``event: fault``: a fault as it stands after a change."""

    id: int
    charger_id: str
    site_id: str | None = None
    connector_id: int | None = None
    error_code: str | None = None
    vendor_error_code: str | None = None
    component: str | None = Field(None, description="OCPP 2.0.1: the component that reported it.")
    variable: str | None = None
    fault_class: str | None = None
    state: str
    decision: FeedDecision | None = None
    opened_at: datetime
    updated_at: datetime
    href: str = Field(description="The fault's page in the web console.", examples=["/faults/42"])

    @classmethod
    def of(cls, fault: Fault, decision: LatestDecision | None) -> FeedFault:
        return cls(
            **fault.model_dump(include=set(cls.model_fields) - {"decision", "href"}),
            decision=FeedDecision(**decision.model_dump()) if decision else None,
            href=f"/faults/{fault.id}",
        )


# The stream's media type would otherwise be claimed for the JSON error bodies as well.
_JSON_PROBLEMS = {
    code: {
        "description": response["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, response in GUARDED.items()
}


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses=_JSON_PROBLEMS,
    response_description="`event: fault` per new or changed fault (its `id` is the resume cursor); "
    "a keep-alive comment every 15 s when nothing happens.",
    summary="Live fault feed (server-sent events): every new or changed fault",
)
async def stream(
    request: Request,
    _: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    since: Annotated[
        UtcTime | None, Query(description="Start with faults changed at or after this time (ISO 8601).")
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            pattern=CURSOR,
            description="Resume after this event (browsers send it when they reconnect).",
        ),
    ] = None,
) -> AsyncIterator[FeedFault]:
    """Without ``since`` or ``Last-Event-ID`` the feed starts now: only later changes are sent.
    The server ends a stream after ``console_feed_max_seconds`` (clients reconnect and resume)."""
    if last_event_id:
        cursor: Cursor | None = _parse(last_event_id)
    elif since is not None:
        cursor = (since - timedelta(microseconds=1), INT32_MAX)  # just before ``since``
    else:
        cursor = await asyncio.to_thread(_newest, engine)
    feed = Feed(engine, cursor, poll=settings.console_feed_poll_seconds)
    stopping = getattr(request.app.state, "stopping", None) or asyncio.Event()
    loop = asyncio.get_running_loop()
    ends = loop.time() + settings.console_feed_max_seconds
    yield ServerSentEvent(retry=2000, comment="connected")
    while loop.time() < ends and not stopping.is_set() and not await request.is_disconnected():
        for event in await asyncio.to_thread(feed.read):
            yield event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), min(feed.poll, max(ends - loop.time(), 0)))


class Feed:
    """One client's position in the feed: the cursor it has reached and the faults it was sent
    recently (re-read for late commits, not sent twice)."""

    def __init__(self, engine: Engine, cursor: Cursor | None, *, poll: float) -> None:
        self.engine = engine
        self.cursor = cursor
        self.poll = poll
        self.sent: dict[int, datetime] = {}
        self.started = False

    def read(self) -> list[ServerSentEvent]:
        """The events of faults changed since the last read (at most ``BATCH`` new ones)."""
        with read_scope(self.engine) as session:
            rows = console.changed_faults(session, after=self.cursor, limit=BATCH)
            if self.cursor is not None:
                window = (self.cursor[0] - timedelta(seconds=LATE_COMMIT_SECONDS), 0)
                late = console.changed_faults(session, after=window, limit=BATCH)
                if not self.started:  # the client had these before it (re)connected
                    self.sent |= {f.id: f.updated_at for f in late if (f.updated_at, f.id) <= self.cursor}
                rows = [*late, *rows]
            self.started = True
            fresh = {f.id: f for f in rows if self.sent.get(f.id) != f.updated_at}
            decisions = console.latest_decisions(session, fault_ids=list(fresh))
        events = []
        for fault in sorted(fresh.values(), key=lambda f: (f.updated_at, f.id)):
            at = (fault.updated_at, fault.id)
            self.cursor = at if self.cursor is None else max(self.cursor, at)
            self.sent[fault.id] = fault.updated_at
            data = FeedFault.of(fault, decisions.get(fault.id))
            events.append(ServerSentEvent(data=data, event="fault", id=_format(at)))
        self._forget_old()
        return events

    def _forget_old(self) -> None:
        if self.cursor is None:
            return
        horizon = self.cursor[0] - timedelta(seconds=LATE_COMMIT_SECONDS)
        self.sent = {k: v for k, v in self.sent.items() if v >= horizon}


def _newest(engine: Engine) -> Cursor | None:
    with read_scope(engine) as session:
        return console.latest_change(session)


def _format(cursor: Cursor) -> str:
    return f"{cursor[0].isoformat().replace('+00:00', 'Z')}/{cursor[1]}"


def _parse(text: str) -> Cursor:
    """The cursor in ``text``; an id past the largest possible one means "after every fault then"."""
    at, _, fault_id = text.rpartition("/")
    return datetime.fromisoformat(at), min(int(fault_id), INT32_MAX)
