"""Fixtures of the chaos suite: a small corpus ingested once, a fresh SQLite database per test,
and a private PostgreSQL cluster that may be restarted at will."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.runner import IngestOptions, ingest
from knowledge.embed import MODEL_ID
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client
from tests.chaos.infra import PrivatePostgres
from tests.conftest import FIXTURES, CountingEmbed


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory) -> Path:
    """A Chroma folder holding the small test corpus (ingested once per session; copy it before
    handing it to another process)."""
    folder = tmp_path_factory.mktemp("chaos-knowledge") / "chroma"
    store = KnowledgeStore(open_client(path=folder), MODEL_ID)
    report = ingest([FIXTURES / "corpus"], store, CountingEmbed(), IngestOptions())
    assert report.failed == {} and store.count() == report.chunks
    return folder


@pytest.fixture(scope="session")
def searcher(knowledge: Path) -> Searcher:
    """Hybrid search over :func:`knowledge`, as the service builds it."""
    return Searcher(KnowledgeStore(open_client(path=knowledge), MODEL_ID), CountingEmbed(), refresh_seconds=0)


@pytest.fixture
def engine(tmp_path: Path):
    """A migrated, empty SQLite database (the chaos suite's in-process scenarios run on SQLite;
    the database scenario has its own PostgreSQL cluster)."""
    from app.store.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'chaos.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def private_postgres():
    """A PostgreSQL cluster of this test session only (skips when the binaries are missing)."""
    cluster = PrivatePostgres.create()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
