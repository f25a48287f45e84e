"""Turn validated OCPP payloads into :class:`Observation` records. Pure: no I/O, no database.

An observation is a ``fault``, a ``recovery``, a plain ``status`` change or a ``boot``. Values a
charger got wrong are normalised where the intent is clear (``faulted`` -> ``Faulted``, an unknown
1.6 error code -> ``OtherError``) and every such deviation is recorded in ``issues``, naming the
wire field, so that a diagnosis can mention it. A charger's time outside the window around the
message's receipt (:func:`app.intake.limits.implausible_time`) is such a deviation: it is reported
and not used (the observation's ``occurred_at`` is then ``None``; the intake falls back to
another time of the message, else the time of receipt).

Signatures identify "the same fault" on one charger and are built only from location and codes:

* OCPP 1.6 faults: ``c{connector}:{errorCode}[:{vendorErrorCode}]``, e.g. ``c1:GroundFailure:E-06``
  (``c1:Faulted`` when the status is Faulted but the error code is NoError);
* OCPP 2.0.1 faults: ``e{evse}:c{connector}:Faulted`` from StatusNotification and
  ``e{evse}:c{connector}:{component}:{variable}`` from NotifyEvent (a missing EVSE or connector
  is written as 0; a Faulted AvailabilityState shares the StatusNotification signature, since
  chargers report the same transition both ways).

A recovery's signature is the *scope* it clears: either an exact fault signature (a 2.0.1 event
with ``cleared`` or a problem variable back to false) or a prefix followed by ``*`` (a connector
back to Available: ``c1:*``, ``e1:c2:*``; ``*`` alone for 1.6 connector 0, the whole charge point).
:func:`clears` applies a scope to a fault signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from app.intake.limits import implausible_time, wire_text
from app.intake.payloads import (
    OCPP16_STATUSES,
    OCPP201_BOOT_REASONS,
    OCPP201_CONNECTOR_STATUSES,
    OCPP201_EVENT_TRIGGERS,
    BootNotification16,
    BootNotification201,
    EventData201,
    NotifyEvent201,
    StatusNotification16,
    StatusNotification201,
)
from knowledge.codes import OCPP16_ERROR_CODES

FAULT = "fault"
RECOVERY = "recovery"
STATUS = "status"
BOOT = "boot"

PROBLEM_VARIABLES: frozenset[str] = frozenset({"Problem", "Tripped", "Operated", "Fault"})
"""2.0.1 variables whose value ``true`` means a fault and ``false`` its end (names compared case-blind)."""

_OCPP16_IN_SERVICE = frozenset(OCPP16_STATUSES) - {"Unavailable", "Faulted"}
_CONNECTOR_STATUS = "2.0.1 ConnectorStatusEnumType"
_SEPARATORS = re.compile(r"[\s_\-]+")
_PROBLEM_FOLDED = frozenset(name.casefold() for name in PROBLEM_VARIABLES)


@dataclass(frozen=True, kw_only=True)
class Observation:
    """One normalised fact about a charger, independent of the OCPP version that reported it.

    ``signature`` identifies the fault (for a recovery: the scope it clears, see the module
    docstring). ``occurred_at`` is timezone-aware UTC. ``issues`` are human-readable notes on
    non-standard values, each starting with the message and wire field it concerns.
    """

    kind: str
    signature: str
    connector_id: int | None = None
    evse_id: int | None = None
    status: str | None = None
    error_code: str | None = None
    raw_error_code: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None
    info: str | None = None
    component: str | None = None
    variable: str | None = None
    actual_value: str | None = None
    trigger: str | None = None
    cleared: bool | None = None
    occurred_at: datetime | None = None
    issues: tuple[str, ...] = ()


def clears(recovery: Observation, fault_signature: str) -> bool:
    """Whether ``recovery`` ends the open fault with ``fault_signature``.

    A scope ending in ``*`` clears every fault whose signature starts with what precedes it
    (``c1:*`` all faults on 1.6 connector 1, ``*`` all of them); any other scope clears only the
    identical signature. Observations that are not recoveries clear nothing.
    """
    if recovery.kind != RECOVERY:
        return False
    scope = recovery.signature
    if scope.endswith("*"):
        return fault_signature.startswith(scope[:-1])
    return fault_signature == scope


def from_status_notification_16(p: StatusNotification16, *, received_at: datetime) -> list[Observation]:
    """One observation for an OCPP 1.6 StatusNotification (fault, recovery or status);
    ``received_at`` (aware) bounds the charger's timestamp."""
    where = "status_notification"
    issues: list[str] = []
    error_code = _enum(
        p.error_code,
        OCPP16_ERROR_CODES,
        f"{where}.errorCode",
        "1.6 ChargePointErrorCode",
        issues,
        "OtherError",
    )
    status = _enum(p.status, OCPP16_STATUSES, f"{where}.status", "1.6 ChargePointStatus", issues)
    _check_length(f"{where}.info", p.info, 50, "1.6", issues)
    _check_length(f"{where}.vendorErrorCode", p.vendor_error_code, 50, "1.6", issues)
    _check_length(f"{where}.vendorId", p.vendor_id, 255, "1.6", issues)
    occurred_at = _as_utc(p.timestamp, f"{where}.timestamp", issues, received_at)

    vendor_code = (p.vendor_error_code or "").strip()
    if error_code != "NoError" or status == "Faulted":
        kind = FAULT
        parts = [f"c{p.connector_id}", "Faulted" if error_code == "NoError" else error_code]
        signature = ":".join([*parts, vendor_code] if vendor_code else parts)
    elif status in _OCPP16_IN_SERVICE:
        kind = RECOVERY
        signature = "*" if p.connector_id == 0 else f"c{p.connector_id}:*"
    else:
        kind = STATUS
        signature = f"c{p.connector_id}:{status}"
    return [
        Observation(
            kind=kind,
            signature=signature,
            connector_id=p.connector_id,
            status=status,
            error_code=error_code,
            raw_error_code=p.error_code,
            vendor_id=p.vendor_id,
            vendor_error_code=p.vendor_error_code,
            info=p.info,
            occurred_at=occurred_at,
            issues=tuple(issues),
        )
    ]


def from_status_notification_201(p: StatusNotification201, *, received_at: datetime) -> list[Observation]:
    """One observation for an OCPP 2.0.1 StatusNotification: Faulted, Available or another status;
    ``received_at`` (aware) bounds the charger's timestamp."""
    where = "status_notification"
    issues: list[str] = []
    status = _enum(
        p.connector_status, OCPP201_CONNECTOR_STATUSES, f"{where}.connectorStatus", _CONNECTOR_STATUS, issues
    )
    occurred_at = _as_utc(p.timestamp, f"{where}.timestamp", issues, received_at)
    kind, signature = _availability(_location(p.evse_id, p.connector_id), status)
    return [
        Observation(
            kind=kind,
            signature=signature,
            connector_id=p.connector_id,
            evse_id=p.evse_id,
            status=status,
            occurred_at=occurred_at,
            issues=tuple(issues),
        )
    ]


def from_notify_event(p: NotifyEvent201, *, received_at: datetime) -> list[Observation]:
    """One observation per EventData of an OCPP 2.0.1 NotifyEvent, in order.

    An event without a usable timestamp (missing, or outside the window around ``received_at``)
    takes the message's ``generatedAt`` (and an issue saying so); issues about the message itself
    (``generatedAt``) are repeated on every observation.
    """
    generated_issues: list[str] = []
    generated_at = _as_utc(p.generated_at, "notify_event.generatedAt", generated_issues, received_at)
    return [
        _event_observation(event, f"notify_event.eventData[{i}]", generated_at, generated_issues, received_at)
        for i, event in enumerate(p.event_data)
    ]


def from_boot_notification(
    p: BootNotification16 | BootNotification201,
) -> tuple[Observation, dict[str, str | None]]:
    """A ``boot`` observation and the charger's identity ``{"vendor", "model", "firmware", "serial"}``.

    For 2.0.1 the boot reason is the observation's ``trigger``. A 1.6 serial is the charge point
    serial number, else the (deprecated) charge box serial number.
    """
    where = "boot_notification"
    issues: list[str] = []
    if isinstance(p, BootNotification16):
        identity = {
            "vendor": p.charge_point_vendor,
            "model": p.charge_point_model,
            "firmware": p.firmware_version,
            "serial": p.charge_point_serial_number or p.charge_box_serial_number,
        }
        _check_length(f"{where}.chargePointVendor", p.charge_point_vendor, 20, "1.6", issues)
        _check_length(f"{where}.chargePointModel", p.charge_point_model, 20, "1.6", issues)
        _check_length(f"{where}.firmwareVersion", p.firmware_version, 50, "1.6", issues)
        return Observation(kind=BOOT, signature=BOOT, issues=tuple(issues)), identity
    station = p.charging_station
    identity = {
        "vendor": station.vendor_name,
        "model": station.model,
        "firmware": station.firmware_version,
        "serial": station.serial_number,
    }
    reason = _enum(p.reason, OCPP201_BOOT_REASONS, f"{where}.reason", "2.0.1 BootReasonEnumType", issues)
    _check_length(f"{where}.chargingStation.model", station.model, 20, "2.0.1", issues)
    _check_length(f"{where}.chargingStation.vendorName", station.vendor_name, 50, "2.0.1", issues)
    return Observation(kind=BOOT, signature=BOOT, trigger=reason, issues=tuple(issues)), identity


def _event_observation(
    event: EventData201,
    where: str,
    generated_at: datetime | None,
    inherited: list[str],
    received_at: datetime,
) -> Observation:
    """One EventData as an observation; ``inherited`` are issues of the enclosing message."""
    issues = list(inherited)
    evse = event.component.evse
    evse_id = evse.id if evse else None
    connector_id = evse.connector_id if evse else None
    trigger = _enum(
        event.trigger, OCPP201_EVENT_TRIGGERS, f"{where}.trigger", "2.0.1 EventTriggerEnumType", issues
    )
    _check_length(f"{where}.actualValue", event.actual_value, 2500, "2.0.1", issues)
    _check_length(f"{where}.techCode", event.tech_code, 50, "2.0.1", issues)
    _check_length(f"{where}.techInfo", event.tech_info, 500, "2.0.1", issues)
    if event.timestamp is None and generated_at is not None:
        issues.append(f"{where}.timestamp: missing; generatedAt used instead")
        occurred_at: datetime | None = generated_at
    else:
        occurred_at = _as_utc(event.timestamp, f"{where}.timestamp", issues, received_at) or generated_at
    status = None
    if _fold(event.variable.name) == "availabilitystate":
        field = f"{where}.actualValue"
        status = _enum(event.actual_value, OCPP201_CONNECTOR_STATUSES, field, _CONNECTOR_STATUS, issues)
    component = _qualified(event.component.name, event.component.instance)
    variable = _qualified(event.variable.name, event.variable.instance)
    location = _location(evse_id, connector_id)
    kind, signature = _classify_event(event, location, f"{location}:{component}:{variable}", trigger, status)
    return Observation(
        kind=kind,
        signature=signature,
        connector_id=connector_id,
        evse_id=evse_id,
        status=status,
        vendor_error_code=event.tech_code,
        info=event.tech_info,
        component=component,
        variable=variable,
        actual_value=event.actual_value,
        trigger=trigger,
        cleared=event.cleared,
        occurred_at=occurred_at,
        issues=tuple(issues),
    )


def _classify_event(
    event: EventData201, location: str, own: str, trigger: str, status: str | None
) -> tuple[str, str]:
    """Kind and signature of one EventData at ``location`` (``e1:c1``) about ``own`` (``e1:c1:Comp:Var``).

    ``status`` is set only for AvailabilityState, which behaves like a StatusNotification. A
    problem variable — or any variable the event gives a techCode (a vendor's error code:
    ``EmergencyStopSensor``/``Active`` with ``E106``) — is a fault when ``true`` and its recovery
    when ``false``; any other variable is a fault when an Alerting event carries a techCode, else
    a status. ``cleared`` makes any
    event the recovery of the fault it would otherwise report.
    """
    if status is not None:
        kind, signature = _availability(location, status)
        fault_signature = f"{location}:Faulted"
    else:
        value = event.actual_value.strip().lower()
        kind, signature = STATUS, own
        fault_signature = own
        coded = bool((event.tech_code or "").strip())
        if (_fold(event.variable.name) in _PROBLEM_FOLDED or coded) and value in {"true", "false"}:
            kind = FAULT if value == "true" else RECOVERY
        elif coded and trigger == "Alerting":
            kind = FAULT
    if event.cleared is True:
        return RECOVERY, fault_signature
    return kind, signature


def _availability(location: str, status: str) -> tuple[str, str]:
    """Kind and signature of a 2.0.1 connector status at ``location``."""
    if status == "Faulted":
        return FAULT, f"{location}:Faulted"
    if status == "Available":
        return RECOVERY, f"{location}:*"
    return STATUS, f"{location}:{status}"


def _location(evse_id: int | None, connector_id: int | None) -> str:
    return f"e{evse_id or 0}:c{connector_id or 0}"


def _qualified(name: str, instance: str | None) -> str:
    return f"{name}/{instance}" if instance else name


def _fold(text: str) -> str:
    return _SEPARATORS.sub("", text).casefold()


def _enum(
    raw: str, allowed: tuple[str, ...], field: str, type_name: str, issues: list[str], replacement: str = ""
) -> str:
    """The value of ``allowed`` that ``raw`` denotes ignoring case and separators.

    A value not in ``allowed`` becomes ``replacement``, or stays ``raw`` when there is none. Any
    spelling other than the standard one is recorded in ``issues``.
    """
    folded = _fold(raw)
    for value in allowed:
        if _fold(value) == folded:
            if raw != value:
                issues.append(f"{field}: {raw!r} normalised to {value}")
            return value
    action = f"normalised to {replacement}" if replacement else "kept as received"
    issues.append(f"{field}: {raw!r} is not an OCPP {type_name}; {action}")
    return replacement or raw


def _check_length(field: str, value: str | None, limit: int, version: str, issues: list[str]) -> None:
    if value is not None and len(value) > limit:
        issues.append(f"{field}: {len(value)} characters, over the OCPP {version} limit of {limit}")


def _as_utc(value: datetime | None, field: str, issues: list[str], received_at: datetime) -> datetime | None:
    """``value`` in UTC; a naive value is read as UTC (with an issue), a missing one gives an issue,
    and so does one outside the window around ``received_at`` — which is then ``None`` (not used)."""
    if value is None:
        issues.append(f"{field}: missing")
        return None
    if value.tzinfo is None:
        issues.append(f"{field}: no UTC offset; read as UTC")
        value = value.replace(tzinfo=UTC)
    else:
        value = value.astimezone(UTC)
    if why := implausible_time(value, received_at):
        issues.append(f"{field}: {wire_text(value)} is {why}; not used")
        return None
    return value
