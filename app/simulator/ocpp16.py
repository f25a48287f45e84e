"""OCPP 1.6J for the simulated charger: the messages it sends and the commands it answers.

A 1.6 fault travels inside StatusNotification (errorCode, info, vendorId, vendorErrorCode).
Real firmware sends non-standard error codes (``"Error"``) and over-long texts; such a
notification is sent with the library's schema validation skipped for that one call.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, ChargePointErrorCode, ChargePointStatus

from app.simulator.device import Outgoing, Session, utc_now
from app.simulator.gate import GatedChargePoint
from app.simulator.scenario import ChargerSpec, Fault

_ERROR_CODES = {code.value for code in ChargePointErrorCode}
_STATUSES = {status.value for status in ChargePointStatus}
_MAX_TEXT = 50  # info and vendorErrorCode


class ChargePoint16(GatedChargePoint, ChargePoint):
    """Answers the central system's 1.6 commands the way the device decides."""

    @on(Action.reset)
    def on_reset(self, type: str, **_: Any) -> Any:
        if refusal := self.gate(call_result.Reset(status="Rejected")):
            return refusal
        return self.reply(call_result.Reset(status=self.device.on_reset(type)))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, **_: Any) -> Any:
        if refusal := self.gate(call_result.ChangeAvailability(status="Rejected")):
            return refusal
        status = self.device.on_change_availability(connector_id, operative=type == "Operative")
        return self.reply(call_result.ChangeAvailability(status=status))

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any) -> Any:
        if refusal := self.gate(call_result.UnlockConnector(status="UnlockFailed")):
            return refusal
        status = self.device.on_unlock(connector_id, refuse_during_session=False)
        return self.reply(
            call_result.UnlockConnector(status="NotSupported" if status == "UnknownConnector" else status)
        )

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, connector_id: int | None = None, **_: Any) -> Any:
        if refusal := self.gate(call_result.TriggerMessage(status="Rejected")):
            return refusal
        return self.reply(
            call_result.TriggerMessage(status=self.device.on_trigger(requested_message, connector_id))
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


class Ocpp16:
    """Builds the 1.6 messages; the device decides when to send them."""

    version = "1.6"
    subprotocol = "ocpp1.6"
    session_status = "Charging"
    station_faults_affect_connectors = False
    charge_point = ChargePoint16

    def boot(self, spec: ChargerSpec, reason: str) -> Outgoing:
        return Outgoing(
            call.BootNotification(
                charge_point_vendor=spec.vendor,
                charge_point_model=spec.model,
                firmware_version=spec.firmware,
                charge_point_serial_number=spec.serial,
            )
        )

    def heartbeat(self) -> Outgoing:
        return Outgoing(call.Heartbeat())

    def status_targets(self, connector: int, count: int) -> list[int]:
        """Connectors whose status a change on ``connector`` concerns (0 = the charge point itself)."""
        return list(range(count + 1)) if connector == 0 else [connector]

    def all_status_targets(self, count: int) -> list[int]:
        return list(range(count + 1))

    def fault_targets(self, connector: int, count: int) -> list[int]:
        return [connector]

    def status(self, connector: int, status: str, fault: Fault | None) -> list[Outgoing]:
        """StatusNotification; with ``fault`` its error fields, else NoError."""
        payload = call.StatusNotification(
            connector_id=connector,
            error_code=fault.error_code if fault else "NoError",
            status=status,
            timestamp=utc_now(),
            info=fault.info if fault else None,
            vendor_id=fault.vendor_id if fault else None,
            vendor_error_code=fault.vendor_error_code if fault else None,
        )
        return [Outgoing(payload, skip_validation=fault is not None and not _standard(fault, status))]

    def fault_events(self, fault: Fault, *, cleared: bool) -> list[Outgoing]:
        return []  # 1.6 reports faults through StatusNotification alone

    def status_detail(self, fault: Fault | None) -> str:
        """What a status line adds for ``fault`` (1.6 carries its error code)."""
        return f" ({' '.join(filter(None, [fault.error_code, fault.vendor_error_code]))})" if fault else ""

    def describe(self, fault: Fault) -> str:
        details = " ".join(filter(None, [fault.error_code, fault.vendor_error_code, repr(fault.info or "")]))
        return f"{self.where(fault.connector)} {details}"

    def where(self, connector: int) -> str:
        return "charge point" if connector == 0 else f"connector {connector}"

    def authorize(self, session: Session) -> Outgoing:
        return Outgoing(call.Authorize(id_tag=session.spec.id_tag))

    def start_transaction(self, session: Session) -> Outgoing:
        return Outgoing(
            call.StartTransaction(
                connector_id=session.connector,
                id_tag=session.spec.id_tag,
                meter_start=session.meter_start,
                timestamp=utc_now(),
            )
        )

    def started(self, session: Session, result: Any) -> bool:
        """Remember the central system's transaction id; False if it refused the tag."""
        session.transaction_id = result.transaction_id
        return result.id_tag_info.get("status") == "Accepted"

    def accepted(self, result: Any) -> bool:
        """Whether an Authorize answer accepts the tag."""
        return result.id_tag_info.get("status") == "Accepted"

    def meter_values(self, session: Session) -> Outgoing:
        return Outgoing(
            call.MeterValues(
                connector_id=session.connector,
                transaction_id=session.transaction_id,
                meter_value=[_sample(session)],
            )
        )

    def stop_transaction(self, session: Session, reason: str) -> Outgoing:
        return Outgoing(
            call.StopTransaction(
                meter_stop=session.meter_wh(),
                timestamp=utc_now(),
                transaction_id=session.transaction_id,
                reason=reason,
                id_tag=session.spec.id_tag,
            )
        )


def _standard(fault: Fault, status: str) -> bool:
    texts = (fault.info, fault.vendor_error_code)
    return (
        fault.error_code in _ERROR_CODES
        and status in _STATUSES
        and all(len(t) <= _MAX_TEXT for t in texts if t)
        and len(fault.vendor_id or "") <= 255
    )


def _sample(session: Session) -> dict[str, Any]:
    return {
        "timestamp": utc_now(),
        "sampled_value": [
            {
                "value": str(session.meter_wh()),
                "context": "Sample.Periodic",
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            },
            {
                "value": str(int(session.spec.power_w)),
                "context": "Sample.Periodic",
                "measurand": "Power.Active.Import",
                "unit": "W",
            },
        ],
    }
