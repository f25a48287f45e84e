"""The FastAPI app through its ASGI interface."""

from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from ingest.runner import IngestOptions, ingest
from knowledge.search import Searcher


async def _client(app):
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


async def test_health_ready_and_search(settings, corpus: Path, store, embed):
    ingest([corpus], store, embed, IngestOptions())
    app = create_app(settings, searcher=Searcher(store, embed))
    async with app.router.lifespan_context(app), await _client(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["knowledge"] == "ok"
        found = await client.get(
            "/v1/knowledge/search",
            params={"q": "isolation", "vendor": "acme", "model": "dc-50", "code": "F005"},
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


async def test_bad_search_parameters_name_the_field(settings, store, embed):
    app = create_app(settings, searcher=Searcher(store, embed))
    async with app.router.lifespan_context(app), await _client(app) as client:
        missing = await client.get("/v1/knowledge/search")
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["query", "q"]
        bad_k = await client.get("/v1/knowledge/search", params={"q": "x", "k": 0})
        assert bad_k.status_code == 422 and bad_k.json()["detail"][0]["loc"] == ["query", "k"]
