"""HTTP middleware: a request id for the request's logs, and the request latency metric.

The id comes from the client's ``X-Request-ID`` (1–128 characters of ``A–Z a–z 0–9 . _ : -``)
or is generated; it is bound for everything the request logs — uvicorn's access line included —
and sent back in ``X-Request-ID``. If the request fails with an exception, the id stays bound
so the server's error handler (outside this middleware) logs it too; the request's task ends
right after.
"""

from __future__ import annotations

import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import metrics
from app.observability.logs import bind, unbind

HEADER = "x-request-id"
UNMATCHED = "unmatched"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class ObserveRequests:
    """ASGI middleware (see the module docstring); the latency histogram is labelled with the
    route's template (``/v1/faults/{fault_id}``), never the raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (HEADER.encode(), request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        token = bind(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            metrics.http_request(scope["method"], route_template(scope), status, elapsed)
        unbind(token)


def route_template(scope: Scope) -> str:
    """The matched route's path template (a mount's prefix), or ``unmatched``."""
    return getattr(scope.get("route"), "path", None) or UNMATCHED


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            sent = value.decode("latin-1")
            return sent if _VALID.match(sent) else uuid.uuid4().hex
    return uuid.uuid4().hex
