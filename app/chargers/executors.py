"""Executors carry an allowed action to a charger: ``execute(charger_id, action, params) → Outcome``.

Only the guard's ``execute`` node calls them, with an :class:`~app.guard.actions.Action` — the
allowlist is the only vocabulary they accept. The dry-run executor records what would have
been sent; the OCPP gateway and CSMS webhook executors plug into the same interface.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel

from app.guard.actions import Action, ActionParams


class OutcomeStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    ERROR = "error"
    NOT_CONNECTED = "not_connected"
    DRY_RUN = "dry_run"


class Outcome(BaseModel):
    status: OutcomeStatus
    detail: str = ""


class Executor(Protocol):
    name: str

    def execute(self, charger_id: str, action: Action, params: ActionParams) -> Outcome: ...


class DryRunExecutor:
    """Sends nothing; the outcome says what would have been sent."""

    name = "dry_run"

    def execute(self, charger_id: str, action: Action, params: ActionParams) -> Outcome:
        where = ", ".join(f"{k}={v}" for k, v in params.model_dump(exclude_none=True).items())
        return Outcome(
            status=OutcomeStatus.DRY_RUN, detail=f"would send {action.value} to {charger_id} {where}".strip()
        )
