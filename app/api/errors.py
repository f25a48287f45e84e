"""Error responses: every 4xx carries a ``message`` naming the field at fault; never a bare 500.

A body that could not be read (:mod:`app.api.bodies`) is answered 422 with its problem — where
the JSON went wrong (line, column) or which field is nested too deep — once the route's
dependencies (authentication) have passed.

A database that cannot be reached (down, restarting, connection lost, pool exhausted) answers
503 with ``Retry-After``: the request was not completed and may be repeated — an event repeated
with the same ``event_id`` is never processed twice. So does a service a request needs over HTTP
(the Chroma server behind knowledge search and the chat) that cannot be reached.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.bodies import body_problem
from app.store.db import unavailable

log = logging.getLogger("chargemedic.api")
RETRY_AFTER_SECONDS = 2
"""What a 503 asks clients to wait: about as long as a database restart or fail-over takes."""


class Problem(BaseModel):
    """The body of every error response."""

    message: str = Field(description="What is wrong; for a 422, each field at fault and why.")
    detail: Any = Field(None, description="The errors in structured form (field path, message, type).")


_MEANING = {
    401: "Missing, invalid or revoked API key.",
    403: "The key's role may not do this.",
    404: "No such resource.",
    409: "The resource is not in a state that allows this (e.g. an approval already answered).",
    408: "The request body did not arrive within `request_body_timeout_seconds`.",
    413: "The request body is larger than `max_request_bytes`.",
    422: "Malformed request: the message names each field at fault.",
    429: "Rate limit reached (per API key, or failed authentications per address): retry after "
    "`Retry-After` seconds.",
    503: "The database is unavailable: retry after `Retry-After` seconds "
    "(an event repeated with the same event_id is not processed twice).",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error status codes."""
    return {code: {"model": Problem, "description": _MEANING[code]} for code in codes}


GUARDED = problems(401, 403, 408, 413, 422, 429, 503)
"""The errors any authenticated endpoint may answer."""


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(SQLAlchemyError, _database)
    app.add_exception_handler(psycopg.Error, _database)
    app.add_exception_handler(httpx.TransportError, _dependency)
    app.add_exception_handler(Exception, _unexpected)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if problem := body_problem(request):  # the body's errors are those of its stand-in
        errors = [e for e in errors if e["loc"][:1] != ["body"]] + [problem.error]
    message = "; ".join(f"{_path(e['loc'])}: {e['msg']}" for e in errors) or "invalid request"
    return JSONResponse(status_code=422, content=jsonable_encoder({"message": message, "detail": errors}))


async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return JSONResponse(
        status_code=exc.status_code,
        content={"message": message, "detail": exc.detail},
        headers=getattr(exc, "headers", None),
    )


async def _database(request: Request, exc: Exception) -> JSONResponse:
    """503 + ``Retry-After`` when the database is unavailable or reports a passing condition (an
    ``OperationalError``: a deadlock, a statement time-out); any other database error is a bug (500)."""
    if not (unavailable(exc) or isinstance(exc, OperationalError | psycopg.OperationalError)):
        return await _unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _unavailable(
        "database unavailable: the request was not completed; retry in "
        f"{RETRY_AFTER_SECONDS} s (an event repeated with the same event_id is not processed twice)"
    )


async def _dependency(request: Request, exc: httpx.TransportError) -> JSONResponse:
    """503 + ``Retry-After``: a service this request needs over HTTP (the Chroma server) is unreachable."""
    log.warning("a dependency is unreachable on %s %s: %r", request.method, request.url.path, exc)
    return _unavailable(
        f"a service this request needs (the knowledge store) is unreachable ({type(exc).__name__}); "
        f"retry in {RETRY_AFTER_SECONDS} s"
    )


def _unavailable(message: str) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={"message": message, "detail": []},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        status_code=500, content={"message": "internal error; it has been logged", "detail": []}
    )


def _path(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"
