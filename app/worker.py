"""Queue workers: asyncio tasks in the service that claim work items and process them.

Each claimed item is processed in a thread (database work is synchronous) while the task
renews the lease. A processor reads first, then writes its results and the item's completion
in one transaction, fenced on the lease (:class:`Job`), so a fault's effects are applied exactly
once even if a worker stalls or dies — and no write lock is held while it thinks.
An item claimed more than ``max_attempts`` times (its workers kept dying) is parked as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator

from sqlalchemy import Engine
from sqlmodel import Session

from app.observability import metrics
from app.observability.logs import bound
from app.store import queue
from app.store.db import read_scope, session_scope
from app.store.queue import Claim, LeaseLost

log = logging.getLogger("chargemedic.worker")


class Job:
    """A claimed work item as a processor sees it: read without holding any write lock
    (:meth:`reading`), then write the results and complete the item in one transaction
    (:meth:`completing`), fenced on the lease — so effects land exactly once, or not at all."""

    def __init__(self, engine: Engine, item: Claim) -> None:
        self.engine = engine
        self.item = item
        self.completed = False

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        with read_scope(self.engine) as session:
            yield session

    @contextlib.contextmanager
    def completing(self) -> Iterator[Session]:
        """A write transaction that also completes the item; raises :class:`LeaseLost` (and
        rolls everything back) if another worker has taken the item over."""
        with session_scope(self.engine) as session:
            yield session
            queue.complete(session, item=self.item)
        self.completed = True


Processor = Callable[[Job], None]
"""Processes one claimed item; must finish inside ``job.completing()``."""


def worker_id(index: int = 0) -> str:
    """``host:pid:random:index`` — unique per process start, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}:{index}"


class Worker:
    def __init__(
        self,
        engine: Engine,
        process: Processor,
        *,
        owner: str,
        lease_seconds: float,
        max_attempts: int,
        backoff_seconds: float,
        idle_seconds: float = 0.25,
    ) -> None:
        self.engine = engine
        self.process = process
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.idle_seconds = idle_seconds

    def run_once(self) -> Claim | None:
        """Claim and process one item synchronously; the claim, or ``None`` if the queue was idle."""
        item = queue.claim(self.engine, owner=self.owner, lease_seconds=self.lease_seconds)
        if item is not None:
            self.finish(item)
        return item

    def finish(self, item: Claim) -> None:
        """Process a claimed item and complete it, or record the failure; everything it logs
        carries the item's fault and charger ids."""
        started = time.perf_counter()
        with bound(fault_id=item.fault_id, charger_id=item.charger_id):
            result = self._finish(item)
        metrics.work_item(item.kind, result, time.perf_counter() - started)

    def _finish(self, item: Claim) -> str:
        try:
            if item.attempts > self.max_attempts:
                raise RuntimeError(f"abandoned by {item.attempts - 1} workers (crashed or timed out)")
            job = Job(self.engine, item)
            self.process(job)
            if not job.completed:
                raise RuntimeError("the processor returned without completing the item")
        except LeaseLost:
            log.warning("lost the lease on work item %s; its work was rolled back", item.id)
            return "lease_lost"
        except Exception as exc:  # any processing error is recorded on the item, never lost
            log.warning("work item %s failed (attempt %s): %s", item.id, item.attempts, exc, exc_info=True)
            self._record_failure(item, exc)
            return "failed"
        return "done"

    def _record_failure(self, item: Claim, exc: Exception) -> None:
        """Record the failure on the item; if even that fails (the database is down), the lease
        expires and the item is claimed again, so its attempts still count towards parking."""
        try:
            with contextlib.suppress(LeaseLost), session_scope(self.engine) as session:
                queue.fail(
                    session,
                    item=item,
                    error=f"{type(exc).__name__}: {exc}",
                    max_attempts=self.max_attempts,
                    backoff_seconds=self.backoff_seconds,
                )
        except Exception:  # the worker must outlive a database outage
            log.exception("recording the failure of work item %s failed; its lease will expire", item.id)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set."""
        while not stop.is_set():
            try:
                item = await asyncio.to_thread(
                    queue.claim, self.engine, owner=self.owner, lease_seconds=self.lease_seconds
                )
            except Exception:  # database briefly unavailable: log, back off, keep going
                log.exception("claiming work failed")
                item = None
            if item is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.idle_seconds)
                continue
            renewing = asyncio.create_task(self._renew(item))
            try:
                await asyncio.to_thread(self.finish, item)
            except Exception:  # never let one item end the worker
                log.exception("work item %s could not be finished", item.id)
            finally:
                renewing.cancel()

    async def _renew(self, item: Claim) -> None:
        """Keep the lease while the item is processed; stop once another worker owns it. A failed
        renewal (database briefly unavailable) is retried at the next interval."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                held = await asyncio.to_thread(
                    queue.renew, self.engine, item=item, lease_seconds=self.lease_seconds
                )
            except Exception:
                log.warning("renewing the lease on work item %s failed; retrying", item.id, exc_info=True)
                continue
            if not held:
                return
