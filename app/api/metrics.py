"""``GET /metrics`` — Prometheus text format (see :mod:`app.observability.exporter`).

Needs an API key of any role (``Authorization: Bearer <key>``; in Prometheus
``authorization: {credentials: <key>}``), unless ``metrics_public`` opens it to anyone who can
reach the port (a private network).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from app.api.deps import KeyCache, SettingsDep, get_key_cache, principal
from app.api.errors import problems

router = APIRouter(tags=["observability"])
_bearer = HTTPBearer(auto_error=False, description="An API key of any role: `Authorization: Bearer cm_…`")


async def metrics_access(
    request: Request,
    settings: SettingsDep,
    keys: Annotated[KeyCache, Depends(get_key_cache)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 without a valid key, unless ``metrics_public``."""
    if not settings.metrics_public:
        await principal(request, keys, credentials)


@router.get(
    "/metrics",
    dependencies=[Depends(metrics_access)],
    response_class=Response,
    responses={
        200: {
            "description": "The Prometheus text exposition format, version 0.0.4.",
            "content": {"text/plain": {"schema": {"type": "string", "format": "prometheus-text-0.0.4"}}},
        }
    }
    | problems(401, 503),
    summary="Prometheus metrics (process-local and cluster-wide)",
)
async def get_metrics(request: Request) -> Response:
    """Process-local series count what this service (all its processes) did since it started:
    ``sum()`` them across replicas. Cluster-wide series are read from the database: every replica
    reports the same values, ``max()`` them."""
    body = await asyncio.to_thread(request.app.state.exporter.render)
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
