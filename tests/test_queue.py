"""The durable work queue and its workers, on a real database (SQLite, and PostgreSQL if set)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from app.intake.accept import accept_event
from app.intake.envelope import EventIn
from app.main import create_app
from app.settings import Settings
from app.store import queries, queue
from app.store.db import session_scope
from app.store.models import AuditEntry, Fault, WorkItem, utcnow
from app.store.queue import LeaseLost
from app.worker import Job, Worker
from tests.conftest import bearer


def open_fault(engine, charger: str, n: int) -> int:
    """Open a fault on ``charger`` through the real intake path; returns its id."""
    body = EventIn.model_validate(
        {
            "event_id": f"{charger}-{n}",
            "charger_id": charger,
            "ocpp_version": "1.6",
            "status_notification": {"connectorId": n, "errorCode": "GroundFailure", "status": "Faulted"},
        }
    )
    return accept_event(engine, source="test", body=body, actor="test").result.faults_opened[0]


def mark(session, item) -> None:
    if not queries.set_fault_state(session, fault_id=item.fault_id, state="awaiting_diagnosis"):
        raise LookupError(f"missing fault {item.fault_id}")
    queries.audit(session, actor=item.owner, kind="fault.awaiting_diagnosis", fault_id=item.fault_id)


def process_fault(job: Job) -> None:
    """A minimal processor for the queue's own tests: marks the fault and audits the run."""
    with job.completing() as session:
        mark(session, job.item)


def worker(engine, owner: str, process=process_fault, **kw) -> Worker:
    options = {"lease_seconds": 30, "max_attempts": 3, "backoff_seconds": 0} | kw
    return Worker(engine, process, owner=owner, **options)


def processed(engine, kind: str = "fault.awaiting_diagnosis") -> Counter:
    with session_scope(engine) as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.kind == kind)).all()
    return Counter(row.fault_id for row in rows)


def fault(engine, fault_id: int) -> Fault:
    with session_scope(engine) as session:
        return session.get(Fault, fault_id)


def test_claim_process_complete(engine):
    fault_id = open_fault(engine, "CP-1", 1)
    item = worker(engine, "w1").run_once()
    assert item.fault_id == fault_id and item.attempts == 1
    assert fault(engine, fault_id).state == "awaiting_diagnosis"
    assert processed(engine) == {fault_id: 1}
    assert worker(engine, "w1").run_once() is None


def test_expired_lease_is_reclaimed_and_the_stale_worker_cannot_complete(engine):
    fault_id = open_fault(engine, "CP-1", 1)
    stale = queue.claim(engine, owner="dead", lease_seconds=30)
    assert queue.claim(engine, owner="other", lease_seconds=30) is None  # still leased
    later = utcnow() + timedelta(seconds=31)
    fresh = queue.claim(engine, owner="alive", lease_seconds=30, now=later)
    assert fresh.id == stale.id and fresh.attempts == 2
    try:
        with session_scope(engine) as session:
            mark(session, stale)
            queue.complete(session, item=stale)
        raise AssertionError("a worker without the lease completed the item")
    except LeaseLost:
        pass
    assert processed(engine) == {}  # the stale worker's effects were rolled back
    worker(engine, "alive").finish(fresh)
    assert processed(engine) == {fault_id: 1}


def test_faults_of_one_charger_are_processed_in_order_one_at_a_time(engine):
    first, second = open_fault(engine, "CP-A", 1), open_fault(engine, "CP-A", 2)
    other = open_fault(engine, "CP-B", 1)
    a = queue.claim(engine, owner="w1", lease_seconds=30)
    b = queue.claim(engine, owner="w2", lease_seconds=30)
    assert (a.fault_id, b.fault_id) == (first, other)
    assert queue.claim(engine, owner="w3", lease_seconds=30) is None  # CP-A's second waits
    worker(engine, "w1").finish(a)
    c = queue.claim(engine, owner="w3", lease_seconds=30)
    assert c.fault_id == second


def test_failures_retry_with_backoff_then_park_the_fault_as_failed(engine):
    fault_id = open_fault(engine, "CP-1", 1)

    def broken(job):
        raise ValueError("reasoner unavailable")

    w = worker(engine, "w1", process=broken, max_attempts=2, backoff_seconds=60)
    w.run_once()
    assert fault(engine, fault_id).state == "queued"
    assert w.run_once() is None  # backing off
    retry_at = utcnow() + timedelta(seconds=61)
    item = queue.claim(engine, owner="w1", lease_seconds=30, now=retry_at)
    w.finish(item)
    parked = fault(engine, fault_id)
    assert parked.state == "failed" and "reasoner unavailable" in parked.error
    with session_scope(engine) as session:
        row = session.exec(select(WorkItem).where(WorkItem.fault_id == fault_id)).one()
    assert row.state == "failed" and row.attempts == 2


def test_an_item_whose_workers_keep_dying_is_parked(engine):
    fault_id = open_fault(engine, "CP-1", 1)
    now = utcnow()
    for attempt in range(3):
        now += timedelta(seconds=31)
        item = queue.claim(engine, owner=f"crash-{attempt}", lease_seconds=30, now=now)
    now += timedelta(seconds=31)
    item = queue.claim(engine, owner="survivor", lease_seconds=30, now=now)
    assert item.attempts == 4
    worker(engine, "survivor").finish(item)
    assert fault(engine, fault_id).state == "failed"
    assert processed(engine) == {}


def test_concurrent_workers_never_process_a_fault_twice(engine):
    fault_ids = {open_fault(engine, f"CP-{n % 7}", n) for n in range(40)}
    workers = [worker(engine, f"w{i}") for i in range(4)]

    def drain(w: Worker) -> None:
        idle = 0
        while idle < 3:
            idle = 0 if w.run_once() else idle + 1

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert processed(engine) == dict.fromkeys(fault_ids, 1)
    with session_scope(engine) as session:
        assert queue.depth(session) == {"queued": 0, "leased": 0}


async def test_service_workers_process_posted_faults(engine, keys, tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    app = create_app(settings, engine=engine)
    body = {
        "event_id": "live-1",
        "charger_id": "CP-LIVE",
        "status_notification": {"connectorId": 1, "errorCode": "OverVoltage", "status": "Faulted"},
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            posted = await client.post("/v1/events", json=body, headers=bearer(keys["csms"]))
            fault_id = posted.json()["faults_opened"][0]
            for _ in range(200):
                state = fault(engine, fault_id).state
                if state not in ("queued", "processing"):
                    break
                await asyncio.sleep(0.05)
    # The service's workers run the diagnosis pipeline: an over-voltage is a supply fault, whose
    # first occurrence needs no device action (the site's supply, not the charger, is at fault).
    assert state == "monitoring"
    assert fault(engine, fault_id).fault_class == "supply"
    assert processed(engine, "fault.decided") == {fault_id: 1}
