"""The OCPP executor: carries an action to a charger connected to this process's gateway.

Workers run the agent in threads; the gateway lives on the service's event loop. ``execute``
hands the call to that loop and waits for its outcome (the gateway's own time-out applies; a
small margin covers scheduling).
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from app.chargers.executors import Outcome, OutcomeStatus
from app.chargers.gateway import Gateway
from app.guard.actions import Action, ActionParams

MARGIN_SECONDS = 5.0


class OcppExecutor:
    name = "ocpp"

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def is_connected(self, charger_id: str) -> bool:
        return self.gateway.is_connected(charger_id)

    def execute(
        self, charger_id: str, action: Action, params: ActionParams, *, command_id: str | None = None
    ) -> Outcome:
        """Must not be called from the gateway's event loop (it would wait on itself)."""
        loop = self.gateway.loop
        if loop is None or loop.is_closed():
            return _outcome(OutcomeStatus.NOT_CONNECTED, "the OCPP gateway is not running")
        future = asyncio.run_coroutine_threadsafe(self.gateway.send(charger_id, action, params), loop)
        wait = self.gateway.settings.ocpp_call_timeout_seconds + MARGIN_SECONDS
        try:
            return future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return _outcome(OutcomeStatus.TIMEOUT, f"no outcome from the gateway within {wait:g} s")


def _outcome(status: OutcomeStatus, detail: str) -> Outcome:
    return Outcome(status=status, detail=detail, executor=OcppExecutor.name)
