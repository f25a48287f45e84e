"""The body of ``POST /v1/events`` and its response.

The envelope names the charger and carries exactly one OCPP payload in its wire form. The
payload is validated against the shape of the message for ``ocpp_version`` (1.6 or 2.0.1):
structure must be right, values may be non-standard (they are normalised and reported).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.intake.limits import UtcTime, dotted, first_unstorable
from app.intake.payloads import (
    BootNotification16,
    BootNotification201,
    NotifyEvent201,
    StatusNotification16,
    StatusNotification201,
)

PAYLOAD_FIELDS = ("status_notification", "notify_event", "boot_notification")
OcppVersion = Literal["1.6", "2.0.1"]


class ChargerInfo(BaseModel):
    """What the CSMS knows about the charger; fills or updates the registry."""

    model_config = ConfigDict(extra="forbid")
    vendor: str | None = Field(None, max_length=200, examples=["Voltra Energy Systems GmbH"])
    model: str | None = Field(None, max_length=200, examples=["VX22-T2S"])
    firmware: str | None = Field(None, max_length=200, examples=["2.4.1"])
    site_id: str | None = Field(None, max_length=100, examples=["site-berlin-07"])


class EventIn(BaseModel):
    """One charger message forwarded by the CSMS."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event_id": "csms-000123",
                    "charger_id": "CP-0042",
                    "occurred_at": "2026-11-23T10:00:00Z",
                    "ocpp_version": "1.6",
                    "charger": {"vendor": "Voltra", "model": "VX22-T2S", "site_id": "site-berlin-07"},
                    "status_notification": {
                        "connectorId": 1,
                        "errorCode": "GroundFailure",
                        "status": "Faulted",
                        "info": "RCD tripped",
                        "vendorErrorCode": "E-06",
                        "timestamp": "2026-11-23T10:00:00Z",
                    },
                }
            ]
        },
    )
    event_id: str = Field(
        min_length=1, max_length=200, description="The CSMS's id for this message; repeats are ignored."
    )
    charger_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[^\s/]+(?: +[^\s/]+)*$",  # inner spaces: OCPP-J's own example is "RDAM 123"
        description="Charge point identity.",
    )
    occurred_at: UtcTime | None = Field(
        None, description="When the charger sent it; defaults to the payload's timestamp, else now."
    )
    ocpp_version: OcppVersion | None = Field(
        None, description="Payload shape; defaults to the charger's registered version, else 1.6."
    )
    charger: ChargerInfo | None = None
    status_notification: dict | None = Field(
        None, description="StatusNotification.req payload (1.6 or 2.0.1 shape), wire names."
    )
    notify_event: dict | None = Field(None, description="OCPP 2.0.1 NotifyEventRequest payload.")
    boot_notification: dict | None = Field(
        None, description="BootNotification.req payload (1.6 or 2.0.1 shape)."
    )

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: object) -> object:
        """Refuse what could not be stored or serialised (see ``first_unstorable``): the OCPP
        payload is a free-form object, whatever its source (the API, the gateway, a file)."""
        if found := first_unstorable(data):
            loc, why = found
            raise ValueError(f"{dotted(loc)}: {why}")
        return data

    @model_validator(mode="after")
    def _exactly_one_payload(self) -> EventIn:
        given = [name for name in PAYLOAD_FIELDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"exactly one of {', '.join(PAYLOAD_FIELDS)} is required, got "
                + (", ".join(given) if given else "none")
            )
        if self.notify_event is not None and self.ocpp_version == "1.6":
            raise ValueError("notify_event: NotifyEvent exists only in OCPP 2.0.1 (ocpp_version is 1.6)")
        return self

    @property
    def payload_field(self) -> str:
        return next(name for name in PAYLOAD_FIELDS if getattr(self, name) is not None)


def parse_payload(body: EventIn, version: OcppVersion):
    """The typed payload for ``version``; raises ``PayloadError`` naming the offending field."""
    field = body.payload_field
    raw = getattr(body, field)
    model = {
        ("status_notification", "1.6"): StatusNotification16,
        ("status_notification", "2.0.1"): StatusNotification201,
        ("notify_event", "2.0.1"): NotifyEvent201,
        ("notify_event", "1.6"): NotifyEvent201,
        ("boot_notification", "1.6"): BootNotification16,
        ("boot_notification", "2.0.1"): BootNotification201,
    }[(field, version)]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise PayloadError(field, version, exc) from exc


class PayloadError(ValueError):
    """The payload does not have the structure of its OCPP message; lists each bad field."""

    def __init__(self, field: str, version: str, error: ValidationError) -> None:
        self.errors = [
            {
                "loc": ["body", field, *[str(p) for p in e["loc"]]],
                "msg": e["msg"],
                "type": e["type"],
            }
            for e in error.errors(include_url=False, include_input=False)
        ]
        names = "; ".join(f"{'.'.join(e['loc'][1:])}: {e['msg']}" for e in self.errors)
        super().__init__(f"not a valid OCPP {version} {field} payload — {names}")


class EventAccepted(BaseModel):
    """What happened to an event (the same answer is replayed for a repeated ``event_id``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 8812,
                    "event_id": "csms-000123",
                    "charger_id": "CP-0042",
                    "duplicate": False,
                    "opened_fault": True,
                    "faults_opened": [311],
                    "faults_recurring": [],
                    "faults_cleared": [],
                    "observations": 1,
                    "issues": [],
                    "links": {
                        "event": "/v1/events/8812",
                        "charger": "/v1/chargers/CP-0042",
                        "fault": "/v1/faults/311",
                    },
                }
            ]
        }
    )

    id: int = Field(description="Stored event id.")
    event_id: str
    charger_id: str
    duplicate: bool = Field(False, description="True when this event_id was already received.")
    opened_fault: bool
    faults_opened: list[int] = []
    faults_recurring: list[int] = []
    faults_cleared: list[int] = []
    observations: int
    issues: list[str] = Field([], description="Non-standard values found and how they were normalised.")
    links: dict[str, str] = {}
