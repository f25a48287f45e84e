"""How the simulated firmware answers the central system's commands, and what it does after.

:class:`CommandHandler` is the ``Device`` the dialects' ChargePoint classes talk to. It decides
each answer synchronously while the library is answering; the effects (a reboot, status
notifications, clearing a fault) are follow-ups that run once the answer has been sent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from app.simulator.background import Background
from app.simulator.device import Command
from app.simulator.scenario import CommandMode, Fault

if TYPE_CHECKING:
    from app.simulator.firmware import SimulatedCharger


class CommandHandler:
    """Records every command in ``commands`` and answers it for ``charger``."""

    def __init__(self, charger: SimulatedCharger, *, say: Callable[[str], None], changed: Callable[[], None]):
        self.charger = charger
        self.state = charger.state
        self.commands: list[Command] = []
        self._say, self._changed = say, changed
        self._follow_ups: list[Callable[[], Awaitable[Any]]] = []
        self.background = Background(say)

    @property
    def _connectors(self) -> int:
        return self.charger.spec.connectors

    def command_mode(self) -> CommandMode:
        return self.state.command_mode()

    def received(self, action: str, payload: dict[str, Any]) -> Command:
        command = Command(action, payload)
        self.commands.append(command)
        return command

    def answered(self, command: Command, answer: str) -> None:
        command.answer = answer
        self._say(f"<- {command.action} {json.dumps(command.payload, separators=(',', ':'))} -> {answer}")
        self._changed()

    def run_follow_ups(self) -> None:
        follow_ups, self._follow_ups = self._follow_ups, []
        for work in follow_ups:
            self.background.spawn(work)

    def drop_connection(self) -> None:
        seconds = self.charger.spec.reboot_seconds
        self._say(f"dropping the connection; reconnecting in {seconds:g} s")
        self.background.spawn(lambda: self.charger.uplink.close(offline_for=seconds))

    def on_reset(self, kind: str) -> str:
        """Reset ``kind``: 1.6 Soft or Hard, 2.0.1 Immediate or OnIdle (Scheduled while charging)."""
        if kind == "OnIdle" and self.state.sessions:
            self.state.reset_when_idle = True
            return "Scheduled"
        self._follow_ups.append(lambda: self.charger.reboot(kind))
        return "Accepted"

    def on_change_availability(self, connector: int, *, operative: bool) -> str:
        """0 is the whole charger; Scheduled while a session runs where it would take effect."""
        if not 0 <= connector <= self._connectors:
            return "Rejected"
        if not operative and self.state.busy(connector):
            self.state.pending_availability[connector] = operative
            return "Scheduled"
        self.state.set_availability(connector, operative)
        targets = self.charger.dialect.status_targets(connector, self._connectors)
        self._follow_ups.append(lambda: self._availability_changed(targets, operative=operative))
        return "Accepted"

    async def _availability_changed(self, targets: list[int], *, operative: bool) -> None:
        """Report the new statuses; back in operation, still-active faults are reported again."""
        outbox = self.charger.outbox
        if operative:
            for fault in [f for f in self.state.faults if set(outbox.fault_targets(f)) & set(targets)]:
                await outbox.send_all(self.charger.dialect.fault_events(fault, cleared=False))
        await outbox.send_statuses(targets)

    def on_unlock(self, connector: int, *, refuse_during_session: bool) -> str:
        """2.0.1 refuses during a transaction; 1.6 ends the transaction, then unlocks."""
        if not 1 <= connector <= self._connectors:
            return "UnknownConnector"
        if self.state.busy(connector):
            if refuse_during_session:
                return "OngoingAuthorizedTransaction"
            self._follow_ups.append(lambda: self.charger.stop_session(connector, "UnlockCommand"))
        if any(f.unlock == "UnlockFailed" for f in self.state.faults_on(connector)):
            return "UnlockFailed"
        self._fix_later(self.state.fixed_by("UnlockConnector", connector))
        return "Unlocked"

    def on_trigger(self, message: str, connector: int | None) -> str:
        """StatusNotification (one connector, or all) and Heartbeat; anything else NotImplemented."""
        outbox = self.charger.outbox
        if message == "Heartbeat":
            self._follow_ups.append(lambda: outbox.send(self.charger.dialect.heartbeat()))
            return "Accepted"
        if message != "StatusNotification":
            return "NotImplemented"
        if connector is not None and not 0 <= connector <= self._connectors:
            return "Rejected"
        every = self.charger.dialect.all_status_targets(self._connectors)
        targets = every if connector is None else [connector]
        self._follow_ups.append(lambda: outbox.send_statuses(targets))
        return "Accepted"

    def on_clear_cache(self) -> str:
        self._fix_later(self.state.fixed_by("ClearCache"))
        return "Accepted"

    def _fix_later(self, faults: list[Fault]) -> None:
        for fault in faults:
            self._follow_ups.append(lambda fault=fault: self.charger.clear_fault(fault))
