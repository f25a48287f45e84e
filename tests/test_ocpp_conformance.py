"""OCPP-J conformance at the gateway's edge, over real websockets on loopback (issue 17), where a
strict OCPP implementation found the service wrong:

* a CALL of an action the receiver does not know is answered ``NotImplemented``; of an action the
  version defines but the central system does not handle, ``NotSupported`` (OCPP-J 1.6 §4.2.3,
  2.0.1 Part 4 §4.3 — the ``ocpp`` library answers the other way round);
* a client offering no subprotocol the server speaks completes the handshake without a
  ``Sec-WebSocket-Protocol`` header and is then closed at once (OCPP-J 1.6 §3.2, 2.0.1 Part 4
  §3.1.2), never refused with HTTP 400;
* a charger that hangs up while its call is being handled (a reboot) is no error of the gateway's;
* a charge point identity travels percent-encoded in the URL (``RDAM 123`` →
  ``/ocpp/RDAM%20123``): the gateway decodes it before matching the Basic-auth user and the
  registry, and ``chargemedic chargers add`` refuses an identity OCPP does not allow.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from ocpp.v16 import ChargePoint as Client16
from ocpp.v16 import call as call16
from sqlmodel import select
from typer.testing import CliRunner
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from app.chargers.credentials import register_charger
from app.cli import cli
from app.store.db import make_engine, session_scope
from app.store.models import AuditEntry, Charger
from tests.test_ocpp_fuzz import PASSWORD, basic, ocpp_gateway, station

PROTOCOL_ERROR = 1002


# ---- NotImplemented and NotSupported ---------------------------------------------------------------
UNHANDLED = {
    "1.6": [
        ("FrobnicateWidget", {}, "NotImplemented"),  # no OCPP version has it
        ("TransactionEvent", {}, "NotImplemented"),  # 2.0.1's, unknown to 1.6
        ("GetDiagnostics", {"location": "ftp://example.com/"}, "NotSupported"),  # central system → CP
        ("Reset", {"type": "Soft"}, "NotSupported"),
    ],
    "2.0.1": [
        ("FrobnicateWidget", {}, "NotImplemented"),
        ("GetDiagnostics", {"location": "ftp://example.com/"}, "NotImplemented"),  # 1.6's, unknown to 2.0.1
        (
            "GetLog",
            {"logType": "DiagnosticsLog", "requestId": 1, "log": {"remoteLocation": "x"}},
            "NotSupported",
        ),
        ("NotifyReport", {"requestId": 1, "generatedAt": "2026-11-24T10:00:00Z", "seqNo": 0}, "NotSupported"),
    ],
}


@pytest.mark.parametrize("version, charger_id", [("1.6", "CP-A"), ("2.0.1", "CS-A")])
async def test_an_unknown_action_is_not_implemented_and_a_known_unhandled_one_not_supported(
    engine, tmp_path, version, charger_id
):
    register_charger(engine, charger_id=charger_id, password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path) as gateway, station(gateway, charger_id, version) as ws:
        for n, (action, payload, code) in enumerate(UNHANDLED[version]):
            await ws.send(json.dumps([2, f"u{n}", action, payload]))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert answer[:3] == [4, f"u{n}", code], (action, answer)
            assert answer[4] == {} and (code == "NotImplemented" or action in answer[3]), answer
        await ws.send(json.dumps([2, "hb", "Heartbeat", {}]))  # the connection is still usable
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))[:2] == [3, "hb"]


# ---- a charger hanging up mid-call ----------------------------------------------------------------------
@contextmanager
def writes_held(engine):
    """Until the block ends, the audit trail cannot be written (SQLite: the write lock;
    PostgreSQL: a lock on the table): a handler's write waits."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"LOCK TABLE {AuditEntry.__tablename__} IN SHARE MODE")
        yield
        connection.rollback()


async def test_a_charger_hanging_up_before_its_answer_is_no_error(engine, tmp_path, caplog):
    """A charger that reboots while its call is being handled: the call is still recorded, the
    answer has nowhere to go, and nothing is logged as an ERROR (no traceback, no InternalError)."""
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    caplog.set_level(logging.WARNING)
    async with ocpp_gateway(engine, tmp_path) as gateway:
        async with station(gateway, "CP-A") as ws:
            async with asyncio.timeout(10):
                while not gateway.is_connected("CP-A"):
                    await asyncio.sleep(0.01)
            with writes_held(engine):
                await ws.send(json.dumps([2, "dt", "DataTransfer", {"vendorId": "com.example"}]))
                await ws.close()  # before the answer: the DataTransfer's audit row waits for the lock
        async with asyncio.timeout(30):
            while gateway.is_connected("CP-A"):
                await asyncio.sleep(0.01)
    with session_scope(engine) as session:
        kinds = [a.kind for a in session.exec(select(AuditEntry).where(AuditEntry.charger_id == "CP-A"))]
    assert "ocpp.data_transfer" in kinds
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


# ---- no common subprotocol ---------------------------------------------------------------------------
@pytest.mark.parametrize("offered", [["ocpp3.0"], ["ocpp1.5", "ocpp2.1"], None])
async def test_a_client_with_no_common_subprotocol_is_accepted_without_one_then_closed(
    engine, tmp_path, offered
):
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path) as gateway:
        async with connect(
            f"ws://127.0.0.1:{gateway.port}/ocpp/CP-A", subprotocols=offered, additional_headers=basic("CP-A")
        ) as ws:
            assert ws.response.status_code == 101
            assert "Sec-WebSocket-Protocol" not in ws.response.headers and ws.subprotocol is None
            with pytest.raises(ConnectionClosedError):
                await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == PROTOCOL_ERROR
        assert "ocpp2.0.1" in ws.close_reason and "ocpp1.6" in ws.close_reason
        assert not gateway.is_connected("CP-A")
    with session_scope(engine) as session:
        assert session.get(Charger, "CP-A").connected_at is None
        assert session.exec(select(AuditEntry).where(AuditEntry.kind == "ocpp.connected")).all() == []


async def test_credentials_are_still_checked_before_the_subprotocol(engine, tmp_path):
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path) as gateway:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"ws://127.0.0.1:{gateway.port}/ocpp/CP-A", subprotocols=["ocpp3.0"]):
                pass
        assert refused.value.response.status_code == 401


# ---- percent-encoded identities ----------------------------------------------------------------------
@pytest.mark.parametrize("identity", ["RDAM 123", "Zürich #7", "50%-off"])
async def test_a_percent_encoded_identity_connects_with_basic_auth_and_boots(engine, tmp_path, identity):
    register_charger(engine, charger_id=identity, password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/ocpp/{quote(identity, safe='')}"
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=basic(identity)) as ws:
            cp = Client16(identity, ws, response_timeout=10)
            task = asyncio.create_task(cp.start())
            try:
                boot = await cp.call(call16.BootNotification(charge_point_vendor="V", charge_point_model="M"))
                assert boot.status == "Accepted"
                assert [c["charger_id"] for c in gateway.snapshot()] == [identity]
            finally:
                task.cancel()
    with session_scope(engine) as session:
        row = session.get(Charger, identity)
        assert (row.vendor, row.model, row.ocpp_version) == ("V", "M", "1.6")


def test_the_spec_example_is_encoded_as_the_spec_shows():
    assert quote("RDAM 123", safe="") == "RDAM%20123"


@pytest.mark.parametrize(
    "path",
    ["/ocpp/RDAM%2", "/ocpp/%FF%FE", "/ocpp/A%2FB", "/ocpp/A%00B", "/ocpp/%0A", "/ocpp/" + "%41" * 65],
)
async def test_a_path_that_decodes_to_no_identity_is_refused(engine, tmp_path, path):
    async with ocpp_gateway(engine, tmp_path, ocpp_auto_register=True) as gateway:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                f"ws://127.0.0.1:{gateway.port}{path}",
                subprotocols=["ocpp1.6"],
                additional_headers=basic("x"),
            ):
                pass
        assert refused.value.response.status_code == 404, path
    with session_scope(engine) as session:
        assert session.exec(select(Charger)).all() == []


async def test_auto_registration_refuses_an_identity_ocpp_does_not_allow(engine, tmp_path):
    identity = "X" * 49  # a path segment the gateway reads, but longer than an OCPP identity
    async with ocpp_gateway(engine, tmp_path, ocpp_auto_register=True) as gateway:
        with pytest.raises(InvalidStatus) as refused:
            async with station(gateway, identity):
                pass
        assert refused.value.response.status_code == 404
    with session_scope(engine) as session:
        assert session.get(Charger, identity) is None


runner = CliRunner()


def registered(tmp_path: Path) -> list[str]:
    """The ids of the chargers in the CLI's database (none if it was never created)."""
    path = tmp_path / "data" / "chargemedic.db"
    if not path.exists():
        return []
    with session_scope(make_engine(f"sqlite:///{path}")) as session:
        return list(session.exec(select(Charger.id)).all())


@pytest.mark.parametrize(
    "identity, says",
    [
        ("X" * 49, "at most 48 characters"),
        ("CP:1", "':'"),
        ("", "must not be empty"),
        (" CP-1", "whitespace"),
        ("CP-1\t", "printable"),
        ("site/CP-1", "'/'"),
    ],
)
def test_chargers_add_refuses_an_identity_ocpp_does_not_allow(tmp_path: Path, monkeypatch, identity, says):
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(cli, ["chargers", "add", identity, "--password", PASSWORD])
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())  # rich's box, unwrapped
    assert result.exit_code == 2, text
    assert "Invalid value for CHARGER_ID: charger_id:" in text and says in text, text
    assert registered(tmp_path) == []


def test_chargers_add_takes_the_spec_example_identity(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(cli, ["chargers", "add", "RDAM 123", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert registered(tmp_path) == ["RDAM 123"]
