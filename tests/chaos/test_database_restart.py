"""Scenario 3 — PostgreSQL restarted mid-load, on a private cluster (the machine's shared server is
never touched).

The real app (uvicorn on loopback, two queue workers, the LLM reasoner, dry-run executor) takes
StatusNotifications from one client per charger. While both workers are mid-item — each waiting
for the LLM, a real local endpoint that holds its answers (then answers 500, so the playbook
decides) — the database is stopped (``pg_ctl stop -m fast``); it is started again once requests
were refused and both workers' items failed on it. Requests during the outage get 503 with
``Retry-After`` and a JSON message, never a 500; the clients retry them; every acknowledged
event is stored once and a repeated event id is answered from the record; after recovery every
acknowledged fault is processed exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, text

from app.intake.accept import accept_event
from app.intake.envelope import EventIn
from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine, upgrade
from app.store.models import WorkItem
from app.worker import Worker
from tests.chaos.harness import (
    Load,
    alternating,
    assert_nothing_unsafe,
    assert_processed_once,
    assert_stored,
    drained,
    fault_ids_of,
    post_again,
    post_in_order,
    prepared,
    rows,
    status_event,
    until,
)
from tests.chaos.infra import InThread, PrivatePostgres
from tests.receiver import Receiver

pytestmark = pytest.mark.chaos
CHARGERS, EVENTS_PER_CHARGER = 10, 12
TOTAL = CHARGERS * EVENTS_PER_CHARGER


class WorkerGone(AssertionError):
    """No queue worker processes the queue any more."""


@dataclass
class Restart:
    """What the load saw around the restart, and what the database held afterwards."""

    engine: Engine
    load: Load
    ready_during_outage: tuple[int, dict]
    drained: bool
    again: list[int]


class FailedItems(logging.Handler):
    """Counts the work items the queue workers of this process logged as failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage().startswith("work item")


class HeldLLM:
    """An OpenAI-compatible endpoint (real HTTP) that holds every request until :meth:`release`,
    then answers 500 — so the playbook decides, and a worker stays mid-item as long as a test needs."""

    def __init__(self) -> None:
        self.receiver = Receiver()
        self.receiver.default = (500, {"Content-Type": "application/json"}, b'{"error": {"message": "busy"}}')
        self.receiver.on_request = lambda _: self._released.wait(60)
        self._released = threading.Event()

    @property
    def base_url(self) -> str:
        return self.receiver.url.removesuffix("/hook") + "/v1"

    @property
    def waiting(self) -> int:
        return 0 if self._released.is_set() else len(self.receiver.requests)

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> HeldLLM:
        self.receiver.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.receiver.__exit__(*exc)


async def drained_or_stalled(engine: Engine, stalled_after: float = 5.0) -> bool:
    """Wait until the queue is empty (True), or until no work item finished for ``stalled_after``
    seconds (False: nothing is processing it)."""
    progress, last = time.monotonic(), -1
    while time.monotonic() - progress < stalled_after:
        if drained(engine):
            return True
        done = sum(1 for w in rows(engine, WorkItem) if w.finished_at is not None)
        progress, last = (time.monotonic(), done) if done != last else (progress, last)
        await asyncio.sleep(0.2)
    return False


async def restart_mid_load(
    base: str, key: str, engine: Engine, cluster: PrivatePostgres, llm: HeldLLM
) -> Restart:
    """Load; with both workers mid-item, the database goes down until requests were refused and
    both items failed on it; then it is up again, and the load goes on until all is acknowledged."""
    plan = alternating("D", CHARGERS, EVENTS_PER_CHARGER)
    load, failed = Load(), FailedItems()
    posting = asyncio.create_task(post_in_order(base, key, plan, load))
    await until(lambda: len(load.acked) >= 20 and llm.waiting >= 2, 30)
    logging.getLogger("chargemedic.worker").addHandler(failed)
    await asyncio.to_thread(cluster.stop)
    try:
        await until(lambda: load.answers[503] >= 3, 20)
        async with httpx.AsyncClient(base_url=base) as client:
            ready = await client.get("/readyz")
        llm.release()
        await until(lambda: failed.count >= 2, 20, what=lambda: f"failed work items: {failed.count}")
    finally:
        logging.getLogger("chargemedic.worker").removeHandler(failed)
        llm.release()
        await asyncio.to_thread(cluster.start)
    await asyncio.wait_for(posting, 60)
    processed = await drained_or_stalled(engine)
    again = await post_again(base, key, plan)
    return Restart(engine, load, (ready.status_code, ready.json()), processed, again)


@pytest.fixture(scope="module")
def restart(private_postgres, searcher, tmp_path_factory):
    """The scenario, run once for the checks below."""
    url = private_postgres.fresh_database("restart")
    engine, key = prepared(url)
    with HeldLLM() as llm:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("restart"),
            database_url=url,
            workers=2,
            lease_seconds=2,
            retry_backoff_seconds=0.2,
            gateway=False,
            executor="dry_run",
            reasoner="llm",
            llm_base_url=llm.base_url,
            llm_timeout_seconds=60,
            llm_max_retries=0,
        )
        with InThread(create_app(settings, searcher=searcher)) as server:
            outcome = asyncio.run(restart_mid_load(server.base, key, engine, private_postgres, llm))
    yield outcome
    engine.dispose()


def test_requests_during_the_outage_get_503_with_retry_after_and_never_a_500(restart):
    assert restart.load.problems == []  # no 500, no 503 without Retry-After or message
    assert restart.load.answers[503] >= 3 and restart.load.retry_after == {"2"}
    status, body = restart.ready_during_outage
    assert status == 503 and body["checks"]["database"].startswith("unreachable")
    assert len(restart.load.acked) == TOTAL  # every retried event was acknowledged once it was back


def test_every_acknowledged_event_is_stored_once_and_a_repeat_is_answered_from_the_record(restart):
    assert_stored(restart.engine, restart.load.acked)
    assert restart.again == [200] * TOTAL


def test_every_acknowledged_fault_is_processed_exactly_once_after_the_restart(restart):
    if not restart.drained:
        raise WorkerGone("the queue stopped draining after the restart")
    faults = fault_ids_of(restart.engine, restart.load.faults)
    assert len(faults) == TOTAL // 2
    assert_processed_once(restart.engine, faults.values())
    assert_nothing_unsafe(restart.engine)


async def test_a_worker_survives_losing_the_database_mid_item(private_postgres):
    engine = make_engine(private_postgres.fresh_database("worker"))
    upgrade(engine)
    body = EventIn.model_validate(status_event("w-1", "W-1", faulted=True))
    accept_event(engine, source="chaos", body=body, actor="chaos")
    calls: list[int] = []
    gone = threading.Event()

    def process(job) -> None:
        """First run: the database goes away mid-item. Second run: completes."""
        calls.append(job.item.attempts)
        if len(calls) == 1:
            private_postgres.stop()
            gone.set()
        with job.completing() as session:
            session.exec(text("SELECT 1"))

    stop = asyncio.Event()
    worker = Worker(engine, process, owner="chaos", lease_seconds=1, max_attempts=5, backoff_seconds=0)
    task = asyncio.create_task(worker.run(stop))
    try:
        await until(gone.is_set, 10)
        await asyncio.to_thread(private_postgres.start)
        await until(lambda: task.done() or [w.state for w in rows(engine, WorkItem)] == ["done"], 15)
        if task.done():
            raise WorkerGone(f"the worker ended: {task.exception()!r}")
    finally:
        private_postgres.ensure_running()
        stop.set()
        await asyncio.wait({task}, timeout=5)
        engine.dispose()
    assert calls == [1, 2]
