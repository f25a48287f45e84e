"""POST /v1/events and the fault/charger read API, through the real ASGI app and database."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from app.main import create_app
from app.settings import Settings
from knowledge.embed import MODEL_ID
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client
from tests.conftest import Service, bearer

T0 = f"{datetime.now(UTC) - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"
"""A charger's time for these tests: an hour ago (the intake ignores times a month old)."""


@asynccontextmanager
async def api(engine, tmp_path: Path, **overrides):
    settings = Settings(data_dir=tmp_path / "data", workers=0, **overrides)
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def sn16(event_id: str, charger: str = "CP-1", **payload) -> dict:
    body = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": T0} | payload
    return {"event_id": event_id, "charger_id": charger, "ocpp_version": "1.6", "status_notification": body}


async def post(client, body: dict, key: str) -> httpx.Response:
    return await client.post("/v1/events", json=body, headers=bearer(key))


async def test_ocpp16_fault_is_stored_queued_and_readable(engine, keys, tmp_path):
    body = sn16("e1", errorCode="GroundFailure", status="Faulted", info="RCD tripped", vendorErrorCode="E-06")
    body["charger"] = {"vendor": "Voltra", "model": "VX22-T2S", "site_id": "site-a"}
    async with api(engine, tmp_path) as client:
        response = await post(client, body, keys["csms"])
        assert response.status_code == 202, response.text
        result = response.json()
        assert result["opened_fault"] is True and len(result["faults_opened"]) == 1
        fault_id = result["faults_opened"][0]
        assert result["links"]["fault"] == f"/v1/faults/{fault_id}"

        detail = (await client.get(f"/v1/faults/{fault_id}", headers=bearer(keys["technician"]))).json()
        assert detail["fault"]["state"] == "queued"
        assert detail["fault"]["error_code"] == "GroundFailure"
        assert detail["fault"]["vendor_error_code"] == "E-06"
        assert detail["fault"]["site_id"] == "site-a"
        assert detail["event"]["payload"]["status_notification"]["info"] == "RCD tripped"
        assert [w["state"] for w in detail["work"]] == ["queued"]
        assert [a["kind"] for a in detail["audit"]] == ["fault.opened"]

        charger = (await client.get("/v1/chargers/CP-1", headers=bearer(keys["technician"]))).json()
        assert charger["charger"]["vendor"] == "Voltra" and charger["charger"]["ocpp_version"] == "1.6"
        assert charger["charger"]["connectors"]["0/1"]["status"] == "Faulted"
        assert [f["id"] for f in charger["open_faults"]] == [fault_id]


async def test_repeated_event_id_replays_the_original_result_not_processed_again(engine, keys, tmp_path):
    body = sn16("dup-1", errorCode="HighTemperature", status="Faulted")
    async with api(engine, tmp_path) as client:
        first = await post(client, body, keys["csms"])
        again = await post(client, body, keys["csms"])
        assert first.status_code == 202 and again.status_code == 200
        assert again.json() == first.json() | {"duplicate": True}
        other_caller = await post(client, body, keys["csms2"])  # ids are unique per caller
        assert other_caller.status_code == 202
        faults = (await client.get("/v1/faults", headers=bearer(keys["admin"]))).json()["items"]
    assert len(faults) == 1 and faults[0]["occurrences"] == 2


async def test_non_standard_values_are_kept_normalised_and_reported(engine, keys, tmp_path):
    long_info = "Residual current 31 mA measured on L1 during session start, contactor opened"
    body = sn16("odd-1", errorCode="Error", status="faulted", info=long_info)
    del body["status_notification"]["timestamp"]
    async with api(engine, tmp_path) as client:
        response = await post(client, body, keys["csms"])
        assert response.status_code == 202, response.text
        result = response.json()
        issues = " | ".join(result["issues"])
        assert "errorCode" in issues and "OtherError" in issues
        assert "info" in issues and "timestamp" in issues
        detail = await client.get(f"/v1/faults/{result['faults_opened'][0]}", headers=bearer(keys["admin"]))
        observation = detail.json()["observations"][0]
    assert observation["error_code"] == "OtherError" and observation["raw_error_code"] == "Error"
    assert observation["status"] == "Faulted" and observation["info"] == long_info


async def test_recurrence_and_recovery_on_ocpp16(engine, keys, tmp_path):
    async with api(engine, tmp_path) as client:
        opened = await post(
            client, sn16("a", errorCode="ConnectorLockFailure", status="Faulted"), keys["csms"]
        )
        fault_id = opened.json()["faults_opened"][0]
        again = await post(
            client, sn16("b", errorCode="ConnectorLockFailure", status="Faulted"), keys["csms"]
        )
        assert again.json()["faults_recurring"] == [fault_id] and not again.json()["opened_fault"]
        recovered = await post(client, sn16("c"), keys["csms"])
        assert recovered.json()["faults_cleared"] == [fault_id]
        fault = (await client.get(f"/v1/faults/{fault_id}", headers=bearer(keys["admin"]))).json()["fault"]
        assert fault["cleared_at"] is not None and fault["occurrences"] == 2
        reopened = await post(
            client, sn16("d", errorCode="ConnectorLockFailure", status="Faulted"), keys["csms"]
        )
        assert reopened.json()["faults_opened"] and reopened.json()["faults_opened"] != [fault_id]


async def test_a_charger_time_outside_the_window_is_kept_raw_reported_and_replaced(engine, keys, tmp_path):
    """Year 1 made the fault impossible to diagnose (time arithmetic overflowed) and year 9999 held
    the charger's last_seen_at for ever: both are now reported and the time of receipt is used."""
    headers = bearer(keys["admin"])
    async with api(engine, tmp_path) as client:
        before = datetime.now(UTC)
        ancient = await post(
            client,
            sn16("t1", errorCode="GroundFailure", status="Faulted", timestamp="0001-01-01T00:00:00Z"),
            keys["csms"],
        )
        future = await post(
            client, sn16("t2", charger="CP-2", timestamp="9999-12-31T23:59:59Z"), keys["csms"]
        )
        envelope = await post(
            client, sn16("t3", charger="CP-3") | {"occurred_at": "9999-01-01T00:00:00Z"}, keys["csms"]
        )
        after = datetime.now(UTC)
        assert ancient.status_code == future.status_code == envelope.status_code == 202
        assert ancient.json()["issues"] == [
            "status_notification.timestamp: 0001-01-01T00:00:00Z is more than 30 days before the message "
            "was received; not used"
        ]
        assert future.json()["issues"] == [
            "status_notification.timestamp: 9999-12-31T23:59:59Z is more than 15 minutes after the message "
            "was received; not used"
        ]
        assert [i.split(":")[0] for i in envelope.json()["issues"]] == ["occurred_at"]
        detail = (
            await client.get(f"/v1/faults/{ancient.json()['faults_opened'][0]}", headers=headers)
        ).json()
        assert detail["event"]["payload"]["status_notification"]["timestamp"] == "0001-01-01T00:00:00Z"
        for when in (
            detail["fault"]["opened_at"],
            detail["fault"]["last_seen_at"],
            detail["event"]["occurred_at"],
        ):
            assert before <= datetime.fromisoformat(when) <= after
        charger = (await client.get("/v1/chargers/CP-2", headers=headers)).json()["charger"]
        assert before <= datetime.fromisoformat(charger["last_seen_at"]) <= after
        charger = (await client.get("/v1/chargers/CP-3", headers=headers)).json()["charger"]
        assert datetime.fromisoformat(charger["last_seen_at"]) == datetime.fromisoformat(T0)  # the payload's


async def test_a_skewed_but_plausible_charger_time_is_kept(engine, keys, tmp_path):
    ahead = f"{datetime.now(UTC) + timedelta(minutes=10):%Y-%m-%dT%H:%M:%SZ}"
    behind = f"{datetime.now(UTC) - timedelta(days=20):%Y-%m-%dT%H:%M:%SZ}"
    async with api(engine, tmp_path) as client:
        for n, at in enumerate((ahead, behind)):
            body = sn16(f"s{n}", charger=f"CP-{n}", errorCode="GroundFailure", status="Faulted", timestamp=at)
            result = (await post(client, body, keys["csms"])).json()
            assert result["issues"] == []
            fault = await client.get(
                f"/v1/faults/{result['faults_opened'][0]}", headers=bearer(keys["admin"])
            )
            assert datetime.fromisoformat(fault.json()["fault"]["opened_at"]) == datetime.fromisoformat(at)


def test_a_fault_reported_with_a_year_1_timestamp_is_diagnosed(engine, tmp_path):
    """Its diagnosis read the history from ``last_seen_at`` back: year 1 overflowed, every attempt
    failed and the fault was parked as failed. (An empty knowledge store: the history is the point.)"""
    store = KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)
    searcher = Searcher(store, lambda texts: np.zeros((len(texts), 384)), refresh_seconds=0)
    service = Service(engine, searcher, tmp_path)
    fault_id = service.fault("CP-Y1", None, errorCode="GroundFailure", timestamp="0001-01-01T00:00:00Z")
    assert service.state(fault_id).state != "failed"
    assert service.decision(fault_id).action


def notify(event_id: str, *event_data: dict) -> dict:
    return {
        "event_id": event_id,
        "charger_id": "CS-201",
        "ocpp_version": "2.0.1",
        "notify_event": {"generatedAt": T0, "seqNo": 0, "eventData": list(event_data)},
    }


def event_data(event_id: int, component: str, variable: str, value: str, **extra) -> dict:
    return {
        "eventId": event_id,
        "timestamp": T0,
        "trigger": "Alerting",
        "actualValue": value,
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": component, "evse": {"id": 1, "connectorId": 1}},
        "variable": {"name": variable},
    } | extra


async def test_ocpp201_notify_event_each_event_data_is_a_record(engine, keys, tmp_path):
    lock = event_data(1, "ConnectorPlugRetentionLock", "Problem", "true", techCode="L-17", cleared=False)
    temp = event_data(2, "TemperatureSensor", "Problem", "true")
    availability = event_data(3, "Connector", "AvailabilityState", "Faulted", trigger="Delta")
    async with api(engine, tmp_path) as client:
        response = await post(client, notify("n1", lock, temp, availability), keys["csms"])
        assert response.status_code == 202, response.text
        result = response.json()
        assert result["observations"] == 3 and len(result["faults_opened"]) >= 2
        lock_fault = result["faults_opened"][0]
        detail = (await client.get(f"/v1/faults/{lock_fault}", headers=bearer(keys["admin"]))).json()
        assert detail["fault"]["component"].startswith("ConnectorPlugRetentionLock")
        assert detail["fault"]["vendor_error_code"] == "L-17"
        cleared = event_data(4, "ConnectorPlugRetentionLock", "Problem", "false", cleared=True)
        recovery = await post(client, notify("n2", cleared), keys["csms"])
        assert lock_fault in recovery.json()["faults_cleared"]


async def test_ocpp201_status_notification_and_boot_notification(engine, keys, tmp_path):
    def status(event_id, value):
        payload = {"timestamp": T0, "connectorStatus": value, "evseId": 2, "connectorId": 1}
        return {
            "event_id": event_id,
            "charger_id": "CS-9",
            "ocpp_version": "2.0.1",
            "status_notification": payload,
        }

    boot = {
        "event_id": "boot-1",
        "charger_id": "CS-9",
        "ocpp_version": "2.0.1",
        "boot_notification": {
            "reason": "PowerUp",
            "chargingStation": {"model": "HX-60", "vendorName": "Helios Power BV", "firmwareVersion": "4.2"},
        },
    }
    async with api(engine, tmp_path) as client:
        assert (await post(client, boot, keys["csms"])).status_code == 202
        faulted = (await post(client, status("s1", "Faulted"), keys["csms"])).json()
        assert faulted["opened_fault"]
        available = (await post(client, status("s2", "Available"), keys["csms"])).json()
        assert available["faults_cleared"] == faulted["faults_opened"]
        charger = (await client.get("/v1/chargers/CS-9", headers=bearer(keys["admin"]))).json()["charger"]
    assert (charger["vendor"], charger["model"], charger["firmware"]) == ("Helios Power BV", "HX-60", "4.2")
    assert charger["ocpp_version"] == "2.0.1" and charger["last_boot_at"]
    assert charger["connectors"]["2/1"]["status"] == "Available"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "event_id": "x",
                "charger_id": "CP-1",
                "status_notification": {"errorCode": "NoError", "status": "Available"},
            },
            "status_notification.connectorId",
        ),
        ({"event_id": "x", "charger_id": "CP-1"}, "exactly one of"),
        (
            sn16("x") | {"boot_notification": {"chargePointVendor": "a", "chargePointModel": "b"}},
            "exactly one of",
        ),
        (sn16("x", connectorId=-1), "status_notification.connectorId"),
        (sn16("x") | {"ocpp_version": "1.5"}, "ocpp_version"),
        (sn16("x") | {"charger_id": "has/slash"}, "charger_id"),
        (
            {
                "event_id": "x",
                "charger_id": "C",
                "ocpp_version": "2.0.1",
                "notify_event": {"seqNo": 0, "eventData": []},
            },
            "notify_event.eventData",
        ),
        (
            {"event_id": "x", "charger_id": "C", "ocpp_version": "1.6", "notify_event": {"seqNo": 0}},
            "notify_event",
        ),
        (sn16("x") | {"unexpected": 1}, "unexpected"),
    ],
)
async def test_structurally_invalid_events_get_422_naming_the_field(engine, keys, tmp_path, body, field):
    async with api(engine, tmp_path) as client:
        response = await post(client, body, keys["csms"])
        assert response.status_code == 422, response.text
        assert field in response.json()["message"]
        listed = (await client.get("/v1/faults", headers=bearer(keys["admin"]))).json()["items"]
    assert listed == []


async def test_authentication_and_roles(engine, keys, tmp_path):
    from app.store.db import session_scope
    from app.store.keys import authenticate, revoke_key

    body = sn16("auth-1", errorCode="OtherError", status="Faulted")
    async with api(engine, tmp_path, auth_cache_seconds=2.0) as client:  # room for a slow machine
        anonymous = await client.post("/v1/events", json=body)
        assert anonymous.status_code == 401 and "API key" in anonymous.json()["message"]
        assert (await post(client, body, "cm_nope_nope")).status_code == 401
        wrong_role = await post(client, body, keys["technician"])
        assert wrong_role.status_code == 403 and "technician" in wrong_role.json()["message"]
        assert (await client.get("/v1/faults", headers=bearer(keys["csms"]))).status_code == 403
        assert (await client.get("/v1/faults")).status_code == 401
        assert (await client.get("/v1/knowledge/search", params={"q": "x"})).status_code == 401
        assert (await post(client, body, keys["admin"])).status_code == 202
        assert (await client.get("/v1/faults", headers=bearer(keys["technician"]))).status_code == 200
        with session_scope(engine) as session:
            key_id = authenticate(session, key=keys["technician"]).key_id
            revoke_key(session, key_id=key_id)
        # A verified key is trusted for auth_cache_seconds, then the revocation takes effect.
        assert (await client.get("/v1/faults", headers=bearer(keys["technician"]))).status_code == 200
        await asyncio.sleep(2.1)
        assert (await client.get("/v1/faults", headers=bearer(keys["technician"]))).status_code == 401
        assert (await client.get("/healthz")).status_code == 200


async def test_fault_list_filters_and_cursor_pagination(engine, keys, tmp_path):
    async with api(engine, tmp_path) as client:
        for n in range(5):
            body = sn16(
                f"p{n}",
                charger=f"CP-{n % 2}",
                errorCode="PowerMeterFailure",
                status="Faulted",
                connectorId=n + 1,
            )
            body["charger"] = {"site_id": f"site-{n % 2}"}
            assert (await post(client, body, keys["csms"])).status_code == 202
        headers = bearer(keys["technician"])
        page = (await client.get("/v1/faults", params={"limit": 2}, headers=headers)).json()
        ids = [f["id"] for f in page["items"]]
        while page["next_cursor"]:
            page = (
                await client.get(
                    "/v1/faults", params={"limit": 2, "cursor": page["next_cursor"]}, headers=headers
                )
            ).json()
            ids += [f["id"] for f in page["items"]]
        assert len(ids) == 5 and ids == sorted(ids, reverse=True)
        site = (await client.get("/v1/faults", params={"site": "site-0"}, headers=headers)).json()["items"]
        assert {f["charger_id"] for f in site} == {"CP-0"} and len(site) == 3
        charger = (
            await client.get("/v1/faults", params={"charger": "CP-1", "state": "queued"}, headers=headers)
        ).json()["items"]
        assert len(charger) == 2
        later = await client.get("/v1/faults", params={"since": "2030-01-01T00:00:00Z"}, headers=headers)
        assert later.json()["items"] == []
        chargers = (await client.get("/v1/chargers", headers=headers)).json()["items"]
        assert [c["id"] for c in chargers] == ["CP-0", "CP-1"]
        assert (await client.get("/v1/faults/999999", headers=headers)).status_code == 404
