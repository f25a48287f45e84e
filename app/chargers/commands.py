"""The allowlist in OCPP: each :class:`~app.guard.actions.Action` as a 1.6 or 2.0.1 call, and the
charger's answer as an :class:`~app.chargers.executors.Outcome`. Pure: no I/O.

1.6: Reset Soft/Hard, ChangeAvailability Inoperative/Operative, UnlockConnector, TriggerMessage
StatusNotification, ClearCache. 2.0.1: Reset OnIdle while a session runs else Immediate,
ChangeAvailability with EVSE/connector, UnlockConnector, TriggerMessage, ClearCache.
``none`` has no call. A call that cannot be placed (2.0.1 UnlockConnector without an EVSE) is a
:class:`CommandError`: nothing is sent.
"""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call as call16
from ocpp.v16 import enums as enums16
from ocpp.v201 import call as call201
from ocpp.v201 import datatypes as types201
from ocpp.v201 import enums as enums201

from app.chargers.executors import Outcome, OutcomeStatus
from app.guard.actions import Action, ActionParams

ACCEPTED_ANSWERS = frozenset({"Accepted", "Unlocked"})
SCHEDULED = "Scheduled"


class CommandError(ValueError):
    """The action cannot be expressed for this charger (nothing was sent)."""


def build(version: str, action: Action, params: ActionParams, *, busy: bool = False) -> Any:
    """The ``ocpp`` call payload for ``action`` in OCPP ``version`` ("1.6" or "2.0.1")."""
    if action is Action.NONE:
        raise CommandError("'none' sends nothing")
    if version == "1.6":
        return _build16(action, params)
    if version == "2.0.1":
        return _build201(action, params, busy=busy)
    raise CommandError(f"unsupported OCPP version {version!r}")


def needs_busy(version: str, action: Action) -> bool:
    """Whether :func:`build` needs to know if a session runs (2.0.1 resets: OnIdle or Immediate)."""
    return version == "2.0.1" and action.is_reset


def _build16(action: Action, p: ActionParams) -> Any:
    connector = p.connector_id
    match action:
        case Action.SOFT_RESET:
            return call16.Reset(type=enums16.ResetType.soft)
        case Action.HARD_RESET:
            return call16.Reset(type=enums16.ResetType.hard)
        case Action.SET_INOPERATIVE | Action.SET_OPERATIVE:
            kind = "inoperative" if action is Action.SET_INOPERATIVE else "operative"
            return call16.ChangeAvailability(connector_id=connector or 0, type=enums16.AvailabilityType[kind])
        case Action.UNLOCK_CONNECTOR:
            if not connector:
                raise CommandError("UnlockConnector needs a connector id ≥ 1")
            return call16.UnlockConnector(connector_id=connector)
        case Action.TRIGGER_STATUS:
            return call16.TriggerMessage(
                requested_message=enums16.MessageTrigger.status_notification, connector_id=connector
            )
        case Action.CLEAR_CACHE:
            return call16.ClearCache()
    raise CommandError(f"no OCPP 1.6 call for {action}")


def _build201(action: Action, p: ActionParams, *, busy: bool) -> Any:
    evse = _evse(p)
    match action:
        case Action.SOFT_RESET | Action.HARD_RESET:
            kind = enums201.ResetEnumType.on_idle if busy else enums201.ResetEnumType.immediate
            return call201.Reset(type=kind)
        case Action.SET_INOPERATIVE | Action.SET_OPERATIVE:
            kind = "inoperative" if action is Action.SET_INOPERATIVE else "operative"
            return call201.ChangeAvailability(
                operational_status=enums201.OperationalStatusEnumType[kind], evse=evse
            )
        case Action.UNLOCK_CONNECTOR:
            if p.evse_id is None or p.connector_id is None:
                raise CommandError("2.0.1 UnlockConnector needs both the EVSE and the connector")
            return call201.UnlockConnector(evse_id=p.evse_id, connector_id=p.connector_id)
        case Action.TRIGGER_STATUS:
            return call201.TriggerMessage(
                requested_message=enums201.MessageTriggerEnumType.status_notification, evse=evse
            )
        case Action.CLEAR_CACHE:
            return call201.ClearCache()
    raise CommandError(f"no OCPP 2.0.1 call for {action}")


def _evse(p: ActionParams) -> types201.EVSEType | None:
    """The EVSE the action targets: none (the whole station) unless the fault named an EVSE."""
    if not p.evse_id:
        return None
    return types201.EVSEType(id=p.evse_id, connector_id=p.connector_id or None)


def interpret(response: Any) -> Outcome:
    """The charger's answer (a ``call_result`` object) as an outcome."""
    status = str(getattr(response, "status", "") or "")
    status = getattr(getattr(response, "status", None), "value", status)
    if status in ACCEPTED_ANSWERS:
        return Outcome(status=OutcomeStatus.ACCEPTED, detail=status)
    if status == SCHEDULED:
        return Outcome(status=OutcomeStatus.ACCEPTED, detail="Scheduled: applied when the session ends")
    return Outcome(status=OutcomeStatus.REJECTED, detail=status or "no status in the answer")
