"""The simulated charger's state, independent of OCPP version and of any connection.

Status precedence per connector: Unavailable (set by the central system) over an active fault's
status over a running session over Available. In 1.6 a fault on connector 0 concerns connector 0
only (the charge point); in 2.0.1 it concerns every EVSE, which has no station-level status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.simulator.scenario import CommandMode, Fault, FixCommand, SessionSpec


def utc_now() -> str:
    """Wire timestamp: UTC, milliseconds, ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Outgoing:
    """One message the charger sends; ``skip_validation`` for deliberately non-standard payloads."""

    payload: Any
    skip_validation: bool = False


@dataclass
class Command:
    """A call received from the central system and what the charger did with it."""

    action: str
    payload: dict[str, Any]
    answer: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Sent:
    """A call the charger sent; ``result`` is the answer's payload (snake_case), None if there was none."""

    action: str
    payload: dict[str, Any]
    result: dict[str, Any] | None


@dataclass
class Session:
    """A charging session (1.6 transaction, 2.0.1 transaction) on one connector."""

    spec: SessionSpec
    meter_start: int
    started: float = field(default_factory=time.monotonic)
    transaction_id: int | str | None = None
    seq_no: int = 0

    @property
    def connector(self) -> int:
        return self.spec.connector

    def meter_wh(self, now: float | None = None) -> int:
        """Energy register now: start plus power × elapsed time."""
        elapsed = (now if now is not None else time.monotonic()) - self.started
        return self.meter_start + int(self.spec.power_w * elapsed / 3600)


class DeviceState:
    """Faults, availability and sessions of one charger; survives reconnects and reboots."""

    def __init__(self, connectors: int, *, station_faults_affect_connectors: bool, session_status: str):
        self.connectors = connectors
        self.station_faults_affect_connectors = station_faults_affect_connectors
        self.session_status = session_status
        self.faults: list[Fault] = []
        self.unreported: list[Fault] = []
        self.inoperative: set[int] = set()
        self.pending_availability: dict[int, bool] = {}
        self.sessions: dict[int, Session] = {}
        self.meter_wh: dict[int, int] = dict.fromkeys(range(1, connectors + 1), 0)
        self.reset_when_idle = False

    def command_mode(self) -> CommandMode:
        """The newest active fault's mode; ``answer`` when healthy."""
        return self.faults[-1].commands if self.faults else "answer"

    def add_fault(self, fault: Fault) -> None:
        """Activate ``fault`` (unreported), replacing an active one that reports the same thing."""
        self.faults = [f for f in self.faults if _key(f) != _key(fault)] + [fault]
        self.unreported = [f for f in self.unreported if _key(f) != _key(fault)] + [fault]

    def mark_reported(self, fault: Fault) -> None:
        self.unreported = [f for f in self.unreported if f is not fault]

    def remove_fault(self, fault: Fault) -> bool:
        before = len(self.faults)
        self.faults = [f for f in self.faults if f is not fault]
        self.unreported = [f for f in self.unreported if f is not fault]
        return len(self.faults) < before

    def fixed_by(self, command: FixCommand, connector: int | None = None) -> list[Fault]:
        """Active faults ``command`` fixes (on ``connector``, when given)."""
        return [
            f
            for f in self.faults
            if command in f.fixed_by and (connector is None or f.connector == connector)
        ]

    def faults_on(self, connector: int) -> list[Fault]:
        spread = self.station_faults_affect_connectors and connector != 0
        return [f for f in self.faults if f.connector == connector or (spread and f.connector == 0)]

    def is_inoperative(self, connector: int) -> bool:
        return connector in self.inoperative or 0 in self.inoperative

    def busy(self, connector: int) -> bool:
        """A session runs on ``connector`` (on any connector, for 0)."""
        return bool(self.sessions) if connector == 0 else connector in self.sessions

    def status_of(self, connector: int) -> tuple[str, Fault | None]:
        """The status to report and the fault it comes from (None unless the status is the fault's)."""
        faults = self.faults_on(connector)
        if self.is_inoperative(connector):
            return "Unavailable", None
        if faults:
            return faults[-1].status, faults[-1]
        if connector in self.sessions:
            return self.session_status, None
        return "Available", None

    def set_availability(self, connector: int, operative: bool) -> None:
        """Operative on 0 makes every connector operative; otherwise only ``connector`` changes."""
        if not operative:
            self.inoperative.add(connector)
        elif connector == 0:
            self.inoperative.clear()
        else:
            self.inoperative.discard(connector)

    def apply_pending_availability(self) -> list[int]:
        """Apply the availability changes that waited for sessions to end; the connectors changed."""
        ready = [c for c in self.pending_availability if not self.busy(c)]
        for connector in ready:
            self.set_availability(connector, self.pending_availability.pop(connector))
        return ready


def _key(fault: Fault) -> tuple[Any, ...]:
    return (
        fault.connector,
        fault.component,
        fault.variable,
        fault.error_code,
        fault.vendor_error_code,
        fault.tech_code,
    )
