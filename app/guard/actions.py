"""The closed set of things chargemedic may ask a charger to do, with typed parameters.

This module is the allowlist. A proposal is a :class:`Proposal`; its ``action`` is an
:class:`Action` member and nothing else validates. Firmware updates, remote stop, configuration
writes, charging profiles and DataTransfer have no member here, so no reasoner, document or
fault text can express them, and no executor is ever asked to send them. Escalating to a
technician is a separate flag that may accompany any action, ``none`` included.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Action(StrEnum):
    SOFT_RESET = "soft_reset"
    HARD_RESET = "hard_reset"
    SET_INOPERATIVE = "set_inoperative"
    SET_OPERATIVE = "set_operative"
    UNLOCK_CONNECTOR = "unlock_connector"
    TRIGGER_STATUS = "trigger_status"
    CLEAR_CACHE = "clear_cache"
    NONE = "none"

    @property
    def is_device_action(self) -> bool:
        """Whether it sends something to the charger (everything but ``none``)."""
        return self is not Action.NONE

    @property
    def is_reset(self) -> bool:
        return self in (Action.SOFT_RESET, Action.HARD_RESET)


DEVICE_ACTIONS = tuple(a for a in Action if a.is_device_action)
CONNECTOR_ACTIONS = frozenset({Action.UNLOCK_CONNECTOR})
"""Actions that need a connector (an EVSE alone is not enough)."""


class ActionParams(BaseModel):
    """Where the action applies: the whole charger (both unset), an EVSE, or a connector.

    ``connector_id`` is the OCPP 1.6 connector, or with ``evse_id`` the 2.0.1 connector of that
    EVSE. Executors translate these to each OCPP version's fields.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    connector_id: int | None = Field(None, ge=0, le=2**31 - 1)
    evse_id: int | None = Field(None, ge=0, le=2**31 - 1)


class Proposal(BaseModel):
    """One proposed step: an allowlisted action, where, whether to escalate, how sure, and why.

    Reasoners produce proposals; only the guard decides what becomes of them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    action: Action
    params: ActionParams = ActionParams()
    escalate: bool = False
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    reason: str = Field("", max_length=2000)
