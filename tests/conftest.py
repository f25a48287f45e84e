"""Shared fixtures: the real embedding model (loaded once), real Chroma stores, a small corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.embed import MODEL_ID, get_embedder
from knowledge.store import KnowledgeStore, open_client

FIXTURES = Path(__file__).parent / "fixtures"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"


class CountingEmbed:
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def __call__(self, texts: list[str]):
        self.calls += 1
        self.texts += len(texts)
        return get_embedder(threads=2, batch_size=32).embed(texts)


@pytest.fixture
def embed() -> CountingEmbed:
    return CountingEmbed()


@pytest.fixture
def store(tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the small test corpus (Markdown, CSV, TSV, a rendered PDF) safe to modify."""
    from knowledge.render_manuals import render_manual

    root = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", root)
    source = FIXTURES / "manual_src" / "acme-dc-50-manual.md"
    target = root / "acme" / "dc-50" / "acme-dc-50-manual.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render_manual(source.read_text(encoding="utf-8")))
    return root


def realworld(name: str) -> Path:
    """A third-party PDF from ../shared/realworld, or skip the test where it is absent."""
    path = REALWORLD / name
    if not path.exists():
        pytest.skip(f"real-world PDF {name} not present at {REALWORLD}")
    return path


# ---- database -----------------------------------------------------------------------------
PG_URL_VARIABLE = "CHARGEMEDIC_TEST_DATABASE_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path: Path):
    """A migrated, empty database: a SQLite file, and PostgreSQL where its URL is configured."""
    import os

    from sqlalchemy import text

    from app.store.db import make_engine, upgrade

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        url = os.environ.get(PG_URL_VARIABLE)
        if not url:
            pytest.skip(f"{PG_URL_VARIABLE} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
        schema = f"test_{os.getpid()}"  # per process: concurrent test runs never clobber each other
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        admin.dispose()
        separator = "&" if "?" in url else "?"
        engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keys(engine) -> dict[str, str]:
    """One API key per role (and a second CSMS key), by role name."""
    from app.store.db import session_scope
    from app.store.keys import ROLES, create_key

    with session_scope(engine) as session:
        made = {role: create_key(session, role=role, name=f"test-{role}")[1] for role in ROLES}
        made["csms2"] = create_key(session, role="csms", name="second-csms")[1]
    return made


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
