"""An OCPP 2.0.1 charging station as the gateway sees it: one object per websocket connection.

StatusNotification, NotifyEvent and BootNotification go through the intake (raw payloads; the
intake normalises non-standard values); TransactionEvent and MeterValues update the station's
sessions; DataTransfer is recorded and answered ``UnknownVendorId``. Every other message is
validated against the official schemas by ``ocpp``.
"""

from __future__ import annotations

import json

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action, DataTransferStatusEnumType

from app.chargers import sessions
from app.chargers.station import StationMixin, now_iso, parse_time

ACCEPTED_TOKEN = {"status": "Accepted"}


class Station201(StationMixin, ChargePoint):
    version = "2.0.1"

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

    @on(Action.notify_event, skip_schema_validation=True)
    async def on_notify_event(self, call_unique_id: str, **_):
        await self._record("notify_event", call_unique_id)
        return call_result.NotifyEvent()

    @on(Action.authorize)
    def on_authorize(self, id_token: dict, **_):
        return call_result.Authorize(id_token_info=ACCEPTED_TOKEN)

    @on(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        transaction_info: dict,
        evse=None,
        id_token=None,
        meter_value=None,
        **_,
    ):
        await self.services.write(
            lambda s: sessions.transaction_event201(
                s,
                charger_id=self.id,
                event_type=event_type,
                at=parse_time(timestamp),
                transaction_info=transaction_info,
                evse=evse,
                id_token=id_token,
                meter_value=meter_value,
            )
        )
        return call_result.TransactionEvent(id_token_info=ACCEPTED_TOKEN if id_token else None)

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id: int, meter_value: list, **_):
        await self.services.write(
            lambda s: sessions.meter_values(s, charger_id=self.id, meter_value=meter_value, evse_id=evse_id)
        )
        return call_result.MeterValues()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, message_id=None, data=None, **_):
        shown = data if isinstance(data, str) else json.dumps(data)
        detail = {"vendor_id": vendor_id, "message_id": message_id, "data": (shown or "")[:2000]}
        await self.services.audit(self.id, "ocpp.data_transfer", detail)
        return call_result.DataTransfer(status=DataTransferStatusEnumType.unknown_vendor_id)

    @on(Action.security_event_notification)
    async def on_security_event(self, type: str, timestamp: str, tech_info=None, **_):
        await self.services.audit(self.id, "ocpp.security_event", {"type": type, "tech_info": tech_info})
        return call_result.SecurityEventNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, status: str, **_):
        await self.services.audit(self.id, "ocpp.firmware_status", {"status": status})
        return call_result.FirmwareStatusNotification()

    @on(Action.log_status_notification)
    async def on_log_status(self, status: str, **_):
        await self.services.audit(self.id, "ocpp.log_status", {"status": status})
        return call_result.LogStatusNotification()
