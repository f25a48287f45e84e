"""Sending the charger's own calls over whatever connection is current, and remembering them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict
from ocpp.exceptions import OCPPError, ValidationError

from app.simulator.device import DeviceState, Outgoing, Sent
from app.simulator.dialect import Dialect
from app.simulator.link import LinkClosed, Uplink
from app.simulator.scenario import Fault


class Outbox:
    """Calls go out one at a time (the library's lock); failures become log lines and ``None``.

    ``sent`` keeps the last ``history`` calls with their answers; ``statuses`` the last status
    reported per connector.
    """

    def __init__(
        self,
        dialect: Dialect,
        state: DeviceState,
        uplink: Uplink,
        *,
        say: Callable[[str], None],
        changed: Callable[[], None],
        history: int,
    ):
        self.dialect, self.state, self.uplink = dialect, state, uplink
        self._say, self._changed = say, changed
        self.sent: deque[Sent] = deque(maxlen=history)
        self.statuses: dict[int, str] = {}

    async def send(self, message: Outgoing) -> Any:
        """The answer's payload object, or None (offline, CallError, no answer, invalid)."""
        link = self.uplink.link
        action = type(message.payload).__name__
        if link is None:
            return None
        result = None
        try:
            result = await link.call(message.payload, skip_validation=message.skip_validation)
        except LinkClosed:
            return None
        except OCPPError as error:
            self._say(f"{action} failed: {getattr(error, 'code', type(error).__name__)} {error.description}")
        except TimeoutError:
            self._say(f"{action}: no answer from the central system")
        except ValidationError as error:
            self._say(f"{action} failed schema validation: {error}")
        self._remember(action, message.payload, result)
        return result

    def _remember(self, action: str, payload: Any, result: Any) -> None:
        if self.sent.maxlen:
            answer = remove_nones(serialize_as_dict(result)) if result is not None else None
            self.sent.append(Sent(action, remove_nones(serialize_as_dict(payload)), answer))
        self._changed()

    async def send_all(self, messages: list[Outgoing]) -> bool:
        """Send in order; whether every one was answered."""
        answered = True
        for message in messages:
            answered = await self.send(message) is not None and answered
        return answered

    async def send_statuses(self, connectors: list[int], *, fault: Fault | None = None) -> None:
        """StatusNotification for each connector (its current status), as one log line.

        ``fault`` rides along on the connectors it concerns even if they are Unavailable.
        """
        reported = []
        for connector in connectors:
            status, cause = self.state.status_of(connector)
            if fault is not None and connector in self.fault_targets(fault):
                cause = fault
            messages = self.dialect.status(connector, status, cause)
            if messages and await self.send_all(messages):
                self.statuses[connector] = status
                detail = self.dialect.status_detail(cause)
                reported.append(f"{self.dialect.where(connector)} {status}{detail}")
        if reported:
            self._say("status: " + ", ".join(reported))
            self._changed()

    async def refresh_statuses(self, connectors: list[int]) -> None:
        """Report the connectors whose status differs from the one last reported."""
        changed = [c for c in connectors if self.state.status_of(c)[0] != self.statuses.get(c)]
        await self.send_statuses(changed)

    async def send_fault(self, fault: Fault, *, cleared: bool = False) -> None:
        """The fault's events (2.0.1 NotifyEvent) then the statuses it concerns."""
        await self.send_all(self.dialect.fault_events(fault, cleared=cleared))
        await self.send_statuses(self.fault_targets(fault), fault=None if cleared else fault)

    def fault_targets(self, fault: Fault) -> list[int]:
        return self.dialect.fault_targets(fault.connector, self.state.connectors)
