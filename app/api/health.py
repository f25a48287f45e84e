"""Liveness and readiness probes."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

router = APIRouter(tags=["health"])
log = logging.getLogger("chargemedic.api")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "degraded"]
    checks: dict[str, str] = Field(
        description="Per dependency: `ok`, or what is wrong.",
        examples=[{"database": "ok", "knowledge": "ok"}],
    )


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is unreachable or empty."}},
    summary="Dependencies are reachable",
)
def readyz(request: Request) -> JSONResponse:
    """200 when the database and the knowledge store answer (and the store holds passages),
    else 503 naming what is wrong — by error type only (the probe is public; the log has the rest)."""
    store = request.app.state.searcher.store
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready; the probe must not raise
        log.warning("readiness: database unreachable: %s", exc)
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        store.ping()
        count = store.count()
        checks["knowledge"] = "ok" if count else "empty: run `chargemedic ingest`"
    except Exception as exc:  # any client error means not ready; the probe must not raise
        log.warning("readiness: knowledge store unreachable: %s", exc)
        checks["knowledge"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "degraded", "checks": checks}, status_code=200 if ready else 503
    )
