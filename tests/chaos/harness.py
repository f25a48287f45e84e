"""What the chaos scenarios share: the service in-process, polling, event bodies, a client that
posts events until each is acknowledged, and the three checks every scenario ends with —
nothing acknowledged lost, nothing processed twice, nothing unsafe sent."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine
from sqlmodel import col, select

from app.guard.actions import DEVICE_ACTIONS
from app.main import create_app
from app.settings import Settings
from app.store import queue
from app.store.db import make_engine, read_scope, session_scope, upgrade
from app.store.keys import create_key
from app.store.models import ActionAttempt, AuditEntry, Decision, Event, Fault, WorkItem

T = TypeVar("T")
ALLOWED_CALLS = frozenset({"Reset", "ChangeAvailability", "UnlockConnector", "TriggerMessage", "ClearCache"})
"""The OCPP calls the allowlist maps to (1.6 and 2.0.1 alike): a charger must never receive another."""
EXECUTED = frozenset({"execute", "dry_run"})
"""Decision verdicts under which an action attempt may exist."""
PASSWORD = "chaos-password-0001"


async def until(
    predicate: Callable[[], T], timeout: float = 20.0, every: float = 0.05, what: Callable[[], str] = str
) -> T:
    """Poll ``predicate`` until it returns something true (returned); ``AssertionError`` naming
    ``what()`` (the state to report) otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := predicate()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {predicate.__name__} {what()}")
        await asyncio.sleep(every)
    return value


@asynccontextmanager
async def running(settings: Settings, *, engine: Engine, searcher=None):
    """The FastAPI app with its lifespan (workers, gateway, delivery, verification) on this loop."""
    app = create_app(settings, searcher=searcher, engine=engine)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def api(app):
    """An HTTP client for ``app`` (in-process, no socket)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://chaos") as client:
        yield client


def prepared(url: str) -> tuple[Engine, str]:
    """The migrated database at ``url`` and a new CSMS key for it."""
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        key = create_key(session, role="csms", name="chaos")[1]
    return engine, key


def drained(engine: Engine) -> bool:
    """No work item is queued or leased."""
    with read_scope(engine) as session:
        return not sum(queue.depth(session).values())


def rows(engine: Engine, model, **where) -> list:
    with read_scope(engine) as session:
        query = select(model).order_by(col(model.id))
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.exec(query).all())


def status_event(event_id: str, charger_id: str, *, faulted: bool, code: str = "ReaderFailure") -> dict:
    """A 1.6 StatusNotification of ``charger_id``: the fault ``code`` on connector 1, or its recovery."""
    status = {"connectorId": 1, "errorCode": code, "status": "Faulted"} if faulted else {}
    return {
        "event_id": event_id,
        "charger_id": charger_id,
        "ocpp_version": "1.6",
        "charger": {"vendor": "ACME", "model": "DC-50", "site_id": f"site-{charger_id}"},
        "status_notification": status or {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    }


def alternating(prefix: str, chargers: int, per_charger: int) -> dict[str, list[dict]]:
    """Per charger, ``per_charger`` events in order: fault, recovery, fault, … (each fault opens a
    new fault, so each is diagnosed exactly once)."""
    return {
        f"{prefix}-{c:02d}": [
            status_event(f"{prefix}-{c:02d}-{n}", f"{prefix}-{c:02d}", faulted=n % 2 == 0)
            for n in range(per_charger)
        ]
        for c in range(chargers)
    }


@dataclass
class Load:
    """What a client saw while posting: acknowledged event ids, every answer, and what is wrong."""

    acked: dict[str, int] = field(default_factory=dict)
    answers: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    retry_after: set[str] = field(default_factory=set)

    @property
    def faults(self) -> set[str]:
        """Acknowledged events that report a fault (in :func:`alternating`, the even-numbered)."""
        return {e for e in self.acked if int(e.rsplit("-", 1)[1]) % 2 == 0}

    @property
    def unanswered(self) -> int:
        """Requests that got no HTTP answer (connection refused or dropped)."""
        return sum(n for answer, n in self.answers.items() if isinstance(answer, str))


async def post_until_acknowledged(client: httpx.AsyncClient, body: dict, load: Load) -> None:
    """POST ``body`` until it is acknowledged (2xx), as a CSMS would: a 503 is retried after its
    ``Retry-After``, a refused or dropped connection after a short pause. Anything else — a
    500, a 503 without ``Retry-After`` or message — is recorded in ``load.problems``."""
    while True:
        try:
            response = await client.post("/v1/events", content=json.dumps(body))
        except httpx.TransportError as exc:
            load.answers[type(exc).__name__] += 1
            await asyncio.sleep(0.1)
            continue
        load.answers[response.status_code] += 1
        if response.status_code in (200, 202):
            load.acked.setdefault(body["event_id"], response.status_code)
            return
        if response.status_code == 503 and _well_formed_503(response):
            load.retry_after.add(response.headers["Retry-After"])
            await asyncio.sleep(float(response.headers["Retry-After"]))
            continue
        load.problems.append(f"{body['event_id']}: {response.status_code} {response.text[:300]}")
        await asyncio.sleep(0.1)


async def post_in_order(
    base_url: str, key: str, plan: dict[str, list[dict]], load: Load, *, pause: float = 0.0
) -> None:
    """One client per charger posts its events in order, each until acknowledged."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=len(plan))
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=15, limits=limits) as client:

        async def charger(events: list[dict]) -> None:
            for body in events:
                await post_until_acknowledged(client, body, load)
                await asyncio.sleep(pause)

        await asyncio.gather(*(charger(events) for events in plan.values()))


async def post_again(base_url: str, key: str, plan: dict[str, list[dict]]) -> list[int]:
    """Every event posted once more (a CSMS retrying): the status codes."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=15) as client:
        answers = [await client.post("/v1/events", json=body) for events in plan.values() for body in events]
    return [a.status_code for a in answers]


def _well_formed_503(response: httpx.Response) -> bool:
    try:
        message = response.json().get("message")
        return bool(message) and float(response.headers.get("Retry-After", "x")) > 0
    except ValueError:
        return False


# ---- the checks every scenario ends with ---------------------------------------------------------
def assert_stored(engine: Engine, acked: Iterable[str]) -> None:
    """Every acknowledged event id is stored, once."""
    stored = Counter(e.external_id for e in rows(engine, Event))
    missing = sorted(set(acked) - set(stored))
    assert not missing, f"{len(missing)} acknowledged events were lost: {missing[:10]}"
    twice = sorted(e for e, n in stored.items() if n > 1)
    assert not twice, f"events stored twice: {twice[:10]}"


def fault_ids_of(engine: Engine, event_ids: Iterable[str]) -> dict[str, int]:
    """The fault each of these events opened, by event id."""
    events = {e.id: e.external_id for e in rows(engine, Event) if e.external_id in set(event_ids)}
    return {events[f.event_id]: f.id for f in rows(engine, Fault) if f.event_id in events}


def assert_processed_once(engine: Engine, fault_ids: Iterable[int]) -> None:
    """Each fault was decided exactly once, its work item is done, and at most one action was
    attempted for it."""
    fault_ids = set(fault_ids)
    decided = Counter(a.fault_id for a in rows(engine, AuditEntry, kind="fault.decided"))
    decisions = Counter(d.fault_id for d in rows(engine, Decision))
    attempts = Counter(a.fault_id for a in rows(engine, ActionAttempt))
    wrong = {f: (decided[f], decisions[f]) for f in fault_ids if (decided[f], decisions[f]) != (1, 1)}
    assert not wrong, f"faults not decided exactly once (audit, decisions): {wrong}"
    unfinished = [w for w in rows(engine, WorkItem) if w.fault_id in fault_ids and w.state != "done"]
    assert not unfinished, [(w.fault_id, w.state, w.last_error) for w in unfinished]
    repeated = {f: n for f, n in attempts.items() if f in fault_ids and n > 1}
    assert not repeated, f"faults with more than one action attempt: {repeated}"


def assert_nothing_unsafe(engine: Engine, received: Iterable[tuple[str, dict[str, Any]]] = ()) -> None:
    """No action outside the allowlist was attempted, none for a decision that did not execute,
    and no charger received an OCPP call outside :data:`ALLOWED_CALLS` (``received``: every call
    the chargers saw, as ``(action, payload)``)."""
    decisions = {d.id: d for d in rows(engine, Decision)}
    for attempt in rows(engine, ActionAttempt):
        assert attempt.action in DEVICE_ACTIONS, attempt
        decision = decisions.get(attempt.decision_id)
        assert decision is None or decision.verdict in EXECUTED, (attempt, decision)
    for action, payload in received:
        assert action in ALLOWED_CALLS, (action, payload)
