"""The OCPP-J gateway: charge points connect over websockets at ``/ocpp/{charger_id}``.

* Subprotocols ``ocpp2.0.1`` and ``ocpp1.6``; a client offering neither completes the handshake
  without a subprotocol and is closed at once (1002), as OCPP-J asks (:mod:`app.chargers.handshake`).
* The charger id is the percent-decoded last path segment (``/ocpp/RDAM%20123`` is ``RDAM 123``).
* HTTP Basic authentication per charger (security profile 1; profile 2 with ``ocpp_tls_*``):
  the username must be the charger id and the password must match its stored hash. An unknown
  charger is refused (404, as OCPP-J asks) unless ``ocpp_auto_register`` is on, which registers
  it with the password it presented. A wrong password gets 401. Failed handshakes are limited
  per client address and charger id (``ocpp_auth_failures_per_minute``; then 429).
* One connection per charger: a new one replaces the old (a charger that reconnects before the
  old socket timed out). The registry says who is connected, since when, over which protocol,
  and the ``chargers`` table mirrors it (``connected_node``, ``connected_at``) for the API.
* :meth:`Gateway.send` carries an allowlisted action to a connected charger and tells a
  time-out, a CallError, a refusal, a disconnect and "not connected" apart.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from ocpp.exceptions import OCPPError
from sqlalchemy import Engine, update
from sqlmodel import col, select
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from app.chargers import commands, credentials, sessions
from app.chargers.executors import Outcome, OutcomeStatus
from app.chargers.handshake import (
    NO_SUBPROTOCOL,
    PROTOCOL_ERROR,
    basic_password,
    path_identity,
    select_subprotocol,
)
from app.chargers.station import StationServices
from app.chargers.station16 import Station16
from app.chargers.station201 import Station201
from app.guard.actions import Action, ActionParams
from app.processes import alive
from app.ratelimit import Buckets, Rate
from app.settings import Settings
from app.store import queries
from app.store.db import read_scope, session_scope
from app.store.models import Charger, utcnow

log = logging.getLogger("chargemedic.gateway")
STATIONS = {"ocpp1.6": Station16, "ocpp2.0.1": Station201}
PRESENCE_FLUSH_SECONDS = 15.0
CLOSE_GRACE_SECONDS = 1.0
"""After the socket closes, how long an answer that arrived just before the close may take to be read
(a charger that answers a Reset and hangs up at once)."""
AUTH_CACHE_SECONDS = 60.0
"""A charger that reconnects (e.g. after a reset) within this time is not re-hashed; a password
changed with ``chargemedic chargers add`` applies to new connections within this time."""


@dataclass
class Connection:
    charger_id: str
    version: str
    station: Any
    websocket: ServerConnection
    connected_at: datetime
    remote: str


class Gateway:
    """Start with :meth:`start` inside the service's event loop; :meth:`close` on shutdown."""

    def __init__(self, settings: Settings, *, engine: Engine, services: StationServices) -> None:
        self.settings = settings
        self.engine = engine
        self.services = services
        self.node = node_id()
        self.connections: dict[str, Connection] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._flusher: asyncio.Task | None = None
        self._auth_cache: dict[str, tuple[str, float]] = {}
        failures = settings.ocpp_auth_failures_per_minute
        self._auth_failures = Buckets(Rate(failures, failures, "CHARGEMEDIC_OCPP_AUTH_FAILURES_PER_MINUTE"))

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._forget_dead_nodes)
        self._server = await serve(
            self._serve,
            self.settings.ocpp_host,
            self.settings.ocpp_port,
            select_subprotocol=select_subprotocol,
            process_request=self._admit,
            max_size=self.settings.ocpp_max_message_bytes,
            ssl=self._tls(),
            open_timeout=self.settings.ocpp_open_timeout_seconds,
            ping_interval=60,
            ping_timeout=60,
            reuse_port=self.settings.processes > 1,  # each service process takes a share of chargers
        )
        self._flusher = asyncio.create_task(self._flush_presence_forever())
        log.info("OCPP gateway listening on %s:%s", self.settings.ocpp_host, self.port)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await asyncio.to_thread(self._flush_presence)

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1] if self._server else self.settings.ocpp_port

    def _tls(self) -> ssl.SSLContext | None:
        cert, key = self.settings.ocpp_tls_cert, self.settings.ocpp_tls_key
        if cert is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        return context

    # ---- registry ----------------------------------------------------------------------------
    def is_connected(self, charger_id: str) -> bool:
        return charger_id in self.connections

    def snapshot(self) -> list[dict[str, Any]]:
        """Who is connected to this process: id, protocol, since when, from where."""
        return [
            {
                "charger_id": c.charger_id,
                "protocol": c.version,
                "connected_at": c.connected_at,
                "remote": c.remote,
            }
            for c in sorted(self.connections.values(), key=lambda c: c.charger_id)
        ]

    # ---- handshake ---------------------------------------------------------------------------
    async def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse a bad path, a missing or wrong password, or an unknown charger."""
        charger_id = path_identity(request.path)
        if charger_id is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "connect to /ocpp/{charger_id}\n")
        password = basic_password(request.headers.get("Authorization"), charger_id)
        if password is None:
            response = connection.respond(HTTPStatus.UNAUTHORIZED, "HTTP Basic authentication required\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="chargemedic OCPP"'
            return response
        remote = (connection.remote_address or ("?",))[0]
        attempts_key = f"{remote}|{charger_id}"
        if (wait := self._auth_failures.wait(attempts_key)) > 0:
            response = connection.respond(HTTPStatus.TOO_MANY_REQUESTS, "too many failed attempts\n")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        verdict = await self._check(charger_id, password)
        if verdict != "ok" and self._auth_failures.rate.per_minute:
            self._auth_failures.take(attempts_key)
        if verdict == "unknown":
            return connection.respond(HTTPStatus.NOT_FOUND, f"unknown charger {charger_id}\n")
        if verdict != "ok":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "wrong charger id or password\n")
        return None

    async def _check(self, charger_id: str, password: str) -> str:
        fingerprint = _fingerprint(password)
        cached = self._auth_cache.get(charger_id)
        if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < AUTH_CACHE_SECONDS:
            return "ok"
        verdict = await asyncio.to_thread(self._verify, charger_id, password)
        if verdict == "ok":
            self._auth_cache[charger_id] = (fingerprint, time.monotonic())
        return verdict

    def _verify(self, charger_id: str, password: str) -> str:
        with read_scope(self.engine) as session:
            row = session.get(Charger, charger_id)
            stored = row.password_hash if row else None
        if stored:
            return "ok" if credentials.check_password(password, stored) else "wrong"
        if self.settings.ocpp_auto_register:
            return self._register_on_first_use(charger_id, password)
        return "unknown" if row is None else "no_password"

    def _register_on_first_use(self, charger_id: str, password: str) -> str:
        """``ok`` once registered; ``unknown`` for an identity OCPP does not allow, ``wrong`` for
        a password it does not."""
        try:
            credentials.register_charger(
                self.engine, charger_id=charger_id, password=password, actor="gateway"
            )
        except credentials.CredentialError as exc:
            return "unknown" if exc.field == "charger_id" else "wrong"
        return "ok"

    # ---- a connection ------------------------------------------------------------------------
    async def _serve(self, websocket: ServerConnection) -> None:
        charger_id = path_identity(websocket.request.path)
        if websocket.subprotocol is None:
            offered = ", ".join(websocket.request.headers.get_all("Sec-WebSocket-Protocol"))
            log.warning(
                "%r offered no subprotocol this gateway speaks (%r): closing", charger_id, offered[:200]
            )
            await websocket.close(PROTOCOL_ERROR, NO_SUBPROTOCOL)
            return
        version = websocket.subprotocol.removeprefix("ocpp")
        station = STATIONS[websocket.subprotocol](
            charger_id, websocket, self.services, response_timeout=self.settings.ocpp_call_timeout_seconds
        )
        remote = ":".join(str(p) for p in (websocket.remote_address or ())[:2])
        conn = Connection(charger_id, version, station, websocket, utcnow(), remote)
        await self._mark(conn, connected=True)
        previous = self.connections.get(charger_id)
        self.connections[charger_id] = conn
        if previous is not None:
            await previous.websocket.close(1000, "replaced by a new connection")
        try:
            await station.start()
        except ConnectionClosed:
            pass
        finally:
            if self.connections.get(charger_id) is conn:
                del self.connections[charger_id]
                await self._mark(conn, connected=False)

    async def _mark(self, conn: Connection, *, connected: bool) -> None:
        def write() -> None:
            with session_scope(self.engine) as session:
                row = session.get(Charger, conn.charger_id) or Charger(id=conn.charger_id)
                if connected:
                    row.connected_node, row.connected_at, row.ocpp_version = (
                        self.node,
                        conn.connected_at,
                        conn.version,
                    )
                elif row.connected_node == self.node:  # not if it reconnected to another replica since
                    row.connected_node, row.disconnected_at = None, utcnow()
                row.last_seen_at = utcnow()
                session.add(row)
                kind = "ocpp.connected" if connected else "ocpp.disconnected"
                detail = {"protocol": conn.version, "remote": conn.remote, "node": self.node}
                queries.audit(session, actor="gateway", kind=kind, charger_id=conn.charger_id, detail=detail)

        try:
            await asyncio.to_thread(write)
        except Exception:  # the connection works without its mirror row; log and carry on
            log.exception("recording the connection of %s failed", conn.charger_id)

    # ---- commands ----------------------------------------------------------------------------
    async def send(self, charger_id: str, action: Action, params: ActionParams) -> Outcome:
        """Send ``action`` to ``charger_id`` and wait for its answer (see the module docstring)."""
        conn = self.connections.get(charger_id)
        if conn is None:
            return _outcome(OutcomeStatus.NOT_CONNECTED, f"{charger_id} is not connected to this gateway")
        try:
            busy = commands.needs_busy(conn.version, action) and await asyncio.to_thread(
                self._busy, charger_id
            )
            payload = commands.build(conn.version, action, params, busy=busy)
        except commands.CommandError as exc:
            return _outcome(OutcomeStatus.ERROR, f"not sent: {exc}")
        return await _call(conn, payload)

    def _busy(self, charger_id: str) -> bool:
        with read_scope(self.engine) as session:
            return bool(sessions.busy_connectors(session, charger_id=charger_id))

    # ---- presence ----------------------------------------------------------------------------
    async def _flush_presence_forever(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_FLUSH_SECONDS)
            try:
                await asyncio.to_thread(self._flush_presence)
            except Exception:  # database briefly unavailable: next round
                log.exception("recording charger presence failed")

    def _flush_presence(self) -> None:
        seen, self.services.seen = self.services.seen, {}
        if not seen:
            return
        with session_scope(self.engine) as session:
            for charger_id, at in seen.items():
                session.exec(update(Charger).where(col(Charger.id) == charger_id).values(last_seen_at=at))

    def _forget_dead_nodes(self) -> None:
        """Connections recorded by a process of this host that no longer runs are gone."""
        host = socket.gethostname()
        with session_scope(self.engine) as session:
            nodes = session.exec(
                select(Charger.connected_node)
                .where(col(Charger.connected_node).startswith(f"{host}:"))
                .distinct()
            ).all()
            dead = [n for n in nodes if not alive(_pid(n)) or n == self.node]
            if dead:
                session.exec(
                    update(Charger)
                    .where(col(Charger.connected_node).in_(dead))
                    .values(connected_node=None, disconnected_at=utcnow())
                )


async def _call(conn: Connection, payload: Any) -> Outcome:
    """One call, raced against the connection closing."""
    call = asyncio.ensure_future(conn.station.call(payload, suppress=False))
    closed = asyncio.ensure_future(conn.websocket.wait_closed())
    try:
        await asyncio.wait({call, closed}, return_when=asyncio.FIRST_COMPLETED)
        if not call.done():  # frames received before the close are still being read: the answer?
            await asyncio.wait({call}, timeout=CLOSE_GRACE_SECONDS)
    finally:
        closed.cancel()
    if not call.done():
        call.cancel()
        return _outcome(OutcomeStatus.DISCONNECTED, "the connection closed before the charger answered")
    try:
        return commands.interpret(call.result()).model_copy(update={"executor": "ocpp"})
    except TimeoutError:
        if closed.done() and not closed.cancelled():
            return _outcome(OutcomeStatus.DISCONNECTED, "the connection closed before the charger answered")
        return _outcome(OutcomeStatus.TIMEOUT, f"no answer within {conn.station._response_timeout:g} s")
    except OCPPError as exc:
        return _outcome(OutcomeStatus.CALL_ERROR, f"{exc.code}: {exc.description}"[:500])
    except ConnectionClosed:
        return _outcome(OutcomeStatus.NOT_CONNECTED, "the connection was closed; nothing was sent")


def _outcome(status: OutcomeStatus, detail: str) -> Outcome:
    return Outcome(status=status, detail=detail, executor="ocpp")


def _fingerprint(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def node_id() -> str:
    """A name for this service process, unique across hosts, processes and restarts:
    ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _pid(node: str) -> int:
    try:
        return int(node.split(":")[1])
    except (IndexError, ValueError):
        return -1
