"""Structured logs, as ``chargemedic serve`` configures them: the real app served by a real uvicorn
server with ``logging_config`` (uvicorn's own and access loggers included), every logger of the
process captured at DEBUG while real flows run with real secrets in play — API keys in
``Authorization``, a console login with a key in the form and the cookie, a simulated OCPP
charger connecting with a Basic-auth password, the LLM reasoner called with ``llm_api_key`` (its
HTTP mocked with respx), both webhook secrets configured and both webhooks called (a local
receiver). No secret may appear in what is written; a second, unfiltered handler proves the
flows did try to log some. The JSON lines carry one fault's id from the graph through the guard
and the executor to verification, and each request's id."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import logging.config
import os
import pty
import select
import threading
import time

import httpx
import pytest
import respx
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.main import create_app
from app.observability.http import ObserveRequests
from app.observability.logs import bound, correlation, logging_config
from app.observability.metrics import REGISTRY
from app.settings import Settings
from app.simulator.scenario import Fault
from app.store.models import ActionAttempt, Escalation
from app.webhooks import verify
from tests.conftest import bearer
from tests.llm_mock import LLM_URL
from tests.receiver import Receiver
from tests.test_metrics import LLM_SETTINGS, llm_endpoint, rows
from tests.test_ocpp_e2e import CHARGERS, PASSWORD, charger, until

LLM_KEY = LLM_SETTINGS["llm_api_key"]
CSMS_SECRET = "csms-webhook-secret-5e8f1c"
ESCALATION_SECRET = "escalation-webhook-secret-9d2a7b"
DB_PASSWORD = "db-pass-w0rd-4c1e"
REQUEST_ID = "trace-me-123"
SAVED_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


@pytest.fixture
def llm():
    with respx.mock(using="httpcore2", base_url=LLM_URL, assert_all_called=False) as mock:
        yield mock.post("/chat/completions").mock(side_effect=llm_endpoint)


@contextlib.contextmanager
def restored_logging():
    """Put the process's logging back as it was (the test applies the service's configuration)."""
    saved = {name: logging.getLogger(name) for name in SAVED_LOGGERS}
    state = {name: (lg.level, lg.handlers[:], lg.propagate, lg.disabled) for name, lg in saved.items()}
    try:
        yield
    finally:
        for name, lg in saved.items():
            lg.level, lg.handlers[:], lg.propagate, lg.disabled = state[name]


@contextlib.asynccontextmanager
async def served(app, settings: Settings):
    """``app`` on a real uvicorn server configured as ``chargemedic serve`` does; yields its base
    URL, what the service's handler wrote, and what an unfiltered handler saw of the same records."""
    written, raw = io.StringIO(), io.StringIO()
    with restored_logging():
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_config=logging_config(settings, stream=written)
        )
        unfiltered = logging.StreamHandler(raw)
        logging.getLogger().handlers.insert(0, unfiltered)  # sees each record before the filters
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        await until(lambda: server.started, timeout=60)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}", written, raw
        finally:
            server.should_exit = True
            await task


def secrets_in_play(keys: dict[str, str], charger_id: str) -> dict[str, str]:
    basic = base64.b64encode(f"{charger_id}:{PASSWORD}".encode()).decode()
    found = {f"{role} key": key for role, key in keys.items()}
    found |= {f"{role} key secret": key.split("_", 2)[2] for role, key in keys.items()}
    return found | {
        "llm_api_key": LLM_KEY,
        "csms_webhook_secret": CSMS_SECRET,
        "escalation_webhook_secret": ESCALATION_SECRET,
        "database password": DB_PASSWORD,
        "charger password": PASSWORD,
        "charger Basic credentials": basic,
    }


@pytest.mark.slow
async def test_secrets_never_reach_the_logs_and_ids_follow_a_fault_and_a_request(
    engine, keys, bundled, tmp_path, llm
):
    with Receiver() as receiver:
        settings = Settings(
            data_dir=tmp_path / "data",
            workers=1,
            log_level="debug",
            log_format="json",
            database_url=f"postgresql+psycopg://chargemedic:{DB_PASSWORD}@db.invalid/chargemedic",
            ocpp_call_timeout_seconds=5,
            verify_window_seconds=5,
            verify_poll_seconds=0.2,
            csms_webhook_url=receiver.url,
            csms_webhook_secret=CSMS_SECRET,
            escalation_webhook_url=receiver.url,
            escalation_webhook_secret=ESCALATION_SECRET,
            escalation_webhook_backoff_seconds=0.2,
            **LLM_SETTINGS,
        )
        app = create_app(settings, searcher=bundled, engine=engine)
        async with served(app, settings) as (url, written, raw):
            sent = await drive(app, url, keys, engine)
            leak_on_purpose(keys, settings)
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert_no_secret_written(written.getvalue(), raw.getvalue(), keys)
    assert_secrets_were_in_play(llm, receiver)
    (attempt,) = [a for a in rows(engine, ActionAttempt) if a.charger_id == "CP-LG"]
    assert_the_fault_id_follows_the_fault(lines, attempt)
    assert_each_request_has_its_id(lines, sent)
    assert {"uvicorn.error", "uvicorn.access", "websockets.client"} <= {line["logger"] for line in lines}


def assert_no_secret_written(written: str, raw: str, keys: dict[str, str]) -> None:
    """Nothing secret in what the service's handler wrote — though the records held some: the
    unfiltered handler saw the real flows log the charger's Basic credentials (websockets) and
    the login's ``Set-Cookie`` (httpcore), and the deliberate leaks."""
    for name, secret in secrets_in_play(keys, "CP-LG").items():
        assert secret not in written, f"the {name} was logged"
    assert secrets_in_play(keys, "CP-LG")["charger Basic credentials"] in raw
    assert keys["technician"] in raw
    assert all(s in raw for s in (LLM_KEY, CSMS_SECRET, ESCALATION_SECRET, DB_PASSWORD, keys["admin"]))
    leaked = [json.loads(line) for line in written.splitlines() if '"tests.leak"' in line]
    assert "ConnectionError" in leaked[-1]["exception"] and "***" in leaked[-1]["exception"]


def assert_secrets_were_in_play(llm, receiver: Receiver) -> None:
    assert llm.calls[0].request.headers["authorization"] == f"Bearer {LLM_KEY}"
    escalations = [r for r in receiver.requests if "escalation" in r.json]
    commands = [r for r in receiver.requests if "escalation" not in r.json]
    assert escalations and verify(escalations[0].body, escalations[0].headers, secret=ESCALATION_SECRET)
    assert commands and verify(commands[0].body, commands[0].headers, secret=CSMS_SECRET)


def assert_the_fault_id_follows_the_fault(lines: list[dict], attempt: ActionAttempt) -> None:
    """The graph (its LLM call included), the guard, the executor — on the worker's thread and
    on the gateway's event loop — and verification all log with the fault's id."""
    mine = [line for line in lines if line.get("fault_id") == attempt.fault_id]
    assert all(line["charger_id"] == "CP-LG" for line in mine)

    def by(logger: str, text: str = "") -> list[dict]:
        return [line for line in mine if line["logger"].startswith(logger) and text in line["message"]]

    assert by("chargemedic.pipeline", "load_context → retrieve → diagnose") and by("openai")
    assert by("chargemedic.agent", "guard execute soft_reset")
    (executor,) = by("chargemedic.agent", "soft_reset → CP-LG via ocpp: accepted")
    (frame,) = by("websockets.server", '"Reset"')
    (verified,) = by("chargemedic.verify", ": fixed")
    assert executor["attempt_id"] == frame["attempt_id"] == verified["attempt_id"] == attempt.id
    assert not [line for line in lines if line["logger"] == "uvicorn.access" and "fault_id" in line]


def assert_each_request_has_its_id(lines: list[dict], sent: httpx.Response) -> None:
    """The id a client sent is echoed and on the access line; the others were generated."""
    assert sent.headers["x-request-id"] == REQUEST_ID
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert [line["message"] for line in access if line["request_id"] == REQUEST_ID] == [
        line["message"] for line in access if "/v1/faults/" in line["message"]
    ]
    assert len(access) == 5 and all(len(line["request_id"]) in (32, len(REQUEST_ID)) for line in access)


async def drive(app, url: str, keys: dict[str, str], engine) -> httpx.Response:
    """The flows of the test above; the answer to the request sent with ``X-Request-ID``."""
    async with (
        charger(app, "1.6", "CP-LG") as sim,
        httpx.AsyncClient(base_url=url, timeout=60) as client,
    ):
        await sim.report_fault(Fault(connector=1, fixed_by=("Reset",), **CHARGERS["1.6"]["fault"]))
        status = {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"}
        body = {"event_id": "log-1", "charger_id": "CP-LW", "status_notification": status}
        posted = await client.post("/v1/events", json=body, headers=bearer(keys["csms"]))
        assert posted.status_code == 202, posted.text
        fault_id = posted.json()["faults_opened"][0]
        headers = bearer(keys["admin"]) | {"X-Request-ID": REQUEST_ID}
        sent = await client.get(f"/v1/faults/{fault_id}", headers=headers)
        login = await client.post("/login", data={"api_key": keys["technician"], "next": "/"})
        assert login.status_code == 303 and client.cookies.get("cm_key") == keys["technician"]
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/metrics", headers=bearer(keys["technician"]))).status_code == 200

        def done() -> bool:
            fixed = any(a.outcome == "fixed" for a in rows(engine, ActionAttempt) if a.charger_id == "CP-LG")
            tickets = [e for e in rows(engine, Escalation) if e.charger_id == "CP-LW"]
            return fixed and any(e.delivery_state == "delivered" for e in tickets)

        await until(done, timeout=60)
    return sent


def leak_on_purpose(keys: dict[str, str], settings: Settings) -> None:
    """What a careless log line could do: secrets in the message, the arguments, the traceback."""
    log = logging.getLogger("tests.leak")
    headers = {"authorization": f"Bearer {keys['admin']}", "cookie": f"cm_key={keys['technician']}"}
    log.debug("request headers: %s", headers)
    log.info("llm %s, csms %s, tickets %s", LLM_KEY, CSMS_SECRET, ESCALATION_SECRET)
    try:
        raise ConnectionError(f"could not reach {settings.database_url} with key {keys['csms']}")
    except ConnectionError:
        log.exception("database down")


# ---- the pieces, without a server ----------------------------------------------------------------
def configured(settings: Settings) -> io.StringIO:
    out = io.StringIO()
    logging.config.dictConfig(logging_config(settings, stream=out))
    return out


def test_text_format_is_for_a_terminal_and_redacts_too(tmp_path):
    settings = Settings(data_dir=tmp_path, log_format="text", escalation_webhook_secret="hush-hush-secret")
    with restored_logging():
        out = configured(settings)
        with bound(fault_id=7, charger_id="CP-7"):
            logging.getLogger("chargemedic.test").warning("sent with %s", "hush-hush-secret")
    (line,) = out.getvalue().splitlines()
    assert line.endswith("WARNING chargemedic.test: sent with *** [fault_id=7 charger_id=CP-7]")
    assert not line.startswith("{")


def read_lines(fd: int, count: int, timeout: float = 10.0) -> list[str]:
    """The first ``count`` lines written to ``fd`` (a pseudo-terminal hands them over in pieces:
    one ``read`` may return the first line only), waiting at most ``timeout`` seconds."""
    data = b""
    poller = select.poll()  # not select.select: a busy test process holds descriptors above 1024
    poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + timeout
    while data.count(b"\n") < count and (left := deadline - time.monotonic()) > 0:
        if poller.poll(left * 1000):
            data += os.read(fd, 65536)
    return data.decode().splitlines()


def test_auto_format_is_text_on_a_terminal_and_json_otherwise(tmp_path):
    """``auto`` (the default) looks at the stream: a real terminal (a pseudo-terminal here) gets
    text, a file gets JSON; ``json`` and ``text`` are kept whatever the stream."""
    assert Settings(_env_file=None).log_format == "auto"
    controller, follower = pty.openpty()
    with os.fdopen(follower, "w", buffering=1) as terminal, open(tmp_path / "log", "w+") as file:
        for log_format, stream in [("auto", terminal), ("auto", file), ("json", terminal), ("text", file)]:
            with restored_logging():
                logging.config.dictConfig(logging_config(Settings(log_format=log_format), stream=stream))
                logging.getLogger("chargemedic.test").warning("%s on %s", log_format, stream.name)
        terminal.flush()
        file.flush()
        file.seek(0)
        written = file.read().splitlines()
    shown = read_lines(controller, 2)
    os.close(controller)
    assert shown[0].endswith(f"WARNING chargemedic.test: auto on {terminal.name}")
    assert json.loads(shown[1])["message"] == f"json on {terminal.name}"
    assert json.loads(written[0])["message"] == f"auto on {file.name}"
    assert written[1].endswith(f"WARNING chargemedic.test: text on {file.name}")


def test_api_keys_keep_their_public_prefix_and_plain_words_stay(tmp_path):
    with restored_logging():
        out = configured(Settings(data_dir=tmp_path))
        log = logging.getLogger("chargemedic.test")
        log.info("key cm_0a1b2c3d4e5f_Zm9vYmFyLWJhei1xdXV4LTEyMzQ1Njc4OTA in a cm_key cookie")
        log.info('HTTP Basic authentication required; realm "Basic realm"; Basic Q1AtMTpzM2NyM3Q=')
        log.info("connect to postgresql+psycopg://app:pw@db/chargemedic")
        with bound(request_id="cm_0a1b2c3d4e5f_Zm9vYmFyLWJhei1xdXV4LTEyMzQ1Njc4OTA"):
            log.info("a client sent its key as its request id")
    *messages, odd = (json.loads(line) for line in out.getvalue().splitlines())
    first, second, third = (line["message"] for line in messages)
    assert odd["request_id"] == "cm_0a1b2c3d4e5f_***"
    assert first == "key cm_0a1b2c3d4e5f_*** in a cm_key cookie"
    assert second == 'HTTP Basic authentication required; realm "Basic realm"; Basic ***'
    assert third == "connect to postgresql+psycopg://app:***@db/chargemedic"


def test_ids_follow_to_the_gateway_loop_but_not_through_a_plain_thread():
    """The OCPP executor hands commands to the gateway's loop with ``run_coroutine_threadsafe``:
    the ids go along (``call_soon_threadsafe`` copies the caller's context). A plain thread
    starts empty, so work handed over that way binds the :func:`correlation` snapshot again."""
    loop = asyncio.new_event_loop()
    gateway_thread = threading.Thread(target=loop.run_forever, daemon=True)
    gateway_thread.start()
    seen: dict[str, dict] = {}

    async def on_the_loop() -> dict:
        return correlation()

    def plain(snapshot: dict) -> None:
        seen["plain"] = correlation()
        with bound(**snapshot):
            seen["rebound"] = correlation()

    try:
        with bound(fault_id=3, attempt_id=9):
            seen["loop"] = asyncio.run_coroutine_threadsafe(on_the_loop(), loop).result(5)
            worker = threading.Thread(target=plain, args=(correlation(),))
            worker.start()
            worker.join(5)
        assert correlation() == {}
    finally:
        loop.call_soon_threadsafe(loop.stop)
        gateway_thread.join(5)
        loop.close()
    ids = {"fault_id": 3, "attempt_id": 9}
    assert seen == {"loop": ids, "plain": {}, "rebound": ids}
    with pytest.raises(TypeError, match="unknown correlation fields"), bound(fault=3):
        pass


async def test_a_request_that_fails_is_logged_and_timed_with_its_request_id(tmp_path):
    """The server's error handler runs outside the middleware: the id must still be bound there."""

    async def boom(request):
        raise RuntimeError("broken handler")

    async def logged(request, exc):
        logging.getLogger("chargemedic.api").exception("unhandled error on %s", request.url.path)
        return PlainTextResponse("internal error", status_code=500)

    app = Starlette(
        routes=[Route("/items/{item_id}", boom)],
        middleware=[Middleware(ObserveRequests)],
        exception_handlers={Exception: logged},
    )
    name = "chargemedic_http_request_duration_seconds_count"
    labels = {"method": "GET", "route": "/items/{item_id}", "status": "5xx"}
    before = REGISTRY.get_sample_value(name, labels) or 0
    with restored_logging():
        out = configured(Settings(data_dir=tmp_path))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/items/42", headers={"X-Request-ID": "req-500"})
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    (line,) = [line for line in lines if line["logger"] == "chargemedic.api"]
    assert response.status_code == 500
    assert line["request_id"] == "req-500" and "RuntimeError: broken handler" in line["exception"]
    assert REGISTRY.get_sample_value(name, labels) == before + 1
