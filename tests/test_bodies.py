"""JSON request bodies (``app.api.bodies``): the caller is known before the body is judged, and
a body that cannot be read gets a 422 saying where — on every route that takes one, through the
real app and database."""

from __future__ import annotations

import json

import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import bearer
from tests.test_events_api import api, post, sn16

JSON = {"Content-Type": "application/json"}
OPENAPI = create_app(Settings(data_dir="unused", workers=0)).openapi()
ROUTES = sorted(
    (method.upper(), path.replace("{decision_id}", "1").replace("{escalation_id}", "1"))
    for path, item in OPENAPI["paths"].items()
    for method, operation in item.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
)


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


UNREADABLE = {
    "syntax": b'{"event_id": "x",\n "charger_id": "CP-1",,\n}',
    "not UTF-8": b'{"event_id": "\xff"}',
    "NaN": b'{"event_id": NaN}',
    "too deep to parse": b"[" * 100_000,
    "too deep to store": json.dumps({"extra": nested(300)}).encode(),
}


def test_the_routes_that_take_a_json_body_are_found():
    assert {"POST /v1/events", "POST /v1/chat", "POST /v1/approvals/1/approve"} <= {
        f"{m} {p}" for m, p in ROUTES
    }


async def test_without_a_valid_key_every_body_gets_401(engine, keys, tmp_path):
    """Before, FastAPI parsed the body first: a caller without a key learnt that its JSON was
    malformed (422) or unreadable (400) before being told it had no key."""
    async with api(engine, tmp_path, auth_failures_per_minute=0) as client:  # many wrong keys here
        for method, path in ROUTES:
            for name, body in UNREADABLE.items():
                for headers in (JSON, JSON | bearer("cm_nope_nope")):
                    answer = await client.request(method, path, content=body, headers=headers)
                    assert answer.status_code == 401, (method, path, name, answer.text)


async def test_a_role_that_may_not_call_the_route_gets_403_whatever_the_body(engine, keys, tmp_path):
    async with api(engine, tmp_path) as client:
        for method, path, role in (("POST", "/v1/events", "technician"), ("POST", "/v1/chat", "csms")):
            for body in UNREADABLE.values():
                answer = await client.request(method, path, content=body, headers=JSON | bearer(keys[role]))
                assert answer.status_code == 403, (path, answer.text)


async def test_an_unreadable_body_gets_422_on_every_route_that_takes_one(engine, keys, tmp_path):
    """Never a 500 (a payload nested 300 levels crashed serialisation in the intake), never a 400
    that does not say why (a body nested 100,000 levels, one that is not UTF-8), and never the
    endpoint running (a body model whose fields all have defaults took any stand-in object)."""
    async with api(engine, tmp_path) as client:
        for method, path in ROUTES:
            for name, body in UNREADABLE.items():
                answer = await client.request(
                    method, path, content=body, headers=JSON | bearer(keys["admin"])
                )
                assert answer.status_code == 422, (method, path, name, answer.text)
                problem = answer.json()
                assert problem["detail"][-1]["loc"][0] == "body", problem
                if name.startswith("too deep"):
                    assert "nested deeper than 32 levels" in problem["message"]
                    assert problem["detail"][-1]["type"] == "json_too_deep"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"event_id": "x",\n "charger_id": "CP-1",,\n}',
            "body: invalid JSON: Expecting property name enclosed in double quotes at line 2, column 23 "
            "(character 40)",
        ),
        (b'{"event_id": "x" "charger_id": 1}', "Expecting ',' delimiter at line 1, column 18 (character 17)"),
        (b'{"event_id": "\xff"}', "body: not UTF-8 text: byte 14 cannot be decoded"),
        (
            b'{"event_id": "NaN", "a": [1, NaN]}',
            "NaN is not a JSON number at line 1, column 30 (character 29)",
        ),
        (b'{"a": -Infinity}', "-Infinity is not a JSON number at line 1, column 7"),
        (b'{"a": "1e999", "b": 1e999}', "1e999 is beyond the range of a number at line 1, column 21"),
        (b'{"a": ' + b"9" * 5000 + b"}", "an integer of 5000 digits (at most 4300) at line 1, column 7"),
        (b"[" * 100_000, "body: nested deeper than 32 levels at line 1, column 33 (character 32)"),
    ],
)
async def test_a_body_that_is_not_json_is_answered_with_where_and_why(engine, keys, tmp_path, body, message):
    async with api(engine, tmp_path) as client:
        answer = await client.post("/v1/events", content=body, headers=JSON | bearer(keys["csms"]))
    assert answer.status_code == 422 and message in answer.json()["message"], answer.text


async def test_nesting_is_bounded_with_the_path_where_it_went_too_deep(engine, keys, tmp_path):
    deep = sn16("deep")
    deep["status_notification"]["vendorExtra"] = nested(300)
    fine = sn16("fine", errorCode="GroundFailure", status="Faulted")
    fine["status_notification"]["vendorExtra"] = nested(30)  # 32 levels with the envelope
    async with api(engine, tmp_path) as client:
        refused = await post(client, deep, keys["csms"])
        assert refused.status_code == 422, refused.text
        assert refused.json()["message"] == (
            "status_notification.vendorExtra" + ".x" * 30 + ": nested deeper than 32 levels"
        )
        accepted = await post(client, fine, keys["csms"])
        assert accepted.status_code == 202, accepted.text
        faults = (await client.get("/v1/faults", headers=bearer(keys["admin"]))).json()["items"]
    assert [f["id"] for f in faults] == accepted.json()["faults_opened"]
