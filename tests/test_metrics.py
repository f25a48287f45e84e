"""``GET /metrics`` scraped through the real app after real work: events posted over HTTP and
reported by a simulated OCPP charger, faults diagnosed by the queue worker with an LLM whose HTTP
endpoint is the only fake (respx), a decision held for approval, an escalation delivered to a
local webhook receiver, a reset verified fixed, a chat answered. Each test asserts that specific
series moved by the amounts the work explains, parsed with ``prometheus_client.parser``.

Process-local counters are shared by every app in the test process, so those are compared
before/after; cluster-wide series are read from each test's own database, so they are absolute.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import respx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from app.main import create_app
from app.observability.cluster import ClusterCollector
from app.observability.exporter import MULTIPROCESS_ENV, share_between_processes
from app.settings import PROJECT_ROOT, Settings
from app.simulator.scenario import Fault
from app.store.db import read_scope
from app.store.models import ActionAttempt, Decision, Escalation
from tests.conftest import bearer
from tests.llm_mock import LLM_URL
from tests.receiver import SECRET, Receiver
from tests.test_chat import CABLE
from tests.test_llm_reasoner import answer, completion
from tests.test_ocpp_e2e import CHARGERS, charger, until

Samples = dict[tuple[str, frozenset], float]
PROMPT_TOKENS, COMPLETION_TOKENS = 900, 120
CHAT_USAGE = {"prompt_tokens": 700, "completion_tokens": 40, "total_tokens": 740}
LLM_SETTINGS = {
    "reasoner": "llm",
    "chat_reasoner": "llm",
    "llm_base_url": LLM_URL,
    "llm_api_key": "sk-test-llm-key-0123456789",
    "llm_max_retries": 0,
}
HELIOS = {"vendor": "Helios Power BV", "model": "HX-60", "site_id": "site-m"}


# ---- scraping ------------------------------------------------------------------------------------
def parse(text: str) -> Samples:
    """Every sample of an exposition text by (sample name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def scrape(client: httpx.AsyncClient, key: str) -> Samples:
    response = await client.get("/metrics", headers=bearer(key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


@asynccontextmanager
async def api(engine, tmp_path: Path, searcher=None, **overrides):
    """The real app (lifespan running) and a client speaking to it through ASGI."""
    app = create_app(Settings(data_dir=tmp_path / "data", **overrides), engine=engine, searcher=searcher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
            yield app, client


def status_notification(event_id: str, charger_id: str, charger: dict | None = None, **payload) -> dict:
    body = {"connectorId": 1, "status": "Faulted", "timestamp": "2026-11-23T10:00:00Z"} | payload
    event = {"event_id": event_id, "charger_id": charger_id, "ocpp_version": "1.6"}
    return event | {"status_notification": body} | ({"charger": charger} if charger else {})


# ---- the LLM endpoint ----------------------------------------------------------------------------
def diagnosis(**overrides) -> httpx.Response:
    body = completion(answer(**overrides), usage=(PROMPT_TOKENS, COMPLETION_TOKENS, 1020))
    return httpx.Response(200, json=body)


def chat_stream(*pieces: str) -> httpx.Response:
    """A streamed chat answer whose last chunk reports the token usage (``include_usage``)."""
    chunks = [{"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    chunks.append({"choices": [], "usage": CHAT_USAGE})
    meta = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    frames = "".join(f"data: {json.dumps(meta | c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=frames.encode())


def entry_number(prompt: str, code: str) -> int:
    """The ``[n]`` of the prompt's passage whose code entry is ``code``."""
    for block in re.split(r"^(?=\[\d+\] title:)", prompt, flags=re.M):
        entry = re.search(r"^code entry \(as read from this passage\): (.*)$", block, re.M)
        if entry and block.startswith("[") and json.loads(entry.group(1)).get("code") == code:
            return int(re.match(r"\[(\d+)\]", block).group(1))
    raise AssertionError(f"no passage with the code entry {code} in the prompt")


def llm_endpoint(request: httpx.Request) -> httpx.Response:
    """Answers by who is asking: the chat (streamed), or the diagnosis of one of the chargers
    (``CP-ME``: HTTP 500; ``CP-MA``: a hard reset; ``CP-LW``: take it out of service and escalate;
    any other: a soft reset)."""
    body = json.loads(request.content)
    if body.get("stream"):
        return chat_stream("Push the plug in and send UnlockConnector [1].")
    prompt = body["messages"][0]["content"]
    if "CP-ME" in prompt:
        return httpx.Response(500, json={"error": {"message": "model overloaded"}})
    if "CP-LW" in prompt:
        return diagnosis(
            action="set_inoperative", fault_class="electrical_safety", escalate=True, confidence=0.9
        )
    if "CP-MA" in prompt:  # cites the code entry of its errorCode, as a grounded answer does
        n = entry_number(prompt, "InternalError")
        return diagnosis(
            action="hard_reset", fault_class="controller", connector_id=None, confidence=0.9, citations=[n]
        )
    return diagnosis(action="soft_reset", fault_class="controller", connector_id=1, confidence=0.9)


@pytest.fixture
def llm():
    with respx.mock(using="httpcore2", base_url=LLM_URL, assert_all_called=False) as mock:
        yield mock.post("/chat/completions").mock(side_effect=llm_endpoint)


def rows(engine, model) -> list:
    with read_scope(engine) as session:
        return list(session.exec(model.__table__.select()).all())


# ---- the whole service ---------------------------------------------------------------------------
@pytest.mark.slow
async def test_real_work_moves_the_series_it_explains(engine, keys, bundled, tmp_path, llm):
    with Receiver() as receiver:
        async with api(
            engine,
            tmp_path,
            bundled,
            workers=1,
            metrics_cache_seconds=0,
            ocpp_call_timeout_seconds=5,
            verify_window_seconds=5,
            verify_poll_seconds=0.2,
            escalation_webhook_url=receiver.url,
            escalation_webhook_secret=SECRET,
            **LLM_SETTINGS,
        ) as (app, client):
            before = await scrape(client, keys["csms"])
            after = await drive_and_scrape(app, client, keys, engine)
        assert any(r.json["escalation"]["charger_id"] == "CP-ME" for r in receiver.requests)

    assert_intake_and_work_counted(before, after)
    assert_llm_counted(before, after, llm)
    assert_commands_and_what_followed_counted(before, after)
    assert_http_timed_by_route_template(before, after)
    assert_cluster_read_from_the_database(after, engine)


def assert_intake_and_work_counted(before: Samples, after: Samples) -> None:
    events = "chargemedic_events_received_total"
    assert moved(before, after, events, source="http", outcome="accepted") == 2
    assert moved(before, after, events, source="http", outcome="duplicate") == 1
    assert moved(before, after, events, source="http", outcome="rejected") == 1
    assert moved(before, after, events, source="ocpp", outcome="accepted") >= 3  # boot, statuses, fault
    assert moved(before, after, "chargemedic_faults_opened_total", source="http") == 2
    assert moved(before, after, "chargemedic_faults_opened_total", source="ocpp") == 1
    work = "chargemedic_work_item_duration_seconds_count"
    assert moved(before, after, work, kind="process_fault", result="done") == 3


def assert_llm_counted(before: Samples, after: Samples, llm) -> None:
    """Three diagnoses (one answered HTTP 500) and one chat; tokens from the responses' usage."""
    calls, tokens = "chargemedic_llm_calls_total", "chargemedic_llm_tokens_total"
    assert moved(before, after, calls, component="diagnosis") == 3 == llm.call_count - 1
    assert moved(before, after, "chargemedic_llm_errors_total", component="diagnosis", kind="http_error") == 1
    assert moved(before, after, tokens, component="diagnosis", type="prompt") == 2 * PROMPT_TOKENS
    assert moved(before, after, tokens, component="diagnosis", type="completion") == 2 * COMPLETION_TOKENS
    assert moved(before, after, "chargemedic_llm_call_duration_seconds_count", component="diagnosis") == 3
    assert moved(before, after, calls, component="chat") == 1
    assert moved(before, after, tokens, component="chat", type="prompt") == CHAT_USAGE["prompt_tokens"]
    assert (
        moved(before, after, tokens, component="chat", type="completion") == CHAT_USAGE["completion_tokens"]
    )


def assert_commands_and_what_followed_counted(before: Samples, after: Samples) -> None:
    commands = "chargemedic_commands_total"
    assert moved(before, after, commands, action="soft_reset", status="accepted", executor="ocpp") == 1
    inoperative = [
        labels for name, labels in after if name == commands and ("action", "set_inoperative") in labels
    ]
    assert sum(moved(before, after, commands, **dict(labels)) for labels in inoperative) == 1
    assert moved(before, after, "chargemedic_verifications_total", action="soft_reset", verdict="fixed") == 1
    assert moved(before, after, "chargemedic_escalation_deliveries_total", result="delivered") >= 1
    assert value(after, "chargemedic_ocpp_connections", version="1.6") == 1
    assert value(after, "chargemedic_ocpp_connections", version="2.0.1") == 0


def assert_http_timed_by_route_template(before: Samples, after: Samples) -> None:
    http = "chargemedic_http_request_duration_seconds_count"
    assert moved(before, after, http, method="POST", route="/v1/events", status="2xx") == 3
    assert moved(before, after, http, method="POST", route="/v1/events", status="4xx") == 1
    assert moved(before, after, http, method="GET", route="/v1/faults/{fault_id}", status="2xx") == 1
    assert moved(before, after, http, method="GET", route="unmatched", status="4xx") == 1
    assert not any("CP-M" in str(labels) for _, labels in after), "no charger id is ever a label"


def assert_cluster_read_from_the_database(after: Samples, engine) -> None:
    decisions = "chargemedic_decisions_total"
    assert value(after, "chargemedic_cluster_metrics_up") == 1
    assert value(after, decisions, action="hard_reset", verdict="needs_approval") == 1
    assert value(after, decisions, action="soft_reset", verdict="execute") == 1
    assert value(after, decisions, action="set_inoperative", verdict="execute") == 1
    assert value(after, "chargemedic_approvals_pending") == 1
    assert value(after, "chargemedic_faults", state="awaiting_approval") == 1
    assert value(after, "chargemedic_faults", state="resolved") == 1
    tickets = [v for (name, _), v in after.items() if name == "chargemedic_escalations"]
    assert sum(tickets) == len(rows(engine, Escalation)) >= 1
    critical = {"state": "open", "severity": "critical", "delivery_state": "delivered"}
    assert value(after, "chargemedic_escalations", **critical) == 1
    for kind in ("process_fault", "execute_approved"):
        assert value(after, "chargemedic_queue_depth", kind=kind, state="queued") == 0
    assert value(after, "chargemedic_queue_oldest_ready_age_seconds") == 0


async def drive_and_scrape(app, client: httpx.AsyncClient, keys: dict, engine) -> Samples:
    """The work the test above asserts on, then a scrape while the simulated charger is connected."""
    async with charger(app, "1.6", "CP-MS") as sim:
        await sim.report_fault(Fault(connector=1, fixed_by=("Reset",), **CHARGERS["1.6"]["fault"]))
        csms = bearer(keys["csms"])
        approval = status_notification(
            "m-1", "CP-MA", HELIOS, errorCode="InternalError", vendorErrorCode="0x12"
        )
        ground = status_notification("m-2", "CP-ME", errorCode="GroundFailure")
        for body in (approval, ground, approval):
            assert (await client.post("/v1/events", json=body, headers=csms)).status_code in (200, 202)
        malformed = status_notification("m-3", "CP-MX", connectorId="one")
        assert (await client.post("/v1/events", json=malformed, headers=csms)).status_code == 422
        assert (await client.get("/v1/nowhere", headers=csms)).status_code == 404

        def settled() -> bool:
            attempts = rows(engine, ActionAttempt)
            return len(rows(engine, Decision)) == 3 and any(a.outcome == "fixed" for a in attempts)

        def delivered() -> bool:
            return any(
                e.charger_id == "CP-ME" and e.delivery_state == "delivered" for e in rows(engine, Escalation)
            )

        await until(settled, timeout=60)
        await until(delivered)
        fault = (await client.get("/v1/faults/1", headers=bearer(keys["technician"]))).json()
        assert fault["fault"]["id"] == 1
        chat = await client.post("/v1/chat", json=CABLE, headers=bearer(keys["technician"]))
        assert chat.status_code == 200, chat.text
        return await scrape(client, keys["technician"])


# ---- access --------------------------------------------------------------------------------------
async def test_metrics_need_a_key_of_any_role_unless_public(engine, keys, tmp_path):
    async with api(engine, tmp_path, workers=0, gateway=False) as (_, client):
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers=bearer("cm_0123456789ab_not-a-real-key"))
        assert (missing.status_code, wrong.status_code) == (401, 401)
        assert missing.headers["www-authenticate"] == "Bearer"
        assert "chargemedic_" not in missing.text + wrong.text
        for role in ("csms", "technician", "admin"):
            assert value(await scrape(client, keys[role]), "chargemedic_cluster_metrics_up") == 1
    async with api(engine, tmp_path, workers=0, gateway=False, metrics_public=True) as (_, client):
        public = await client.get("/metrics")
        assert public.status_code == 200 and value(parse(public.text), "chargemedic_cluster_metrics_up") == 1


# ---- cluster-wide series: from the database, cached ----------------------------------------------
async def test_queue_depth_and_age_come_from_the_database_through_a_short_cache(engine, keys, tmp_path):
    csms = bearer(keys["csms"])
    async with api(engine, tmp_path, workers=0, gateway=False, metrics_cache_seconds=1.5) as (app, client):
        # the cache's clock is the test's: "within the cache's life" never depends on machine load
        now = [0.0]
        app.state.exporter.cluster_collector.clock = lambda: now[0]
        for n in (1, 2):
            body = status_notification(f"q-{n}", f"CP-Q{n}", errorCode="HighTemperature")
            assert (await client.post("/v1/events", json=body, headers=csms)).status_code == 202
        await asyncio.sleep(0.05)  # the oldest item is at least this old (a floor, not a wait)
        first = await scrape(client, keys["csms"])
        body = status_notification("q-3", "CP-Q3", errorCode="HighTemperature")
        assert (await client.post("/v1/events", json=body, headers=csms)).status_code == 202
        now[0] = 1.4
        cached = await scrape(client, keys["csms"])
        now[0] = 1.5
        fresh = await scrape(client, keys["csms"])
    depth = "chargemedic_queue_depth", {"kind": "process_fault", "state": "queued"}
    assert [value(s, depth[0], **depth[1]) for s in (first, cached, fresh)] == [2, 2, 3]
    assert [value(s, "chargemedic_faults", state="queued") for s in (first, cached, fresh)] == [2, 2, 3]
    age = [value(s, "chargemedic_queue_oldest_ready_age_seconds") for s in (first, cached, fresh)]
    assert 0.05 <= age[0] == age[1] < age[2], "the cached scrape repeats the figures it read"
    # process-local series are never cached
    events = "chargemedic_events_received_total"
    assert moved(first, cached, events, source="http", outcome="accepted") == 1


def test_a_database_outage_reads_as_cluster_metrics_down_not_as_a_failed_scrape(tmp_path):
    registry = CollectorRegistry()
    registry.register(ClusterCollector(create_engine(f"sqlite:///{tmp_path}/absent/x.db"), ttl=0))
    assert parse(generate_latest(registry).decode()) == {("chargemedic_cluster_metrics_up", frozenset()): 0}


# ---- several service processes -------------------------------------------------------------------
_WORKER = """
    from app.observability import exporter, metrics
    for _ in range({events}):
        metrics.event_received("key:1", "accepted")
    metrics.ocpp_connections({versions})
    if {render}:
        print(exporter.render_process_metrics().decode())
"""


def _process(path: Path, *, events: int, versions: list[str], render: bool) -> str:
    code = textwrap.dedent(_WORKER.format(events=events, versions=versions, render=render))
    env = os.environ | {MULTIPROCESS_ENV: str(path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_processes_sharing_a_port_report_their_sum_and_dead_ones_leave_the_gauges(tmp_path, monkeypatch):
    monkeypatch.setenv(MULTIPROCESS_ENV, "restored after the test")
    settings = Settings(data_dir=tmp_path / "data")
    (tmp_path / "data" / "metrics").mkdir(parents=True)
    (tmp_path / "data" / "metrics" / "counter_1.db").write_bytes(b"from the previous start")
    path = share_between_processes(settings)
    assert os.environ[MULTIPROCESS_ENV] == str(path) and list(path.iterdir()) == []
    _process(path, events=1, versions=["1.6", "1.6"], render=False)  # a worker that has exited
    text = _process(path, events=2, versions=["1.6", "2.0.1"], render=True)  # the one scraped
    samples = parse(text)
    assert value(samples, "chargemedic_events_received_total", source="http", outcome="accepted") == 3
    assert value(samples, "chargemedic_ocpp_connections", version="1.6") == 1
    assert value(samples, "chargemedic_ocpp_connections", version="2.0.1") == 1
    assert not any(name.startswith("process_") for name, _ in samples), "per-process figures left out"


@pytest.mark.slow
def test_chargemedic_serve_with_two_processes_answers_every_scrape_for_the_whole_service(tmp_path):
    port = _free_port()
    env = os.environ | {
        "CHARGEMEDIC_DATA_DIR": str(tmp_path / "data"),
        "CHARGEMEDIC_PROCESSES": "2",
        "CHARGEMEDIC_WORKERS": "0",
        "CHARGEMEDIC_GATEWAY": "false",
        "CHARGEMEDIC_PORT": str(port),
        "CHARGEMEDIC_LOG_LEVEL": "info",
    }
    env.pop("CHARGEMEDIC_DATABASE_URL", None)
    output = tmp_path / "serve.log"
    command = [str(Path(sys.executable).with_name("chargemedic")), "serve"]
    with output.open("wb") as sink:
        server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT)
    try:
        key = _admin_key(output)
        _wait_started(output, processes=2)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=bearer(key), timeout=30) as client:
            for n in range(6):
                body = status_notification(f"p-{n}", f"CP-P{n}", errorCode="HighTemperature")
                assert client.post("/v1/events", json=body, headers=_CLOSE).status_code == 202
            for _ in range(8):
                samples = parse(client.get("/metrics", headers=_CLOSE).text)
                events = value(
                    samples, "chargemedic_events_received_total", source="http", outcome="accepted"
                )
                assert events == 6, "a scrape answered by either process counts both processes' events"
                assert value(samples, "chargemedic_queue_depth", kind="process_fault", state="queued") == 6
    finally:
        server.terminate()
        server.wait(timeout=30)
    answering = {f.name.rsplit("_", 1)[1] for f in (tmp_path / "data" / "metrics").glob("histogram_*.db")}
    assert len(answering) == 2, f"both processes answered requests: {sorted(answering)}"
    access = [line for line in _json_lines(output) if line["logger"] == "uvicorn.access"]
    assert len(access) == 14 and all(len(line["request_id"]) == 32 for line in access)


_CLOSE = {"Connection": "close"}  # a new connection per request: either process may take it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_key(output: Path, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := re.search(r"cm_[0-9a-f]+_[A-Za-z0-9_\-]+", output.read_text(errors="replace")):
            return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"chargemedic serve printed no admin key: {output.read_text(errors='replace')}")


def _json_lines(output: Path) -> list[dict]:
    """The log lines ``chargemedic serve`` wrote (its console banner is not logging)."""
    text = output.read_text(errors="replace")
    lines = text.splitlines()[: None if text.endswith("\n") else -1]  # the last one may be half-written
    return [json.loads(line) for line in lines if line.startswith("{")]


def _wait_started(output: Path, *, processes: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = [line for line in _json_lines(output) if line["message"] == "Application startup complete."]
        if len(started) == processes:
            return
        time.sleep(0.3)
    raise AssertionError(f"chargemedic serve did not start {processes} processes: {output.read_text()}")
