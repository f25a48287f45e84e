"""Fuzzing the OCPP gateway over real websockets, and what a charger may and may not do.

Hypothesis sends random frames to a real :class:`~app.chargers.gateway.Gateway` (real intake,
SQLite and PostgreSQL) as two authenticated chargers, one per protocol: calls generated from the
official JSON schemas of every OCPP 1.6 and 2.0.1 action, the same with a field dropped or
replaced by an odd value (wrong type, 64-bit and 30-digit numbers, NUL, lone surrogates, right-to-
left marks, deep nesting, 5,000 characters), unknown actions, wrong message type ids and ids,
frames of the wrong length, text that is not JSON, NaN, 1e999, a 5,000-digit number, deeply
nested arrays, binary frames, and answers to no call. After each frame the test sends a Heartbeat
and reads up to its answer, so it checks that:

* every call gets exactly one answer, a CallResult or a CallError with the call's message id
  (``-1`` when the id cannot be read), and an answer to no call gets none;
* the connection stays usable (nothing here is a framing violation that would close it);
* no logger records an ERROR (an unhandled exception, in the gateway or in ``ocpp``);
* nothing is written for another charger: ``CP-B`` (with a session and a fault of its own)
  is unchanged, and every row written names one of the two fuzzing chargers.

Generation is derandomized (the same frames every run) and bounded; the number of frames is
printed and recorded as the test's ``ocpp_fuzz_frames`` property.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import itertools
import json
import logging
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import ocpp
import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.chargers import sessions
from app.chargers.credentials import register_charger
from app.chargers.executors import OutcomeStatus
from app.chargers.gateway import Gateway
from app.chargers.station import StationServices
from app.guard.actions import Action, ActionParams
from app.intake.accept import accept_event
from app.intake.envelope import EventIn
from app.intake.writer import IntakeWriter
from app.settings import Settings
from app.store.db import session_scope
from app.store.models import AuditEntry, Charger, ChargingSession, Event, Fault, Observation, WorkItem

PASSWORD = "fuzz-password-00001"
SCHEMAS = Path(ocpp.__file__).parent
FUZZERS = {"1.6": "CP-A", "2.0.1": "CS-A"}
OTHER = "CP-B"


# ---- a real gateway ---------------------------------------------------------------------------------
@asynccontextmanager
async def ocpp_gateway(engine, tmp_path: Path, *, messages_per_minute: int = 0, **overrides):
    """The gateway as the service builds it, on a free port, with a real intake."""
    settings = Settings(data_dir=tmp_path / "data", ocpp_port=0, ocpp_call_timeout_seconds=2, **overrides)
    intake = IntakeWriter(engine, reprocess_at=3)
    intake.start()
    services = StationServices(
        engine=engine, intake=intake, heartbeat_seconds=60, messages_per_minute=messages_per_minute
    )
    gateway = Gateway(settings, engine=engine, services=services)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.close()
        intake.close()


def basic(charger_id: str, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{charger_id}:{password}".encode()).decode()}


def station(gateway: Gateway, charger_id: str, version: str = "1.6", **kwargs):
    """A websocket to ``gateway`` as ``charger_id`` (Basic auth with :data:`PASSWORD`)."""
    return connect(
        f"ws://127.0.0.1:{gateway.port}/ocpp/{charger_id}",
        subprotocols=[f"ocpp{version}"],
        additional_headers=basic(charger_id),
        **kwargs,
    )


# ---- payloads from the official schemas --------------------------------------------------------------
def schema_files(version: str) -> dict[str, Path]:
    """Action → request schema, for every action of the version (either direction)."""
    if version == "1.6":
        files = (SCHEMAS / "v16" / "schemas").glob("*.json")
        return {f.stem: f for f in files if not f.stem.endswith("Response")}
    files = (SCHEMAS / "v201" / "schemas").glob("*Request.json")
    return {f.stem.removesuffix("Request"): f for f in files}


HANDLED = {
    "1.6": [
        "BootNotification",
        "Heartbeat",
        "StatusNotification",
        "Authorize",
        "StartTransaction",
        "StopTransaction",
        "MeterValues",
        "DataTransfer",
        "FirmwareStatusNotification",
        "DiagnosticsStatusNotification",
    ],
    "2.0.1": [
        "BootNotification",
        "Heartbeat",
        "StatusNotification",
        "NotifyEvent",
        "Authorize",
        "TransactionEvent",
        "MeterValues",
        "DataTransfer",
        "SecurityEventNotification",
        "FirmwareStatusNotification",
        "LogStatusNotification",
    ],
}
TIMESTAMPS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda t: t.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
)


@functools.cache
def payloads(version: str, action: str) -> st.SearchStrategy[dict]:
    """Payloads valid against the action's official request schema."""
    schema = json.loads(schema_files(version)[action].read_text(encoding="utf-8"))
    return from_schema(schema, schema)


def from_schema(node: dict, root: dict) -> st.SearchStrategy:
    """A strategy for the subset of JSON Schema the OCPP schemas use."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(root["definitions"][name], root))
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        required = set(node.get("required", ()))
        fields = {k: from_schema(v, root) for k, v in properties.items()}
        return st.fixed_dictionaries(
            {k: s for k, s in fields.items() if k in required},
            optional={k: s for k, s in fields.items() if k not in required},
        )
    if kind == "array":
        low = node.get("minItems", 0)
        return st.lists(from_schema(node["items"], root), min_size=low, max_size=max(low, 2))
    if kind == "string":
        if node.get("format") == "date-time":
            return TIMESTAMPS
        return st.text(max_size=min(node.get("maxLength", 20), 20))
    if kind == "integer":
        low = node.get("minimum", 0)
        return st.integers(low, max(low, 3)) | st.integers(low, node.get("maximum", 2**31 - 1))
    if kind == "number":
        return st.floats(node.get("minimum", -1e6), node.get("maximum", 1e6), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    return st.none()


# ---- odd values and malformed frames -----------------------------------------------------------------
def nested(depth: int) -> object:
    value: object = "bottom"
    for level in range(depth):
        value = {"n": value} if level % 2 else [value]
    return value


ODD = st.one_of(
    st.sampled_from(
        [2**31, -(2**31) - 1, 2**63, 10**30, -1, 1e308, -0.0, 1.5, True, None, "", [], {}, "x" * 5000]
    ),
    st.sampled_from(
        ["\x00", "a\x00b", "\ud800", "pre\udfffpost", "\u202eevil\u200b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🔌", "<script>"]
    ),
    st.integers(),
    st.text(max_size=40),
    st.integers(1, 40).map(nested),
)


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path into ``value`` (keys and list positions), the empty path first."""
    found = [prefix]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found += paths(item, (*prefix, key))
    return found


def changed(payload: dict, path: tuple, value: object, *, drop: bool) -> object:
    """``payload`` with the value at ``path`` replaced by ``value`` (or dropped)."""
    if not path:
        return value
    copy = json.loads(json.dumps(payload))
    parent = functools.reduce(lambda node, key: node[key], path[:-1], copy)
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def mutated(payload: dict) -> st.SearchStrategy[object]:
    """``payload`` with one field dropped, replaced by an odd value, or an odd field added."""
    spots = paths(payload)
    replace = st.builds(changed, st.just(payload), st.sampled_from(spots), ODD, drop=st.booleans())
    add = st.builds(lambda key, value: payload | {key: value}, st.text(max_size=10), ODD)
    return replace | add


IDS = st.text(min_size=1, max_size=36)
BAD_IDS = st.sampled_from([7, None, "", "x" * 37, ["a"], {"a": 1}, 2.5, True])


@st.composite
def calls(draw, version: str, *, mutate: bool) -> tuple[object, bool]:
    actions = st.sampled_from(HANDLED[version]) | st.sampled_from(sorted(schema_files(version)))
    action = draw(actions)
    payload = draw(payloads(version, action))
    if mutate:
        payload = draw(mutated(payload))
    return json.dumps([2, draw(IDS), action, payload]), True


SPECIAL = [
    "[]",
    "[2]",
    '[2, "l1"]',
    '[2, "l2", "Heartbeat"]',
    '[2, "l3", "Heartbeat", {}, "extra"]',
    '[3, "l4"]',
    '[4, "l5", "GenericError"]',
    '[2, "n1", "Heartbeat", {"x": NaN}]',
    '[2, "n2", "Heartbeat", {"x": Infinity}]',
    '[2, "n3", "Heartbeat", {"x": 1e999}]',
    '[2, "n4", "Heartbeat", {"x": ' + "9" * 5000 + "}]",
    "[" * 5000 + "]" * 5000,
    json.dumps(
        [2, "s1", "StatusNotification", {"connectorId": 1, "errorCode": "x", "status": "y", "info": "\ud800"}]
    ),
    '[2, "s2", "StatusNotification", [1, 2]]',
    '[2, "s3", ["StatusNotification"], {}]',
    '{"not": "an array"}',
    '"text"',
    "null",
    b'[2, "b1", "Heartbeat", {}]',
]
"""Frames that once crashed a connection, logged an ERROR or were answered wrongly; each run
sends them all (an explicit example) besides what Hypothesis generates."""


def raw_frames(version: str) -> st.SearchStrategy[tuple[object, bool]]:
    """Frames that are not well-formed calls: ``(frame, expects an answer)``."""
    answered = st.one_of(
        st.builds(lambda a, i: json.dumps([2, i, a, {}]), st.text(min_size=1, max_size=30), IDS),
        st.builds(lambda i: json.dumps([2, i, "Heartbeat", {}]), BAD_IDS),
        st.builds(lambda i: json.dumps([2, "x", i, {}]), BAD_IDS),
        st.builds(
            lambda t: json.dumps([t, "t1", "Heartbeat", {}]),
            st.integers().filter(lambda t: t not in (2, 3, 4))
            | st.text(max_size=5)
            | st.just(2.0)
            | st.none(),
        ),
        st.sampled_from(SPECIAL),
        st.integers(2, 200).map(lambda n: json.dumps([2, f"d{n}", "Heartbeat", nested(n)])),
        st.text(max_size=60).filter(lambda t: not t.startswith(("[3", "[4"))),
    )
    unsolicited = st.one_of(
        st.builds(lambda i: json.dumps([3, i, {}]), IDS),
        st.builds(lambda i, code: json.dumps([4, i, code, "desc", {}]), IDS, st.text(max_size=20)),
    )
    return st.tuples(answered, st.just(True)) | st.tuples(unsolicited, st.just(False))


def frames(version: str) -> st.SearchStrategy[tuple[object, bool]]:
    return calls(version, mutate=False) | calls(version, mutate=True) | raw_frames(version)


# ---- the exchange --------------------------------------------------------------------------------------
probe_ids = itertools.count()


async def exchange(ws, frame: object, answered: bool) -> str | None:
    """Send ``frame`` then a Heartbeat; what is wrong with the answers read up to the
    Heartbeat's (``None``: nothing)."""
    probe = f"probe-{next(probe_ids)}"
    await ws.send(frame)
    await ws.send(json.dumps([2, probe, "Heartbeat", {}]))
    replies = []
    async with asyncio.timeout(10):
        while True:
            reply = json.loads(await ws.recv())
            if reply[1] == probe:
                break
            replies.append(reply)
    if reply[0] != 3:
        return f"the Heartbeat after it was answered {reply}"
    if not answered:
        return f"an answer to no call was answered: {replies}" if replies else None
    if len(replies) != 1:
        return f"{len(replies)} answers: {replies}"
    return _wrong_answer(frame, replies[0])


def _wrong_answer(frame: object, reply: list) -> str | None:
    try:
        sent = json.loads(frame)
        call_id = sent[1] if sent[0] == 2 and isinstance(sent[1], str) and 0 < len(sent[1]) <= 36 else None
    except Exception:  # not a readable call: any CallError will do
        call_id = None
    if reply[0] not in (3, 4) or (reply[0] == 3 and call_id is None):
        return f"answered with {reply}"
    if call_id is not None and reply[1] != call_id:
        return f"answered message {reply[1]!r} instead of {call_id!r}"
    if reply[0] == 4 and (len(reply) != 5 or not isinstance(reply[2], str) or not isinstance(reply[4], dict)):
        return f"a malformed CallError {reply}"
    return None


# ---- the other charger's records ----------------------------------------------------------------------
TABLES = (Charger, ChargingSession, Event, Fault, Observation, WorkItem, AuditEntry)


def seed_other_charger(engine) -> None:
    """``CP-B``: registered, a boot, an open fault and an open session of its own."""
    register_charger(engine, charger_id=OTHER, password=PASSWORD, site_id="site-b")
    status = {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"}
    body = {"event_id": "b-1", "charger_id": OTHER, "ocpp_version": "1.6", "status_notification": status}
    accept_event(engine, source="ocpp:CP-B", body=EventIn.model_validate(body), actor="ocpp:CP-B")
    with session_scope(engine) as session:
        sessions.start16(
            session, charger_id=OTHER, connector_id=1, id_tag="TAG-B", meter_start=10, at=datetime.now(UTC)
        )


def records(engine, charger_id: str) -> dict[str, list[dict]]:
    """Everything stored about ``charger_id``, table by table (``last_seen_at`` excepted)."""
    found = {}
    with session_scope(engine) as session:
        for model in TABLES:
            column = model.id if model is Charger else model.charger_id
            rows = session.exec(select(model).where(column == charger_id)).all()
            found[model.__name__] = [r.model_dump(exclude={"last_seen_at"}) for r in rows]
    return found


def strangers(engine) -> list[str]:
    """Rows naming a charger other than the three of this test."""
    known = {*FUZZERS.values(), OTHER}
    found = []
    with session_scope(engine) as session:
        for model in TABLES:
            column = model.id if model is Charger else model.charger_id
            for row in session.exec(select(model).where(column.not_in(known), column.is_not(None))).all():
                found.append(f"{model.__name__}: {row}")
    return found


# ---- the fuzz test -------------------------------------------------------------------------------------
FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # shrinking a stateful exchange costs more than it tells
)


def fuzz(portal, ws, version: str, counted: dict[str, int], problems: list[str]) -> None:
    """Hypothesis's examples for ``version`` over the open websocket ``ws``."""

    @given(sent=st.lists(frames(version), min_size=1, max_size=8))
    @example(sent=[(frame, True) for frame in SPECIAL])
    @FUZZ
    def examples(sent: list[tuple[object, bool]]) -> None:
        counted["examples"] += 1
        for frame, answered in sent:
            counted["frames"] += 1
            if wrong := portal.call(exchange, ws, frame, answered):
                problems.append(f"{version} {frame!r:.300}: {wrong}")

    examples()


def test_every_frame_is_answered_the_connection_stays_and_nothing_is_written_for_another_charger(
    engine, tmp_path, caplog, capsys, record_property
):
    for charger_id in FUZZERS.values():
        register_charger(engine, charger_id=charger_id, password=PASSWORD)
    seed_other_charger(engine)
    before = records(engine, OTHER)
    caplog.set_level(logging.WARNING)
    counted = {"examples": 0, "frames": 0}
    problems: list[str] = []
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(ocpp_gateway(engine, tmp_path)) as gateway,
    ):
        for version, charger_id in FUZZERS.items():
            with portal.wrap_async_context_manager(station(gateway, charger_id, version)) as ws:
                fuzz(portal, ws, version, counted, problems)
                assert ws.close_code is None, f"the {version} connection closed: {ws.close_reason}"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    with capsys.disabled():
        print(f"\nOCPP fuzz: {counted['examples']} examples, {counted['frames']} frames")
    record_property("ocpp_fuzz_frames", counted["frames"])
    assert not problems, "\n".join(problems[:20])
    assert not errors, "\n".join(f"{r.name}: {r.getMessage()[:300]}" for r in errors[:10])
    assert records(engine, OTHER) == before
    assert strangers(engine) == []


# ---- a charger reports only for itself ------------------------------------------------------------------
async def test_a_charger_can_only_report_for_itself(engine, tmp_path):
    """Every field of a charger's messages that could name another station — serial numbers,
    vendor ids, another charger's transaction ids, EVSE and connector numbers, an ``event_id`` or
    ``chargerId`` smuggled into the payload — writes only to the charger the connection
    authenticated as. ``CP-B``'s session, fault, events and registry row stay as they were."""
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    register_charger(engine, charger_id="CS-A", password=PASSWORD)
    seed_other_charger(engine)
    with session_scope(engine) as session:
        other_tx = session.exec(select(ChargingSession).where(ChargingSession.charger_id == OTHER)).one()
    before = records(engine, OTHER)
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    smuggled = {"chargerId": OTHER, "chargeBoxIdentity": OTHER, "charger_id": OTHER, "event_id": "b-1"}
    calls16 = [
        (
            "BootNotification",
            {"chargePointVendor": "V", "chargePointModel": "M", "chargePointSerialNumber": OTHER},
        ),
        ("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"} | smuggled),
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"} | smuggled),
        ("StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"}),
        (
            "StopTransaction",
            {"transactionId": int(other_tx.transaction_id), "meterStop": 99_999, "timestamp": now},
        ),
        (
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": int(other_tx.transaction_id),
                "meterValue": [{"timestamp": now, "sampledValue": [{"value": "77777"}]}],
            },
        ),
        ("DataTransfer", {"vendorId": OTHER, "messageId": OTHER, "data": OTHER}),
    ]
    event_data = {
        "eventId": 1,
        "timestamp": now,
        "trigger": "Alerting",
        "actualValue": "true",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
        "variable": {"name": "Problem"},
    }
    calls201 = [
        (
            "BootNotification",
            {
                "reason": "PowerUp",
                "chargingStation": {"model": "M", "vendorName": OTHER, "serialNumber": OTHER},
            },
        ),
        ("NotifyEvent", {"generatedAt": now, "seqNo": 0, "eventData": [event_data]} | smuggled),
        (
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": now,
                "triggerReason": "StopAuthorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": other_tx.transaction_id, "stoppedReason": "Remote"},
                "evse": {"id": 1, "connectorId": 1},
            },
        ),
        ("SecurityEventNotification", {"type": OTHER, "timestamp": now, "techInfo": OTHER}),
    ]
    async with ocpp_gateway(engine, tmp_path) as gateway:
        for version, charger_id, sent in (("1.6", "CP-A", calls16), ("2.0.1", "CS-A", calls201)):
            async with station(gateway, charger_id, version) as ws:
                for n, (action, payload) in enumerate(sent):
                    await ws.send(json.dumps([2, f"m{n}", action, payload]))
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    assert reply[1] == f"m{n}", reply
    assert records(engine, OTHER) == before
    assert strangers(engine) == []
    own = records(engine, "CP-A")
    assert own["Event"] and own["Fault"] and all(e["source"] == "ocpp:CP-A" for e in own["Event"])
    assert records(engine, "CS-A")["ChargingSession"][0]["transaction_id"] == other_tx.transaction_id


# ---- OCPP admission and framing (beyond tests/test_gateway.py) ---------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64!!!",
        "Bearer " + PASSWORD,
        "Basic " + base64.b64encode(b"CP-A:").decode(),  # empty password
        "Basic " + base64.b64encode(b"CP-A").decode(),  # no colon
        "Basic " + base64.b64encode(f"cp-a:{PASSWORD}".encode()).decode(),  # another case is another id
        "Basic " + base64.b64encode(f"CP-A:{PASSWORD} ".encode()).decode(),
    ],
)
async def test_only_the_exact_basic_credentials_of_the_charger_are_admitted(engine, tmp_path, header):
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path) as gateway:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                f"ws://127.0.0.1:{gateway.port}/ocpp/CP-A",
                subprotocols=["ocpp1.6"],
                additional_headers={"Authorization": header},
            ):
                pass
        assert refused.value.response.status_code == 401
        assert not gateway.is_connected("CP-A")


async def test_a_charger_known_only_from_the_csms_has_no_password_and_is_refused(engine, tmp_path):
    """A charger the CSMS reported over HTTP exists without OCPP credentials: any password is
    refused (401), and by default an unknown charger is refused too (404), never registered."""
    body = {
        "event_id": "c-1",
        "charger_id": "CP-CSMS",
        "boot_notification": {"chargePointVendor": "V", "chargePointModel": "M"},
    }
    accept_event(engine, source="key:1", body=EventIn.model_validate(body), actor="api:csms")
    async with ocpp_gateway(engine, tmp_path) as gateway:
        for charger_id, status in (("CP-CSMS", 401), ("CP-NEW", 404)):
            with pytest.raises(InvalidStatus) as refused:
                async with station(gateway, charger_id):
                    pass
            assert refused.value.response.status_code == status, charger_id
    with session_scope(engine) as session:
        assert session.get(Charger, "CP-CSMS").password_hash is None
        assert session.get(Charger, "CP-NEW") is None


async def test_a_frame_above_the_size_limit_closes_the_connection_with_1009(engine, tmp_path):
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path, ocpp_max_message_bytes=4096) as gateway:
        async with station(gateway, "CP-A") as ws:
            await ws.send(json.dumps([2, "ok", "DataTransfer", {"vendorId": "v", "data": "x" * 3000}]))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))[:2] == [3, "ok"]
            await ws.send(json.dumps([2, "big", "DataTransfer", {"vendorId": "v", "data": "x" * 5000}]))
            await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 1009
    with session_scope(engine) as session:
        audited = session.exec(select(AuditEntry).where(AuditEntry.kind == "ocpp.data_transfer")).all()
    assert len(audited) == 1


async def test_a_callerror_with_a_code_ocpp_does_not_define_is_a_call_error_outcome(engine, tmp_path):
    """A charger answering a command with an error code of its own invention is a ``call_error``
    (the code kept in the detail), not an exception out of the gateway."""
    register_charger(engine, charger_id="CP-A", password=PASSWORD)
    async with ocpp_gateway(engine, tmp_path) as gateway, station(gateway, "CP-A") as ws:
        await ws.send(json.dumps([2, "hb", "Heartbeat", {}]))  # answered once the gateway holds the socket
        await asyncio.wait_for(ws.recv(), 5)
        command = asyncio.create_task(
            gateway.send("CP-A", Action.TRIGGER_STATUS, ActionParams(connector_id=1))
        )
        call = json.loads(await asyncio.wait_for(ws.recv(), 5))
        await ws.send(json.dumps([4, call[1], "NotAnOcppCode", "busy", {}]))
        outcome = await asyncio.wait_for(command, 5)
    assert outcome.status is OutcomeStatus.CALL_ERROR and "NotAnOcppCode" in outcome.detail
