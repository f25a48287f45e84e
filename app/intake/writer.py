"""Group commit for intake: one writer thread records queued events, many per transaction.

Concurrent requests hand their event to :meth:`IntakeWriter.accept` and wait. The writer takes
everything queued (up to ``max_batch``), records it on one transaction, commits, and only then
answers each request — nothing is acknowledged before it is durable. One commit per group
instead of one per event is what lets a single SQLite file take hundreds of events a second.

A payload error answers only its own request (:func:`record_event` writes nothing before the
payload is parsed). Any other error rolls the whole group back; its events are then recorded
one per transaction, so only the faulty event fails and the others are still accepted — unless
the database is unavailable (:func:`~app.store.db.unavailable`: down, restarting, connection
lost): then every request of the group is answered with that error at once (the API turns it
into 503 + ``Retry-After``), and the next group starts on fresh connections (the pool replaces
dead ones), so intake recovers by itself when the database is back. Events of the same group
are recorded in arrival order, so a repeated event id within a group is answered as a
duplicate of the first.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field

from sqlalchemy import Engine

from app.intake.accept import Accepted, Submission, accept_events, record_events
from app.intake.envelope import EventIn
from app.store.db import unavailable

log = logging.getLogger("chargemedic.intake")


@dataclass
class _Request:
    submission: Submission
    answer: Future = field(default_factory=Future)


_STOP = object()


class IntakeWriter:
    """Records events from any thread or event loop; call :meth:`start` first, :meth:`close` last.

    One writer thread is enough on both backends: while a group is being written the next one
    gathers, so groups grow with load (and with the database's round-trip time) by themselves.
    """

    def __init__(self, engine: Engine, *, max_batch: int = 256, reprocess_at: int | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.reprocess_at = reprocess_at
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Record everything already handed in, then stop the writer thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    async def accept(self, *, source: str, body: EventIn, actor: str) -> Accepted:
        """Record ``body`` (see :func:`~app.intake.accept.accept_event`); returns once committed.

        Raises :class:`PayloadError` for a malformed payload, or the database's error.
        """
        if self._thread is None:
            raise RuntimeError("the intake writer is not running")
        request = _Request(Submission(source, body, actor))
        self._queue.put(request)
        return await asyncio.wrap_future(request.answer)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Request] = []
            item = self._queue.get()
            while item is not _STOP:
                batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stopping = item is _STOP
            if batch:
                self._write(batch)

    def _write(self, batch: list[_Request]) -> None:
        try:
            with self.engine.begin() as connection:
                submissions = [request.submission for request in batch]
                results = record_events(connection, submissions, reprocess_at=self.reprocess_at)
        except Exception as exc:
            if unavailable(exc):
                log.warning("database unavailable: %d events not recorded: %s", len(batch), exc)
                for request in batch:
                    _settle(request.answer, exc)
                return
            log.warning("a group of %d events failed; recording them one by one", len(batch), exc_info=True)
            for request in batch:
                self._answer_alone(request)
            return
        for request, result in zip(batch, results, strict=True):
            _settle(request.answer, result)

    def _answer_alone(self, request: _Request) -> None:
        try:
            (result,) = accept_events(self.engine, [request.submission], reprocess_at=self.reprocess_at)
        except Exception as exc:  # answered to this request only: the database's error
            result = exc
        _settle(request.answer, result)


def _settle(answer: Future, result: Accepted | BaseException) -> None:
    """Answer a waiting request (it may have gone: a client that disconnected)."""
    try:
        if isinstance(result, BaseException):
            answer.set_exception(result)
        else:
            answer.set_result(result)
    except InvalidStateError:
        pass
