"""Executors carry an allowed action to a charger: ``execute(charger_id, action, params) → Outcome``.

Only the guard's ``execute`` node calls them, with an :class:`~app.guard.actions.Action` — the
allowlist is the only vocabulary they accept. Four exist: the OCPP gateway's
(:mod:`app.chargers.ocpp_executor`), the relay to the replica holding the charger's socket
(:mod:`app.chargers.relay`), the CSMS webhook's (:mod:`app.chargers.csms_webhook`) and dry-run
(here); :class:`RoutingExecutor` picks one per charger.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel

from app.guard.actions import Action, ActionParams


class OutcomeStatus(StrEnum):
    ACCEPTED = "accepted"
    """The charger accepted the command (or scheduled it)."""
    REJECTED = "rejected"
    """The charger answered no (Rejected, UnlockFailed, NotSupported, …)."""
    TIMEOUT = "timeout"
    """Sent; no answer within the time-out (it may still have acted)."""
    CALL_ERROR = "call_error"
    """The charger answered with an OCPP CallError."""
    DISCONNECTED = "disconnected"
    """Sent; the connection dropped before the answer (it may still have acted, e.g. a reset)."""
    NOT_CONNECTED = "not_connected"
    """Nothing was sent: no way to reach the charger."""
    ERROR = "error"
    """Nothing is known to have been sent: a local or transport failure."""
    DRY_RUN = "dry_run"


SENT_UNCONFIRMED = frozenset({OutcomeStatus.TIMEOUT, OutcomeStatus.DISCONNECTED})
"""Outcomes where the command reached the charger but its answer did not reach us."""


class Outcome(BaseModel):
    status: OutcomeStatus
    detail: str = ""
    executor: str = ""
    """Which executor produced it (a routing executor names the one it chose)."""


class Executor(Protocol):
    name: str

    def execute(
        self, charger_id: str, action: Action, params: ActionParams, *, command_id: str | None = None
    ) -> Outcome:
        """Carry out ``action``; ``command_id`` is an idempotency key (the attempt's id). Never
        raises for a charger's or transport's failure: that is an :class:`Outcome`."""
        ...


class DryRunExecutor:
    """Sends nothing; the outcome says what would have been sent."""

    name = "dry_run"

    def execute(
        self, charger_id: str, action: Action, params: ActionParams, *, command_id: str | None = None
    ) -> Outcome:
        where = ", ".join(f"{k}={v}" for k, v in params.model_dump(exclude_none=True).items())
        return Outcome(
            status=OutcomeStatus.DRY_RUN,
            detail=f"would send {action.value} to {charger_id} {where}".strip(),
            executor=self.name,
        )


class Reachability(Protocol):
    def is_connected(self, charger_id: str) -> bool: ...


class RoutingExecutor:
    """Picks the route per charger: this replica's OCPP gateway when the charger is connected to
    it; else the replica holding its socket (``relay``); else the CSMS webhook when configured;
    else ``not_connected`` (nothing sent; the fault escalates). A route that answers
    ``not_connected`` sent nothing, so the next one is tried."""

    name = "auto"

    def __init__(
        self,
        gateway: Executor | None,
        gateway_state: Reachability | None,
        csms: Executor | None,
        relay: Executor | None = None,
    ):
        self.gateway, self.gateway_state, self.csms, self.relay = gateway, gateway_state, csms, relay

    def execute(
        self, charger_id: str, action: Action, params: ActionParams, *, command_id: str | None = None
    ) -> Outcome:
        if self.gateway is not None and self.gateway_state and self.gateway_state.is_connected(charger_id):
            return self.gateway.execute(charger_id, action, params, command_id=command_id)
        outcome = None
        for route in (self.relay, self.csms):
            if route is not None:
                outcome = route.execute(charger_id, action, params, command_id=command_id)
                if outcome.status is not OutcomeStatus.NOT_CONNECTED:
                    return outcome
        if outcome is not None:
            return outcome
        if self.gateway is not None:
            return self.gateway.execute(charger_id, action, params, command_id=command_id)
        return Outcome(
            status=OutcomeStatus.NOT_CONNECTED,
            detail=f"{charger_id} is not connected to the gateway and no CSMS webhook is configured",
            executor=self.name,
        )
