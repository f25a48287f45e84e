"""The receiving end of the command relay (:mod:`app.chargers.relay`): a gateway node takes the
commands addressed to it and sends them to its chargers.

Runs on the gateway's event loop. It registers the node and keeps its heartbeat, wakes on
``NOTIFY chargemedic_relay '<node>'`` (PostgreSQL) or every ``poll_seconds``, takes pending
commands (``pending → sending``, compare-and-set), sends each through the gateway and records the
outcome (``done``, NOTIFY ``chargemedic_relay_done``). A row's action must be an allowlist member
and its parameters valid, or the command is refused unsent. On close, commands still pending for
this node are expired (nothing was sent) and the node is removed, so requesters stop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import Engine, delete, update
from sqlmodel import col

from app.chargers.executors import Outcome, OutcomeStatus
from app.chargers.relay import DONE, DONE_CHANNEL, EXPIRED, NODE_CHANNEL, PENDING, SENDING, libpq_url, notify
from app.guard.actions import Action, ActionParams
from app.observability.logs import bound
from app.store.db import session_scope
from app.store.models import GatewayNode, RelayedCommand, utcnow

log = logging.getLogger("chargemedic.relay")
RETENTION = timedelta(days=7)
"""Finished relay rows are kept this long (the action attempt keeps the outcome for good)."""
FINISH_TRIES = 3


class RelayServer:
    """Start with :meth:`start` on the gateway's loop; :meth:`close` before the gateway closes."""

    def __init__(
        self, engine: Engine, gateway: Any, *, poll_seconds: float, heartbeat_seconds: float
    ) -> None:
        self.engine, self.gateway = engine, gateway
        self.node: str = gateway.node
        self.poll_seconds, self.heartbeat_seconds = poll_seconds, heartbeat_seconds
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task] = []
        self._sending: set[asyncio.Task] = set()

    async def start(self) -> None:
        await asyncio.to_thread(self._register)
        self._loops = [
            asyncio.create_task(self._take_forever()),
            asyncio.create_task(self._heartbeat_forever()),
        ]
        if (url := libpq_url(self.engine)) is not None:
            self._loops.append(asyncio.create_task(self._listen_forever(url)))

    async def close(self) -> None:
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        await asyncio.gather(*self._sending, return_exceptions=True)
        try:
            await asyncio.to_thread(self._unregister)
        except Exception:  # the database is gone too: requesters expire the rows themselves
            log.exception("unregistering relay node %s failed", self.node)

    # ---- taking and sending ------------------------------------------------------------------
    async def _take_forever(self) -> None:
        while True:
            self._wake.clear()
            try:
                for row in await asyncio.to_thread(self._take):
                    task = asyncio.create_task(self._carry(*row))
                    self._sending.add(task)
                    task.add_done_callback(self._sending.discard)
            except Exception:  # database briefly unavailable: next round
                log.exception("taking relayed commands failed")
            with contextlib.suppress(TimeoutError):  # not wait_for: on 3.11 it can swallow close()'s
                async with asyncio.timeout(self.poll_seconds):  # cancel when the wake fires at that moment
                    await self._wake.wait()

    def _take(self) -> list[tuple[int, str, str, dict, str | None]]:
        """Claim this node's pending commands whose deadline has not passed."""
        now = utcnow()
        with session_scope(self.engine) as session:
            result = session.execute(
                update(RelayedCommand)
                .where(
                    col(RelayedCommand.node) == self.node,
                    col(RelayedCommand.status) == PENDING,
                    col(RelayedCommand.deadline_at) > now,
                )
                .values(status=SENDING, picked_at=now)
                .returning(
                    RelayedCommand.id,
                    RelayedCommand.charger_id,
                    RelayedCommand.action,
                    RelayedCommand.params,
                    RelayedCommand.command_id,
                )
            )
            return [tuple(row) for row in result.all()]

    async def _carry(self, row_id: int, charger_id: str, action: str, params: dict, command_id: str) -> None:
        attempt_id = int(command_id) if command_id and command_id.isdigit() else None
        with bound(charger_id=charger_id, attempt_id=attempt_id):
            try:
                outcome = await self.gateway.send(charger_id, Action(action), ActionParams(**params))
            except (ValueError, ValidationError) as exc:  # not an allowlist member: never sent
                outcome = Outcome(status=OutcomeStatus.ERROR, detail=f"refused, not sent: {exc}"[:500])
            log.info("relayed %s to %s (relay row %s): %s", action, charger_id, row_id, outcome.status.value)
        for attempt in range(FINISH_TRIES):
            try:
                await asyncio.to_thread(self._finish, row_id, outcome)
                return
            except Exception:  # the requester reports a time-out if this never lands
                log.exception("recording relayed command %s failed (try %d)", row_id, attempt + 1)
                await asyncio.sleep(1.0)

    def _finish(self, row_id: int, outcome: Outcome) -> None:
        with session_scope(self.engine) as session:
            session.exec(
                update(RelayedCommand)
                .where(col(RelayedCommand.id) == row_id)
                .values(
                    status=DONE,
                    outcome_status=outcome.status.value,
                    outcome_detail=outcome.detail,
                    done_at=utcnow(),
                )
            )
            notify(session, DONE_CHANNEL, str(row_id))

    # ---- waking ------------------------------------------------------------------------------
    async def _listen_forever(self, url: str) -> None:
        """LISTEN for commands addressed to this node; reconnects after a database restart."""
        backoff = 1.0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {NODE_CHANNEL}")
                    self._wake.set()  # catch up on anything sent while not listening
                    backoff = 1.0
                    async for message in connection.notifies():
                        if message.payload == self.node:
                            self._wake.set()
            except Exception as exc:  # any loss of the connection: reconnect
                log.warning("relay LISTEN connection lost (%s); polling until it is back", exc)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    # ---- presence ----------------------------------------------------------------------------
    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await asyncio.to_thread(self._register)
            except Exception:  # database briefly unavailable: next beat
                log.exception("relay heartbeat of %s failed", self.node)

    def _register(self) -> None:
        """Record (or refresh) this node as alive, and drop relay rows past their retention."""
        now = utcnow()
        with session_scope(self.engine) as session:
            node = session.get(GatewayNode, self.node) or GatewayNode(id=self.node, started_at=now)
            node.heartbeat_at = now
            session.add(node)
            session.exec(
                delete(RelayedCommand).where(
                    col(RelayedCommand.status).in_((DONE, EXPIRED)),
                    col(RelayedCommand.created_at) < now - RETENTION,
                )
            )

    def _unregister(self) -> None:
        with session_scope(self.engine) as session:
            expired = session.exec(
                update(RelayedCommand)
                .where(col(RelayedCommand.node) == self.node, col(RelayedCommand.status) == PENDING)
                .values(status=EXPIRED, done_at=utcnow())
            ).rowcount
            session.exec(delete(GatewayNode).where(col(GatewayNode.id) == self.node))
            if expired:
                notify(session, DONE_CHANNEL, "expired")
