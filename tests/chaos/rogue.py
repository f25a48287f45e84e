"""A charge point that speaks OCPP 1.6J by hand over a real websocket, so a test can make it
misbehave exactly: answer late, hang up mid-command, send garbage or oversized frames.

It records every call the gateway sends it (``calls``) and answers only the actions listed in
``auto_answer``; the test answers the others itself — or does not.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.chaos.harness import PASSWORD

Call = tuple[str, str, dict[str, Any]]
"""``(message id, action, payload)`` of a call the gateway sent."""


class Rogue:
    def __init__(self, websocket: ClientConnection, auto_answer: dict[str, dict[str, Any]]) -> None:
        self.ws = websocket
        self.auto_answer = auto_answer
        self.calls: list[Call] = []
        self.errors: list[list] = []
        self._new_call = asyncio.Event()
        self._results: dict[str, asyncio.Future] = {}
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read())

    @classmethod
    @asynccontextmanager
    async def connected(
        cls, port: int, charger_id: str, *, auto_answer: dict[str, dict[str, Any]] | None = None
    ) -> AsyncIterator[Rogue]:
        """Connected to the gateway on ``port`` as ``charger_id`` (Basic auth, ``ocpp1.6``)."""
        token = base64.b64encode(f"{charger_id}:{PASSWORD}".encode()).decode()
        async with connect(
            f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
            subprotocols=["ocpp1.6"],
            additional_headers={"Authorization": f"Basic {token}"},
        ) as websocket:
            rogue = cls(websocket, auto_answer or {"TriggerMessage": {"status": "Accepted"}})
            try:
                yield rogue
            finally:
                rogue._reader.cancel()

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 5.0) -> list:
        """Send a call and return the gateway's answer frame (CallResult or CallError)."""
        message_id = f"r{next(self._ids)}"
        answer = self._results[message_id] = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps([2, message_id, action, payload]))
        return await asyncio.wait_for(answer, timeout)

    async def boot_and_report(self, code: str = "ReaderFailure") -> None:
        """BootNotification (ACME DC-50), then a StatusNotification reporting ``code`` on connector 1."""
        boot = await self.call("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "DC-50"})
        assert boot[0] == 3 and boot[2]["status"] == "Accepted", boot
        status = {"connectorId": 1, "errorCode": code, "status": "Faulted"}
        assert (await self.call("StatusNotification", status))[0] == 3

    async def next_call(self, action: str, timeout: float = 20.0) -> Call:
        """The first call of ``action`` received (waiting for it if need be)."""
        async with asyncio.timeout(timeout):
            while not (found := [c for c in self.calls if c[1] == action]):
                self._new_call.clear()
                await self._new_call.wait()
        return found[0]

    async def answer(self, message_id: str, payload: Any) -> None:
        await self.ws.send(json.dumps([3, message_id, payload]))

    async def closed(self, timeout: float = 5.0) -> int | None:
        """Wait until the gateway closed the connection; its close code."""
        await asyncio.wait_for(self.ws.wait_closed(), timeout)
        return self.ws.close_code

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame[0] == 2:
                    await self._received(frame[1], frame[2], frame[3])
                elif (answer := self._results.pop(frame[1], None)) is not None:
                    answer.set_result(frame)
                else:
                    self.errors.append(frame)  # a CallError for a frame it could not read
        except ConnectionClosed:
            pass

    async def _received(self, message_id: str, action: str, payload: dict[str, Any]) -> None:
        self.calls.append((message_id, action, payload))
        self._new_call.set()
        if action in self.auto_answer:
            await self.answer(message_id, self.auto_answer[action])
