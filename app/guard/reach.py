"""Where an action really takes effect, and whether a charging session is there.

The guard judges an action by its real reach, not by the fault it answers: an unlock reaches the
connector it names, a reset reaches the whole charger whatever connector a proposal names (OCPP
1.6 Reset has no connector, and the 2.0.1 Reset is sent without an EVSE, see
:mod:`app.chargers.commands`). Pure functions; when a place is uncertain they assume the session
is there, so uncertainty blocks, never forces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from app.guard.actions import CONNECTOR_ACTIONS, Action, ActionParams

WHOLE_CHARGER_ACTIONS = frozenset({Action.SOFT_RESET, Action.HARD_RESET, Action.CLEAR_CACHE})
"""Actions sent without a connector or EVSE, whatever the proposal names."""
SESSION_ENDING_ACTIONS = frozenset({Action.UNLOCK_CONNECTOR, Action.SOFT_RESET, Action.HARD_RESET})
"""Actions that end a charging session where they reach (1.6: Reset stops every transaction, an
unlock stops the connector's). ChangeAvailability waits for the session (``Scheduled``)."""
SESSION_STATES = frozenset({"charging", "suspendedev", "suspendedevse", "occupied"})
"""Connector states that mean a vehicle is plugged in and a session may be running (1.6, 2.0.1)."""


class Place(BaseModel):
    """A connector (``connector_id``), an EVSE (``evse_id`` alone) or both; both unset: somewhere on
    the charger, not known where. ``connector_id`` is 1.6's, or with ``evse_id`` a 2.0.1 EVSE's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    evse_id: int | None = None
    connector_id: int | None = None

    @field_validator("evse_id", "connector_id")
    @classmethod
    def _zero_names_nothing(cls, value: int | None) -> int | None:
        """EVSE 0 and connector 0 (OCPP's "the whole charger") name no particular place."""
        return value or None

    def label(self) -> str:
        """``"EVSE 1 connector 2"``, ``"connector 2"``, ``"EVSE 1"`` or ``"an unknown connector"``."""
        parts = [f"EVSE {self.evse_id}" if self.evse_id is not None else ""]
        parts.append(f"connector {self.connector_id}" if self.connector_id is not None else "")
        return " ".join(p for p in parts if p) or "an unknown connector"


def reach(action: Action, params: ActionParams) -> Place | None:
    """Where ``action`` with ``params`` takes effect; ``None``: the whole charger.

    Whole-charger actions ignore their params; otherwise naming no EVSE and connector 0 or none
    (OCPP 1.6's connector 0) means the whole charger, and so does an unlock that names no
    connector (where it would land is not known).
    """
    if action in WHOLE_CHARGER_ACTIONS or (action in CONNECTOR_ACTIONS and not params.connector_id):
        return None
    if not params.evse_id and not params.connector_id:
        return None
    return Place(evse_id=params.evse_id, connector_id=params.connector_id)


def overlaps(target: Place | None, where: Place) -> bool:
    """Whether ``target`` (``None``: the whole charger) includes ``where``.

    A place that names no EVSE matches any EVSE with its connector id (a 1.6 connector id, or a
    2.0.1 one whose EVSE is not known), and one that names nothing matches everything.
    """
    if target is None or (where.evse_id is None and where.connector_id is None):
        return True
    same_evse = target.evse_id is None or where.evse_id is None or target.evse_id == where.evse_id
    same_connector = (
        target.connector_id is None or where.connector_id is None or target.connector_id == where.connector_id
    )
    return same_evse and same_connector


def sessions_reached(action: Action, params: ActionParams, sessions: Iterable[Place]) -> list[Place]:
    """The places of ``sessions`` that ``action`` would end (empty for actions that end none)."""
    if action not in SESSION_ENDING_ACTIONS:
        return []
    target = reach(action, params)
    return [where for where in sessions if overlaps(target, where)]


def session_places(
    connectors: Mapping[str, Mapping[str, Any]], open_sessions: Iterable[tuple[int | None, int | None]]
) -> list[Place]:
    """Every place on a charger where a session may be running: open transactions
    (``(evse_id, connector_id)``) and connectors whose last status is a session state.

    ``connectors`` is the charger's ``"<evse>/<connector>" → {"status": …}`` map (evse 0: OCPP 1.6);
    a key that cannot be read counts as somewhere on the charger.
    """
    places = {Place(evse_id=evse, connector_id=connector) for evse, connector in open_sessions}
    for key, state in connectors.items():
        if str(state.get("status", "")).replace("_", "").casefold() in SESSION_STATES:
            places.add(_place_of_key(key))
    return sorted(places, key=lambda p: (p.evse_id or 0, p.connector_id or 0))


def fault_place(fault: Any) -> Place | None:
    """Where a fault (anything with ``evse_id`` and ``connector_id``) is; ``None``: the whole charger."""
    if not fault.evse_id and not fault.connector_id:
        return None
    return Place(evse_id=fault.evse_id, connector_id=fault.connector_id)


def _place_of_key(key: str) -> Place:
    evse, _, connector = key.partition("/")
    try:
        return Place(evse_id=int(evse), connector_id=int(connector))
    except ValueError:
        return Place()
