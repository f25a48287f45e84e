"""The FastAPI app through its ASGI interface."""

from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from ingest.runner import IngestOptions, ingest
from knowledge.search import Searcher
from tests.conftest import bearer


async def _client(app):
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", workers=0)


@pytest.fixture
def headers(settings) -> dict[str, str]:
    """A technician's key in the app's (SQLite) database."""
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.keys import create_key

    engine = make_engine(settings.database)
    upgrade(engine)
    with session_scope(engine) as session:
        key = create_key(session, role="technician")[1]
    engine.dispose()
    return bearer(key)


async def test_health_ready_and_search(settings, headers, corpus: Path, store, embed):
    ingest([corpus], store, embed, IngestOptions())
    app = create_app(settings, searcher=Searcher(store, embed))
    async with app.router.lifespan_context(app), await _client(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "knowledge": "ok"}
        found = await client.get(
            "/v1/knowledge/search",
            params={"q": "isolation", "vendor": "acme", "model": "dc-50", "code": "F005"},
            headers=headers,
        )
        assert found.status_code == 200
        top = found.json()[0]
        assert top["text"].startswith("Code F005")
        assert top["citation"]["source"].startswith("acme/dc-50/") and "code" in top["retrievers"]


async def test_empty_store_is_not_ready(settings, store, embed):
    app = create_app(settings, searcher=Searcher(store, embed))
    async with app.router.lifespan_context(app), await _client(app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "empty" in ready.json()["checks"]["knowledge"]


async def test_bad_search_parameters_name_the_field(settings, headers, store, embed):
    app = create_app(settings, searcher=Searcher(store, embed))
    async with app.router.lifespan_context(app), await _client(app) as client:
        missing = await client.get("/v1/knowledge/search", headers=headers)
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["query", "q"]
        bad_k = await client.get("/v1/knowledge/search", params={"q": "x", "k": 0}, headers=headers)
        assert bad_k.status_code == 422 and bad_k.json()["detail"][0]["loc"] == ["query", "k"]
