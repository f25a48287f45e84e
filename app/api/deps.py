"""Shared request dependencies: the database engine and the calling principal (API keys)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from app.store.db import session_scope
from app.store.keys import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cm_…`")


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def principal(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, or 401 when the key is missing, malformed, unknown or revoked."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    with session_scope(engine) as session:
        found = authenticate(session, key=credentials.credentials)
    if found is None:
        raise _unauthorized("invalid or revoked API key")
    return found


def require(*roles: str):
    """A dependency admitting callers whose role is in ``roles`` (``admin`` always is)."""
    allowed = set(roles) | {"admin"}

    def check(caller: Annotated[Principal, Depends(principal)]) -> Principal:
        if caller.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role '{caller.role}' may not do this; needs one of: {', '.join(sorted(allowed))}",
            )
        return caller

    return check


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


Csms = Annotated[Principal, Depends(require("csms"))]
Reader = Annotated[Principal, Depends(require("technician"))]
