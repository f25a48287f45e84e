"""One websocket connection of a simulated charger, and the loop that keeps one open."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from app.simulator.background import Background


class LinkClosed(Exception):
    """The connection ended before the call was answered."""


class Link:
    """A connection and the ChargePoint reading it; calls fail fast once it has closed."""

    def __init__(self, ws: ClientConnection, charge_point: Any, *, say: Callable[[str], None]):
        self.ws = ws
        self.charge_point = charge_point
        self.closed = asyncio.Event()
        self.tasks = Background(say)
        """Work that lives only as long as this connection (boot, heartbeats)."""

    async def serve(self) -> None:
        """Read and route messages until the connection closes."""
        try:
            await self.charge_point.start()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def call(self, payload: Any, *, skip_validation: bool = False) -> Any:
        """The answer's payload object; ``LinkClosed`` if the connection ends first.

        Raises the library's ``OCPPError`` for a CallError and ``TimeoutError`` without an answer.
        """
        if self.closed.is_set():
            raise LinkClosed
        call = asyncio.ensure_future(
            self.charge_point.call(payload, suppress=False, skip_schema_validation=skip_validation)
        )
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({call, closed}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            call.cancel()
            raise
        finally:
            closed.cancel()
        if not call.done():
            call.cancel()
            raise LinkClosed
        try:
            return call.result()
        except ConnectionClosed:
            raise LinkClosed from None

    async def close(self) -> None:
        await self.ws.close()
        self.closed.set()


Online = Callable[[Link], Awaitable[None]]
"""Runs while a connection lives (returns when it has closed)."""


class Uplink:
    """Keeps one charger connected to the gateway: connect, retry while unreachable, stop if refused.

    HTTP Basic auth (OCPP security profile 1) with the charger id as user name. A refused upgrade
    (HTTP 401, 404, …) or a missing subprotocol is a configuration problem: it is reported once in
    ``refused`` and the charger stays offline; an unreachable gateway is retried.
    """

    def __init__(
        self,
        url: str,
        *,
        charger_id: str,
        password: str,
        subprotocol: str,
        make_charge_point: Callable[[ClientConnection], Any],
        say: Callable[[str], None],
        retry_seconds: float,
        open_timeout: float = 10.0,
    ):
        self.url, self.subprotocol, self.retry_seconds = url, subprotocol, retry_seconds
        token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}
        self._make_charge_point, self._say, self._open_timeout = make_charge_point, say, open_timeout
        self.link: Link | None = None
        self.refused: str | None = None
        self._offline_for: float | None = None
        self._unreachable = False
        self._stopped = asyncio.Event()

    async def run(self, online: Online) -> None:
        """Connect and run ``online`` per connection until :meth:`stop` or a refusal."""
        while not self._stopped.is_set():
            delay = await self._attempt(online)
            if delay is None:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), delay)

    async def _attempt(self, online: Online) -> float | None:
        """One connection; the wait before the next, or None to give up."""
        try:
            async with connect(
                self.url,
                subprotocols=[self.subprotocol],
                additional_headers=self._headers,
                compression=None,
                open_timeout=self._open_timeout,
            ) as ws:
                if ws.subprotocol != self.subprotocol:
                    return self._refuse(f"the gateway did not accept subprotocol {self.subprotocol}")
                self._unreachable = False
                self.link = Link(ws, self._make_charge_point(ws), say=self._say)
                try:
                    await online(self.link)
                finally:
                    self.link = None
        except InvalidStatus as error:
            return self._refuse(_refusal(error.response.status_code))
        except InvalidURI as error:
            return self._refuse(f"invalid URL: {error}")
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
            self._report_unreachable(error)
        delay, self._offline_for = self._offline_for, None
        return self.retry_seconds if delay is None else delay

    def _refuse(self, reason: str) -> None:
        self.refused = reason
        self._say(f"REFUSED: {reason}; this charger stays offline")
        return None

    def _report_unreachable(self, error: BaseException) -> None:
        if not self._unreachable:
            detail = str(error) or type(error).__name__
            self._say(f"cannot reach {self.url}: {detail}; retrying every {self.retry_seconds:g} s")
        self._unreachable = True

    async def close(self, *, offline_for: float | None = None) -> None:
        """Close the current connection; reconnect after ``offline_for`` (default retry_seconds)."""
        self._offline_for = offline_for
        if self.link is not None:
            await self.link.close()

    async def stop(self) -> None:
        self._stopped.set()
        if self.link is not None:
            await self.link.close()


def _refusal(status: int) -> str:
    hints = {
        401: "unknown charger or wrong password; register it (without --no-register) or check the password",
        403: "forbidden by the gateway",
        404: "no such path; check the URL and the charger id",
    }
    return f"HTTP {status}" + (f" ({hints[status]})" if status in hints else "")
