"""OCPP payload models and their normalisation into observations (app.intake)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from app.intake.limits import CLOCK_AHEAD, CLOCK_BEHIND
from app.intake.normalise import (
    Observation,
    clears,
    from_boot_notification,
    from_notify_event,
    from_status_notification_16,
    from_status_notification_201,
)
from app.intake.payloads import (
    BootNotification16,
    BootNotification201,
    NotifyEvent201,
    StatusNotification16,
    StatusNotification201,
)

RECEIVED = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
"""When the payloads below were received (their charger times are a few minutes earlier)."""


def sn16(**fields) -> Observation:
    payload = {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Available",
        "timestamp": "2025-03-14T09:26:53Z",
    }
    [obs] = from_status_notification_16(
        StatusNotification16.model_validate(payload | fields), received_at=RECEIVED
    )
    return obs


def sn201(**fields) -> Observation:
    payload = {
        "timestamp": "2025-03-14T09:26:53Z",
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 2,
    }
    [obs] = from_status_notification_201(
        StatusNotification201.model_validate(payload | fields), received_at=RECEIVED
    )
    return obs


def event(variable: str, value: str, **fields) -> dict:
    return {
        "eventId": 1,
        "timestamp": "2025-03-14T09:26:52Z",
        "trigger": "Delta",
        "actualValue": value,
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
        "variable": {"name": variable},
    } | fields


def notify(*events: dict, **fields) -> list[Observation]:
    payload = {"generatedAt": "2025-03-14T09:27:00Z", "seqNo": 0, "eventData": list(events)} | fields
    return from_notify_event(NotifyEvent201.model_validate(payload), received_at=RECEIVED)


def error_locs(model, payload: dict) -> list[tuple]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(payload)
    return [e["loc"] for e in info.value.errors()]


# --- OCPP 1.6 StatusNotification ---------------------------------------------------------------


def test_16_standard_fault() -> None:
    obs = sn16(
        errorCode="GroundFailure", status="Faulted", vendorId="com.acme", vendorErrorCode="E-06", info="RCD"
    )
    assert obs == Observation(
        kind="fault",
        signature="c1:GroundFailure:E-06",
        connector_id=1,
        status="Faulted",
        error_code="GroundFailure",
        raw_error_code="GroundFailure",
        vendor_id="com.acme",
        vendor_error_code="E-06",
        info="RCD",
        occurred_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
        issues=(),
    )


def test_16_error_code_without_faulted_status_is_a_fault() -> None:
    obs = sn16(errorCode="HighTemperature", status="Charging")
    assert (obs.kind, obs.signature, obs.status) == ("fault", "c1:HighTemperature", "Charging")


def test_16_faulted_with_no_error_is_a_fault() -> None:
    obs = sn16(status="Faulted", vendorErrorCode="F012")
    assert (obs.kind, obs.signature, obs.error_code) == ("fault", "c1:Faulted:F012", "NoError")


def test_16_non_standard_error_code_becomes_other_error() -> None:
    obs = sn16(errorCode="Error", status="Faulted", vendorErrorCode="0x1A")
    assert obs.kind == "fault"
    assert obs.error_code == "OtherError"
    assert obs.raw_error_code == "Error"
    assert obs.signature == "c1:OtherError:0x1A"
    assert obs.issues == (
        "status_notification.errorCode: 'Error' is not an OCPP 1.6 ChargePointErrorCode; "
        "normalised to OtherError",
    )


def test_16_lowercase_values_are_normalised_with_issues() -> None:
    obs = sn16(errorCode="groundfailure", status="faulted")
    assert (obs.error_code, obs.raw_error_code, obs.status) == ("GroundFailure", "groundfailure", "Faulted")
    assert obs.signature == "c1:GroundFailure"
    assert obs.issues == (
        "status_notification.errorCode: 'groundfailure' normalised to GroundFailure",
        "status_notification.status: 'faulted' normalised to Faulted",
    )


def test_16_over_long_info_is_kept_whole() -> None:
    info = "Residual current detected on L1, contactor opened, manual reset required."
    obs = sn16(errorCode="GroundFailure", status="Faulted", info=info)
    assert len(info) == 73
    assert obs.info == info
    assert obs.issues == ("status_notification.info: 73 characters, over the OCPP 1.6 limit of 50",)


def test_16_over_long_vendor_error_code_is_reported() -> None:
    obs = sn16(errorCode="OtherError", status="Faulted", vendorErrorCode="X" * 51)
    assert obs.issues == (
        "status_notification.vendorErrorCode: 51 characters, over the OCPP 1.6 limit of 50",
    )


def test_16_missing_timestamp() -> None:
    payload = {"connectorId": 2, "errorCode": "OverVoltage", "status": "Faulted"}
    [obs] = from_status_notification_16(StatusNotification16.model_validate(payload), received_at=RECEIVED)
    assert obs.occurred_at is None
    assert obs.issues == ("status_notification.timestamp: missing",)


def test_16_unknown_status_is_kept_raw() -> None:
    obs = sn16(status="Broken")
    assert (obs.kind, obs.status, obs.signature) == ("status", "Broken", "c1:Broken")
    assert obs.issues == (
        "status_notification.status: 'Broken' is not an OCPP 1.6 ChargePointStatus; kept as received",
    )


@pytest.mark.parametrize(
    "status", ["Available", "Preparing", "Charging", "SuspendedEV", "Finishing", "Reserved"]
)
def test_16_no_error_in_service_is_a_recovery_of_the_connector(status: str) -> None:
    obs = sn16(connectorId=3, status=status)
    assert (obs.kind, obs.signature, obs.issues) == ("recovery", "c3:*", ())


def test_16_unavailable_with_no_error_is_a_status() -> None:
    obs = sn16(status="Unavailable")
    assert (obs.kind, obs.signature) == ("status", "c1:Unavailable")


def test_16_times_are_utc() -> None:
    assert sn16(timestamp="2025-03-14T10:26:53+01:00").occurred_at == datetime(
        2025, 3, 14, 9, 26, 53, tzinfo=UTC
    )
    naive = sn16(timestamp="2025-03-14T09:26:53")
    assert naive.occurred_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
    assert naive.occurred_at.utcoffset() == timedelta(0)
    assert naive.issues == ("status_notification.timestamp: no UTC offset; read as UTC",)


# --- clears() ----------------------------------------------------------------------------------


def test_clears_16_connector_scope() -> None:
    recovery = sn16(connectorId=1)
    assert clears(recovery, "c1:GroundFailure:E-06")
    assert clears(recovery, "c1:Faulted")
    assert not clears(recovery, "c2:GroundFailure:E-06")
    assert not clears(recovery, "c11:GroundFailure")
    assert not clears(recovery, "e1:c1:Faulted")


def test_clears_16_connector_zero_clears_everything() -> None:
    recovery = sn16(connectorId=0)
    assert recovery.signature == "*"
    assert clears(recovery, "c1:GroundFailure:E-06")
    assert clears(recovery, "c2:OverVoltage")
    assert clears(recovery, "c0:InternalError")


def test_clears_only_for_recoveries() -> None:
    fault = sn16(errorCode="GroundFailure", status="Faulted")
    assert not clears(fault, "c1:GroundFailure")
    assert not clears(sn16(status="Unavailable"), "c1:GroundFailure")


def test_clears_201_status_available_clears_its_evse_and_connector() -> None:
    recovery = sn201(connectorStatus="Available", evseId=1, connectorId=2)
    assert recovery.signature == "e1:c2:*"
    assert clears(recovery, "e1:c2:Faulted")
    assert clears(recovery, "e1:c2:ConnectorPlugRetentionLock:Problem")
    assert not clears(recovery, "e1:c1:Faulted")
    assert not clears(recovery, "e2:c2:Faulted")
    assert not clears(recovery, "c2:GroundFailure")


def test_clears_201_cleared_event_clears_only_its_own_signature() -> None:
    component = {"name": "ConnectorPlugRetentionLock", "evse": {"id": 1, "connectorId": 1}}
    [recovery] = notify(event("Problem", "true", cleared=True, component=component))
    assert recovery.signature == "e1:c1:ConnectorPlugRetentionLock:Problem"
    assert clears(recovery, "e1:c1:ConnectorPlugRetentionLock:Problem")
    assert not clears(recovery, "e1:c1:Faulted")
    assert not clears(recovery, "e1:c1:RCD:Tripped")


# --- OCPP 2.0.1 StatusNotification -------------------------------------------------------------


def test_201_status_faulted_is_a_fault() -> None:
    obs = sn201(connectorStatus="Faulted")
    assert obs == Observation(
        kind="fault",
        signature="e1:c2:Faulted",
        connector_id=2,
        evse_id=1,
        status="Faulted",
        occurred_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
    )


def test_201_status_case_normalised_and_missing_timestamp() -> None:
    payload = {"connectorStatus": "FAULTED", "evseId": 2, "connectorId": 1}
    [obs] = from_status_notification_201(StatusNotification201.model_validate(payload), received_at=RECEIVED)
    assert (obs.kind, obs.status, obs.signature, obs.occurred_at) == (
        "fault",
        "Faulted",
        "e2:c1:Faulted",
        None,
    )
    assert obs.issues == (
        "status_notification.connectorStatus: 'FAULTED' normalised to Faulted",
        "status_notification.timestamp: missing",
    )


@pytest.mark.parametrize("status", ["Occupied", "Reserved", "Unavailable"])
def test_201_other_statuses(status: str) -> None:
    obs = sn201(connectorStatus=status)
    assert (obs.kind, obs.status, obs.signature) == ("status", status, f"e1:c2:{status}")


def test_201_unknown_status_kept_raw() -> None:
    obs = sn201(connectorStatus="Charging")
    assert (obs.kind, obs.status) == ("status", "Charging")
    assert obs.issues == (
        "status_notification.connectorStatus: 'Charging' is not an OCPP 2.0.1 ConnectorStatusEnumType; "
        "kept as received",
    )


# --- OCPP 2.0.1 NotifyEvent --------------------------------------------------------------------


def test_notify_event_three_event_data_give_three_observations_in_order() -> None:
    lock = {"name": "ConnectorPlugRetentionLock", "evse": {"id": 1, "connectorId": 1}}
    rcd = {"name": "RCD", "instance": "L1", "evse": {"id": 2}}
    observations = notify(
        event(
            "Problem",
            "true",
            eventId=10,
            trigger="Alerting",
            techCode="E-21",
            techInfo="lock",
            component=lock,
        ),
        event("Tripped", "false", eventId=11, trigger="Alerting", cleared=True, component=rcd),
        event("AvailabilityState", "Unavailable", eventId=12, timestamp="2025-03-14T10:00:00+02:00"),
    )
    assert [o.kind for o in observations] == ["fault", "recovery", "status"]
    fault, cleared, availability = observations
    assert fault == Observation(
        kind="fault",
        signature="e1:c1:ConnectorPlugRetentionLock:Problem",
        connector_id=1,
        evse_id=1,
        vendor_error_code="E-21",
        info="lock",
        component="ConnectorPlugRetentionLock",
        variable="Problem",
        actual_value="true",
        trigger="Alerting",
        occurred_at=datetime(2025, 3, 14, 9, 26, 52, tzinfo=UTC),
    )
    assert (cleared.signature, cleared.evse_id, cleared.connector_id) == ("e2:c0:RCD/L1:Tripped", 2, None)
    assert (cleared.component, cleared.cleared) == ("RCD/L1", True)
    assert (availability.status, availability.signature) == ("Unavailable", "e1:c1:Unavailable")
    assert availability.occurred_at == datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
    assert all(o.error_code is None and o.issues == () for o in observations)


@pytest.mark.parametrize("variable", ["Problem", "Tripped", "Operated", "Fault", "problem"])
def test_notify_event_problem_variables(variable: str) -> None:
    [fault] = notify(event(variable, "TRUE"))
    [recovery] = notify(event(variable, "false"))
    assert fault.kind == "fault"
    assert recovery.kind == "recovery"
    assert fault.signature == recovery.signature == f"e1:c1:Connector:{variable}"
    assert clears(recovery, fault.signature)


def test_notify_event_tech_code_alerting_is_a_fault() -> None:
    [obs] = notify(event("Temperature", "92.5", trigger="Alerting", techCode="OT-3"))
    assert (obs.kind, obs.signature, obs.vendor_error_code) == (
        "fault",
        "e1:c1:Connector:Temperature",
        "OT-3",
    )
    [periodic] = notify(event("Temperature", "92.5", trigger="Periodic", techCode="OT-3"))
    assert periodic.kind == "status"
    [no_code] = notify(event("Temperature", "92.5", trigger="Alerting"))
    assert no_code.kind == "status"


def test_notify_event_a_vendor_coded_flag_is_a_fault_and_its_end() -> None:
    """A boolean the station gives its own error code (``EmergencyStopSensor``/``Active`` = true
    with techCode ``E106``) reports that fault on any trigger; ``false`` ends it. Without a code,
    such a flag is only a status."""
    [pressed] = notify(event("Active", "true", trigger="Delta", techCode="E106"))
    [released] = notify(event("Active", "false", trigger="Delta", techCode="E106"))
    assert (pressed.kind, pressed.vendor_error_code) == ("fault", "E106")
    assert released.kind == "recovery" and clears(released, pressed.signature)
    [plain] = notify(event("Active", "true", trigger="Delta"))
    assert plain.kind == "status"


def test_notify_event_availability_state() -> None:
    [faulted] = notify(event("AvailabilityState", "faulted"))
    assert (faulted.kind, faulted.status, faulted.signature) == ("fault", "Faulted", "e1:c1:Faulted")
    assert faulted.issues == ("notify_event.eventData[0].actualValue: 'faulted' normalised to Faulted",)
    [available] = notify(event("AvailabilityState", "Available"))
    assert (available.kind, available.status, available.signature) == ("recovery", "Available", "e1:c1:*")
    assert clears(available, faulted.signature)
    assert clears(available, sn201(connectorStatus="Faulted", evseId=1, connectorId=1).signature)


def test_notify_event_station_component_and_timestamp_fallback() -> None:
    station_event = event("Problem", "true", component={"name": "PowerContactor"})
    del station_event["timestamp"]
    [obs] = notify(station_event, generatedAt="2025-03-14T09:27:00")
    assert (obs.evse_id, obs.connector_id, obs.signature) == (None, None, "e0:c0:PowerContactor:Problem")
    assert obs.occurred_at == datetime(2025, 3, 14, 9, 27, tzinfo=UTC)
    assert obs.issues == (
        "notify_event.generatedAt: no UTC offset; read as UTC",
        "notify_event.eventData[0].timestamp: missing; generatedAt used instead",
    )


def test_notify_event_unusual_trigger_and_long_value() -> None:
    [obs] = notify(event("Log", "x" * 2600, trigger="alarm"))
    assert (obs.kind, obs.trigger, len(obs.actual_value)) == ("status", "alarm", 2600)
    assert obs.issues == (
        "notify_event.eventData[0].trigger: 'alarm' is not an OCPP 2.0.1 EventTriggerEnumType; "
        "kept as received",
        "notify_event.eventData[0].actualValue: 2600 characters, over the OCPP 2.0.1 limit of 2500",
    )


# --- BootNotification --------------------------------------------------------------------------


def test_boot_16() -> None:
    payload = {
        "chargePointVendor": "Acme",
        "chargePointModel": "DC-50",
        "chargeBoxSerialNumber": "BOX-9",
        "firmwareVersion": "4.2.1",
        "iccid": "8949",
    }
    obs, identity = from_boot_notification(BootNotification16.model_validate(payload))
    assert obs == Observation(kind="boot", signature="boot")
    assert identity == {"vendor": "Acme", "model": "DC-50", "firmware": "4.2.1", "serial": "BOX-9"}
    payload["chargePointSerialNumber"] = "CP-1"
    payload["chargePointVendor"] = "Acme Charging Infrastructure"
    obs, identity = from_boot_notification(BootNotification16.model_validate(payload))
    assert identity["serial"] == "CP-1"
    assert obs.issues == (
        "boot_notification.chargePointVendor: 28 characters, over the OCPP 1.6 limit of 20",
    )


def test_boot_201() -> None:
    payload = {
        "reason": "powerUp",
        "chargingStation": {
            "model": "DC-50",
            "vendorName": "Acme",
            "serialNumber": "ACM-1",
            "modem": {"iccid": "8949", "imsi": "2620"},
        },
    }
    obs, identity = from_boot_notification(BootNotification201.model_validate(payload))
    assert (obs.kind, obs.signature, obs.trigger) == ("boot", "boot", "PowerUp")
    assert obs.issues == ("boot_notification.reason: 'powerUp' normalised to PowerUp",)
    assert identity == {"vendor": "Acme", "model": "DC-50", "firmware": None, "serial": "ACM-1"}


# --- payload structure -------------------------------------------------------------------------


def test_missing_connector_id_names_the_field() -> None:
    assert error_locs(StatusNotification16, {"errorCode": "NoError", "status": "Available"}) == [
        ("connectorId",)
    ]
    assert error_locs(StatusNotification201, {"connectorStatus": "Available", "evseId": 1}) == [
        ("connectorId",)
    ]


def test_structural_errors_name_the_field() -> None:
    assert error_locs(StatusNotification16, {"connectorId": -1, "errorCode": "NoError", "status": "A"}) == [
        ("connectorId",)
    ]
    assert error_locs(StatusNotification16, {"connectorId": 1, "errorCode": "E" * 51, "status": "A"}) == [
        ("errorCode",)
    ]
    assert error_locs(NotifyEvent201, {"seqNo": 0, "eventData": []}) == [("eventData",)]
    assert error_locs(NotifyEvent201, {"seqNo": 0}) == [("eventData",)]
    bad_event = event("Problem", "true")
    del bad_event["component"]["name"]
    assert error_locs(NotifyEvent201, {"seqNo": 0, "eventData": [bad_event]}) == [
        ("eventData", 0, "component", "name")
    ]
    assert error_locs(BootNotification201, {"reason": "PowerUp", "chargingStation": {"model": "M"}}) == [
        ("chargingStation", "vendorName")
    ]
    assert error_locs(BootNotification16, {"chargePointVendor": "Acme"}) == [("chargePointModel",)]


def test_lenient_values_and_extra_fields_are_kept() -> None:
    payload = {
        "connectorId": "1",
        "errorCode": "Error",
        "status": "weird",
        "info": "i" * 80,
        "firmwareBuild": "2024-11-01",
    }
    model = StatusNotification16.model_validate(payload)
    assert (model.connector_id, model.error_code, model.status) == (1, "Error", "weird")
    assert model.model_extra == {"firmwareBuild": "2024-11-01"}
    dumped = model.model_dump(exclude_none=True)
    assert dumped == {
        "connectorId": 1,
        "errorCode": "Error",
        "status": "weird",
        "info": "i" * 80,
        "firmwareBuild": "2024-11-01",
    }

    raw = {"seqNo": 0, "tbc": "true", "eventData": [event("Problem", "true", cleared="false", vendorFlag=7)]}
    notify_model = NotifyEvent201.model_validate(raw)
    assert notify_model.tbc is True
    assert notify_model.event_data[0].cleared is False
    assert notify_model.event_data[0].model_extra == {"vendorFlag": 7}
    assert notify_model.model_dump(exclude_none=True)["eventData"][0]["vendorFlag"] == 7


def test_wire_names_in_json_schema() -> None:
    schema = NotifyEvent201.model_json_schema()
    assert set(schema["required"]) == {"seqNo", "eventData"}
    assert schema["examples"][0]["eventData"][0]["variable"] == {"name": "Problem"}
    event_props = schema["$defs"]["EventData201"]["properties"]
    assert {"eventId", "actualValue", "techCode", "eventNotificationType"} <= set(event_props)
    assert all(prop.get("description") for prop in event_props.values())
    example = StatusNotification16.model_json_schema()["examples"][0]
    assert from_status_notification_16(StatusNotification16.model_validate(example), received_at=RECEIVED)[
        0
    ].signature == ("c1:GroundFailure:E-06")


def test_non_utc_offsets_convert() -> None:
    tz = timezone(timedelta(hours=-5))
    obs = sn201(timestamp=datetime(2025, 3, 14, 4, 26, 53, tzinfo=tz).isoformat())
    assert obs.occurred_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
    assert obs.occurred_at.tzinfo is UTC


# --- the charger's clock: trusted only around the time of receipt ------------------------------------
@pytest.mark.parametrize(
    ("timestamp", "why"),
    [
        ("0001-01-01T00:00:00Z", "more than 30 days before the message was received"),
        ("1970-01-01T00:00:00Z", "more than 30 days before the message was received"),
        ("9999-12-31T23:59:59Z", "more than 15 minutes after the message was received"),
        ("2025-03-14T11:30:00", "more than 15 minutes after the message was received"),  # local time as UTC
    ],
)
def test_a_time_outside_the_window_is_reported_and_not_used(timestamp: str, why: str) -> None:
    for obs in (sn16(timestamp=timestamp), sn201(timestamp=timestamp)):
        assert obs.occurred_at is None
        shown = timestamp if timestamp.endswith("Z") else timestamp + "Z"
        assert f"status_notification.timestamp: {shown} is {why}; not used" in obs.issues


def test_a_skewed_but_plausible_time_is_kept() -> None:
    for at in (RECEIVED + CLOCK_AHEAD, RECEIVED - CLOCK_BEHIND):
        obs = sn16(timestamp=at.isoformat())
        assert (obs.occurred_at, obs.issues) == (at, ())


def test_a_notify_event_with_an_absurd_time_takes_generated_at_and_an_absurd_generated_at_is_dropped() -> (
    None
):
    [obs] = notify(event("Problem", "true", timestamp="0001-01-01T00:00:00Z"))
    assert obs.occurred_at == datetime(2025, 3, 14, 9, 27, tzinfo=UTC)  # generatedAt
    assert obs.issues == (
        "notify_event.eventData[0].timestamp: 0001-01-01T00:00:00Z is more than 30 days before the "
        "message was received; not used",
    )
    untimed = event("Problem", "true")
    del untimed["timestamp"]
    [obs] = notify(untimed, generatedAt="9999-01-01T00:00:00Z")
    assert obs.occurred_at is None  # the intake uses the time of receipt
    assert obs.issues[0].startswith("notify_event.generatedAt: 9999-01-01T00:00:00Z is more than 15 minutes")
