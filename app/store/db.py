"""Engine, sessions and schema upgrades for SQLite (default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a committed transaction survives a
process crash; an OS crash or power cut may lose the last ones — use PostgreSQL where that
matters), a busy timeout, foreign keys on, and every transaction started ``IMMEDIATE`` so two
writers queue for the lock instead of failing when one upgrades from reading to writing —
except :func:`read_scope` sessions, which only read and never take the lock.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT_SECONDS = 5
"""How long opening a PostgreSQL connection may take (unless the URL sets ``connect_timeout``)."""
POOL_TIMEOUT_SECONDS = 10.0
"""How long a caller waits for a pooled connection when all are in use."""
STATEMENT_TIMEOUT_MS = 30_000
"""PostgreSQL ``statement_timeout``: no statement of the service runs longer (schema upgrades
excepted); a runaway query or a lock held by a stuck client cannot pin a connection forever."""
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
"""PostgreSQL ``idle_in_transaction_session_timeout``: a transaction left open (a crashed caller)
releases its locks after this."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing.

    PostgreSQL connections are pre-pinged at checkout, so after a server restart a stale pooled
    connection is replaced there instead of failing the caller's first statement (one loopback
    round trip per checkout; intake checks out once per group). An unreachable server fails a
    caller within :data:`CONNECT_TIMEOUT_SECONDS` and an exhausted pool within
    :data:`POOL_TIMEOUT_SECONDS` (see :func:`unavailable`) instead of holding it indefinitely.
    """
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    connect_args = {}
    if url.startswith("postgresql") and "connect_timeout" not in url:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        pool_pre_ping=True,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args=connect_args,
    )
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _bound_statements)
    return engine


def _bound_statements(dbapi_connection, _record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        cursor.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_TIMEOUT_MS}")
    dbapi_connection.commit()  # a SET inside a transaction rolled back on check-in would be undone


def exclusive(connection, name: str) -> None:
    """Serialise the rest of ``connection``'s transaction with every other one that calls this
    with the same ``name`` (PostgreSQL advisory lock, released at commit; SQLite's ``BEGIN
    IMMEDIATE`` already serialises writers). For start-up steps several replicas may run at once."""
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or used right now — server down,
    restarting or refusing connections, connection lost, pool exhausted, SQLite busy or its file
    unusable — rather than anything about the statement: the same work may succeed once the
    database is back. (A connection lost during a commit leaves its outcome unknown, so whatever
    is retried must be idempotent.)"""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    if isinstance(exc, psycopg.InterfaceError):
        return True
    if isinstance(exc, psycopg.OperationalError):
        return exc.sqlstate is None or exc.sqlstate.startswith(_PG_UNAVAILABLE)
    if isinstance(exc, sqlite3.OperationalError):
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNAVAILABLE
    return False


_PG_UNAVAILABLE = ("08", "57P", "53")
"""SQLSTATE classes: connection exception; shutdown or not accepting connections (57P01–57P05);
insufficient resources (too many connections, out of memory, disk full)."""
_SQLITE_UNAVAILABLE = frozenset({5, 6, 10, 13, 14})
"""SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN."""


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, IMMEDIATE
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits when the block ends and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A session for reading only: on SQLite it does not take the write lock, so reads never
    wait for writers (WAL gives them a consistent snapshot). Loaded rows stay readable after the
    block; anything written in it is discarded."""
    with Session(engine.execution_options(**{_READ_ONLY: True})) as session:
        yield session  # closing returns the connection, whose transaction the pool rolls back


_READ_ONLY = "chargemedic_read_only"


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (the service does this at start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        exclusive(connection, "chargemedic:upgrade")  # replicas starting together migrate once
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
