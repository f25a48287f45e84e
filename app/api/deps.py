"""Shared request dependencies: the database engine and the calling principal (API keys).

A key arrives as ``Authorization: Bearer <key>``, or, from the web console, in the ``cm_key``
cookie set at login. A cookie is sent by the browser on any request to this site, including one
a hostile page triggers, so a cookie-authenticated request that changes something must also
carry ``X-CSRF-Token`` (:func:`csrf_token` of the key), which only a page of ours can know.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from app.intake.writer import IntakeWriter
from app.settings import Settings
from app.store.db import read_scope
from app.store.keys import Principal, authenticate

if TYPE_CHECKING:
    from app.api.limits import KeyRateLimiter

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cm_…`")
SESSION_COOKIE = "cm_key"
"""The console's login cookie: the API key itself (HttpOnly, SameSite=Strict)."""
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(key: str) -> str:
    """The token a cookie-authenticated change must send in ``X-CSRF-Token``: derived from the
    key, so it needs no server state and cannot be computed without the key."""
    return hashlib.sha256(f"chargemedic-csrf:{key}".encode()).hexdigest()


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def get_intake(request: Request) -> IntakeWriter:
    return request.app.state.intake


IntakeDep = Annotated[IntakeWriter, Depends(get_intake)]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


class KeyCache:
    """Verified API keys, trusted for ``ttl`` seconds without a database read.

    A key revoked elsewhere (``chargemedic keys revoke``, another replica) stops working within
    ``ttl``. Only valid keys are remembered (by their SHA-256, never in clear), so unknown keys
    cannot fill memory; the cache is emptied when it reaches ``max_entries``.

    Every request a key authenticates passes here (API and console), so here it is counted against
    the key's rate limit: ``limiter`` raises :class:`~app.api.limits.RateLimited` (429).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float,
        max_entries: int = 10_000,
        limiter: KeyRateLimiter | None = None,
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.max_entries = max_entries
        self.limiter = limiter
        self._entries: dict[str, tuple[Principal, float]] = {}

    async def principal(self, key: str) -> Principal | None:
        """The key's principal, or ``None``; raises ``RateLimited`` when the key is over its limit."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        found = await self._verified(key, digest)
        if found is not None and self.limiter is not None:
            self.limiter.charge(digest, found.role)
        return found

    async def _verified(self, key: str, digest: str) -> Principal | None:
        now = time.monotonic()
        if (entry := self._entries.get(digest)) is not None and entry[1] > now:
            return entry[0]
        found = await asyncio.to_thread(self._lookup, key)
        if found is None or self.ttl <= 0:
            self._entries.pop(digest, None)
        else:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = (found, now + self.ttl)
        return found

    def _lookup(self, key: str) -> Principal | None:
        with read_scope(self.engine) as session:
            return authenticate(session, key=key)


async def get_key_cache(request: Request) -> KeyCache:
    return request.app.state.keys


async def principal(
    request: Request,
    keys: Annotated[KeyCache, Depends(get_key_cache)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, or 401 when the key is missing, malformed, unknown or revoked.

    Without an ``Authorization`` header the console's cookie is accepted; then a request that is
    not a GET/HEAD/OPTIONS is refused (403) unless it carries the key's CSRF token."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if "authorization" not in request.headers and cookie:
        return await _cookie_principal(request, keys, cookie)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    found = await keys.principal(credentials.credentials)
    if found is None:
        raise _unauthorized("invalid or revoked API key")
    return found


async def _cookie_principal(request: Request, keys: KeyCache, key: str) -> Principal:
    found = await keys.principal(key)
    if found is None:
        raise _unauthorized("invalid or revoked API key in the console session: log in again")
    sent = request.headers.get(CSRF_HEADER, "").encode()
    if request.method not in SAFE_METHODS and not hmac.compare_digest(sent, csrf_token(key).encode()):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing or wrong {CSRF_HEADER} header: a change made with the console's cookie must send "
            "the token from the page's csrf-token meta tag",
        )
    return found


def require(*roles: str):
    """A dependency admitting callers whose role is in ``roles`` (``admin`` always is)."""
    allowed = set(roles) | {"admin"}

    async def check(caller: Annotated[Principal, Depends(principal)]) -> Principal:
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
