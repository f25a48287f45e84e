"""The FastAPI application factory; long-lived clients are built once, in the lifespan."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import health, knowledge
from app.knowledge import build_searcher
from app.settings import Settings
from knowledge.search import Searcher


def create_app(settings: Settings | None = None, *, searcher: Searcher | None = None) -> FastAPI:
    """The API. ``searcher`` may be injected (tests); otherwise it is built from ``settings``."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.searcher = searcher or build_searcher(settings)
        yield

    app = FastAPI(
        title="chargemedic",
        version="0.1.0",
        summary="AI-assisted diagnostics for EV charging networks.",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(knowledge.router)
    return app
