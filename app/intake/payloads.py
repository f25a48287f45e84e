"""Pydantic models of the OCPP 1.6 and 2.0.1 payloads the CSMS forwards to us.

The models are strict about *structure* (required fields, nesting, types) and lenient about
*values* that real chargers get wrong: enumerations are plain strings, over-long texts are kept
whole, a missing timestamp becomes ``None``. Spotting and reporting such values is the job of
:mod:`app.intake.normalise`, which records them as issues instead of rejecting the message.

Attributes are snake_case; on the wire (input, output and the JSON schema) every field carries
its OCPP camelCase name. Unknown fields are kept (``model_extra``) because firmware adds its own.
The standard values of the enumerations are listed here (``OCPP16_STATUSES``, ...) for
comparison, never for validation; 1.6 error codes are :data:`knowledge.codes.OCPP16_ERROR_CODES`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from app.intake.limits import Int32, UInt32, WireTime

OCPP16_STATUSES: tuple[str, ...] = (
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
)
"""OCPP 1.6 ChargePointStatus values, wire spelling."""

OCPP201_CONNECTOR_STATUSES: tuple[str, ...] = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
"""OCPP 2.0.1 ConnectorStatusEnumType values, wire spelling."""

OCPP201_EVENT_TRIGGERS: tuple[str, ...] = ("Alerting", "Delta", "Periodic")
"""OCPP 2.0.1 EventTriggerEnumType values."""

OCPP201_BOOT_REASONS: tuple[str, ...] = (
    "ApplicationReset",
    "FirmwareUpdate",
    "LocalReset",
    "PowerUp",
    "RemoteReset",
    "ScheduledReset",
    "Triggered",
    "Unknown",
    "Watchdog",
)
"""OCPP 2.0.1 BootReasonEnumType values."""


class _WireModel(BaseModel):
    """Base of every payload model: camelCase on the wire, snake_case in Python, extras kept."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        extra="allow",
    )


# --- OCPP 1.6 ---------------------------------------------------------------------------------


class StatusNotification16(_WireModel):
    """OCPP 1.6 StatusNotification.req: a connector's status and error code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "connectorId": 1,
                    "errorCode": "GroundFailure",
                    "status": "Faulted",
                    "info": "RCD tripped",
                    "timestamp": "2025-03-14T09:26:53Z",
                    "vendorId": "com.acme",
                    "vendorErrorCode": "E-06",
                }
            ]
        }
    )

    connector_id: UInt32 = Field(description="Connector number; 0 means the whole charge point.")
    error_code: str = Field(
        max_length=50,
        description="ChargePointErrorCode as sent; non-standard values (e.g. 'Error') are accepted.",
    )
    status: str = Field(
        description="ChargePointStatus as sent (Available, Faulted, ...); any string accepted."
    )
    info: str | None = Field(
        default=None,
        description="Free-form error information; kept whole even over the spec's 50 characters.",
    )
    timestamp: WireTime | None = Field(default=None, description="When the status was reported, if sent.")
    vendor_id: str | None = Field(default=None, description="Vendor identifier for vendorErrorCode.")
    vendor_error_code: str | None = Field(default=None, description="Vendor-specific error code.")


class BootNotification16(_WireModel):
    """OCPP 1.6 BootNotification.req: the charge point's identity after a (re)boot."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "chargePointVendor": "Acme",
                    "chargePointModel": "DC-50",
                    "chargePointSerialNumber": "ACM-000123",
                    "firmwareVersion": "4.2.1",
                }
            ]
        }
    )

    charge_point_vendor: str = Field(description="Vendor name.")
    charge_point_model: str = Field(description="Model name.")
    charge_point_serial_number: str | None = Field(default=None, description="Charge point serial number.")
    charge_box_serial_number: str | None = Field(
        default=None, description="Charge box serial number (deprecated in 1.6 in favour of the above)."
    )
    firmware_version: str | None = Field(default=None, description="Firmware version.")
    iccid: str | None = Field(default=None, description="ICCID of the modem's SIM card.")
    imsi: str | None = Field(default=None, description="IMSI of the modem's SIM card.")
    meter_type: str | None = Field(default=None, description="Type of the main electrical meter.")
    meter_serial_number: str | None = Field(default=None, description="Serial number of the main meter.")


# --- OCPP 2.0.1 -------------------------------------------------------------------------------


class StatusNotification201(_WireModel):
    """OCPP 2.0.1 StatusNotificationRequest: one connector's status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "timestamp": "2025-03-14T09:26:53Z",
                    "connectorStatus": "Faulted",
                    "evseId": 1,
                    "connectorId": 1,
                }
            ]
        }
    )

    timestamp: WireTime | None = Field(
        default=None, description="When the status changed; required by the spec, tolerated missing."
    )
    connector_status: str = Field(
        description="ConnectorStatusEnumType as sent (Available, Occupied, Reserved, Unavailable, Faulted)."
    )
    evse_id: UInt32 = Field(description="EVSE number.")
    connector_id: UInt32 = Field(description="Connector number within the EVSE.")


class Evse201(_WireModel):
    """OCPP 2.0.1 EVSEType: an EVSE and optionally one of its connectors."""

    id: Int32 = Field(description="EVSE number.")
    connector_id: Int32 | None = Field(default=None, description="Connector number within the EVSE.")


class Component201(_WireModel):
    """OCPP 2.0.1 ComponentType: a device-model component, optionally located on an EVSE."""

    name: str = Field(description="Component name, e.g. 'ConnectorPlugRetentionLock'.")
    instance: str | None = Field(default=None, description="Instance name when there are several.")
    evse: Evse201 | None = Field(
        default=None, description="Where the component sits; absent means the station."
    )


class Variable201(_WireModel):
    """OCPP 2.0.1 VariableType: a variable of a component."""

    name: str = Field(description="Variable name, e.g. 'Problem' or 'AvailabilityState'.")
    instance: str | None = Field(default=None, description="Instance name when there are several.")


class EventData201(_WireModel):
    """OCPP 2.0.1 EventDataType: one reported event on one component variable."""

    event_id: Int32 = Field(description="Identifies the event within the charging station.")
    timestamp: WireTime | None = Field(
        default=None, description="When the event occurred; required by the spec, tolerated missing."
    )
    trigger: str = Field(description="EventTriggerEnumType as sent: Alerting, Delta or Periodic expected.")
    cause: Int32 | None = Field(default=None, description="eventId of the event that caused this one.")
    actual_value: str = Field(description="The variable's value; may be long.")
    tech_code: str | None = Field(default=None, description="Technical (vendor) error code.")
    tech_info: str | None = Field(default=None, description="Technical detail, free text.")
    cleared: bool | None = Field(default=None, description="True when the reported problem has gone away.")
    transaction_id: str | None = Field(default=None, description="Transaction the event relates to.")
    variable_monitoring_id: Int32 | None = Field(default=None, description="Monitor that raised the event.")
    event_notification_type: str = Field(
        description="EventNotificationEnumType as sent (HardWiredNotification, CustomMonitor, ...)."
    )
    component: Component201 = Field(description="Component the event is about.")
    variable: Variable201 = Field(description="Variable of the component the event is about.")


class NotifyEvent201(_WireModel):
    """OCPP 2.0.1 NotifyEventRequest: one or more events, possibly split over several messages."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "generatedAt": "2025-03-14T09:26:53Z",
                    "seqNo": 0,
                    "eventData": [
                        {
                            "eventId": 4711,
                            "timestamp": "2025-03-14T09:26:52Z",
                            "trigger": "Alerting",
                            "actualValue": "true",
                            "techCode": "E-21",
                            "eventNotificationType": "HardWiredNotification",
                            "component": {
                                "name": "ConnectorPlugRetentionLock",
                                "evse": {"id": 1, "connectorId": 1},
                            },
                            "variable": {"name": "Problem"},
                        }
                    ],
                }
            ]
        }
    )

    generated_at: WireTime | None = Field(
        default=None, description="When the message was generated; required by the spec, tolerated missing."
    )
    seq_no: UInt32 = Field(description="Sequence number of this message within a split report.")
    tbc: bool = Field(default=False, description="'To be continued': more messages of this report follow.")
    event_data: list[EventData201] = Field(min_length=1, description="The events, at least one.")


class Modem201(_WireModel):
    """OCPP 2.0.1 ModemType: the station's wireless module."""

    iccid: str | None = Field(default=None, description="ICCID of the SIM card.")
    imsi: str | None = Field(default=None, description="IMSI of the SIM card.")


class ChargingStation201(_WireModel):
    """OCPP 2.0.1 ChargingStationType: the station's identity."""

    model: str = Field(description="Model name.")
    vendor_name: str = Field(description="Vendor name.")
    serial_number: str | None = Field(default=None, description="Serial number.")
    firmware_version: str | None = Field(default=None, description="Firmware version.")
    modem: Modem201 | None = Field(default=None, description="Wireless module, if any.")


class BootNotification201(_WireModel):
    """OCPP 2.0.1 BootNotificationRequest: the station's identity and why it booted."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "PowerUp",
                    "chargingStation": {
                        "model": "DC-50",
                        "vendorName": "Acme",
                        "serialNumber": "ACM-000123",
                        "firmwareVersion": "4.2.1",
                    },
                }
            ]
        }
    )

    reason: str = Field(description="BootReasonEnumType as sent (PowerUp, FirmwareUpdate, Watchdog, ...).")
    charging_station: ChargingStation201 = Field(description="The station's identity.")
