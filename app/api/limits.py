"""Request limits: per API key rate, failed authentications per client address, body size and
upload time, and the HTTP server's own bounds (headers, keep-alive, concurrency).

* :class:`KeyRateLimiter` — a token bucket per API key, found by the key's SHA-256 (the key itself
  is never kept), sized by its role: people (``technician``, ``admin``) and the CSMS's intake
  differ by orders of magnitude. :class:`~app.api.deps.KeyCache` charges it on every request a
  key authenticates, API and console alike; an empty bucket answers 429 with ``Retry-After``.
* :class:`AuthFailureLimit` — middleware: every failed authentication (401 on the API or the login
  form, the console's "session expired" redirect) takes a token from the client address's bucket;
  while it is empty, requests from that address carrying a key are answered 429 before any key is
  looked up.
* :class:`BodyLimit` — middleware: a body larger than ``max_request_bytes`` (by Content-Length, or
  counted as a chunked body arrives) gets 413, a body that stalls longer than
  ``request_body_timeout_seconds`` gets 408; both name the setting.
* :class:`HeaderLimit` — middleware: a request line and headers larger than
  ``http_max_header_bytes`` get 400 naming the setting. uvicorn's h11 parser (which
  :func:`uvicorn_options` selects) refuses a head still *incomplete* beyond that size, which bounds
  what a client sending it in pieces makes the server hold; but a head that arrives complete in one
  read (asyncio reads up to 256 KiB at once) is parsed whatever its size, and reaches the app.

The buckets live in the process: each process or replica counts on its own.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import SESSION_COOKIE
from app.ratelimit import Buckets, Clock, Rate
from app.settings import Settings


class RateLimited(HTTPException):
    """429 with ``Retry-After``; the message names the limit and its setting."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(429, message, headers={"Retry-After": str(max(1, math.ceil(wait)))})


class KeyRateLimiter:
    """Token buckets per API key by role (:meth:`from_settings`); keys are the keys' digests."""

    def __init__(self, rates: dict[str, Rate], clock: Clock = time.monotonic) -> None:
        self.buckets = {role: Buckets(rate, clock) for role, rate in rates.items() if rate.per_minute}

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> KeyRateLimiter:
        people = Rate(settings.rate_limit_per_minute, settings.rate_limit_burst, "RATE_LIMIT_PER_MINUTE")
        csms = Rate(
            settings.rate_limit_csms_per_minute, settings.rate_limit_csms_burst, "RATE_LIMIT_CSMS_PER_MINUTE"
        )
        return cls({"csms": csms, "technician": people, "admin": people}, clock)

    def charge(self, digest: str, role: str) -> None:
        """Count one request of the key whose SHA-256 is ``digest``; :class:`RateLimited` when
        its bucket is empty (the request is then not served)."""
        buckets = self.buckets.get(role)
        if buckets is None or not (wait := buckets.take(digest)):
            return
        rate = buckets.rate
        raise RateLimited(
            f"rate limit exceeded for this API key: {rate.per_minute} requests per minute, bursts of "
            f"{rate.burst} (CHARGEMEDIC_{rate.setting}); retry in {math.ceil(wait)} s",
            wait,
        )


class AuthFailureLimit:
    """Failed authentications per client address (IPv6 per /64); see the module docstring."""

    def __init__(self, app: ASGIApp, *, per_minute: int, clock: Clock = time.monotonic) -> None:
        self.app = app
        self.failures = Buckets(Rate(per_minute, per_minute, "AUTH_FAILURES_PER_MINUTE"), clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.failures.rate.per_minute or not _carries_key(scope):
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        if wait := self.failures.wait(address):
            await self._refuse(scope, receive, send, wait)
            return
        status, location = 0, b""

        async def watch(message: Message) -> None:
            nonlocal status, location
            if message["type"] == "http.response.start":
                status = message["status"]
                location = dict(message.get("headers", [])).get(b"location", b"")
            await send(message)

        await self.app(scope, receive, watch)
        if status == 401 or (status == 303 and b"reason=expired" in location):
            self.failures.take(address)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, wait: float) -> None:
        per_minute = self.failures.rate.per_minute
        message = (
            f"too many failed authentications from this address: {per_minute} per minute "
            f"(CHARGEMEDIC_AUTH_FAILURES_PER_MINUTE); retry in {max(1, math.ceil(wait))} s"
        )
        detail = {"limit": "auth_failures_per_minute", "per_minute": per_minute}
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        await JSONResponse({"message": message, "detail": detail}, 429, headers)(scope, receive, send)


def _carries_key(scope: Scope) -> bool:
    """Whether the request presents a key: ``Authorization``, the console cookie (read as the app
    reads it), or the login form."""
    headers = Headers(scope=scope)
    if "authorization" in headers or (scope["method"] == "POST" and scope["path"] == "/login"):
        return True
    return SESSION_COOKIE in cookie_parser(headers.get("cookie", ""))


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it (after trusted proxy headers); an IPv6 address
    is reduced to its /64, the block one subscriber usually holds."""
    host = (scope.get("client") or ("unknown", 0))[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return str(host)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, size: int | None = None) -> None:
        size_text = f"of {size} bytes " if size is not None else ""
        super().__init__(
            413,
            f"request body {size_text}is larger than the {limit} bytes allowed "
            "(CHARGEMEDIC_MAX_REQUEST_BYTES)",
        )


class BodyTimeout(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"the request body stalled for more than {seconds:g} s "
            "(CHARGEMEDIC_REQUEST_BODY_TIMEOUT_SECONDS)",
            headers={"Connection": "close"},
        )


class BodyLimit:
    """Bodies above ``max_bytes`` get 413 and bodies stalling past ``timeout`` get 408, as JSON
    naming the setting. The app sees the error while it reads the body (the route's error handler
    answers it); if it escapes the app before the response started, it is answered here."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _problem(BodyTooLarge(self.max_bytes, declared), scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._counting(receive), watch)
        except (BodyTooLarge, BodyTimeout) as refused:
            if started:
                raise
            await _problem(refused, scope, receive, send)

    def _counting(self, receive: Receive) -> Receive:
        received, done = 0, False

        async def limited() -> Message:
            nonlocal received, done
            if done:
                return await receive()
            try:
                async with asyncio.timeout(self.timeout):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(self.timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                done = not message.get("more_body", False)
            return message

        return limited


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _problem(error: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    body = {"message": error.detail, "detail": error.detail}
    await JSONResponse(body, error.status_code, error.headers)(scope, receive, send)


class HeadersTooLarge(HTTPException):
    def __init__(self, limit: int, size: int) -> None:
        super().__init__(
            400,
            f"request line and headers of {size} bytes are larger than the {limit} bytes allowed "
            "(CHARGEMEDIC_HTTP_MAX_HEADER_BYTES)",
            headers={"Connection": "close"},
        )


class HeaderLimit:
    """A request whose line and headers exceed ``max_bytes`` (:func:`head_size`) gets 400, as
    JSON naming the setting, before anything else looks at it; the connection is closed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (size := head_size(scope)) > self.max_bytes:
            await _problem(HeadersTooLarge(self.max_bytes, size), scope, receive, send)
            return
        await self.app(scope, receive, send)


def head_size(scope: Scope) -> int:
    """The size of the request line and headers as sent (``GET /p?q HTTP/1.1``, ``name: value``
    lines, the blank line), give or take the optional whitespace around header values."""
    target = len(scope.get("raw_path") or scope["path"].encode())
    if scope.get("query_string"):
        target += 1 + len(scope["query_string"])
    line = len(scope["method"]) + 1 + target + len(" HTTP/") + len(scope.get("http_version", "1.1")) + 2
    return line + sum(len(name) + 2 + len(value) + 2 for name, value in scope["headers"]) + 2


def install(app: FastAPI, settings: Settings) -> None:
    """Add the header, failed-authentication and body limits to ``app``, checked in that order."""
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_request_bytes, timeout=settings.request_body_timeout_seconds
    )
    app.add_middleware(AuthFailureLimit, per_minute=settings.auth_failures_per_minute)
    if settings.http_max_header_bytes:
        app.add_middleware(HeaderLimit, max_bytes=settings.http_max_header_bytes)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What ``chargemedic serve`` passes to uvicorn: keep-alive, header size and concurrency bounds.
    With a header limit, the h11 parser: it bounds a head arriving in pieces (httptools buffers
    any); :class:`HeaderLimit` refuses one that arrived whole."""
    options: dict[str, Any] = {
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        "limit_concurrency": settings.http_limit_concurrency or None,
    }
    if settings.http_max_header_bytes:
        options |= {"http": "h11", "h11_max_incomplete_event_size": settings.http_max_header_bytes}
    return options
