"""The intake benchmark's load and service: HTTP senders and a ``chargemedic serve`` process.

Two senders, both aiohttp with pre-encoded bodies (they share the CPU with the server, and a
heavier client — httpx costs ~2-4 ms of CPU per request here — would measure itself):

* :func:`post_events` posts a fixed range of events once each, for throughput;
* :func:`deliver` behaves like a CSMS's outbox: every event is kept until the service
  acknowledges it (202, or 200 for an ``event_id`` it already holds) and sent again after a
  failure — a refused connection, a reset, a 5xx, a 429 — until a deadline. It makes new events
  for a while, then only re-sends what is still unacknowledged.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

CONCURRENCY = 32
CHARGERS = 300
LEASE_SECONDS = 3
RETRY_PAUSE_SECONDS = 0.2
"""How long a sender waits after a failed send before its next one."""
ACKNOWLEDGED = (200, 202)
START_SECONDS = 180
"""How long a start may take (imports alone take tens of seconds on a loaded 2-core machine)."""


@dataclass
class Load:
    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def event(n: int, run: str) -> dict:
    """The n-th event: a fault on every other message of a charger, then its recovery."""
    charger = f"CP-{n % CHARGERS:04d}"
    faulted = (n // CHARGERS) % 2 == 0
    return {
        "event_id": f"{run}-{n}",
        "charger_id": charger,
        "ocpp_version": "1.6",
        "charger": {"vendor": "Voltra", "model": "VX22-T2S", "site_id": f"site-{n % 10}"},
        "status_notification": {
            "connectorId": 1,
            "errorCode": "GroundFailure" if faulted else "NoError",
            "status": "Faulted" if faulted else "Available",
            "vendorErrorCode": "E-06" if faulted else None,
        },
    }


def _client(base: str, key: str) -> aiohttp.ClientSession:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    return aiohttp.ClientSession(
        base, headers=headers, connector=connector, timeout=aiohttp.ClientTimeout(10)
    )


async def _post(client: aiohttp.ClientSession, data: bytes) -> int | str:
    """The answer's status, or the name of the error that stopped the request."""
    try:
        async with client.post("/v1/events", data=data) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__


async def post_events(base: str, key: str, numbers: range, run: str, load: Load) -> None:
    """Post each of ``numbers`` once with ``CONCURRENCY`` clients, recording what was acknowledged."""
    pending = iter(numbers)
    started = time.perf_counter()
    async with _client(base, key) as client:

        async def client_loop() -> None:
            for n in pending:
                body = event(n, run)
                began = time.perf_counter()
                status = await _post(client, json.dumps(body).encode())
                if status in ACKNOWLEDGED:
                    load.acked.add(body["event_id"])
                    load.latencies.append(time.perf_counter() - began)
                else:
                    load.errors[str(status)] += 1

        await asyncio.gather(*(client_loop() for _ in range(CONCURRENCY)))
    load.seconds = time.perf_counter() - started


@dataclass
class Outbox:
    """The events of one run, each kept until acknowledged (see :func:`deliver`)."""

    run: str
    make_new_until: float = float("inf")
    """Until this ``time.monotonic()`` instant new events are made; after it, only re-sends."""
    made: int = 0
    """Events made so far: ``<run>-0`` … ``<run>-<made - 1>``."""
    again: deque[int] = field(default_factory=deque)
    """Made, sent, not acknowledged: to send again."""
    in_flight: int = 0
    acked: set[str] = field(default_factory=set)
    sends: Counter = field(default_factory=Counter)
    """Sends per event id (more than one: it was re-sent)."""
    replayed: set[str] = field(default_factory=set)
    """Acknowledged as already held (200): an earlier send was stored, its answer lost."""
    refused: dict[str, int] = field(default_factory=dict)
    """Event id → a final 4xx answer: never sent again (it would be a bug in the sender)."""
    failures: Counter = field(default_factory=Counter)
    """Failed sends by status or error (each was sent again)."""

    def take(self, *, make_new: bool) -> int | None:
        """The next event to send: one to send again first, else a new one while ``make_new``."""
        if self.again:
            return self.again.popleft()
        if not make_new:
            return None
        self.made += 1
        return self.made - 1

    @property
    def unacknowledged(self) -> set[str]:
        """Made but never acknowledged (refused, or still failing when the sender gave up)."""
        return {f"{self.run}-{n}" for n in range(self.made)} - self.acked

    @property
    def resent(self) -> set[str]:
        return {event_id for event_id, sends in self.sends.items() if sends > 1}


async def deliver(base: str, key: str, outbox: Outbox, *, give_up_at: float) -> None:
    """Send ``outbox``'s events until each is acknowledged, making new ones until its
    ``make_new_until`` and giving up at ``give_up_at`` (a ``time.monotonic()`` instant)."""
    async with _client(base, key) as client:

        async def client_loop() -> None:
            while time.monotonic() < give_up_at:
                n = outbox.take(make_new=time.monotonic() < outbox.make_new_until)
                if n is None:
                    if outbox.in_flight == 0 and time.monotonic() >= outbox.make_new_until:
                        return  # nothing left to make, send or wait for
                    await asyncio.sleep(RETRY_PAUSE_SECONDS)
                    continue
                event_id = f"{outbox.run}-{n}"
                outbox.sends[event_id] += 1
                outbox.in_flight += 1
                status = await _post(client, json.dumps(event(n, outbox.run)).encode())
                outbox.in_flight -= 1
                if status in ACKNOWLEDGED:
                    outbox.acked.add(event_id)
                    if status == 200:
                        outbox.replayed.add(event_id)
                elif isinstance(status, int) and 400 <= status < 500 and status != 429:
                    outbox.refused[event_id] = status
                else:
                    outbox.failures[str(status)] += 1
                    outbox.again.append(n)
                    await asyncio.sleep(RETRY_PAUSE_SECONDS)

        await asyncio.gather(*(client_loop() for _ in range(CONCURRENCY)))


class Server:
    """A ``chargemedic serve`` process on free loopback ports (HTTP, and the OCPP gateway's,
    which the operating system picks), queue workers on."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.env = os.environ | {
            "CHARGEMEDIC_DATA_DIR": str(data_dir),
            "CHARGEMEDIC_PORT": str(self.port),
            "CHARGEMEDIC_OCPP_PORT": "0",  # never the default 9000 another service may hold
            "CHARGEMEDIC_WORKERS": "2",
            "CHARGEMEDIC_LEASE_SECONDS": str(LEASE_SECONDS),
            "CHARGEMEDIC_LOG_LEVEL": "warning",
        }
        if database_url:
            self.env["CHARGEMEDIC_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        chargemedic = Path(sys.executable).parent / "chargemedic"
        with self.log.open("ab") as log:  # a file, not a pipe: an unread pipe would block the server
            self.process = subprocess.Popen(
                [str(chargemedic), "serve"], env=self.env, stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()  # never left running behind a failed start
        raise RuntimeError(
            f"server did not answer /healthz within {START_SECONDS:g} s: "
            + self.log.read_text(errors="replace")[-4000:]
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
