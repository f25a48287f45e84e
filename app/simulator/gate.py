"""The command gate of the simulated ChargePoint classes: record, then answer, refuse or ignore.

The ``ocpp`` library reads messages in one loop and routes each to a handler; an answer to our own
call is routed by the same loop. So a command that must never be answered (``ignore``) is simply
not routed, and work that sends calls after an answer (a reboot, a triggered status) is queued as
a follow-up and run as a task once the answer is out: awaiting it in the loop would wait for itself.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ocpp.charge_point import camel_to_snake_case
from ocpp.exceptions import InternalError, OCPPError
from ocpp.messages import MessageType, unpack

from app.simulator.device import Command
from app.simulator.scenario import CommandMode

# The library logs every message at INFO and a handler's deliberate CallError with a traceback;
# a NullHandler keeps that out of the terminal unless the application configures logging.
OCPP_LOG = logging.getLogger("chargemedic.simulator.ocpp")
OCPP_LOG.addHandler(logging.NullHandler())


class Device(Protocol):
    """What a simulated ChargePoint needs from its firmware (implemented by ``CommandHandler``)."""

    def command_mode(self) -> CommandMode: ...
    def received(self, action: str, payload: dict[str, Any]) -> Command: ...
    def answered(self, command: Command, answer: str) -> None: ...
    def run_follow_ups(self) -> None: ...
    def drop_connection(self) -> None: ...
    def on_reset(self, kind: str) -> str: ...
    def on_change_availability(self, connector: int, *, operative: bool) -> str: ...
    def on_unlock(self, connector: int, *, refuse_during_session: bool) -> str: ...
    def on_trigger(self, message: str, connector: int | None) -> str: ...
    def on_clear_cache(self) -> str: ...


class GatedChargePoint:
    """Mixin for the simulated ``ChargePoint`` classes (first base, before the library's class).

    Every call received is recorded on the device, then ignored, answered by dropping the
    connection, or routed to its ``@on`` handler, which starts with :meth:`gate` and ends with
    :meth:`reply` so that ``reject`` and ``call_error`` modes apply to every command alike.
    """

    def __init__(self, charger_id: str, connection: Any, device: Device, response_timeout: float):
        super().__init__(charger_id, connection, response_timeout=response_timeout, logger=OCPP_LOG)
        self.device = device
        self._command: Command | None = None

    async def route_message(self, raw_msg: str) -> None:
        try:
            msg = unpack(raw_msg)
        except OCPPError:
            msg = None
        if msg is None or msg.message_type_id != MessageType.Call:
            await super().route_message(raw_msg)
            return
        command = self._command = self.device.received(msg.action, camel_to_snake_case(msg.payload))
        mode = self.device.command_mode()
        if mode == "ignore":
            self.device.answered(command, "no answer (ignored)")
            return
        if mode == "disconnect":
            self.device.answered(command, "no answer (disconnecting)")
            self.device.drop_connection()
            return
        await super().route_message(raw_msg)
        if command.answer is None:  # not implemented here, or the payload failed validation
            self.device.answered(command, "CallError")
        self.device.run_follow_ups()

    def gate(self, rejected: Any) -> Any | None:
        """``rejected`` in ``reject`` mode; raises (→ CallError) in ``call_error`` mode; else None."""
        mode = self.device.command_mode()
        if mode == "call_error":
            self._answered("CallError InternalError")
            raise InternalError(description="simulated firmware error")
        if mode == "reject":
            return self.reply(rejected)
        return None

    def reply(self, result: Any) -> Any:
        """Record ``result`` (its status) as the answer and return it for the library to send."""
        self._answered(str(getattr(result, "status", "answered")))
        return result

    def _answered(self, answer: str) -> None:
        if self._command is not None:
            self.device.answered(self._command, answer)
