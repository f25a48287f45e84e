"""Run a scenario: its chargers side by side in one event loop, its events on time, then stop.

End-to-end tests start a :class:`ScenarioRun` and drive its chargers; the benchmark builds many
chargers with :func:`fleet` and runs them the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from app.simulator.firmware import ChargerRefused, Reporter, SimulatedCharger, silent
from app.simulator.scenario import ChargerSpec, Event, OcppVersion, Scenario


@dataclass(frozen=True)
class ChargerSummary:
    id: str
    boots: int
    commands: int
    active_faults: int
    statuses: dict[int, str]
    refused: str | None

    def line(self) -> str:
        if self.refused:
            return f"{self.id}: REFUSED ({self.refused})"
        statuses = ", ".join(f"{c}={s}" for c, s in sorted(self.statuses.items())) or "none reported"
        return (
            f"{self.id}: {self.boots} boot(s), {self.commands} command(s) received, "
            f"{self.active_faults} fault(s) still active; statuses {statuses}"
        )


class ScenarioRun:
    """The chargers of ``scenario`` connected to ``url`` (each appends its id), and its timeline."""

    def __init__(
        self,
        scenario: Scenario,
        url: str,
        *,
        reporter: Reporter = silent,
        response_timeout: float = 30.0,
    ):
        self.scenario = scenario
        self.chargers = {
            spec.id: SimulatedCharger(spec, url, reporter=reporter, response_timeout=response_timeout)
            for spec in scenario.chargers
        }
        self._events: list[asyncio.Task[None]] = []
        self._runners: list[asyncio.Task[None]] = []

    def __getitem__(self, charger_id: str) -> SimulatedCharger:
        return self.chargers[charger_id]

    async def start(self) -> None:
        """Connect every charger, wait until each is online (or refused), then start the timeline:
        event times count from then, so a gateway that is still starting loses no event."""
        self._runners = [charger.start() for charger in self.chargers.values()]
        await asyncio.gather(*(self._online_or_refused(c) for c in self.chargers.values()))
        started = asyncio.get_running_loop().time()
        self._events = [asyncio.ensure_future(self._happen(event, started)) for event in self.scenario.events]

    @staticmethod
    async def _online_or_refused(charger: SimulatedCharger) -> None:
        with contextlib.suppress(ChargerRefused):
            await charger.wait_connected(timeout=None)

    async def run(self) -> list[ChargerSummary]:
        """Start (see :meth:`start`), run ``scenario.duration`` seconds (less if every charger was
        refused), stop; a summary per charger."""
        await self.start()
        try:
            timer = asyncio.ensure_future(asyncio.sleep(self.scenario.duration))
            all_gone = asyncio.ensure_future(asyncio.wait(self._runners))
            await asyncio.wait({timer, all_gone}, return_when=asyncio.FIRST_COMPLETED)
            timer.cancel()
            all_gone.cancel()
        finally:
            await self.stop()
        return self.summary()

    async def stop(self) -> None:
        """Cancel pending events; end sessions and disconnect every charger."""
        for task in self._events:
            task.cancel()
        await asyncio.gather(*(charger.stop() for charger in self.chargers.values()))

    def summary(self) -> list[ChargerSummary]:
        return [
            ChargerSummary(
                id=c.id,
                boots=c.boot_count,
                commands=len(c.commands),
                active_faults=len(c.faults),
                statuses=dict(c.statuses),
                refused=c.refused,
            )
            for c in self.chargers.values()
        ]

    async def _happen(self, event: Event, started: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, started + event.at - loop.time()))
        charger = self.chargers[event.charger]
        if event.fault is not None:
            await charger.report_fault(event.to_fault())
        elif event.session is not None:
            await charger.start_session(event.session)
        elif event.clear is not None:
            await charger.clear_fault(connector=event.clear.connector)


def fleet(
    count: int,
    *,
    ocpp: OcppVersion = "1.6",
    prefix: str = "SIM-BENCH-",
    password: str = "bench-password-0000",
    vendor: str = "VOLTRA",
    model: str = "VX22-T2S",
    site: str | None = "site-bench",
    heartbeat_seconds: float = 300,
    connectors: int = 1,
) -> list[ChargerSpec]:
    """``count`` identical charger specs named ``{prefix}0001`` … (for load tests)."""
    width = max(4, len(str(count)))
    return [
        ChargerSpec(
            id=f"{prefix}{n:0{width}d}",
            ocpp=ocpp,
            password=password,
            vendor=vendor,
            model=model,
            serial=f"{prefix}{n:0{width}d}",
            site=site,
            connectors=connectors,
            heartbeat_seconds=heartbeat_seconds,
        )
        for n in range(1, count + 1)
    ]
