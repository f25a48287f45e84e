"""OCPP-J conformance at the gateway's edge, over real websockets on loopback (issue 17), where a
strict OCPP implementation found the service wrong:

* a CALL of an action the receiver does not know is answered ``NotImplemented``; of an action the
  version defines but the central system does not handle, ``NotSupported`` (OCPP-J 1.6 §4.2.3,
  2.0.1 Part 4 §4.3 — the ``ocpp`` library answers the other way round);
"""

from __future__ import annotations

import asyncio
import json

import pytest

from app.chargers.credentials import register_charger
from tests.test_ocpp_fuzz import PASSWORD, ocpp_gateway, station

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
