"""Charging sessions of a simulated charger: authorize, start, meter values, stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from app.simulator.background import Background
from app.simulator.device import DeviceState, Session
from app.simulator.dialect import Dialect
from app.simulator.outbox import Outbox
from app.simulator.scenario import SessionSpec


class Sessions:
    """Runs the sessions in ``state.sessions``; ``ended(connector)`` runs after each one ends."""

    def __init__(
        self,
        state: DeviceState,
        dialect: Dialect,
        outbox: Outbox,
        *,
        log: Callable[[str], None],
        ended: Callable[[int], Awaitable[None]],
    ):
        self.state, self.dialect, self.outbox = state, dialect, outbox
        self._log, self._ended = log, ended
        self.background = Background(log)
        self._meters: dict[int, asyncio.Task[Any]] = {}

    async def start(self, spec: SessionSpec, *, online: bool) -> bool:
        """Authorize, start a transaction, report the connector busy, then meter values until
        ``spec.duration`` has passed (or :meth:`stop`). False if it could not start."""
        where = self.dialect.where(spec.connector)
        status = self.state.status_of(spec.connector)[0]
        if not online or status != "Available":
            self._log(f"cannot start a session on {where}: {status if online else 'offline'}")
            return False
        session = Session(spec, meter_start=self.state.meter_wh[spec.connector])
        self.state.sessions[spec.connector] = session
        authorized = await self.outbox.send(self.dialect.authorize(session))
        started = authorized is not None and self.dialect.accepted(authorized)
        answer = await self.outbox.send(self.dialect.start_transaction(session)) if started else None
        if answer is None or not self.dialect.started(session, answer):
            del self.state.sessions[spec.connector]
            self._log(f"session on {where} not started: tag {spec.id_tag} not accepted or no answer")
            return False
        self._log(f"session started on {where} ({spec.id_tag}), transaction {session.transaction_id}")
        await self.outbox.send_statuses([spec.connector])
        self._meters[spec.connector] = self.background.spawn(lambda: self._meter(session))
        return True

    async def _meter(self, session: Session) -> None:
        """MeterValues every ``meter_seconds``; ends the session when its duration is up."""
        every = session.spec.meter_seconds
        end = session.started + session.spec.duration if session.spec.duration else None
        while True:
            await asyncio.sleep(every if end is None else max(0.0, min(every, end - time.monotonic())))
            if end is not None and time.monotonic() >= end - 1e-3:
                await self.stop(session.connector, "Local")
                return
            await self.outbox.send(self.dialect.meter_values(session))

    async def stop(self, connector: int, reason: str = "Local") -> bool:
        """End the session on ``connector`` (reason in 1.6 terms: Local, Remote, Other, SoftReset…)."""
        session = self.state.sessions.pop(connector, None)
        if session is None:
            return False
        meter = self._meters.pop(connector, None)
        if meter is not None and meter is not asyncio.current_task():
            meter.cancel()
        self.state.meter_wh[connector] = session.meter_wh()
        await self.outbox.send(self.dialect.stop_transaction(session, reason))
        energy = session.meter_wh() - session.meter_start
        self._log(f"session ended on {self.dialect.where(connector)}: {energy} Wh ({reason})")
        await self._ended(connector)
        return True
