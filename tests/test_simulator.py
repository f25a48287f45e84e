"""The simulated charge points, against a small OCPP central system on a real loopback websocket.

The central system below is written with the ``ocpp`` library like the real gateway: it accepts
both versions, records every call it receives and sends commands. Reboots take 0.05 s.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import http
import itertools
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Cp16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as Cp201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201
from typer.testing import CliRunner
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from app.cli import cli
from app.cli_simulate import gateway_url, register_chargers
from app.settings import PROJECT_ROOT, Settings
from app.simulator import (
    ChargerRefused,
    ChargerSpec,
    Fault,
    ScenarioError,
    ScenarioRun,
    SessionSpec,
    SimulatedCharger,
    load_scenario,
    parse_scenario,
    scale,
)

PASSWORD = "test-password-123456"
CORPUS = PROJECT_ROOT / "knowledge" / "corpus"


# ----- a tiny central system ----------------------------------------------------------------


class CentralSystem:
    """Accepts chargers with the right Basic password, records calls, sends commands."""

    def __init__(self) -> None:
        self.url = ""
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.connections: dict[str, Any] = {}
        self.connects: list[str] = []
        self.disconnects: list[str] = []
        self.transaction_ids = itertools.count(101)
        self._changed = asyncio.Condition()

    def check_auth(self, connection: Any, request: Any) -> Any:
        charger_id = request.path.rsplit("/", 1)[-1]
        expected = "Basic " + base64.b64encode(f"{charger_id}:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return connection.respond(http.HTTPStatus.UNAUTHORIZED, "wrong credentials\n")
        return None

    async def handler(self, ws: Any) -> None:
        charger_id = ws.request.path.rsplit("/", 1)[-1]
        cls = Central16 if ws.subprotocol == "ocpp1.6" else Central201
        cp = cls(charger_id, ws, response_timeout=10)
        cp.central = self
        self.connections[charger_id] = cp
        await self._note(lambda: self.connects.append(charger_id))
        try:
            await cp.start()
        except ConnectionClosed:
            pass
        finally:
            await self._note(lambda: self.disconnects.append(charger_id))

    async def record(self, charger_id: str, action: str, payload: dict[str, Any]) -> None:
        await self._note(lambda: self.received.append((charger_id, action, payload)))

    async def _note(self, change: Any) -> None:
        async with self._changed:
            change()
            self._changed.notify_all()

    async def wait_for(self, predicate: Any, timeout: float = 3.0) -> Any:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)
        return predicate()

    def calls(self, charger_id: str, action: str, since: int = 0) -> list[dict[str, Any]]:
        return [p for c, a, p in self.received[since:] if c == charger_id and a == action]

    async def next_call(
        self, charger_id: str, action: str, since: int, timeout: float = 3.0
    ) -> dict[str, Any]:
        """The first ``action`` from ``charger_id`` among the calls received after index ``since``."""
        found = await self.wait_for(lambda: self.calls(charger_id, action, since), timeout)
        return found[0]

    async def send(self, charger_id: str, payload: Any, *, timeout: float = 3.0) -> Any:
        """The charger's answer; ``TimeoutError`` without one, the CallError's exception for one."""
        return await asyncio.wait_for(self.connections[charger_id].call(payload, suppress=False), timeout)


class Central16(Cp16):
    central: CentralSystem

    async def _record(self, action: str, payload: dict[str, Any]) -> None:
        await self.central.record(self.id, action, payload)

    @on(Action16.boot_notification)
    async def boot(self, **payload: Any) -> Any:
        await self._record("BootNotification", payload)
        return result16.BootNotification(current_time=_now(), interval=300, status="Accepted")

    @on(Action16.heartbeat)
    async def heartbeat(self, **payload: Any) -> Any:
        await self._record("Heartbeat", payload)
        return result16.Heartbeat(current_time=_now())

    @on(Action16.status_notification, skip_schema_validation=True)  # chargers send "Error" codes
    async def status(self, **payload: Any) -> Any:
        await self._record("StatusNotification", payload)
        return result16.StatusNotification()

    @on(Action16.authorize)
    async def authorize(self, **payload: Any) -> Any:
        await self._record("Authorize", payload)
        return result16.Authorize(id_tag_info={"status": "Accepted"})

    @on(Action16.start_transaction)
    async def start_transaction(self, **payload: Any) -> Any:
        await self._record("StartTransaction", payload)
        tx = next(self.central.transaction_ids)
        return result16.StartTransaction(transaction_id=tx, id_tag_info={"status": "Accepted"})

    @on(Action16.meter_values)
    async def meter_values(self, **payload: Any) -> Any:
        await self._record("MeterValues", payload)
        return result16.MeterValues()

    @on(Action16.stop_transaction)
    async def stop_transaction(self, **payload: Any) -> Any:
        await self._record("StopTransaction", payload)
        return result16.StopTransaction()


class Central201(Cp201):
    central: CentralSystem

    async def _record(self, action: str, payload: dict[str, Any]) -> None:
        await self.central.record(self.id, action, payload)

    @on(Action201.boot_notification)
    async def boot(self, **payload: Any) -> Any:
        await self._record("BootNotification", payload)
        return result201.BootNotification(current_time=_now(), interval=300, status="Accepted")

    @on(Action201.heartbeat)
    async def heartbeat(self, **payload: Any) -> Any:
        await self._record("Heartbeat", payload)
        return result201.Heartbeat(current_time=_now())

    @on(Action201.status_notification)
    async def status(self, **payload: Any) -> Any:
        await self._record("StatusNotification", payload)
        return result201.StatusNotification()

    @on(Action201.notify_event)
    async def notify_event(self, **payload: Any) -> Any:
        await self._record("NotifyEvent", payload)
        return result201.NotifyEvent()

    @on(Action201.authorize)
    async def authorize(self, **payload: Any) -> Any:
        await self._record("Authorize", payload)
        return result201.Authorize(id_token_info={"status": "Accepted"})

    @on(Action201.transaction_event)
    async def transaction_event(self, **payload: Any) -> Any:
        await self._record("TransactionEvent", payload)
        return result201.TransactionEvent()


def _now() -> str:
    return "2026-01-01T00:00:00Z"


@contextlib.asynccontextmanager
async def _serving(central: CentralSystem, port: int = 0):
    async with serve(
        central.handler,
        "127.0.0.1",
        port,
        subprotocols=["ocpp2.0.1", "ocpp1.6"],
        process_request=central.check_auth,
    ) as server:
        central.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp"
        yield central


@pytest.fixture
async def cs():
    async with _serving(CentralSystem()) as central:
        yield central


@pytest.fixture
async def charger(cs: CentralSystem):
    """``await charger("1.6", **spec_fields)``: a started, booted charger; all stopped afterwards."""
    started: list[SimulatedCharger] = []
    names = itertools.count(1)
    lines: list[str] = []  # what the chargers print; formatting them runs in every test

    async def make(ocpp: str = "1.6", **fields: Any) -> SimulatedCharger:
        spec = _spec(f"SIM-{ocpp.replace('.', '')}-{next(names):02d}", ocpp, **fields)
        sim = SimulatedCharger(spec, cs.url, reporter=lambda c, line: lines.append(line), response_timeout=2)
        started.append(sim)
        sim.start()
        await sim.wait_booted()
        return sim

    yield make
    for sim in started:
        await sim.stop()


def _spec(charger_id: str, ocpp: str, **fields: Any) -> ChargerSpec:
    base: dict[str, Any] = {
        "id": charger_id,
        "ocpp": ocpp,
        "password": PASSWORD,
        "vendor": "VOLTRA",
        "model": "VX22-T2S",
        "firmware": "4.2.3",
        "serial": "SN-1",
        "connectors": 2,
        "reboot_seconds": 0.05,
        "retry_seconds": 0.05,
    }
    return ChargerSpec(**(base | fields))


# ----- boot and status --------------------------------------------------------------------------


async def test_16_boots_reports_every_connector_and_heartbeats(cs: CentralSystem, charger):
    sim = await charger("1.6", heartbeat_seconds=0.05)
    boot = await cs.next_call(sim.id, "BootNotification", 0)
    assert boot == {
        "charge_point_vendor": "VOLTRA",
        "charge_point_model": "VX22-T2S",
        "firmware_version": "4.2.3",
        "charge_point_serial_number": "SN-1",
    }
    statuses = await cs.wait_for(
        lambda: len(cs.calls(sim.id, "StatusNotification")) == 3 and cs.calls(sim.id, "StatusNotification")
    )
    assert [(s["connector_id"], s["status"], s["error_code"]) for s in statuses] == [
        (0, "Available", "NoError"),
        (1, "Available", "NoError"),
        (2, "Available", "NoError"),
    ]
    await cs.wait_for(lambda: len(cs.calls(sim.id, "Heartbeat")) >= 2)  # min(300 from boot, 0.05)
    assert sim.statuses == {0: "Available", 1: "Available", 2: "Available"}
    assert sim.boot_count == 1


async def test_201_boots_with_power_up_and_reports_each_evse(cs: CentralSystem, charger):
    sim = await charger("2.0.1", vendor="Helios Power BV", model="H7-DUO-2S")
    boot = await cs.next_call(sim.id, "BootNotification", 0)
    assert boot["reason"] == "PowerUp"
    assert boot["charging_station"] == {
        "vendor_name": "Helios Power BV",
        "model": "H7-DUO-2S",
        "firmware_version": "4.2.3",
        "serial_number": "SN-1",
    }
    statuses = cs.calls(sim.id, "StatusNotification")
    assert [(s["evse_id"], s["connector_id"], s["connector_status"]) for s in statuses] == [
        (1, 1, "Available"),
        (2, 1, "Available"),
    ]
    assert all(s["timestamp"].endswith("Z") for s in statuses)


# ----- faults -----------------------------------------------------------------------------------


async def test_16_fault_with_a_non_standard_error_code_is_sent_as_is(cs: CentralSystem, charger):
    sim = await charger("1.6")
    since = len(cs.received)
    fault = Fault(
        connector=1, error_code="Error", vendor_error_code="E-06", info="RCD tripped", vendor_id="VOLTRA"
    )
    await sim.report_fault(fault)
    status = await cs.next_call(sim.id, "StatusNotification", since)
    assert status["connector_id"] == 1
    assert status["status"] == "Faulted"
    assert status["error_code"] == "Error"  # not a ChargePointErrorCode; validation was skipped
    assert (status["vendor_error_code"], status["info"], status["vendor_id"]) == (
        "E-06",
        "RCD tripped",
        "VOLTRA",
    )
    assert sim.statuses[1] == "Faulted"


async def test_16_standard_fault_and_its_own_clearing(cs: CentralSystem, charger):
    sim = await charger("1.6")
    since = len(cs.received)
    await sim.report_fault(
        Fault(connector=2, error_code="GroundFailure", vendor_error_code="101", clears_after=0.1)
    )
    raised = await cs.next_call(sim.id, "StatusNotification", since)
    assert (raised["connector_id"], raised["status"], raised["error_code"]) == (2, "Faulted", "GroundFailure")
    await sim.wait_for_status(2, "Available", timeout=2)
    cleared = cs.calls(sim.id, "StatusNotification", since)[-1]
    assert (cleared["connector_id"], cleared["status"], cleared["error_code"]) == (2, "Available", "NoError")
    assert sim.faults == []


async def test_201_fault_is_a_notify_event_then_faulted(cs: CentralSystem, charger):
    sim = await charger("2.0.1")
    since = len(cs.received)
    fault = Fault(
        connector=1,
        component="RCD",
        variable="Tripped",
        tech_code="F002",
        tech_info="6.2 mA DC",
        clears_after=0.1,
    )
    await sim.report_fault(fault)
    event = await cs.next_call(sim.id, "NotifyEvent", since)
    assert event["tbc"] is False and event["seq_no"] == 0 and event["generated_at"].endswith("Z")
    (data,) = event["event_data"]
    assert data["component"] == {"name": "RCD", "evse": {"id": 1, "connector_id": 1}}
    assert data["variable"] == {"name": "Tripped"}
    assert (data["actual_value"], data["trigger"], data["event_notification_type"]) == (
        "true",
        "Alerting",
        "HardWiredNotification",
    )
    assert (data["tech_code"], data["tech_info"]) == ("F002", "6.2 mA DC")
    assert "cleared" not in data
    faulted = await cs.next_call(sim.id, "StatusNotification", since)
    assert (faulted["evse_id"], faulted["connector_status"]) == (1, "Faulted")
    # … and clears itself: NotifyEvent cleared, then Available
    await sim.wait_for_status(1, "Available", timeout=2)
    clearing = cs.calls(sim.id, "NotifyEvent", since)[-1]
    assert clearing["seq_no"] == 1
    assert clearing["event_data"][0]["cleared"] is True
    assert clearing["event_data"][0]["actual_value"] == "false"


# ----- reset ------------------------------------------------------------------------------------

RESET = {"1.6": call16.Reset(type="Soft"), "2.0.1": call201.Reset(type="Immediate")}


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_reset_that_fixes_the_fault_reboots_into_available(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp)
    await sim.report_fault(
        Fault(connector=1, error_code="PowerMeterFailure", tech_code="E-20", fixed_by=("Reset",))
    )
    since = len(cs.received)
    answer = await cs.send(sim.id, RESET[ocpp])
    assert answer.status == "Accepted"
    await cs.wait_for(lambda: cs.disconnects.count(sim.id) == 1)
    await sim.wait_booted(2)
    boot = cs.calls(sim.id, "BootNotification", since)
    assert len(boot) == 1 and len(cs.connects) == 2
    statuses = cs.calls(sim.id, "StatusNotification", since)
    if ocpp == "1.6":
        assert {(s["connector_id"], s["status"], s["error_code"]) for s in statuses} == {
            (0, "Available", "NoError"),
            (1, "Available", "NoError"),
            (2, "Available", "NoError"),
        }
    else:
        assert boot[0]["reason"] == "RemoteReset"
        (cleared,) = cs.calls(sim.id, "NotifyEvent", since)
        assert cleared["event_data"][0]["cleared"] is True
        assert {(s["evse_id"], s["connector_status"]) for s in statuses} == {
            (1, "Available"),
            (2, "Available"),
        }
    assert sim.faults == []
    assert (sim.commands[-1].action, sim.commands[-1].answer) == ("Reset", "Accepted")


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_reset_that_does_not_fix_the_fault_reports_it_again(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp)
    await sim.report_fault(
        Fault(connector=1, error_code="InternalError", tech_code="F032", fixed_by=("UnlockConnector",))
    )
    since = len(cs.received)
    assert (await cs.send(sim.id, RESET[ocpp])).status == "Accepted"
    await sim.wait_booted(2)
    statuses = cs.calls(sim.id, "StatusNotification", since)
    if ocpp == "1.6":
        (one,) = [s for s in statuses if s["connector_id"] == 1]
        assert (one["status"], one["error_code"]) == ("Faulted", "InternalError")
    else:
        (again,) = cs.calls(sim.id, "NotifyEvent", since)
        assert "cleared" not in again["event_data"][0] and again["event_data"][0]["tech_code"] == "F032"
        assert {(s["evse_id"], s["connector_status"]) for s in statuses} == {(1, "Faulted"), (2, "Available")}
    assert len(sim.faults) == 1


# ----- availability, trigger, unlock, cache, data transfer ------------------------------------


async def test_16_change_availability_survives_a_reboot(cs: CentralSystem, charger):
    sim = await charger("1.6")
    since = len(cs.received)
    answer = await cs.send(sim.id, call16.ChangeAvailability(connector_id=1, type="Inoperative"))
    assert answer.status == "Accepted"
    status = await cs.next_call(sim.id, "StatusNotification", since)
    assert (status["connector_id"], status["status"]) == (1, "Unavailable")
    await cs.send(sim.id, call16.Reset(type="Hard"))
    await sim.wait_booted(2)
    assert sim.statuses == {0: "Available", 1: "Unavailable", 2: "Available"}
    since = len(cs.received)
    assert (
        await cs.send(sim.id, call16.ChangeAvailability(connector_id=1, type="Operative"))
    ).status == "Accepted"
    status = await cs.next_call(sim.id, "StatusNotification", since)
    assert (status["connector_id"], status["status"]) == (1, "Available")


async def test_201_change_availability_of_an_evse_and_of_the_station(cs: CentralSystem, charger):
    sim = await charger("2.0.1")
    since = len(cs.received)
    answer = await cs.send(
        sim.id, call201.ChangeAvailability(operational_status="Inoperative", evse={"id": 2})
    )
    assert answer.status == "Accepted"
    status = await cs.next_call(sim.id, "StatusNotification", since)
    assert (status["evse_id"], status["connector_status"]) == (2, "Unavailable")
    await cs.send(sim.id, call201.ChangeAvailability(operational_status="Inoperative"))
    await sim.wait_for(lambda: sim.statuses == {1: "Unavailable", 2: "Unavailable"})


async def test_16_change_availability_waits_for_the_session(cs: CentralSystem, charger):
    sim = await charger("1.6")
    assert await sim.start_session(SessionSpec(connector=1, meter_seconds=5))
    answer = await cs.send(sim.id, call16.ChangeAvailability(connector_id=1, type="Inoperative"))
    assert answer.status == "Scheduled"
    assert sim.statuses[1] == "Charging"
    await sim.stop_session(1)
    await sim.wait_for_status(1, "Unavailable")


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_trigger_message_sends_the_status_after_the_answer(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp)
    await sim.report_fault(Fault(connector=2, error_code="HighTemperature", tech_code="F010"))
    since = len(cs.received)
    trigger = (
        call16.TriggerMessage(requested_message="StatusNotification", connector_id=2)
        if ocpp == "1.6"
        else call201.TriggerMessage(requested_message="StatusNotification", evse={"id": 2, "connector_id": 1})
    )
    assert (await cs.send(sim.id, trigger)).status == "Accepted"
    status = await cs.next_call(sim.id, "StatusNotification", since)
    if ocpp == "1.6":
        assert (status["connector_id"], status["status"], status["error_code"]) == (
            2,
            "Faulted",
            "HighTemperature",
        )
    else:
        assert (status["evse_id"], status["connector_status"]) == (2, "Faulted")


async def test_16_unlock_and_clear_cache_fix_what_they_fix(cs: CentralSystem, charger):
    sim = await charger("1.6")
    lock = Fault(connector=1, error_code="ConnectorLockFailure", fixed_by=("UnlockConnector",))
    stuck = Fault(connector=2, error_code="ConnectorLockFailure", unlock="UnlockFailed")
    await sim.report_fault(lock)
    await sim.report_fault(stuck)
    assert (await cs.send(sim.id, call16.UnlockConnector(connector_id=2))).status == "UnlockFailed"
    assert (await cs.send(sim.id, call16.UnlockConnector(connector_id=1))).status == "Unlocked"
    await sim.wait_for_status(1, "Available")
    assert sim.faults == [stuck]
    reader = Fault(connector=0, error_code="ReaderFailure", status="Faulted", fixed_by=("ClearCache",))
    await sim.report_fault(reader)
    assert sim.statuses[0] == "Faulted"
    assert (await cs.send(sim.id, call16.ClearCache())).status == "Accepted"
    await sim.wait_for_status(0, "Available")
    answer = await cs.send(sim.id, call16.DataTransfer(vendor_id="com.example", message_id="x"))
    assert answer.status == "UnknownVendorId"


async def test_201_unlock_refused_during_a_transaction_and_data_transfer(cs: CentralSystem, charger):
    sim = await charger("2.0.1")
    assert await sim.start_session(SessionSpec(connector=1, meter_seconds=5))
    answer = await cs.send(sim.id, call201.UnlockConnector(evse_id=1, connector_id=1))
    assert answer.status == "OngoingAuthorizedTransaction"
    assert (await cs.send(sim.id, call201.UnlockConnector(evse_id=2, connector_id=1))).status == "Unlocked"
    assert (
        await cs.send(sim.id, call201.UnlockConnector(evse_id=3, connector_id=1))
    ).status == "UnknownConnector"
    assert (await cs.send(sim.id, call201.DataTransfer(vendor_id="com.example"))).status == "UnknownVendorId"


# ----- command modes ----------------------------------------------------------------------------


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_reject_mode_refuses_and_does_nothing(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp)
    await sim.report_fault(
        Fault(connector=1, error_code="InternalError", commands="reject", fixed_by=("Reset",))
    )
    assert (await cs.send(sim.id, RESET[ocpp])).status == "Rejected"
    await asyncio.sleep(0.2)  # a reboot would have happened by now (reboot_seconds 0.05)
    assert sim.boot_count == 1 and cs.disconnects == []
    assert sim.commands[-1].answer == "Rejected"


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_call_error_mode_answers_with_a_call_error(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp)
    await sim.report_fault(Fault(connector=1, error_code="InternalError", commands="call_error"))
    with pytest.raises(InternalError):
        await cs.send(sim.id, RESET[ocpp])
    assert sim.commands[-1].answer.startswith("CallError")
    assert sim.ready and sim.boot_count == 1


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_ignore_mode_never_answers_but_keeps_heartbeating(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp, heartbeat_seconds=0.05)
    await sim.report_fault(Fault(connector=1, error_code="InternalError", commands="ignore"))
    with pytest.raises(TimeoutError):
        await cs.send(sim.id, RESET[ocpp], timeout=0.3)
    command = await sim.wait_for_command("Reset")
    assert command.answer == "no answer (ignored)"
    beats = len(cs.calls(sim.id, "Heartbeat"))
    # the charger's own calls are still answered: its reading loop is not blocked
    await cs.wait_for(lambda: len(cs.calls(sim.id, "Heartbeat")) >= beats + 2)
    assert sim.sent[-1].action == "Heartbeat" and sim.sent[-1].result is not None
    assert sim.boot_count == 1


@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_disconnect_mode_drops_the_connection_and_comes_back(cs: CentralSystem, charger, ocpp: str):
    sim = await charger(ocpp)
    await sim.report_fault(Fault(connector=1, error_code="InternalError", commands="disconnect"))
    since = len(cs.received)
    with pytest.raises((ConnectionClosed, TimeoutError)):
        await cs.send(sim.id, RESET[ocpp], timeout=0.3)
    await cs.wait_for(lambda: cs.connects.count(sim.id) == 2)
    await sim.wait_connected()
    assert cs.disconnects.count(sim.id) == 1
    assert sim.boot_count == 1  # not a reboot: no BootNotification, just the state again
    assert cs.calls(sim.id, "BootNotification", since) == []
    assert cs.calls(sim.id, "StatusNotification", since)
    assert sim.commands[-1].answer == "no answer (disconnecting)"


# ----- sessions ---------------------------------------------------------------------------------


async def test_16_session_start_meter_stop(cs: CentralSystem, charger):
    sim = await charger("1.6")
    since = len(cs.received)
    assert await sim.start_session(
        SessionSpec(connector=2, id_tag="TAG-0001", meter_seconds=0.05, power_w=36000)
    )
    start = await cs.next_call(sim.id, "StartTransaction", since)
    assert (start["connector_id"], start["id_tag"], start["meter_start"]) == (2, "TAG-0001", 0)
    assert cs.calls(sim.id, "Authorize", since) == [{"id_tag": "TAG-0001"}]
    charging = await cs.next_call(sim.id, "StatusNotification", since)
    assert (charging["connector_id"], charging["status"]) == (2, "Charging")
    meter = await cs.next_call(sim.id, "MeterValues", since)
    tx = sim.state.sessions[2].transaction_id
    assert tx >= 101 and meter["transaction_id"] == tx and meter["connector_id"] == 2
    await sim.stop_session(2)
    (stop,) = cs.calls(sim.id, "StopTransaction", since)
    assert stop["transaction_id"] == tx and stop["reason"] == "Local" and stop["meter_stop"] >= 0
    assert cs.calls(sim.id, "StatusNotification", since)[-1]["status"] == "Available"


async def test_201_session_is_one_transaction_with_growing_seq_no(cs: CentralSystem, charger):
    sim = await charger("2.0.1")
    since = len(cs.received)
    assert await sim.start_session(
        SessionSpec(connector=1, id_tag="TAG-0002", duration=0.3, meter_seconds=0.05)
    )
    await sim.wait_for_status(1, "Available", timeout=3)
    events = cs.calls(sim.id, "TransactionEvent", since)
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == "Started" and kinds[-1] == "Ended" and "Updated" in kinds
    assert {e["transaction_info"]["transaction_id"] for e in events} == {
        events[0]["transaction_info"]["transaction_id"]
    }
    assert [e["seq_no"] for e in events] == list(range(len(events)))
    assert events[0]["evse"] == {"id": 1, "connector_id": 1}
    assert events[0]["id_token"] == {"id_token": "TAG-0002", "type": "ISO14443"}
    assert events[-1]["transaction_info"]["stopped_reason"] == "Local"
    statuses = [(s["evse_id"], s["connector_status"]) for s in cs.calls(sim.id, "StatusNotification", since)]
    assert statuses == [(1, "Occupied"), (1, "Available")]


async def test_201_reset_on_idle_waits_for_the_session(cs: CentralSystem, charger):
    sim = await charger("2.0.1")
    assert await sim.start_session(SessionSpec(connector=1, meter_seconds=5))
    assert (await cs.send(sim.id, call201.Reset(type="OnIdle"))).status == "Scheduled"
    assert sim.boot_count == 1
    await sim.stop_session(1)
    await sim.wait_booted(2)


# ----- connections ------------------------------------------------------------------------------


async def test_a_refused_charger_is_reported_and_the_run_goes_on(cs: CentralSystem):
    scenario = parse_scenario(
        {
            "duration": 0.5,
            "chargers": [
                _spec("SIM-GOOD", "1.6").model_dump(),
                _spec("SIM-BAD", "2.0.1", password="not-the-right-password").model_dump(),
            ],
            "events": [
                {"at": 0.1, "charger": "SIM-GOOD", "fault": {"connector": 1, "error_code": "OtherError"}}
            ],
        }
    )
    lines: list[tuple[str, str]] = []
    run = ScenarioRun(scenario, cs.url, reporter=lambda c, line: lines.append((c, line)))
    summary = {s.id: s for s in await run.run()}
    assert summary["SIM-BAD"].refused is not None and "HTTP 401" in summary["SIM-BAD"].refused
    assert summary["SIM-GOOD"].refused is None and summary["SIM-GOOD"].boots == 1
    assert cs.calls("SIM-GOOD", "StatusNotification")[-1]["status"] == "Faulted"
    assert any(c == "SIM-BAD" and "REFUSED: HTTP 401" in line for c, line in lines)
    with pytest.raises(ChargerRefused):
        await run["SIM-BAD"].wait_connected(timeout=1)


async def test_the_timeline_starts_once_the_gateway_is_up():
    with socket.socket() as probe:  # a free port, nobody listening yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scenario = parse_scenario(
        {
            "duration": 0.2,
            "chargers": [_spec("SIM-EARLY", "2.0.1").model_dump()],
            "events": [{"at": 0, "charger": "SIM-EARLY", "session": {"connector": 1, "meter_seconds": 5}}],
        }
    )
    lines: list[str] = []
    run = ScenarioRun(scenario, f"ws://127.0.0.1:{port}/ocpp", reporter=lambda c, line: lines.append(line))
    running = asyncio.ensure_future(run.run())
    await asyncio.sleep(0.2)
    assert not run["SIM-EARLY"].ready and run["SIM-EARLY"].refused is None  # unreachable: retried
    assert any(line.startswith("cannot reach") for line in lines)
    async with _serving(CentralSystem(), port) as central:
        (summary,) = await asyncio.wait_for(running, 5)
    assert summary.boots == 1
    assert [e["event_type"] for e in central.calls("SIM-EARLY", "TransactionEvent")] == ["Started", "Ended"]


# ----- scenarios --------------------------------------------------------------------------------


def _scenario(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "duration": 10,
        "chargers": [
            {"id": "A", "ocpp": "1.6", "password": PASSWORD, "vendor": "VOLTRA", "model": "VX22-T2S"},
            {"id": "B", "ocpp": "2.0.1", "password": PASSWORD, "vendor": "Northwind", "model": "NWC-AC11-P"},
        ],
        "events": [
            {"at": 1, "charger": "A", "fault": {"connector": 1, "error_code": "GroundFailure"}},
            {"at": 2, "charger": "B", "session": {"connector": 1}},
            {"at": 3, "charger": "A", "clear": {}},
        ],
    }
    return data | changes


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data)
    return raised.value.problems


def test_a_valid_scenario_parses_and_scales():
    scenario = parse_scenario(_scenario())
    assert [e.charger for e in scenario.events] == ["A", "B", "A"]
    fast = scale(scenario, 0.1)
    assert fast.duration == pytest.approx(1) and fast.events[1].at == pytest.approx(0.2)
    assert fast.chargers[0].heartbeat_seconds == pytest.approx(6)


def test_scenario_errors_name_the_field():
    data = _scenario()
    data["events"][2] = {"at": 3, "charger": "X", "clear": {}}
    assert _problems(data) == ["events[2].charger: unknown charger 'X'"]

    data = _scenario()
    data["chargers"][0]["password"] = "short"
    data["chargers"][1]["heartbeat"] = 5
    problems = _problems(data)
    assert problems[0].startswith("chargers[0].password: String should have at least 16 characters")
    assert problems[1] == "chargers[1].heartbeat: Extra inputs are not permitted"

    data = _scenario()
    data["events"][0]["fault"]["connector"] = 3
    data["events"][1]["session"]["connector"] = 2
    data["chargers"][1]["connectors"] = 1
    assert _problems(data) == [
        "events[0].fault.connector: A has connectors 0..1 (got 3)",
        "events[1].session.connector: B has connectors 1..1 (got 2)",
    ]

    data = _scenario()
    data["events"][1] = {"at": 2, "charger": "B", "fault": {"status": "Charging"}, "session": {}}
    assert _problems(data) == ["events[1]: give exactly one of fault, session, clear (got fault, session)"]

    data = _scenario()
    data["events"][1] = {"at": 2, "charger": "B", "fault": {"status": "Charging"}}
    assert _problems(data)[0].startswith("events[1].fault.status: 'Charging' is not an OCPP 2.0.1 status")

    data = _scenario()
    data["chargers"][0]["vendor"] = "Voltra Energy Systems GmbH"
    assert _problems(data) == ["chargers[0].vendor: at most 20 characters in OCPP 1.6 (got 26)"]


def test_a_scenario_file_with_a_bad_field_names_the_file_and_field(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_scenario(duration=-1)), encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"bad\.yaml is invalid:\n  duration: Input should be greater than 0"
    ):
        load_scenario(path)
    with pytest.raises(FileNotFoundError, match="bundled scenario"):
        load_scenario("no-such-scenario")


def _manifest_names() -> tuple[set[str], dict[str, set[str]]]:
    """Vendor names/aliases, and per model name/alias the codes in that model's table."""
    manifest = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
    vendors: set[str] = set()
    codes: dict[str, set[str]] = {}
    for vendor_id, vendor in manifest["vendors"].items():
        vendors |= {vendor["name"], *vendor.get("aliases", [])}
        for model_id, model in vendor["models"].items():
            table = next((CORPUS / vendor_id / model_id).glob("*-codes.*"))
            delimiter = (
                "\t" if table.suffix == ".tsv" else ";" if ";" in table.read_text().splitlines()[0] else ","
            )
            rows = list(csv.reader(table.read_text(encoding="utf-8").splitlines(), delimiter=delimiter))
            for name in {model["name"], *model.get("aliases", [])}:
                codes[name] = {row[0] for row in rows[1:]}
    return vendors, codes


def test_the_demo_scenario_uses_corpus_chargers_and_codes():
    demo = load_scenario("demo")
    vendors, codes = _manifest_names()
    ids = {c.id for c in demo.chargers}
    assert {c.ocpp for c in demo.chargers} == {"1.6", "2.0.1"}
    assert 2 <= len(demo.chargers) <= 4 and 60 <= demo.duration <= 120
    for spec in demo.chargers:
        assert spec.vendor in vendors and spec.model in codes, spec.id
    for event in demo.events:
        assert event.charger in ids
        if event.fault is not None:
            code = event.fault.vendor_error_code or event.fault.tech_code
            assert code in codes[demo.charger(event.charger).model], (event.charger, code)
    faults = [e for e in demo.events if e.fault is not None]
    assert any("Reset" in e.fixed_by for e in faults)  # a soft reset fixes it
    assert any(not e.fixed_by for e in faults if e.fault.error_code != "GroundFailure")  # → escalation
    assert any(e.fault.error_code == "GroundFailure" for e in faults)  # electrical safety
    assert any(e.session is not None for e in demo.events)


# ----- command line -----------------------------------------------------------------------------


def test_simulate_help():
    result = CliRunner().invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--url", "--time-scale", "--no-register", "--quiet"):
        assert option in result.output
    assert "simulate" in CliRunner().invoke(cli, ["--help"]).output


def test_gateway_url_from_settings():
    assert gateway_url(Settings(ocpp_host="0.0.0.0", ocpp_port=9100)) == "ws://127.0.0.1:9100/ocpp"
    assert gateway_url(Settings(ocpp_host="gw.example", ocpp_port=9000)) == "ws://gw.example:9000/ocpp"


def test_register_chargers_stores_their_passwords(tmp_path: Path):
    from app.chargers.credentials import check_password
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.models import Charger

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    demo = load_scenario("demo")
    register_chargers(engine, demo)
    with session_scope(engine) as session:
        for spec in demo.chargers:
            row = session.get(Charger, spec.id)
            assert row is not None and check_password(spec.password, row.password_hash)
            assert (row.site_id, row.vendor, row.model) == (spec.site, spec.vendor, spec.model)


async def test_simulate_command_runs_a_scenario_against_the_gateway(cs: CentralSystem, tmp_path: Path):
    data = {
        "duration": 0.6,
        "chargers": [_spec("SIM-CLI", "1.6").model_dump()],
        "events": [
            {"at": 0.1, "charger": "SIM-CLI", "fault": {"connector": 1, "error_code": "GroundFailure"}}
        ],
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    args = ["simulate", str(path), "--url", cs.url, "--no-register"]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args)
    assert result.exit_code == 0, result.output
    assert "SIM-CLI" in result.output and "booted (PowerUp)" in result.output
    assert "fault: connector 1 GroundFailure" in result.output
    assert "status: connector 1 Faulted (GroundFailure)" in result.output
    assert cs.calls("SIM-CLI", "StatusNotification")[-1]["status"] == "Faulted"
