"""An OCPP 1.6J charge point as the gateway sees it: one object per websocket connection.

StatusNotification and BootNotification go through the intake (their payloads are taken raw —
real chargers send non-standard values, which the intake normalises and reports); transactions
and meter values update the charger's sessions; DataTransfer is recorded and answered
``UnknownVendorId``. Every other message is validated against the official schemas by ``ocpp``.
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, DataTransferStatus

from app.chargers import sessions
from app.chargers.station import StationMixin, now_iso, parse_time

ACCEPTED_TAG = {"status": "Accepted"}


class Station16(StationMixin, ChargePoint):
    version = "1.6"

    @on(Action.boot_notification, skip_schema_validation=True)
    async def on_boot(self, call_unique_id: str, **_):
        await self._record("boot_notification", call_unique_id)
        return call_result.BootNotification(**self.services.boot_answer())

    @on(Action.heartbeat)
    def on_heartbeat(self, **_):
        return call_result.Heartbeat(current_time=now_iso())

    @on(Action.status_notification, skip_schema_validation=True)
    async def on_status(self, call_unique_id: str, **_):
        await self._record("status_notification", call_unique_id)
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str, **_):
        return call_result.Authorize(id_tag_info=ACCEPTED_TAG)

    @on(Action.start_transaction)
    async def on_start(self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_):
        tx = await self.services.write(
            lambda s: sessions.start16(
                s,
                charger_id=self.id,
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=meter_start,
                at=parse_time(timestamp),
            )
        )
        return call_result.StartTransaction(transaction_id=tx, id_tag_info=ACCEPTED_TAG)

    @on(Action.stop_transaction)
    async def on_stop(
        self, transaction_id: int, meter_stop: int, timestamp: str, id_tag=None, reason=None, **_
    ):
        await self.services.write(
            lambda s: sessions.stop16(
                s,
                charger_id=self.id,
                transaction_id=transaction_id,
                meter_stop=meter_stop,
                at=parse_time(timestamp),
                reason=reason,
            )
        )
        return call_result.StopTransaction(id_tag_info=ACCEPTED_TAG if id_tag else None)

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list, transaction_id=None, **_):
        await self.services.write(
            lambda s: sessions.meter_values(
                s,
                charger_id=self.id,
                meter_value=meter_value,
                transaction_id=str(transaction_id) if transaction_id is not None else None,
                connector_id=connector_id,
            )
        )
        return call_result.MeterValues()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, message_id=None, data=None, **_):
        detail = {"vendor_id": vendor_id, "message_id": message_id, "data": (data or "")[:2000]}
        await self.services.audit(self.id, "ocpp.data_transfer", detail)
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, status: str, **_):
        await self.services.audit(self.id, "ocpp.firmware_status", {"status": status})
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status(self, status: str, **_):
        await self.services.audit(self.id, "ocpp.diagnostics_status", {"status": status})
        return call_result.DiagnosticsStatusNotification()
