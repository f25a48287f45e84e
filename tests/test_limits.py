"""Request limits: per API key (token buckets by role), failed authentications per client
address, request body size and upload time, the HTTP server's own bounds as ``chargemedic serve``
sets them, and the OCPP message rate per charger connection."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager, contextmanager

import httpx
import numpy as np
import pytest
import uvicorn
from sqlmodel import select

from app.api.limits import KeyRateLimiter, RateLimited, client_address, uvicorn_options
from app.chargers.credentials import register_charger
from app.chargers.station import Admission, MessageLimit
from app.guard.actions import Action, ActionParams
from app.main import create_app
from app.settings import Settings
from app.store.db import session_scope
from app.store.models import AuditEntry, Event
from knowledge.embed import MODEL_ID
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client
from tests.conftest import bearer, free_port, stop_process_group
from tests.test_ocpp_fuzz import ocpp_gateway, station

EVENT = {
    "event_id": "lim-1",
    "charger_id": "CP-LIM",
    "ocpp_version": "1.6",
    "status_notification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
}


def build_app(engine, tmp_path, **overrides):
    settings = Settings(data_dir=tmp_path / "data", workers=0, gateway=False, **overrides)
    store = KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)
    searcher = Searcher(store, lambda texts: np.zeros((len(texts), 384)), refresh_seconds=0)
    return create_app(settings, engine=engine, searcher=searcher, processor=lambda job: None)


@asynccontextmanager
async def served(engine, tmp_path, *, client=("127.0.0.1", 50000), **overrides):
    """An HTTP client to the real app (lifespan running) with these settings."""
    app = build_app(engine, tmp_path, **overrides)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http, app


# ---- per API key ---------------------------------------------------------------------------------------
async def test_a_key_over_its_rate_gets_429_with_retry_after_and_other_keys_do_not(engine, keys, tmp_path):
    # one token per 10 s: the refusal never depends on how fast four requests run on a loaded
    # machine (at 60/min a slow second refilled the bucket before the fourth request)
    async with served(engine, tmp_path, rate_limit_per_minute=6, rate_limit_burst=3) as (http, app):
        answers = [await http.get("/v1/faults", headers=bearer(keys["technician"])) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert 1 <= int(refused.headers["Retry-After"]) <= 10  # the next token, at most 10 s away
        assert "CHARGEMEDIC_RATE_LIMIT_PER_MINUTE" in refused.json()["message"]
        assert "6 requests per minute" in refused.json()["message"]
        assert (await http.get("/v1/faults", headers=bearer(keys["admin"]))).status_code == 200
        # the console's cookie draws on the same key's bucket, on pages too
        http.cookies.set("cm_key", keys["technician"])
        page = await http.get("/")
        assert page.status_code == 429 and page.headers["Retry-After"]
        buckets = app.state.keys.limiter.buckets["technician"].entries
        digest = hashlib.sha256(keys["technician"].encode()).hexdigest()
        assert digest in buckets and keys["technician"] not in buckets


async def test_a_csms_key_has_its_own_larger_budget_and_nothing_is_stored_when_refused(
    engine, keys, tmp_path
):
    # slow refills (one token per 10 s for the CSMS key): the refusal never depends on how fast
    # three requests run on a loaded machine
    limits = {"rate_limit_per_minute": 1, "rate_limit_burst": 1, "rate_limit_csms_per_minute": 6}
    async with served(engine, tmp_path, rate_limit_csms_burst=2, **limits) as (http, _):
        statuses = []
        for n in range(3):
            body = EVENT | {"event_id": f"lim-{n}"}
            statuses.append(
                (await http.post("/v1/events", json=body, headers=bearer(keys["csms"]))).status_code
            )
        assert statuses == [202, 202, 429]
    with session_scope(engine) as session:
        assert sorted(e.external_id for e in session.exec(select(Event)).all()) == ["lim-0", "lim-1"]


async def test_zero_switches_the_key_limits_off(engine, keys, tmp_path):
    async with served(engine, tmp_path, rate_limit_per_minute=0, rate_limit_burst=1) as (http, _):
        answers = [await http.get("/v1/faults", headers=bearer(keys["technician"])) for _ in range(30)]
    assert {a.status_code for a in answers} == {200}


def test_a_key_bucket_refills_at_its_rate():
    now = [0.0]
    limiter = KeyRateLimiter.from_settings(
        Settings(rate_limit_per_minute=120, rate_limit_burst=2), clock=lambda: now[0]
    )
    limiter.charge("k", "admin")
    limiter.charge("k", "admin")
    with pytest.raises(RateLimited) as refused:
        limiter.charge("k", "admin")
    assert refused.value.status_code == 429 and refused.value.headers["Retry-After"] == "1"
    now[0] = 0.5  # 120 a minute: one token every half second
    limiter.charge("k", "admin")
    with pytest.raises(RateLimited):
        limiter.charge("k", "admin")
    limiter.charge("another key", "admin")


def test_the_default_limits_leave_the_intake_benchmark_room():
    """The intake benchmark posts 6,000 events at about 1,700 a second with one CSMS key: below
    the default CSMS rate, within its burst; people's keys are held far lower."""
    defaults = Settings()
    assert defaults.rate_limit_csms_per_minute / 60 > 1700 and defaults.rate_limit_csms_burst >= 6000
    assert defaults.rate_limit_per_minute <= 1000 and defaults.auth_failures_per_minute > 0


# ---- failed authentications per address ----------------------------------------------------------------
async def test_failed_authentications_block_the_address_not_others(engine, keys, tmp_path):
    wrong = bearer("cm_000000000000_" + "x" * 43)
    async with served(engine, tmp_path, auth_failures_per_minute=3) as (http, app):
        assert [(await http.get("/v1/faults", headers=wrong)).status_code for _ in range(3)] == [401] * 3
        blocked = await http.get("/v1/faults", headers=bearer(keys["technician"]))
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        assert "CHARGEMEDIC_AUTH_FAILURES_PER_MINUTE" in blocked.json()["message"]
        assert (await http.get("/healthz")).status_code == 200  # a request without a key is not held
        elsewhere = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=elsewhere, base_url="http://test") as other:
            assert (await other.get("/v1/faults", headers=bearer(keys["technician"]))).status_code == 200


async def test_login_failures_and_expired_console_sessions_count_a_missing_key_does_not(
    engine, keys, tmp_path
):
    async with served(engine, tmp_path, auth_failures_per_minute=2) as (http, _):
        for _ in range(5):
            assert (await http.get("/v1/faults")).status_code == 401  # no key: not a guess
        login = await http.post("/login", data={"api_key": "cm_nope_nope", "next": "/"})
        assert login.status_code == 401
        # a Cookie header Python's SimpleCookie gives up on, but the console reads: it counts too
        expired = await http.get("/approvals", headers={"Cookie": 'x="unclosed; cm_key=cm_nope_nope'})
        assert expired.status_code == 303 and "reason=expired" in expired.headers["location"]
        again = await http.post("/login", data={"api_key": keys["technician"], "next": "/"})
        assert again.status_code == 429


def test_addresses_are_grouped_as_a_subscriber_holds_them():
    def scope(host):
        return {"client": (host, 1)}

    assert client_address(scope("2001:db8:1:2:aaaa::1")) == client_address(scope("2001:db8:1:2:bbbb::9"))
    assert client_address(scope("2001:db8:1:2::1")) == "2001:db8:1:2::/64"
    assert client_address(scope("2001:db8:1:3::1")) != client_address(scope("2001:db8:1:2::1"))
    assert client_address(scope("::ffff:192.0.2.7")) == "192.0.2.7"
    assert client_address(scope("192.0.2.7")) != client_address(scope("192.0.2.8"))
    assert client_address({"client": None}) == "unknown"


# ---- request bodies ------------------------------------------------------------------------------------
async def test_a_body_over_the_limit_gets_413_by_its_length_or_as_it_arrives(engine, keys, tmp_path):
    big = EVENT | {"status_notification": EVENT["status_notification"] | {"info": "x" * 3000}}
    data = json.dumps(big).encode()

    async def chunked(payload: bytes):
        for start in range(0, len(payload), 500):
            yield payload[start : start + 500]

    headers = bearer(keys["csms"]) | {"Content-Type": "application/json"}
    async with served(engine, tmp_path, max_request_bytes=2048) as (http, _):
        declared = await http.post("/v1/events", content=data, headers=headers)
        streamed = await http.post("/v1/events", content=chunked(data), headers=headers)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        login = await http.post("/login", content=chunked(b"api_key=" + b"k" * 3000), headers=form)
        small = await http.post("/v1/events", json=EVENT, headers=bearer(keys["csms"]))
    assert "Content-Length" not in streamed.request.headers
    for refused in (declared, streamed, login):
        assert refused.status_code == 413, refused.text
        assert "2048 bytes" in refused.json()["message"]
        assert "CHARGEMEDIC_MAX_REQUEST_BYTES" in refused.json()["message"]
    assert small.status_code == 202
    with session_scope(engine) as session:
        assert [e.external_id for e in session.exec(select(Event)).all()] == ["lim-1"]


async def test_a_stalled_body_gets_408(engine, keys, tmp_path):
    async def stalling():
        yield b'{"event_id": "slow", '
        await asyncio.sleep(2)
        yield b'"charger_id": "CP-1"}'

    headers = bearer(keys["csms"]) | {"Content-Type": "application/json"}
    async with served(engine, tmp_path, request_body_timeout_seconds=0.2) as (http, _):
        started = time.monotonic()
        answer = await http.post("/v1/events", content=stalling(), headers=headers)
    assert answer.status_code == 408 and time.monotonic() - started < 1.5
    assert "CHARGEMEDIC_REQUEST_BODY_TIMEOUT_SECONDS" in answer.json()["message"]


def test_the_default_body_limit_fits_an_event_of_the_largest_ocpp_frame():
    defaults = Settings()
    assert defaults.max_request_bytes >= 4 * defaults.ocpp_max_message_bytes


# ---- the HTTP server (uvicorn) -------------------------------------------------------------------------
@contextmanager
def uvicorn_server(app, settings: Settings):
    """``app`` served by uvicorn with :func:`uvicorn_options` of ``settings``, on a free port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def raw_request(port: int, head: bytes, timeout: float = 5) -> bytes:
    """Send ``head`` in 1 kB pieces (as a slow client would: the server sees it incomplete)
    and return the start of the answer (``b""``: the server hung up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(head), 1024):
            try:
                sock.sendall(head[start : start + 1024])
            except OSError:  # the server answered and hung up before the head was all sent
                break
            time.sleep(0.002)
        try:
            return sock.recv(200)
        except ConnectionResetError:
            return b""


BIG_HEAD = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"


async def hello(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})


def test_uvicorn_refuses_large_headers_closes_idle_connections_and_bounds_concurrency():
    settings = Settings(http_max_header_bytes=4096, http_keep_alive_seconds=1, http_limit_concurrency=2)
    with uvicorn_server(hello, settings) as port:
        assert raw_request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")
        assert raw_request(port, BIG_HEAD).startswith(b"HTTP/1.1 400")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            idle.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert idle.recv(200).startswith(b"HTTP/1.1 200")
            time.sleep(1.6)
            assert idle.recv(200) == b""  # the server closed the idle keep-alive connection
        holders = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            time.sleep(0.2)
            assert raw_request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 503")
        finally:
            for sock in holders:
                sock.close()


def whole_request(port: int, head: bytes, timeout: float = 5) -> bytes:
    """Send ``head`` in one write (the server may read it complete at once) and return the
    answer, read until the server closes the connection (``b""``: it hung up at once)."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may answer and hang up before reading it all
            sock.sendall(head)
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    return answer


def head_of(header_bytes: int) -> bytes:
    """A GET /healthz (closing the connection after its answer) whose request line and headers
    are ``header_bytes`` long."""
    start = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
    return start + b"a" * (header_bytes - len(start) - 4) + b"\r\n\r\n"


def test_headers_over_the_limit_get_400_whether_sent_in_one_write_or_in_pieces(engine, tmp_path):
    """SECURITY.md: 400 for a request line and headers over ``http_max_header_bytes`` (16 KiB).
    h11 alone refuses only a head still incomplete beyond it; one that arrives whole in a read
    (up to 256 KiB) was parsed and served."""
    settings = Settings(data_dir=tmp_path / "data", workers=0, gateway=False)
    assert settings.http_max_header_bytes == 16384
    app = build_app(engine, tmp_path)
    with uvicorn_server(app, settings) as port:
        assert whole_request(port, head_of(16384)).startswith(b"HTTP/1.1 200")
        for size in (16385, 40_000):  # one loopback segment: parsed complete, refused by the app
            answer = whole_request(port, head_of(size))
            assert answer.startswith(b"HTTP/1.1 400"), (size, answer[:200])
            body = json.loads(answer.partition(b"\r\n\r\n")[2])
            assert f"of {size} bytes" in body["message"] and "HTTP_MAX_HEADER_BYTES" in body["message"]
            assert b"connection: close" in answer.lower()
        for size in (70_000, 200_000):  # read complete or not, depending on how it arrives
            assert whole_request(port, head_of(size)).startswith(b"HTTP/1.1 400"), size
        for size in (20_000, 70_000):
            assert raw_request(port, head_of(size)).startswith(b"HTTP/1.1 400"), size


def test_header_limits_need_the_h11_parser_and_zero_keeps_httptools():
    assert uvicorn_options(Settings()) == {
        "timeout_keep_alive": 5,
        "limit_concurrency": 1000,
        "http": "h11",
        "h11_max_incomplete_event_size": 16384,
    }
    unlimited = uvicorn_options(Settings(http_max_header_bytes=0, http_limit_concurrency=0))
    assert "http" not in unlimited and unlimited["limit_concurrency"] is None


def test_chargemedic_serve_applies_the_limits(tmp_path):
    """The real command: headers over ``http_max_header_bytes`` are refused and bodies over
    ``max_request_bytes`` get 413 before any key is looked at."""
    port = free_port()
    env = os.environ | {
        "CHARGEMEDIC_DATA_DIR": str(tmp_path / "data"),
        "CHARGEMEDIC_PORT": str(port),
        "CHARGEMEDIC_WORKERS": "0",
        "CHARGEMEDIC_GATEWAY": "false",
        "CHARGEMEDIC_HTTP_MAX_HEADER_BYTES": "4096",
        "CHARGEMEDIC_MAX_REQUEST_BYTES": "2048",
    }
    command = [sys.executable, "-m", "app.cli", "serve"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chargemedic serve did not answer /healthz within 90 s")
        assert raw_request(port, BIG_HEAD).startswith(b"HTTP/1.1 400")
        assert whole_request(port, head_of(70_000)).startswith(b"HTTP/1.1 400")
        body = httpx.post(f"http://127.0.0.1:{port}/v1/events", content=b"x" * 4096, timeout=5)
        assert body.status_code == 413 and "CHARGEMEDIC_MAX_REQUEST_BYTES" in body.json()["message"]
    finally:
        stop_process_group(process)


# ---- OCPP: messages per charger connection -------------------------------------------------------------
def test_a_connection_may_send_its_minute_then_is_refused_then_closed():
    now = [0.0]
    limit = MessageLimit(3, clock=lambda: now[0])
    assert [limit.admit() for _ in range(7)] == [Admission.HANDLE] * 3 + [Admission.REFUSE] * 3 + [
        Admission.CLOSE
    ]
    now[0] = 60.0
    assert limit.admit() is Admission.HANDLE  # a new minute
    assert all(MessageLimit(0).admit() is Admission.HANDLE for _ in range(1000))


async def test_a_charger_over_its_message_rate_gets_callerrors_then_is_disconnected_with_1008(
    engine, tmp_path, caplog
):
    register_charger(engine, charger_id="CP-R", password="fuzz-password-00001")
    caplog.set_level(logging.WARNING, logger="chargemedic.gateway")
    async with (
        ocpp_gateway(engine, tmp_path, messages_per_minute=4) as gateway,
        station(gateway, "CP-R") as ws,
    ):
        answers = []
        for n in range(8):
            await ws.send(json.dumps([2, f"h{n}", "Heartbeat", {}]))
            answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        assert [a[0] for a in answers] == [3] * 4 + [4] * 4
        assert all(a[1] == f"h{n}" for n, a in enumerate(answers))
        refusal = answers[4]
        assert refusal[2] == "GenericError" and "CHARGEMEDIC_OCPP_MESSAGES_PER_MINUTE" in refusal[3]
        await ws.send(json.dumps([2, "h8", "Heartbeat", {}]))
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 1008 and "policy violation" in ws.close_reason
    with session_scope(engine) as session:
        (audit,) = session.exec(select(AuditEntry).where(AuditEntry.kind == "ocpp.rate_limit_closed")).all()
    assert audit.charger_id == "CP-R" and audit.detail["messages_per_minute"] == 4
    assert any("closing CP-R" in r.getMessage() for r in caplog.records)


async def test_the_answer_to_a_command_is_never_refused_by_the_limit(engine, tmp_path):
    """Over its limit, a charger's calls are refused, but its answer to our TriggerMessage still
    reaches the command: the limit never turns a command into a time-out."""
    register_charger(engine, charger_id="CP-R", password="fuzz-password-00001")
    async with (
        ocpp_gateway(engine, tmp_path, messages_per_minute=2) as gateway,
        station(gateway, "CP-R") as ws,
    ):
        for n in range(3):
            await ws.send(json.dumps([2, f"h{n}", "Heartbeat", {}]))
            await asyncio.wait_for(ws.recv(), 5)
        command = asyncio.create_task(
            gateway.send("CP-R", Action.TRIGGER_STATUS, ActionParams(connector_id=1))
        )
        call = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert call[0] == 2 and call[2] == "TriggerMessage"
        await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
        outcome = await asyncio.wait_for(command, 5)
    assert outcome.status == "accepted", outcome


async def test_the_service_gives_its_gateway_the_message_limit(engine, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", workers=0, ocpp_port=0, ocpp_messages_per_minute=7)
    store = KnowledgeStore(open_client(path=tmp_path / "chroma"), MODEL_ID)
    app = create_app(settings, engine=engine, searcher=Searcher(store, lambda t: np.zeros((len(t), 384))))
    async with app.router.lifespan_context(app):
        assert app.state.gateway.services.messages_per_minute == 7
