"""A simulated charge point that behaves like firmware: boots, reports, charges, faults, obeys.

State (faults, availability, sessions) lives in :class:`DeviceState` and survives reconnects and
reboots; each connection gets a fresh ``ocpp`` ChargePoint whose commands go to the
:class:`CommandHandler`. Everything runs on the caller's event loop with no threads and no
polling, so one process can hold a thousand of these. Tests observe ``commands``, ``sent``,
``statuses`` and ``boot_count`` and await the ``wait_*`` helpers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from app.simulator.background import Background
from app.simulator.commands import CommandHandler
from app.simulator.device import Command, DeviceState, Sent
from app.simulator.dialect import dialect_for
from app.simulator.link import Link, Uplink
from app.simulator.outbox import Outbox
from app.simulator.scenario import ChargerSpec, Fault, SessionSpec
from app.simulator.sessions import Sessions

Reporter = Callable[[str, str], None]
"""Receives ``(charger_id, line)`` for each thing that happens."""
T = TypeVar("T")


def silent(charger_id: str, line: str) -> None:
    """A reporter that prints nothing."""


class ChargerRefused(Exception):
    """The gateway refused the charger's connection (see ``SimulatedCharger.refused``)."""


class Changes:
    """Wakes waiters whenever the charger's observable state changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], T], timeout: float | None) -> T:
        async with asyncio.timeout(timeout):
            while not (value := predicate()):
                await self._event.wait()
        return value


class SimulatedCharger:
    """One charge point speaking OCPP 1.6J or 2.0.1 to ``{url}/{spec.id}``.

    ``response_timeout`` bounds the wait for the central system's answer to each of our calls;
    ``history`` is how many sent calls ``sent`` keeps (0 for large fleets).
    """

    def __init__(
        self,
        spec: ChargerSpec,
        url: str,
        *,
        reporter: Reporter = silent,
        response_timeout: float = 30.0,
        open_timeout: float = 10.0,
        history: int = 200,
    ):
        self.spec = spec
        self.dialect = dialect_for(spec.ocpp)
        self.state = DeviceState(
            spec.connectors,
            station_faults_affect_connectors=self.dialect.station_faults_affect_connectors,
            session_status=self.dialect.session_status,
        )
        self.boot_count = 0
        self._reporter = reporter
        self._changes = Changes()
        self.handler = CommandHandler(self, say=self.log, changed=self._changes.notify)
        self.uplink = Uplink(
            f"{url.rstrip('/')}/{spec.id}",
            charger_id=spec.id,
            password=spec.password,
            subprotocol=self.dialect.subprotocol,
            make_charge_point=lambda ws: self.dialect.charge_point(
                spec.id, ws, self.handler, response_timeout
            ),
            say=self.log,
            retry_seconds=spec.retry_seconds,
            open_timeout=open_timeout,
        )
        self.outbox = Outbox(
            self.dialect, self.state, self.uplink, say=self.log, changed=self._changes.notify, history=history
        )
        self.sessions = Sessions(
            self.state, self.dialect, self.outbox, log=self.log, ended=self._after_session
        )
        self._background = Background(self.log)
        self._ready = False
        self._booted = False
        self._boot_reason = "PowerUp"
        self._heartbeat_interval = spec.heartbeat_seconds
        self._fixed_by_reboot: list[Fault] = []
        self._runner: asyncio.Task[None] | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def ready(self) -> bool:
        """Connected, booted and done reporting its state."""
        return self._ready

    @property
    def refused(self) -> str | None:
        """Why the gateway refused the connection (e.g. ``HTTP 401 …``), else None."""
        return self.uplink.refused

    @property
    def faults(self) -> list[Fault]:
        return list(self.state.faults)

    @property
    def commands(self) -> list[Command]:
        """Every call received from the central system, with the charger's answer."""
        return self.handler.commands

    @property
    def sent(self) -> list[Sent]:
        """The latest calls the charger sent, with the answers' payloads."""
        return list(self.outbox.sent)

    @property
    def statuses(self) -> dict[int, str]:
        """Last status reported per connector (1.6 connector 0 = the charge point)."""
        return self.outbox.statuses

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run in the background (see :meth:`run`); :meth:`stop` ends it."""
        self._runner = asyncio.ensure_future(self.run())
        return self._runner

    async def run(self) -> None:
        """Stay connected until :meth:`stop` or a refusal."""
        try:
            await self.uplink.run(self._online)
        finally:
            self._changes.notify()

    async def stop(self) -> None:
        """End running sessions (StopTransaction), disconnect and stop."""
        for connector in list(self.state.sessions):
            await self.stop_session(connector, "Local")
        for background in (self._background, self.handler.background, self.sessions.background):
            background.cancel()
        await self.uplink.stop()
        if self._runner is not None:
            await asyncio.wait({self._runner}, timeout=2)
            self._runner.cancel()  # still connecting: give up

    async def reboot(self, kind: str = "Soft") -> None:
        """End sessions, forget the faults a reset fixes, go offline ``reboot_seconds``, boot again.

        ``kind`` is the reset type (1.6 Soft/Hard, 2.0.1 Immediate/OnIdle).
        """
        for connector in list(self.state.sessions):
            await self.stop_session(connector, "HardReset" if kind == "Hard" else "SoftReset")
        fixed = self.state.fixed_by("Reset")
        for fault in fixed:
            self.state.remove_fault(fault)
        self._fixed_by_reboot += fixed
        self._booted, self._boot_reason = False, "RemoteReset"
        self.log(f"rebooting ({kind} reset); back in {self.spec.reboot_seconds:g} s")
        await self.uplink.close(offline_for=self.spec.reboot_seconds)

    async def _online(self, link: Link) -> None:
        self.log(f"connected to {self.uplink.url} ({self.dialect.subprotocol})")
        link.tasks.spawn(self._come_online)
        try:
            await link.serve()
        finally:
            link.tasks.cancel()
            self._ready = False
            self._changes.notify()
            self.log("disconnected")

    async def _come_online(self) -> None:
        just_booted = not self._booted
        interval = await self._boot() if just_booted else self._heartbeat_interval
        await self._report_state(after_boot=just_booted)
        self._ready = True
        self._changes.notify()
        while True:
            await asyncio.sleep(interval)
            await self.outbox.send(self.dialect.heartbeat())

    async def _boot(self) -> float:
        """BootNotification until Accepted; the heartbeat interval to use."""
        while True:
            result = await self.outbox.send(self.dialect.boot(self.spec, self._boot_reason))
            if result is not None and result.status == "Accepted":
                break
            wait = result.interval if result is not None and result.interval > 0 else self.spec.retry_seconds
            self.log(f"boot {result.status if result else 'unanswered'}; trying again in {wait:g} s")
            await asyncio.sleep(wait)
        self._booted = True
        self.boot_count += 1
        offered = result.interval if result.interval > 0 else self.spec.heartbeat_seconds
        self._heartbeat_interval = min(offered, self.spec.heartbeat_seconds)
        self.log(f"booted ({self._boot_reason}); heartbeat every {self._heartbeat_interval:g} s")
        return self._heartbeat_interval

    async def _report_state(self, *, after_boot: bool) -> None:
        """After a boot: what the reboot fixed, every active fault, every status. After a plain
        reconnect: faults found while offline, every status."""
        fixed = self._fixed_by_reboot if after_boot else []
        if after_boot:
            self._fixed_by_reboot = []
        for fault in fixed:
            self.log(f"fault fixed by the reset: {self.dialect.describe(fault)}")
            await self.outbox.send_all(self.dialect.fault_events(fault, cleared=True))
        for fault in list(self.state.faults if after_boot else self.state.unreported):
            again = after_boot and fault not in self.state.unreported
            self.log(
                f"fault {'still there after the reboot' if again else 'sent'}: {self.dialect.describe(fault)}"
            )
            await self.outbox.send_all(self.dialect.fault_events(fault, cleared=False))
            self.state.mark_reported(fault)
        await self.outbox.send_statuses(self.dialect.all_status_targets(self.spec.connectors))

    # ----- faults ----------------------------------------------------------------------------

    async def report_fault(self, fault: Fault) -> None:
        """The charger detects ``fault``: report it now, or when next connected.

        A Faulted status ends a session on the connectors it concerns; ``clears_after`` starts the
        charger's own clearing timer.
        """
        self.state.add_fault(fault)
        self._changes.notify()
        if fault.clears_after is not None:
            self._background.spawn(lambda: self._clear_later(fault))
        if not self._ready:
            self.log(f"fault detected while offline: {self.dialect.describe(fault)}")
            return
        self.log(f"fault: {self.dialect.describe(fault)}")
        await self.outbox.send_fault(fault)
        self.state.mark_reported(fault)
        if fault.status == "Faulted":
            for connector in self.outbox.fault_targets(fault):
                await self.stop_session(connector, "Other")

    async def clear_fault(self, fault: Fault | None = None, *, connector: int | None = None) -> list[Fault]:
        """The charger finds ``fault`` (or every fault on ``connector``, or all) gone and says so."""
        if fault is not None:
            faults = [fault]
        else:
            faults = [f for f in self.state.faults if connector is None or f.connector == connector]
        cleared = [f for f in faults if self.state.remove_fault(f)]
        for gone in cleared:
            self.log(f"fault cleared: {self.dialect.describe(gone)}")
            if self._ready:
                await self.outbox.send_fault(gone, cleared=True)
        self._changes.notify()
        return cleared

    async def _clear_later(self, fault: Fault) -> None:
        await asyncio.sleep(fault.clears_after or 0)
        if any(f is fault for f in self.state.faults):
            await self.clear_fault(fault)

    # ----- sessions --------------------------------------------------------------------------

    async def start_session(self, spec: SessionSpec) -> bool:
        """Authorize, start a transaction, report the connector busy, then meter values until
        ``spec.duration`` has passed (or :meth:`stop_session`). False if it could not start."""
        return await self.sessions.start(spec, online=self._ready)

    async def stop_session(self, connector: int, reason: str = "Local") -> bool:
        """End the session on ``connector`` (reason in 1.6 terms: Local, Remote, Other, SoftReset…)."""
        return await self.sessions.stop(connector, reason)

    async def _after_session(self, connector: int) -> None:
        """Apply availability changes that waited for the session, and a scheduled reset."""
        targets = {connector}
        for changed in self.state.apply_pending_availability():
            targets.update(self.dialect.status_targets(changed, self.spec.connectors))
        await self.outbox.refresh_statuses(sorted(targets))
        if self.state.reset_when_idle and not self.state.sessions:
            self.state.reset_when_idle = False
            await self.reboot("OnIdle")

    # ----- observing -------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], T], timeout: float | None = 10.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every change); its value.

        ``TimeoutError`` after ``timeout`` seconds (None: no limit)."""
        return await self._changes.wait_until(predicate, timeout)

    async def wait_connected(self, timeout: float | None = 10.0) -> None:
        """Until connected, booted and done reporting; ``ChargerRefused`` if the gateway refused."""
        await self.wait_for(self._ready_or_refused, timeout)

    async def wait_booted(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until the ``count``-th boot is done (``boot_count`` includes reboots after a reset)."""
        await self.wait_for(lambda: self._ready_or_refused() and self.boot_count >= count, timeout)

    def _ready_or_refused(self) -> bool:
        if self.uplink.refused:
            raise ChargerRefused(f"{self.id}: {self.uplink.refused}")
        return self._ready

    async def wait_for_command(self, action: str, timeout: float = 10.0, *, since: int = 0) -> Command:
        """The first answered (or ignored) ``action`` among ``commands[since:]``."""

        def found() -> Command | None:
            matches = (c for c in self.commands[since:] if c.action == action and c.answer is not None)
            return next(matches, None)

        return await self.wait_for(found, timeout)

    async def wait_for_status(self, connector: int, status: str, timeout: float = 10.0) -> None:
        """Until ``status`` is the last status reported for ``connector``."""
        await self.wait_for(lambda: self.statuses.get(connector) == status, timeout)

    def log(self, line: str) -> None:
        """Pass ``line`` to the reporter, under this charger's id."""
        self._reporter(self.spec.id, line)
