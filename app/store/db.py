"""Engine, sessions and schema upgrades for SQLite (default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a committed transaction survives a
process crash; an OS crash or power cut may lose the last ones — use PostgreSQL where that
matters), a busy timeout, foreign keys on, and every transaction started ``IMMEDIATE`` so two
writers queue for the lock instead of failing when one upgrades from reading to writing —
except :func:`read_scope` sessions, which only read and never take the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # No pre-ping (a round trip per checkout): after a server restart the first statement on a
    # stale connection fails, SQLAlchemy then discards the whole pool, and callers retry (intake
    # re-records a failed group one event at a time; workers back off and claim again).
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)


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
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
