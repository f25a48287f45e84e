"""The Alembic migrations build exactly the schema the models declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import app.store.models  # noqa: F401  (registers the tables)


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_replicas_starting_together_migrate_once_and_bootstrap_one_admin_key(tmp_path, postgres_url):
    """Two processes' start-up steps at once on one empty PostgreSQL schema: both upgrades succeed
    (the second waits, then finds the schema current) and exactly one admin key is created."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text

    from app.cli_keys import bootstrap_admin_key
    from app.settings import Settings
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.keys import active_key_count

    url = postgres_url
    schema = f"startup_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    scoped = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engines = [make_engine(scoped) for _ in range(2)]
    settings = Settings(data_dir=tmp_path, database_url=scoped)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(upgrade, engines))
            keys = list(pool.map(lambda _: bootstrap_admin_key(settings), range(2)))
        assert sorted(k is None for k in keys) == [False, True]
        with session_scope(engines[0]) as session:
            assert active_key_count(session) == 1
    finally:
        for engine in engines:
            engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
