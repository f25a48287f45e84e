"""The FastAPI application factory; long-lived clients are built once, in the lifespan.

The lifespan opens the database (upgrading its schema), the knowledge searcher, and starts
``settings.workers`` queue workers; on shutdown the workers finish their current item.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from app.api import (
    approvals,
    chargers,
    chat,
    console,
    errors,
    escalations,
    events,
    faults,
    feed,
    health,
    knowledge,
    metrics,
)
from app.api.deps import KeyCache
from app.api.limits import KeyRateLimiter
from app.api.limits import install as install_limits
from app.chargers.gateway import Gateway
from app.chargers.relay_server import RelayServer
from app.chargers.station import StationServices
from app.chargers.verify import Verifier
from app.chat.service import ChatService
from app.escalation.delivery import deliver_forever
from app.guard.approvals import expire_due
from app.intake.accept import Accepted
from app.intake.writer import IntakeWriter
from app.knowledge import build_searcher, embed_function
from app.observability.exporter import Exporter
from app.observability.http import ObserveRequests
from app.pipeline import build_executor, build_pipeline
from app.settings import Settings
from app.store.db import make_engine, session_scope, upgrade
from app.store.models import utcnow
from app.worker import Processor, Worker, worker_id
from knowledge.search import Searcher

log = logging.getLogger("chargemedic")


def create_app(
    settings: Settings | None = None,
    *,
    searcher: Searcher | None = None,
    engine: Engine | None = None,
    processor: Processor | None = None,
) -> FastAPI:
    """The API. ``searcher``/``engine``/``processor`` may be injected (tests); otherwise built
    from ``settings`` (the processor is the diagnosis pipeline)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.engine = engine or make_engine(settings.database)
        await asyncio.to_thread(upgrade, app.state.engine)
        app.state.searcher = searcher or build_searcher(settings)
        app.state.keys = KeyCache(
            app.state.engine,
            ttl=settings.auth_cache_seconds,
            limiter=KeyRateLimiter.from_settings(settings),
        )
        app.state.intake = IntakeWriter(
            app.state.engine, max_batch=settings.intake_batch, reprocess_at=settings.recurrence_count
        )
        app.state.intake.start()
        stop, wake = asyncio.Event(), asyncio.Event()
        app.state.stopping = stop  # long-lived responses (the fault feed) end when it is set
        app.state.gateway = await _start_gateway(app, settings, wake) if settings.gateway else None
        executor = build_executor(settings, app.state.gateway, app.state.engine)
        embed = embed_function(settings)
        process = processor or build_pipeline(
            settings,
            engine=app.state.engine,
            search=app.state.searcher.search,
            embed=embed,
            executor=executor,
        )
        app.state.chat = ChatService.from_settings(
            settings,
            engine=app.state.engine,
            search=app.state.searcher.search,
            embed=embed,
            relatedness=app.state.searcher.relatedness,
        )
        tasks = [
            asyncio.create_task(_worker(app.state.engine, process, settings, i).run(stop))
            for i in range(settings.workers)
        ]
        app.state.exporter = Exporter(
            app.state.engine, app.state.gateway, cache_seconds=settings.metrics_cache_seconds
        )
        tasks.append(asyncio.create_task(app.state.exporter.sample_forever(stop)))
        if settings.workers:
            tasks.append(asyncio.create_task(_expire_approvals(app.state.engine, stop)))
            tasks.append(asyncio.create_task(deliver_forever(app.state.engine, settings, stop, every=1.0)))
            verifier = Verifier(
                app.state.engine, executor=executor, window_seconds=settings.verify_window_seconds
            )
            tasks.append(asyncio.create_task(verifier.run(stop, wake, settings.verify_poll_seconds)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            if app.state.gateway is not None:
                await app.state.relay.close()
                await app.state.gateway.close()
            await asyncio.to_thread(app.state.intake.close)
            if engine is None:
                app.state.engine.dispose()

    app = FastAPI(
        title="chargemedic",
        version="0.1.0",
        summary="AI-assisted diagnostics for EV charging networks.",
        lifespan=lifespan,
    )
    errors.install(app)
    install_limits(app, settings)
    app.add_middleware(ObserveRequests)
    # feed before faults: its /v1/faults/stream would otherwise be read as /v1/faults/{fault_id}
    for module in (health, metrics, events, feed, faults, chargers, approvals, escalations, knowledge, chat):
        app.include_router(module.router)
    console.install(app)
    return app


async def _start_gateway(app: FastAPI, settings: Settings, wake: asyncio.Event) -> Gateway:
    """The OCPP gateway on this event loop, and the relay taking commands other replicas send to
    its chargers (``app.state.relay``); a report that clears a fault wakes verification."""

    def cleared(accepted: Accepted) -> None:
        if accepted.result.faults_cleared:
            wake.set()

    services = StationServices(
        engine=app.state.engine,
        intake=app.state.intake,
        heartbeat_seconds=settings.ocpp_heartbeat_seconds,
        on_accepted=cleared,
        messages_per_minute=settings.ocpp_messages_per_minute,
    )
    gateway = Gateway(settings, engine=app.state.engine, services=services)
    await gateway.start()
    app.state.relay = RelayServer(
        app.state.engine,
        gateway,
        poll_seconds=settings.relay_poll_seconds,
        heartbeat_seconds=settings.node_heartbeat_seconds,
    )
    await app.state.relay.start()
    return gateway


async def _expire_approvals(engine: Engine, stop: asyncio.Event, every: float = 15.0) -> None:
    """Expire unanswered approval requests (each is escalated), every ``every`` seconds."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(_expire_once, engine)
        except Exception:  # database briefly unavailable: try again next round
            log.exception("expiring approvals failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


def _expire_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        expire_due(session, now=utcnow())


def _worker(engine: Engine, processor: Processor, settings: Settings, index: int) -> Worker:
    return Worker(
        engine,
        processor,
        owner=worker_id(index),
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
        backoff_seconds=settings.retry_backoff_seconds,
    )
