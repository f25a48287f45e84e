"""Error responses: every 4xx carries a ``message`` naming the field at fault; never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("chargemedic.api")


class Problem(BaseModel):
    """The body of every error response."""

    message: str = Field(description="What is wrong; for a 422, each field at fault and why.")
    detail: Any = Field(None, description="The errors in structured form (field path, message, type).")


_MEANING = {
    401: "Missing, invalid or revoked API key.",
    403: "The key's role may not do this.",
    404: "No such resource.",
    409: "The resource is not in a state that allows this (e.g. an approval already answered).",
    422: "Malformed request: the message names each field at fault.",
    503: "The database is unavailable: nothing was stored, retry later.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error status codes."""
    return {code: {"model": Problem, "description": _MEANING[code]} for code in codes}


GUARDED = problems(401, 403, 422, 503)
"""The errors any authenticated endpoint may answer."""


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    message = "; ".join(f"{_path(e['loc'])}: {e['msg']}" for e in errors) or "invalid request"
    return JSONResponse(status_code=422, content=jsonable_encoder({"message": message, "detail": errors}))


async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return JSONResponse(
        status_code=exc.status_code,
        content={"message": message, "detail": exc.detail},
        headers=getattr(exc, "headers", None),
    )


async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
    return JSONResponse(
        status_code=503,
        content={"message": "database unavailable; nothing was stored, retry later", "detail": []},
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(
        status_code=500, content={"message": "internal error; it has been logged", "detail": []}
    )


def _path(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"
