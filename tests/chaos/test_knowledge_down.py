"""Scenario 2 — the knowledge store dies mid-run: the Chroma server the service searches
(``chroma run``, a real subprocess) is SIGKILLed between two faults.

The next fault is diagnosed from its OCPP code and the charger's history only; its work item
completes on the first attempt (no retry, no parking as failed), the audit trail records why
there are no passages, and — the decision citing no manual — no device action is sent: the fault
is escalated (guard rule ``uncited``). Taking a connector out of service is the exception: for a
ground fault the safe state is still set. ``/readyz`` reports degraded, naming the knowledge
check; knowledge search and the chat answer 503 with ``Retry-After``.
"""

from __future__ import annotations

import shutil

import pytest

from app.settings import Settings
from app.store.models import ActionAttempt, AuditEntry, Decision, Escalation, WorkItem
from tests.chaos.harness import (
    api,
    assert_nothing_unsafe,
    assert_processed_once,
    rows,
    running,
    status_event,
    until,
)
from tests.chaos.infra import ChromaServer
from tests.conftest import bearer

pytestmark = pytest.mark.chaos


def decision_of(engine, fault_id: int) -> Decision | None:
    return next(iter(rows(engine, Decision, fault_id=fault_id)), None)


async def report(client, key: str, event_id: str, charger_id: str, code: str = "ReaderFailure") -> int:
    """POST a fault; the id of the fault it opened."""
    body = status_event(event_id, charger_id, faulted=True, code=code)
    answer = await client.post("/v1/events", json=body, headers=bearer(key))
    assert answer.status_code == 202, answer.text
    return answer.json()["faults_opened"][0]


async def test_a_dead_knowledge_store_means_no_manual_so_no_action_and_an_escalation(
    engine, keys, knowledge, tmp_path
):
    shutil.copytree(knowledge, tmp_path / "chroma-server")
    chroma = ChromaServer(tmp_path / "chroma-server")
    chroma.start()
    try:
        config = Settings(
            data_dir=tmp_path / "data", chroma_url=chroma.url, workers=1, gateway=False, executor="dry_run"
        )
        async with running(config, engine=engine) as app, api(app) as client:
            csms, reader = keys["csms"], bearer(keys["technician"])
            cited = await report(client, csms, "before-1", "K-1")
            before = await until(lambda: decision_of(engine, cited))
            assert (await client.get("/readyz")).status_code == 200
            chroma.kill()
            ready = await client.get("/readyz")
            blind = await report(client, csms, "after-1", "K-2")
            ground = await report(client, csms, "after-2", "K-3", code="GroundFailure")
            after = await until(lambda: decision_of(engine, blind))
            safe = await until(lambda: decision_of(engine, ground))
            listed = (await client.get("/v1/escalations", params={"charger": "K-2"}, headers=reader)).json()
            search = await client.get("/v1/knowledge/search", params={"q": "reader failure"}, headers=reader)
            chat = await client.post("/v1/chat", json={"question": "What is ReaderFailure?"}, headers=reader)
    finally:
        chroma.kill()

    assert (before.verdict, before.action) == ("execute", "soft_reset") and before.diagnosis["citations"]
    assert ready.status_code == 503 and ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["knowledge"].startswith("unreachable:")
    for answer in (search, chat):  # reads that need the manuals: retry later, never a 500
        assert answer.status_code == 503 and answer.headers["Retry-After"] and answer.json()["message"]

    assert (after.verdict, after.action, after.escalate) == ("escalate", "soft_reset", True)
    assert after.reasons[0].startswith("uncited:") and after.diagnosis["citations"] == []
    assert after.diagnosis["fault_class"] == "controller"  # from the OCPP code ReaderFailure alone
    (retrieve,) = [a.detail for a in rows(engine, AuditEntry, fault_id=blind) if a.kind == "agent.retrieve"]
    assert retrieve["output"]["passages"] == [] and retrieve["output"]["retrieval_error"]
    (work,) = rows(engine, WorkItem, fault_id=blind)
    assert (work.state, work.attempts, work.last_error) == ("done", 1, None)
    assert rows(engine, ActionAttempt, fault_id=blind) == []
    assert [e.fault_id for e in rows(engine, Escalation, fault_id=blind)] == [blind]
    assert [e["fault_id"] for e in listed] == [blind]

    assert (safe.verdict, safe.action, safe.escalate) == ("execute", "set_inoperative", True)
    assert [a.action for a in rows(engine, ActionAttempt, fault_id=ground)] == ["set_inoperative"]
    assert_processed_once(engine, [cited, blind, ground])
    assert_nothing_unsafe(engine)
