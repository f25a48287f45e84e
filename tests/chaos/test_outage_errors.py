"""What the database scenario relies on, error by error: which errors mean "the database is
unavailable" (every failure a restart, a lost connection or an exhausted pool produces), that
the API answers each of them 503 + ``Retry-After`` (and a bug still 500), and that the intake
writer fails a whole group at once on them instead of retrying each event against a dead server."""

from __future__ import annotations

import sqlite3

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.api import errors
from app.intake.envelope import EventIn
from app.intake.writer import IntakeWriter
from app.store.db import unavailable
from tests.chaos.harness import status_event

pytestmark = pytest.mark.chaos


def wrapped(cls, orig: Exception, **kw) -> DBAPIError:
    return cls("SELECT 1", {}, orig, **kw)


def sqlite_busy() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5  # set by the driver on a real SQLITE_BUSY
    return error


UNAVAILABLE = {
    "server down": wrapped(OperationalError, psycopg.OperationalError("connection refused")),
    "shutting down": wrapped(OperationalError, psycopg.errors.AdminShutdown()),
    "too many connections": wrapped(OperationalError, psycopg.errors.TooManyConnections()),
    "connection closed": wrapped(InterfaceError, psycopg.InterfaceError("the connection is closed")),
    "invalidated": wrapped(DBAPIError, psycopg.DatabaseError("lost"), connection_invalidated=True),
    "pool exhausted": PoolTimeout("QueuePool limit reached"),
    "raw driver": psycopg.OperationalError("server closed the connection unexpectedly"),
    "sqlite busy": wrapped(OperationalError, sqlite_busy()),
}
AVAILABLE = {
    "duplicate key": wrapped(IntegrityError, psycopg.errors.UniqueViolation()),
    "index row too big": wrapped(OperationalError, psycopg.errors.ProgramLimitExceeded()),
    "sqlite syntax": wrapped(OperationalError, sqlite3.OperationalError("near 'x': syntax error")),
    "not a database error": ValueError("bug"),
}
"""Errors about the statement or the data (a retry would fail the same way)."""
ALL = UNAVAILABLE | AVAILABLE


@pytest.mark.parametrize("error", list(UNAVAILABLE))
def test_what_a_database_outage_raises_is_unavailable(error):
    assert unavailable(UNAVAILABLE[error])


@pytest.mark.parametrize("error", list(AVAILABLE))
def test_what_a_bad_statement_raises_is_not(error):
    assert not unavailable(AVAILABLE[error])


@pytest.mark.parametrize(
    ("error", "status"),
    [
        *((e, 503) for e in UNAVAILABLE),
        ("index row too big", 503),
        ("duplicate key", 500),
        ("not a database error", 500),
    ],
)
async def test_the_api_answers_an_outage_503_with_retry_after_and_a_bug_500(error, status):
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    def boom():
        raise ALL[error]

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://chaos") as client:
        answer = await client.get("/boom")
    assert answer.status_code == status
    assert answer.json()["message"]
    assert answer.headers.get("Retry-After") == (str(errors.RETRY_AFTER_SECONDS) if status == 503 else None)


class FailingEngine:
    """An engine whose every transaction fails with ``error``; counts the transactions begun."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.begun = 0

    def begin(self):
        self.begun += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "per_event"), [("server down", 1), ("pool exhausted", 1), ("index row too big", 2)]
)
async def test_the_writer_answers_an_outage_at_once_and_retries_other_errors_event_by_event(error, per_event):
    engine = FailingEngine(ALL[error])
    writer = IntakeWriter(engine, max_batch=1)
    writer.start()
    try:
        for n in range(3):
            body = EventIn.model_validate(status_event(f"e-{n}", "CP-1", faulted=True))
            with pytest.raises(type(ALL[error])):
                await writer.accept(source="chaos", body=body, actor="chaos")
    finally:
        writer.close()
    assert engine.begun == 3 * per_event  # an outage: the group's transaction only; else one more each
