"""The OCPP-J gateway over real websockets on loopback: admission (path, subprotocol, Basic auth,
unknown chargers, auto-registration), the messages it handles, malformed frames, and every
outcome of a command (accepted, rejected, CallError, time-out, disconnect, not connected)."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import ssl
import subprocess
from contextlib import asynccontextmanager
from typing import ClassVar

import pytest
from ocpp.exceptions import GenericError
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Client16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call16_result
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as Client201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201
from sqlmodel import select
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from app.chargers.credentials import register_charger
from app.chargers.executors import OutcomeStatus
from app.chargers.gateway import Gateway
from app.chargers.station import StationServices
from app.guard.actions import Action, ActionParams
from app.intake.writer import IntakeWriter
from app.settings import Settings
from app.store.db import session_scope
from app.store.models import AuditEntry, Charger, ChargingSession, Event, Fault, WorkItem

PASSWORD = "correct-horse-battery-9"


@asynccontextmanager
async def running_gateway(engine, tmp_path, **overrides):
    settings = Settings(data_dir=tmp_path / "data", ocpp_port=0, ocpp_call_timeout_seconds=0.5, **overrides)
    intake = IntakeWriter(engine, reprocess_at=3)
    intake.start()
    gateway = Gateway(
        settings, engine=engine, services=StationServices(engine=engine, intake=intake, heartbeat_seconds=60)
    )
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.close()
        intake.close()


def _auth(charger_id: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _url(gateway: Gateway, charger_id: str) -> str:
    return f"ws://127.0.0.1:{gateway.port}/ocpp/{charger_id}"


@asynccontextmanager
async def client(gateway, charger_id, cls=Client16, protocol="ocpp1.6", password=PASSWORD):
    async with connect(
        _url(gateway, charger_id), subprotocols=[protocol], additional_headers=_auth(charger_id, password)
    ) as ws:
        cp = cls(charger_id, ws, response_timeout=2)
        task = asyncio.create_task(cp.start())
        await _until(lambda: gateway.is_connected(charger_id))
        try:
            yield cp, ws
        finally:
            task.cancel()


async def _until(predicate, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def _rows(engine, model, **where):
    with session_scope(engine) as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.exec(query).all())


# ---- admission ---------------------------------------------------------------------------------
async def test_admission_needs_a_known_charger_its_password_and_an_ocpp_subprotocol(engine, tmp_path):
    register_charger(engine, charger_id="CP-1", password=PASSWORD, site_id="s1")
    async with running_gateway(engine, tmp_path) as gateway:
        for path, headers, protocols, status in [
            ("/ocpp/CP-1", _auth("CP-1", "wrong-password-123456"), ["ocpp1.6"], 401),
            ("/ocpp/CP-1", {}, ["ocpp1.6"], 401),
            ("/ocpp/CP-1", _auth("CP-2"), ["ocpp1.6"], 401),  # username must be the charger id
            ("/ocpp/CP-9", _auth("CP-9"), ["ocpp1.6"], 404),  # unknown charger
            ("/elsewhere/CP-1", _auth("CP-1"), ["ocpp1.6"], 404),
            # No common subprotocol is not refused with 400: OCPP-J completes the handshake and
            # then closes (tests/test_ocpp_conformance.py).
        ]:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(
                    f"ws://127.0.0.1:{gateway.port}{path}", subprotocols=protocols, additional_headers=headers
                ):
                    pass
            assert refused.value.response.status_code == status, path
        async with client(gateway, "CP-1") as (_, ws):
            assert ws.subprotocol == "ocpp1.6"
            (connection,) = gateway.snapshot()
            assert (connection["charger_id"], connection["protocol"]) == ("CP-1", "1.6")
        await _until(lambda: not gateway.is_connected("CP-1"))
    (charger,) = _rows(engine, Charger, id="CP-1")
    assert charger.connected_node is None and charger.disconnected_at is not None
    kinds = [a.kind for a in _rows(engine, AuditEntry, charger_id="CP-1")]
    assert kinds.count("ocpp.connected") == 1 and kinds.count("ocpp.disconnected") == 1


async def _status(gateway, charger_id: str, password: str):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            _url(gateway, charger_id),
            subprotocols=["ocpp1.6"],
            additional_headers=_auth(charger_id, password),
        ):
            pass
    return refused.value.response


async def test_password_guessing_is_cut_off_per_address_and_charger_id(engine, tmp_path):
    for charger_id in ("CP-1", "CP-2"):
        register_charger(engine, charger_id=charger_id, password=PASSWORD, site_id="s1")
    async with running_gateway(engine, tmp_path, ocpp_auth_failures_per_minute=3) as gateway:
        statuses = [(await _status(gateway, "CP-1", f"guess-{n:016d}")).status_code for n in range(3)]
        assert statuses == [401, 401, 401]
        refused = await _status(gateway, "CP-1", PASSWORD)  # even the right one, until it refills
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        async with client(gateway, "CP-2") as (_, ws):  # another charger id is not locked out
            assert ws.subprotocol == "ocpp1.6"


async def test_auto_registration_trusts_the_first_password_and_then_requires_it(engine, tmp_path):
    async with running_gateway(engine, tmp_path, ocpp_auto_register=True) as gateway:
        async with client(gateway, "NEW-1", Client201, "ocpp2.0.1"):
            (charger,) = _rows(engine, Charger, id="NEW-1")
            assert charger.password_hash.startswith("scrypt$") and PASSWORD not in charger.password_hash
            assert charger.connected_node == gateway.node and charger.ocpp_version == "2.0.1"
        gateway._auth_cache.clear()
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                _url(gateway, "NEW-1"),
                subprotocols=["ocpp2.0.1"],
                additional_headers=_auth("NEW-1", "another-password-42"),
            ):
                pass
        assert refused.value.response.status_code == 401


# ---- messages ----------------------------------------------------------------------------------
async def test_status_notification_goes_through_intake_raw_and_a_retransmission_is_not_recorded_twice(
    engine, tmp_path
):
    register_charger(engine, charger_id="CP-1", password=PASSWORD)
    async with running_gateway(engine, tmp_path) as gateway, client(gateway, "CP-1") as (cp, _):
        boot = await cp.call(
            call16.BootNotification(charge_point_vendor="Voltra", charge_point_model="VX22-T2S")
        )
        assert boot.status == "Accepted" and boot.interval == 60
        # A non-standard errorCode, sent as real chargers do (the client's own validation skipped).
        fault = call16.StatusNotification(
            connector_id=1,
            error_code="Error",
            status="Faulted",
            vendor_id="com.voltra",
            vendor_error_code="E-06",
        )
        await cp.call(fault, skip_schema_validation=True, unique_id="msg-7")
        await cp.call(fault, skip_schema_validation=True, unique_id="msg-7")  # unanswered → re-sent
    events = _rows(engine, Event, charger_id="CP-1")
    status = [e for e in events if e.kind == "status_notification"]
    assert len(status) == 1 and status[0].source == "ocpp:CP-1"
    assert status[0].payload["status_notification"]["errorCode"] == "Error"  # raw kept
    assert any("errorCode" in issue for issue in status[0].issues)  # and the normalisation reported
    (fault_row,) = _rows(engine, Fault, charger_id="CP-1")
    assert fault_row.error_code == "OtherError" and fault_row.vendor_error_code == "E-06"
    assert fault_row.vendor_id == "com.voltra"  # whose scheme the code is: kept for the diagnosis
    assert len(_rows(engine, WorkItem, fault_id=fault_row.id)) == 1
    (charger,) = _rows(engine, Charger, id="CP-1")
    assert (charger.vendor, charger.model, charger.ocpp_version) == ("Voltra", "VX22-T2S", "1.6")


async def test_an_unreadable_payload_gets_a_callerror_naming_the_field_and_the_connection_stays(
    engine, tmp_path
):
    register_charger(engine, charger_id="CP-1", password=PASSWORD)
    async with running_gateway(engine, tmp_path) as gateway, client(gateway, "CP-1") as (cp, _):
        with pytest.raises(Exception) as refused:
            await cp.call(
                call16.StatusNotification(connector_id="one", error_code="NoError", status="Available"),
                skip_schema_validation=True,
                suppress=False,
            )
        assert refused.value.code == "FormationViolation" and "connectorId" in refused.value.description
        heartbeat = await cp.call(call16.Heartbeat())
        assert heartbeat.current_time
    assert _rows(engine, Fault, charger_id="CP-1") == []


@pytest.mark.parametrize(
    "frame, code",
    [
        ("this is not json", "FormationViolation"),
        ('{"not": "a list"}', "ProtocolError"),
        ('[2, "x1"]', "ProtocolError"),
        ('[9, "x2", "Heartbeat", {}]', "PropertyConstraintViolation"),
    ],
)
async def test_malformed_frames_get_a_callerror_and_the_connection_survives(engine, tmp_path, frame, code):
    register_charger(engine, charger_id="CP-1", password=PASSWORD)
    async with (
        running_gateway(engine, tmp_path) as gateway,
        connect(_url(gateway, "CP-1"), subprotocols=["ocpp1.6"], additional_headers=_auth("CP-1")) as ws,
    ):
        await ws.send(frame)
        answer = json.loads(await asyncio.wait_for(ws.recv(), 2))
        assert answer[0] == 4 and answer[2] == code
        await ws.send(json.dumps([2, "hb-1", "Heartbeat", {}]))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 2))
        assert reply[:2] == [3, "hb-1"] and "currentTime" in reply[2]


async def test_transactions_make_the_charger_busy_and_datatransfer_is_recorded(engine, tmp_path):
    register_charger(engine, charger_id="CP-1", password=PASSWORD)
    register_charger(engine, charger_id="CS-2", password=PASSWORD)
    async with running_gateway(engine, tmp_path) as gateway:
        async with client(gateway, "CP-1") as (cp, _):
            assert (await cp.call(call16.Authorize(id_tag="TAG1"))).id_tag_info["status"] == "Accepted"
            started = await cp.call(
                call16.StartTransaction(
                    connector_id=1, id_tag="TAG1", meter_start=100, timestamp="2026-11-24T10:00:00Z"
                )
            )
            again = await cp.call(
                call16.StartTransaction(
                    connector_id=1, id_tag="TAG1", meter_start=100, timestamp="2026-11-24T10:00:00Z"
                )
            )
            assert started.transaction_id == again.transaction_id
            await cp.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[{"timestamp": "2026-11-24T10:05:00Z", "sampled_value": [{"value": "1600"}]}],
                )
            )
            assert gateway._busy("CP-1")
            await cp.call(
                call16.StopTransaction(
                    transaction_id=started.transaction_id, meter_stop=2100, timestamp="2026-11-24T10:30:00Z"
                )
            )
            assert not gateway._busy("CP-1")
            answer = await cp.call(call16.DataTransfer(vendor_id="com.voltra", message_id="diag", data="x"))
            assert answer.status == "UnknownVendorId"
        async with client(gateway, "CS-2", Client201, "ocpp2.0.1") as (cs, _):
            tx = {"transaction_id": "tx-9", "charging_state": "Charging"}
            event = dict(
                timestamp="2026-11-24T10:00:00Z",
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info=tx,
                evse={"id": 1, "connector_id": 1},
                id_token={"id_token": "T", "type": "ISO14443"},
            )
            await cs.call(call201.TransactionEvent(event_type="Started", **event))
            assert gateway._busy("CS-2")
            await cs.call(call201.TransactionEvent(event_type="Ended", **{**event, "seq_no": 1}))
            assert not gateway._busy("CS-2")
    (session16,) = _rows(engine, ChargingSession, charger_id="CP-1")
    assert (session16.meter_start_wh, session16.meter_last_wh, session16.meter_values) == (100, 2100, 1)
    (session201,) = _rows(engine, ChargingSession, charger_id="CS-2")
    assert session201.transaction_id == "tx-9" and session201.stopped_at is not None
    assert [a.detail["vendor_id"] for a in _rows(engine, AuditEntry, kind="ocpp.data_transfer")] == [
        "com.voltra"
    ]


# ---- commands ----------------------------------------------------------------------------------
class Answering201(Client201):
    """A 2.0.1 station whose Reset answer the test sets: a status, an OCPP error, silence, or a hang-up."""

    answer = "Accepted"
    received: ClassVar[list] = []

    @on(Action201.reset)
    async def on_reset(self, type, **kwargs):
        self.received.append(type)
        if self.answer == "error":
            raise GenericError(description="busy")
        if self.answer == "silent":
            await asyncio.sleep(5)
        if self.answer == "hang_up":
            await self._connection.close()
            await asyncio.sleep(5)
        return result201.Reset(status=self.answer)


@pytest.mark.parametrize(
    "answer, status",
    [
        ("Accepted", OutcomeStatus.ACCEPTED),
        ("Rejected", OutcomeStatus.REJECTED),
        ("error", OutcomeStatus.CALL_ERROR),
        ("silent", OutcomeStatus.TIMEOUT),
        ("hang_up", OutcomeStatus.DISCONNECTED),
    ],
)
async def test_every_command_outcome_is_told_apart(engine, tmp_path, answer, status):
    register_charger(engine, charger_id="CS-1", password=PASSWORD)
    async with running_gateway(engine, tmp_path) as gateway:
        async with client(gateway, "CS-1", Answering201, "ocpp2.0.1") as (cs, _):
            cs.answer, cs.received = answer, []
            outcome = await gateway.send("CS-1", Action.SOFT_RESET, ActionParams())
            assert cs.received == ["Immediate"]  # no session running: Immediate, not OnIdle
        assert outcome.status is status and outcome.executor == "ocpp", outcome
        missing = await gateway.send("CS-404", Action.SOFT_RESET, ActionParams())
        assert missing.status is OutcomeStatus.NOT_CONNECTED


async def test_each_action_maps_to_a_schema_valid_call_in_both_versions(engine, tmp_path):
    """The simulated stations validate every incoming call against the official schemas (the
    ``ocpp`` library's default): an invalid call would come back as a CallError."""
    seen: dict[str, list] = {"1.6": [], "2.0.1": []}

    class Station16(Client16):
        @on(Action16.reset)
        def reset(self, **kw):
            seen["1.6"].append(("Reset", kw))
            return call16_result.Reset(status="Accepted")

        @on(Action16.change_availability)
        def availability(self, **kw):
            seen["1.6"].append(("ChangeAvailability", kw))
            return call16_result.ChangeAvailability(status="Scheduled")

        @on(Action16.unlock_connector)
        def unlock(self, **kw):
            seen["1.6"].append(("UnlockConnector", kw))
            return call16_result.UnlockConnector(status="UnlockFailed")

        @on(Action16.trigger_message)
        def trigger(self, **kw):
            seen["1.6"].append(("TriggerMessage", kw))
            return call16_result.TriggerMessage(status="Accepted")

        @on(Action16.clear_cache)
        def clear(self, **kw):
            seen["1.6"].append(("ClearCache", kw))
            return call16_result.ClearCache(status="Accepted")

    class Station201(Client201):
        @on(Action201.reset)
        def reset(self, **kw):
            seen["2.0.1"].append(("Reset", kw))
            return result201.Reset(status="Accepted")

        @on(Action201.change_availability)
        def availability(self, **kw):
            seen["2.0.1"].append(("ChangeAvailability", kw))
            return result201.ChangeAvailability(status="Accepted")

        @on(Action201.unlock_connector)
        def unlock(self, **kw):
            seen["2.0.1"].append(("UnlockConnector", kw))
            return result201.UnlockConnector(status="Unlocked")

        @on(Action201.trigger_message)
        def trigger(self, **kw):
            seen["2.0.1"].append(("TriggerMessage", kw))
            return result201.TriggerMessage(status="Accepted")

        @on(Action201.clear_cache)
        def clear(self, **kw):
            seen["2.0.1"].append(("ClearCache", kw))
            return result201.ClearCache(status="Accepted")

    register_charger(engine, charger_id="CP-1", password=PASSWORD)
    register_charger(engine, charger_id="CS-1", password=PASSWORD)
    actions = [a for a in Action if a.is_device_action]
    async with (
        running_gateway(engine, tmp_path) as gateway,
        client(gateway, "CP-1", Station16, "ocpp1.6"),
        client(gateway, "CS-1", Station201, "ocpp2.0.1"),
    ):
        results16 = [await gateway.send("CP-1", a, ActionParams(connector_id=1)) for a in actions]
        results201 = [await gateway.send("CS-1", a, ActionParams(evse_id=1, connector_id=1)) for a in actions]
    assert [r.status for r in results16] == [
        OutcomeStatus.ACCEPTED,
        OutcomeStatus.ACCEPTED,
        OutcomeStatus.ACCEPTED,
        OutcomeStatus.ACCEPTED,
        OutcomeStatus.REJECTED,
        OutcomeStatus.ACCEPTED,
        OutcomeStatus.ACCEPTED,
    ]
    assert "Scheduled" in results16[2].detail
    assert all(r.status is OutcomeStatus.ACCEPTED for r in results201), results201
    assert [name for name, _ in seen["1.6"]] == [
        "Reset",
        "Reset",
        "ChangeAvailability",
        "ChangeAvailability",
        "UnlockConnector",
        "TriggerMessage",
        "ClearCache",
    ]
    assert seen["1.6"][0][1] == {"type": "Soft"} and seen["1.6"][1][1] == {"type": "Hard"}
    assert seen["1.6"][2][1] == {"connector_id": 1, "type": "Inoperative"}
    assert seen["1.6"][5][1] == {"requested_message": "StatusNotification", "connector_id": 1}
    assert seen["2.0.1"][2][1] == {"operational_status": "Inoperative", "evse": {"id": 1, "connector_id": 1}}
    assert seen["2.0.1"][4][1] == {"evse_id": 1, "connector_id": 1}
    assert seen["2.0.1"][5][1] == {
        "requested_message": "StatusNotification",
        "evse": {"id": 1, "connector_id": 1},
    }


async def test_a_2_0_1_reset_during_a_session_waits_for_it_to_end(engine, tmp_path):
    register_charger(engine, charger_id="CS-1", password=PASSWORD)
    async with (
        running_gateway(engine, tmp_path) as gateway,
        client(gateway, "CS-1", Answering201, "ocpp2.0.1") as (cs, _),
    ):
        cs.answer, cs.received = "Scheduled", []
        tx = {"transaction_id": "tx-1"}
        await cs.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp="2026-11-24T10:00:00Z",
                trigger_reason="CablePluggedIn",
                seq_no=0,
                transaction_info=tx,
                evse={"id": 1, "connector_id": 1},
            )
        )
        outcome = await gateway.send("CS-1", Action.SOFT_RESET, ActionParams())
    assert cs.received == ["OnIdle"]
    assert outcome.status is OutcomeStatus.ACCEPTED and "Scheduled" in outcome.detail


@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate"
)
async def test_security_profile_2_serves_wss_with_the_configured_certificate(engine, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    register_charger(engine, charger_id="CP-1", password=PASSWORD)
    trust = ssl.create_default_context(cafile=str(cert))
    async with running_gateway(engine, tmp_path, ocpp_tls_cert=cert, ocpp_tls_key=key) as gateway:
        url = f"wss://127.0.0.1:{gateway.port}/ocpp/CP-1"
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=_auth("CP-1"), ssl=trust) as ws:
            await ws.send(json.dumps([2, "hb-1", "Heartbeat", {}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), 2))[:2] == [3, "hb-1"]
        with pytest.raises((OSError, InvalidHandshake, TimeoutError)):  # plain ws:// is not served
            async with connect(
                f"ws://127.0.0.1:{gateway.port}/ocpp/CP-1",
                subprotocols=["ocpp1.6"],
                additional_headers=_auth("CP-1"),
                open_timeout=2,
            ):
                pass
