"""The console's login session: the API key in the ``cm_key`` cookie, checked on every page.

Pages need a technician or admin key; without a valid cookie they redirect to ``/login`` and
come back to the page afterwards (``next``, local paths only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from app.api.deps import SESSION_COOKIE, csrf_token
from app.store.keys import Principal

CONSOLE_ROLES = ("technician", "admin")


@dataclass(frozen=True)
class ConsoleUser:
    """The technician using the console, and the CSRF token their page sends with each change."""

    principal: Principal
    csrf: str

    @property
    def label(self) -> str:
        return self.principal.name or f"key {self.principal.key_id}"


class LoginRequired(Exception):
    """No valid console session: answered with a redirect to the login page."""

    def __init__(self, next_path: str, reason: str = "") -> None:
        super().__init__(reason or "login required")
        self.next_path = next_path
        self.reason = reason


async def console_user(request: Request) -> ConsoleUser:
    """The logged-in user, or :class:`LoginRequired` (a redirect to ``/login``)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        raise LoginRequired(here)
    found = await request.app.state.keys.principal(key)
    if found is None:
        raise LoginRequired(here, "expired")
    if found.role not in CONSOLE_ROLES:
        raise LoginRequired(here, "role")
    return ConsoleUser(found, csrf_token(key))


User = Annotated[ConsoleUser, Depends(console_user)]


async def redirect_to_login(_: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, LoginRequired)
    query = f"?next={quote(exc.next_path, safe='/')}"
    if exc.reason:
        query += f"&reason={exc.reason}"
    response = RedirectResponse(f"/login{query}", status_code=303)
    if exc.reason:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirects to other hosts)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or any(ord(c) < 32 for c in target)
        or parts.path in ("/login", "/logout")
    ):
        return "/"
    return target
