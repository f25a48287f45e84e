"""OCPP 2.0.1 for the simulated charger: the messages it sends and the commands it answers.

A 2.0.1 fault is a NotifyEvent against the device model (component, variable, techCode) followed
by StatusNotification Faulted; it clears with the same component and variable and ``cleared``
true. Each connector number of the scenario is an EVSE id with one connector (connectorId 1).
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action

from app.simulator.device import Outgoing, Session, utc_now
from app.simulator.gate import GatedChargePoint
from app.simulator.scenario import ChargerSpec, Fault

# Neutral stop reason (1.6 names) → 2.0.1 (stoppedReason, triggerReason).
_STOP = {
    "Local": ("Local", "StopAuthorized"),
    "Remote": ("Remote", "RemoteStop"),
    "SoftReset": ("ImmediateReset", "ResetCommand"),
    "HardReset": ("ImmediateReset", "ResetCommand"),
    "UnlockCommand": ("Other", "UnlockCommand"),
    "EVDisconnected": ("EVDisconnected", "EVCommunicationLost"),
    "Other": ("Other", "AbnormalCondition"),
}
_LIMITS = {"tech_code": 50, "tech_info": 500, "actual_value": 2500}


class ChargePoint201(GatedChargePoint, ChargePoint):
    """Answers the CSMS's 2.0.1 commands the way the device decides."""

    @on(Action.reset)
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> Any:
        if refusal := self.gate(call_result.Reset(status="Rejected")):
            return refusal
        return self.reply(call_result.Reset(status=self.device.on_reset(type)))

    @on(Action.change_availability)
    def on_change_availability(self, operational_status: str, evse: dict | None = None, **_: Any) -> Any:
        if refusal := self.gate(call_result.ChangeAvailability(status="Rejected")):
            return refusal
        if evse and evse.get("connector_id", 1) != 1:
            return self.reply(call_result.ChangeAvailability(status="Rejected"))
        connector = evse["id"] if evse else 0
        status = self.device.on_change_availability(connector, operative=operational_status == "Operative")
        return self.reply(call_result.ChangeAvailability(status=status))

    @on(Action.unlock_connector)
    def on_unlock_connector(self, evse_id: int, connector_id: int, **_: Any) -> Any:
        if refusal := self.gate(call_result.UnlockConnector(status="UnlockFailed")):
            return refusal
        if connector_id != 1:
            return self.reply(call_result.UnlockConnector(status="UnknownConnector"))
        status = self.device.on_unlock(evse_id, refuse_during_session=True)
        return self.reply(call_result.UnlockConnector(status=status))

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, evse: dict | None = None, **_: Any) -> Any:
        if refusal := self.gate(call_result.TriggerMessage(status="Rejected")):
            return refusal
        connector = evse["id"] if evse else None
        return self.reply(
            call_result.TriggerMessage(status=self.device.on_trigger(requested_message, connector))
        )

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any) -> Any:
        if refusal := self.gate(call_result.ClearCache(status="Rejected")):
            return refusal
        return self.reply(call_result.ClearCache(status=self.device.on_clear_cache()))

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        if refusal := self.gate(call_result.DataTransfer(status="Rejected")):
            return refusal
        return self.reply(call_result.DataTransfer(status="UnknownVendorId"))


class Ocpp201:
    """Builds the 2.0.1 messages; keeps the station's NotifyEvent numbering."""

    version = "2.0.1"
    subprotocol = "ocpp2.0.1"
    session_status = "Occupied"
    station_faults_affect_connectors = True
    charge_point = ChargePoint201

    def __init__(self) -> None:
        self._seq_no = itertools.count()
        self._event_id = itertools.count(1)

    def boot(self, spec: ChargerSpec, reason: str) -> Outgoing:
        station = {
            "vendor_name": spec.vendor,
            "model": spec.model,
            "firmware_version": spec.firmware,
            "serial_number": spec.serial,
        }
        return Outgoing(call.BootNotification(charging_station=_without_nones(station), reason=reason))

    def heartbeat(self) -> Outgoing:
        return Outgoing(call.Heartbeat())

    def status_targets(self, connector: int, count: int) -> list[int]:
        """EVSEs whose status a change on ``connector`` concerns (0 = the whole station)."""
        return list(range(1, count + 1)) if connector == 0 else [connector]

    def all_status_targets(self, count: int) -> list[int]:
        return list(range(1, count + 1))

    fault_targets = status_targets

    def status(self, connector: int, status: str, fault: Fault | None) -> list[Outgoing]:
        """StatusNotification of one EVSE (the station itself has none)."""
        if connector == 0:
            return []
        payload = call.StatusNotification(
            timestamp=utc_now(), connector_status=status, evse_id=connector, connector_id=1
        )
        return [Outgoing(payload)]

    def fault_events(self, fault: Fault, *, cleared: bool) -> list[Outgoing]:
        """NotifyEvent raising ``fault`` or, with ``cleared``, reporting it gone."""
        event = _event(fault, next(self._event_id), cleared=cleared)
        payload = call.NotifyEvent(
            generated_at=utc_now(), seq_no=next(self._seq_no), tbc=False, event_data=[event]
        )
        standard = all(len(event.get(k) or "") <= limit for k, limit in _LIMITS.items())
        return [Outgoing(payload, skip_validation=not standard)]

    def status_detail(self, fault: Fault | None) -> str:
        return ""  # a 2.0.1 status carries no error

    def describe(self, fault: Fault) -> str:
        name = f"{_component(fault)}.{fault.variable}={fault.actual_value}"
        details = " ".join(filter(None, [name, fault.tech_code or fault.vendor_error_code]))
        return f"{self.where(fault.connector)} {details} {(fault.tech_info or fault.info or '')!r}"

    def where(self, connector: int) -> str:
        return "station" if connector == 0 else f"evse {connector}"

    def authorize(self, session: Session) -> Outgoing:
        return Outgoing(call.Authorize(id_token=_id_token(session)))

    def accepted(self, result: Any) -> bool:
        return result.id_token_info.get("status") == "Accepted"

    def start_transaction(self, session: Session) -> Outgoing:
        session.transaction_id = str(uuid.uuid4())
        return self._transaction_event(session, "Started", "Authorized", "Transaction.Begin", id_token=True)

    def started(self, session: Session, result: Any) -> bool:
        info = result.id_token_info
        return info is None or info.get("status") == "Accepted"

    def meter_values(self, session: Session) -> Outgoing:
        return self._transaction_event(session, "Updated", "MeterValuePeriodic", "Sample.Periodic")

    def stop_transaction(self, session: Session, reason: str) -> Outgoing:
        stopped, trigger = _STOP.get(reason, ("Other", "AbnormalCondition"))
        return self._transaction_event(session, "Ended", trigger, "Transaction.End", stopped_reason=stopped)

    def _transaction_event(
        self,
        session: Session,
        event_type: str,
        trigger: str,
        context: str,
        *,
        id_token: bool = False,
        stopped_reason: str | None = None,
    ) -> Outgoing:
        info = {
            "transaction_id": session.transaction_id,
            "charging_state": "Idle" if stopped_reason else "Charging",
            "stopped_reason": stopped_reason,
        }
        payload = call.TransactionEvent(
            event_type=event_type,
            timestamp=utc_now(),
            trigger_reason=trigger,
            seq_no=session.seq_no,
            transaction_info=_without_nones(info),
            evse={"id": session.connector, "connector_id": 1},
            id_token=_id_token(session) if id_token else None,
            meter_value=[_sample(session, context)],
        )
        session.seq_no += 1
        return Outgoing(payload)


def _component(fault: Fault) -> str:
    return fault.component or ("ChargingStation" if fault.connector == 0 else "Connector")


def _event(fault: Fault, event_id: int, *, cleared: bool) -> dict[str, Any]:
    component: dict[str, Any] = {"name": _component(fault)}
    if fault.connector:
        component["evse"] = {"id": fault.connector, "connector_id": 1}
    value = fault.actual_value
    if cleared and value.lower() in {"true", "false"}:
        value = "false" if value.lower() == "true" else "true"
    event = {
        "event_id": event_id,
        "timestamp": utc_now(),
        "trigger": fault.trigger,
        "actual_value": value,
        "tech_code": fault.tech_code or fault.vendor_error_code,
        "tech_info": fault.tech_info or fault.info,
        "cleared": True if cleared else None,
        "event_notification_type": "HardWiredNotification",
        "component": component,
        "variable": {"name": fault.variable},
    }
    return _without_nones(event)


def _id_token(session: Session) -> dict[str, str]:
    return {"id_token": session.spec.id_tag, "type": "ISO14443"}


def _sample(session: Session, context: str) -> dict[str, Any]:
    energy = {
        "value": session.meter_wh(),
        "context": context,
        "measurand": "Energy.Active.Import.Register",
        "unit_of_measure": {"unit": "Wh"},
    }
    return {"timestamp": utc_now(), "sampled_value": [energy]}


def _without_nones(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}
