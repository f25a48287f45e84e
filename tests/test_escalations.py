"""Escalation tickets: versions, delivery to a real local webhook (signed, retried, dead-lettered,
never sent twice), the ``/v1/escalations`` API, and re-enabling through an approved set_operative."""

from __future__ import annotations

import asyncio
import threading
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from app.agent.state import Diagnosis, FaultClass
from app.chargers.executors import Outcome, OutcomeStatus
from app.escalation import acknowledge, escalate, resolve
from app.escalation.delivery import deliver_due, deliver_forever
from app.main import create_app
from app.pipeline import build_pipeline
from app.settings import Settings
from app.store import queries
from app.store.db import session_scope
from app.store.models import (
    ActionAttempt,
    AuditEntry,
    Charger,
    Decision,
    Escalation,
    Event,
    Fault,
    WorkItem,
    utcnow,
)
from app.webhooks import verify
from app.worker import Worker
from tests.conftest import bearer
from tests.receiver import SECRET, Receiver, closed_port_url

DIAGNOSIS = Diagnosis(
    fault_class=FaultClass.CONTROLLER,
    summary="Controller fault 0x12.",
    likely_cause="Firmware watchdog.",
    remedy="Reset Hard [1].",
)


# ---- helpers ---------------------------------------------------------------------------------
def add_fault(
    engine, charger: str = "CP-1", site: str | None = "site-a", *, diagnosed: bool = False
) -> Fault:
    """A fault on connector 1 of ``charger`` (and, if ``diagnosed``, the agent's decision on it)."""
    now = utcnow()
    with session_scope(engine) as session:
        if session.get(Charger, charger) is None:
            session.add(Charger(id=charger, site_id=site, vendor="Northwind", model="NW-AC11"))
        event = queries.add(
            session,
            Event(
                source="test",
                external_id=uuid.uuid4().hex,
                charger_id=charger,
                kind="status_notification",
                ocpp_version="1.6",
                occurred_at=now,
            ),
        )
        fault = queries.add(
            session,
            Fault(
                charger_id=charger,
                site_id=site,
                event_id=event.id,
                signature="InternalError|0x12",
                connector_id=1,
                opened_at=now,
                last_seen_at=now,
                state="escalated",
                fault_class="controller",
            ),
        )
        if diagnosed:
            text = DIAGNOSIS.text()
            queries.add(
                session,
                Decision(
                    fault_id=fault.id,
                    action="none",
                    verdict="escalate",
                    diagnosis=DIAGNOSIS.model_dump(mode="json") | {"text": text},
                    reasoner="playbook",
                ),
            )
    return fault


def open_ticket(engine, fault: Fault, text: str = "Check the controller.", **kw) -> int:
    with session_scope(engine) as session:
        return escalate(session, fault, text=text, actor="agent", **kw).id


def ticket(engine, escalation_id: int) -> Escalation:
    with session_scope(engine) as session:
        return session.get(Escalation, escalation_id)


def rows(engine, model, **where) -> list:
    with session_scope(engine) as session:
        query = select(model).order_by(model.id)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.exec(query).all())


def webhook_settings(tmp_path, url: str | None, **kw) -> Settings:
    values = {
        "escalation_webhook_url": url,
        "escalation_webhook_secret": SECRET,
        "escalation_webhook_max_attempts": 3,
        "escalation_webhook_backoff_seconds": 10,
        "escalation_webhook_timeout_seconds": 2,
    }
    return Settings(data_dir=tmp_path / "data", workers=0, **(values | kw))


def deliver(engine, settings: Settings, now=None) -> int:
    with httpx.Client() as client:
        return deliver_due(engine, client, settings, now or utcnow())


@pytest.fixture
def receiver():
    with Receiver() as running:
        running.default = (204, {}, b"")
        yield running


class NoSearch:
    """The API under test never searches the knowledge base (no Chroma needed)."""

    def search(self, *args, **kwargs):
        raise AssertionError("the escalation API does not search the knowledge base")

    def relatedness(self, text):
        raise AssertionError("the escalation API does not ask how related a text is to the manuals")


@asynccontextmanager
async def api(engine, tmp_path):
    app = create_app(
        Settings(data_dir=tmp_path / "api", workers=0, gateway=False),
        engine=engine,
        processor=lambda job: None,
        searcher=NoSearch(),
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


# ---- tickets ---------------------------------------------------------------------------------
def test_one_active_ticket_per_fault_whose_updates_bump_the_version_and_only_raise_severity(engine):
    fault = add_fault(engine)
    first = open_ticket(engine, fault, ticket={"summary": "controller fault", "steps": ["reset"]})
    opened = ticket(engine, first)
    assert (opened.version, opened.severity, opened.state, opened.delivery_state) == (
        1,
        "normal",
        "open",
        "pending",
    )
    assert opened.detail == {"summary": "controller fault", "steps": ["reset"]} and opened.next_delivery_at
    assert (
        open_ticket(engine, fault, "It came back.", severity="critical", ticket={"summary": "again"}) == first
    )
    assert open_ticket(engine, fault, "Minor note.", severity="low") == first
    updated = ticket(engine, first)
    assert (updated.version, updated.severity) == (3, "critical")  # raised, never lowered
    assert updated.detail["summary"] == "controller fault"  # the original ticket is kept
    assert [(u["text"], u["ticket"]) for u in updated.detail["updates"]] == [
        ("It came back.", {"summary": "again"}),
        ("Minor note.", None),
    ]
    assert "It came back." in updated.instructions and "Minor note." in updated.instructions
    site = ticket(engine, open_ticket(engine, fault, "Site-wide.", scope="site"))
    assert site.id != first and site.severity == "high"
    with pytest.raises(ValueError, match="severity"):
        open_ticket(engine, fault, severity="urgent")
    kinds = [a.kind for a in rows(engine, AuditEntry, fault_id=fault.id)]
    assert kinds == ["escalation.opened", "escalation.updated", "escalation.updated", "escalation.opened"]


def test_a_resolved_ticket_is_closed_for_good(engine):
    fault = add_fault(engine)
    first = open_ticket(engine, fault)
    with session_scope(engine) as session:
        resolve(session, escalation_id=first, by="tech", note="replaced board", reenable=False, now=utcnow())
    assert open_ticket(engine, fault, "It is back.") != first  # a new ticket, not an update
    assert ticket(engine, first).version == 2  # resolving bumped it once
    with session_scope(engine) as session:
        assert session.get(Fault, fault.id).state == "resolved"


# ---- delivery --------------------------------------------------------------------------------
def test_each_version_is_delivered_signed_once(engine, receiver, tmp_path):
    settings = webhook_settings(tmp_path, receiver.url)
    fault = add_fault(engine)
    escalation_id = open_ticket(engine, fault, ticket={"summary": "controller fault"})
    assert deliver(engine, settings) == 1
    (request,) = receiver.requests
    assert verify(request.body, request.headers, secret=SECRET)
    assert not verify(request.body, request.headers, secret="not-the-secret")
    assert not verify(request.body + b" ", request.headers, secret=SECRET)
    assert request.header("Idempotency-Key") == f"escalation-{escalation_id}-v1"
    sent = request.json
    assert sent["event"] == "escalation.opened"
    body = sent["escalation"]
    assert {
        k: body[k] for k in ("id", "version", "state", "severity", "scope", "fault_id", "charger_id")
    } == {
        "id": escalation_id,
        "version": 1,
        "state": "open",
        "severity": "normal",
        "scope": "fault",
        "fault_id": fault.id,
        "charger_id": "CP-1",
    }
    assert body["site_id"] == "site-a" and body["ticket"] == {"summary": "controller fault"}
    assert body["instructions"] == "Check the controller." and body["created_at"].endswith("+00:00")
    assert body["links"] == {
        "escalation": f"/v1/escalations/{escalation_id}",
        "fault": f"/v1/faults/{fault.id}",
    }
    delivered = ticket(engine, escalation_id)
    assert (delivered.delivery_state, delivered.delivered_version) == ("delivered", 1)
    assert deliver(engine, settings) == 0 and len(receiver.requests) == 1  # nothing new to send

    open_ticket(engine, fault, "Recurred twice.")
    with session_scope(engine) as session:
        acknowledge(session, escalation_id=escalation_id, by="key:7 (Ana)", comment="on my way", now=utcnow())
    assert ticket(engine, escalation_id).delivery_state == "pending"
    assert deliver(engine, settings) == 1  # only the latest version: v3
    with session_scope(engine) as session:
        resolve(
            session, escalation_id=escalation_id, by="key:7 (Ana)", note="fixed", reenable=False, now=utcnow()
        )
    assert deliver(engine, settings) == 1
    events = [(r.header("Idempotency-Key"), r.json["event"]) for r in receiver.requests]
    assert events == [
        (f"escalation-{escalation_id}-v1", "escalation.opened"),
        (f"escalation-{escalation_id}-v3", "escalation.acknowledged"),
        (f"escalation-{escalation_id}-v4", "escalation.resolved"),
    ]
    last = receiver.requests[-1].json["escalation"]
    assert (last["resolved_by"], last["resolution_note"], last["acknowledged_by"]) == (
        "key:7 (Ana)",
        "fixed",
        "key:7 (Ana)",
    )
    assert last["ticket"]["comments"][0]["text"] == "on my way"
    assert ticket(engine, escalation_id).delivered_version == 4


def test_an_update_of_an_acknowledged_ticket_is_delivered_as_updated(engine, receiver, tmp_path):
    settings = webhook_settings(tmp_path, receiver.url)
    fault = add_fault(engine)
    escalation_id = open_ticket(engine, fault)
    with session_scope(engine) as session:
        acknowledge(session, escalation_id=escalation_id, by="tech", comment="", now=utcnow())
    open_ticket(engine, fault, "Recurred.", severity="high")
    deliver(engine, settings)
    sent = receiver.requests[-1].json
    assert sent["event"] == "escalation.updated" and sent["escalation"]["state"] == "acknowledged"
    assert sent["escalation"]["severity"] == "high" and sent["escalation"]["version"] == 3


@pytest.mark.parametrize("failure", ["connection refused", "HTTP 503", "timeout"])
def test_a_failed_delivery_counts_an_attempt_and_waits(engine, receiver, tmp_path, failure):
    url = closed_port_url() if failure == "connection refused" else receiver.url
    if failure == "HTTP 503":
        receiver.answer((503, {}, b"ticketing is down"))
    if failure == "timeout":
        receiver.delay = 0.5
    settings = webhook_settings(tmp_path, url, escalation_webhook_timeout_seconds=0.1)
    escalation_id = open_ticket(engine, add_fault(engine))
    now = utcnow()
    assert deliver(engine, settings, now) == 1
    row = ticket(engine, escalation_id)
    assert (row.delivery_state, row.delivery_attempts, row.next_delivery_at) == (
        "pending",
        1,
        now + timedelta(seconds=10),
    )
    expected = {
        "connection refused": "ConnectError",
        "HTTP 503": "HTTP 503: ticketing is down",
        "timeout": "Timeout",
    }
    assert expected[failure] in row.last_delivery_error


async def test_receiver_down_backs_off_then_dead_letters_and_redelivers(engine, receiver, keys, tmp_path):
    receiver.answer(*[(500, {}, b"boom")] * 3)
    settings = webhook_settings(tmp_path, receiver.url)
    escalation_id = open_ticket(engine, add_fault(engine))
    t0 = utcnow()
    assert deliver(engine, settings, t0) == 1
    assert deliver(engine, settings, t0 + timedelta(seconds=9)) == 0  # not due before the backoff
    assert deliver(engine, settings, t0 + timedelta(seconds=10)) == 1
    row = ticket(engine, escalation_id)
    assert row.next_delivery_at == t0 + timedelta(seconds=10 + 20)  # the delay doubled
    assert deliver(engine, settings, t0 + timedelta(seconds=29)) == 0
    assert deliver(engine, settings, t0 + timedelta(seconds=30)) == 1
    row = ticket(engine, escalation_id)
    assert (row.delivery_state, row.delivery_attempts, row.next_delivery_at) == ("dead_letter", 3, None)
    assert deliver(engine, settings, t0 + timedelta(days=1)) == 0 and len(receiver.requests) == 3
    (audit,) = rows(engine, AuditEntry, kind="escalation.dead_letter")
    assert audit.detail["attempts"] == 3 and "HTTP 500" in audit.detail["error"]
    technician = bearer(keys["technician"])
    async with api(engine, tmp_path) as client:
        listed = await client.get(
            "/v1/escalations", params={"delivery_state": "dead_letter"}, headers=technician
        )
        assert [e["id"] for e in listed.json()] == [escalation_id]
        assert (
            listed.json()[0]["delivery"]["attempts"] == 3
            and "HTTP 500: boom" in listed.json()[0]["delivery"]["last_error"]
        )
        again = await client.post(f"/v1/escalations/{escalation_id}/redeliver", headers=technician)
        assert again.status_code == 200 and again.json()["delivery"] == again.json()["delivery"] | {
            "state": "pending",
            "attempts": 0,
        }
        twice = await client.post(f"/v1/escalations/{escalation_id}/redeliver", headers=technician)
        assert twice.status_code == 409 and "pending" in twice.json()["message"]
        missing = await client.post("/v1/escalations/999999/redeliver", headers=technician)
        assert missing.status_code == 404
    assert deliver(engine, settings) == 1  # the receiver is back (default answer 204)
    assert ticket(engine, escalation_id).delivery_state == "delivered"
    assert receiver.requests[-1].header("Idempotency-Key") == f"escalation-{escalation_id}-v1"


async def test_without_a_webhook_delivery_is_disabled_and_visible(engine, keys, tmp_path):
    escalation_id = open_ticket(engine, add_fault(engine))
    assert deliver(engine, webhook_settings(tmp_path, None)) == 0
    row = ticket(engine, escalation_id)
    assert row.delivery_state == "disabled" and "escalation_webhook_url" in row.last_delivery_error
    async with api(engine, tmp_path) as client:
        listed = await client.get(
            "/v1/escalations", params={"delivery_state": "disabled"}, headers=bearer(keys["technician"])
        )
        assert [e["delivery"]["state"] for e in listed.json()] == ["disabled"]
        redo = await client.post(
            f"/v1/escalations/{escalation_id}/redeliver", headers=bearer(keys["technician"])
        )
        assert redo.json()["delivery"]["state"] == "pending"
    unsigned = webhook_settings(tmp_path, "http://127.0.0.1:9/hook", escalation_webhook_secret=None)
    assert deliver(engine, unsigned) == 0  # never sent unsigned
    assert "escalation_webhook_secret" in ticket(engine, escalation_id).last_delivery_error


def test_concurrent_rounds_never_send_the_same_version_twice(engine, receiver, tmp_path):
    settings = webhook_settings(tmp_path, receiver.url)
    receiver.delay = 0.03
    ids = [open_ticket(engine, add_fault(engine, f"CP-{n}")) for n in range(6)]
    start = threading.Barrier(2)
    sent = []

    def round_() -> None:
        start.wait()
        sent.append(deliver(engine, settings))

    threads = [threading.Thread(target=round_) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = [r.header("Idempotency-Key") for r in receiver.requests]
    assert sorted(keys) == sorted(f"escalation-{i}-v1" for i in ids)  # each exactly once
    assert sum(sent) == 6
    assert {ticket(engine, i).delivery_state for i in ids} == {"delivered"}


def test_a_change_during_a_delivery_is_sent_next_and_no_lock_is_held_meanwhile(engine, receiver, tmp_path):
    settings = webhook_settings(tmp_path, receiver.url)
    escalation_id = open_ticket(engine, add_fault(engine))

    def acknowledge_meanwhile(_request) -> None:  # a write while the POST is in flight
        with session_scope(engine) as session:
            acknowledge(session, escalation_id=escalation_id, by="tech", comment="", now=utcnow())

    receiver.on_request = acknowledge_meanwhile
    now = utcnow()
    assert deliver(engine, settings, now) == 1
    receiver.on_request = None
    row = ticket(engine, escalation_id)
    assert (row.version, row.delivered_version, row.delivery_state) == (2, 1, "pending")
    assert deliver(engine, settings) == 1  # due since the acknowledgement
    assert [r.header("Idempotency-Key")[-2:] for r in receiver.requests] == ["v1", "v2"]
    assert ticket(engine, escalation_id).delivery_state == "delivered"


# ---- API -------------------------------------------------------------------------------------
async def test_list_filter_get_acknowledge_and_resolve(engine, keys, tmp_path):
    a = open_ticket(engine, add_fault(engine, "CP-A", "site-a"))
    b = open_ticket(engine, add_fault(engine, "CP-B", "site-b"))
    c = open_ticket(engine, add_fault(engine, "CP-C", "site-b"))
    technician = bearer(keys["technician"])
    async with api(engine, tmp_path) as client:

        async def ids(**params) -> list[int]:
            answer = await client.get("/v1/escalations", params=params, headers=technician)
            assert answer.status_code == 200, answer.text
            return [e["id"] for e in answer.json()]

        assert await ids() == [a, b, c]  # one severity: the longest waiting first
        assert await ids(site="site-b") == [b, c] and await ids(charger="CP-A") == [a]
        assert await ids(limit=1) == [a]
        assert (
            await client.get("/v1/escalations", params={"limit": 501}, headers=technician)
        ).status_code == 422
        forbidden = await client.get("/v1/escalations", headers=bearer(keys["csms"]))
        assert forbidden.status_code == 403

        acked = await client.post(
            f"/v1/escalations/{b}/acknowledge", json={"comment": "mine"}, headers=technician
        )
        assert acked.status_code == 200, acked.text
        body = acked.json()
        assert (body["state"], body["version"], body["delivery"]["state"]) == ("acknowledged", 2, "pending")
        assert body["acknowledged_by"].startswith("key:") and body["ticket"]["comments"][0]["text"] == "mine"
        twice = await client.post(f"/v1/escalations/{b}/acknowledge", json={}, headers=technician)
        assert twice.status_code == 409 and "acknowledged" in twice.json()["message"]

        empty = await client.post(f"/v1/escalations/{b}/resolve", json={"note": "  "}, headers=technician)
        assert empty.status_code == 422 and "note" in empty.json()["message"]
        absent = await client.post(f"/v1/escalations/{b}/resolve", json={}, headers=technician)
        assert absent.status_code == 422 and "note" in absent.json()["message"]
        resolved = await client.post(
            f"/v1/escalations/{b}/resolve", json={"note": "fuse replaced"}, headers=technician
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["reenable"] is None
        done = resolved.json()["escalation"]
        assert (done["state"], done["resolution_note"], done["version"]) == ("resolved", "fuse replaced", 3)
        again = await client.post(f"/v1/escalations/{b}/resolve", json={"note": "again"}, headers=technician)
        assert again.status_code == 409 and "already resolved" in again.json()["message"]
        late = await client.post(f"/v1/escalations/{b}/acknowledge", json={}, headers=technician)
        assert late.status_code == 409 and "resolved" in late.json()["message"]

        assert await ids() == [a, c] and await ids(state="resolved") == [b]
        assert await ids(state="all") == [a, c, b] and await ids(state="acknowledged") == []
        one = await client.get(f"/v1/escalations/{b}", headers=technician)
        assert one.json()["state"] == "resolved" and one.json()["links"]["fault"].startswith("/v1/faults/")
        for method, path, payload in [
            ("GET", "/v1/escalations/999999", None),
            ("POST", "/v1/escalations/999999/acknowledge", {}),
            ("POST", "/v1/escalations/999999/resolve", {"note": "x"}),
        ]:
            missing = await client.request(method, path, json=payload, headers=technician)
            assert missing.status_code == 404 and "999999" in missing.json()["message"], path
    kinds = [a.kind for a in rows(engine, AuditEntry) if a.kind.startswith("escalation.")]
    assert "escalation.acknowledged" in kinds and "escalation.resolved" in kinds
    assert rows(engine, WorkItem) == []  # resolving without reenable queues nothing


async def test_the_list_puts_the_most_severe_first_the_longest_waiting_first_then_resolved_ones(
    engine, keys, tmp_path
):
    """A dispatcher reads from the top: critical before high before normal before low whatever
    their age; within a severity the ticket waiting longest; resolved tickets last, the latest
    resolution first. A ``limit`` drops the least urgent."""
    opened = {}
    for name, severity in [
        ("low", "low"),
        ("critical-old", "critical"),
        ("normal", "normal"),
        ("high", "high"),
        ("critical-new", "critical"),
        ("gone-first", "critical"),
        ("gone-later", "low"),
    ]:
        opened[name] = open_ticket(engine, add_fault(engine, f"CP-{name}"), severity=severity)
    for name in ("gone-first", "gone-later"):
        with session_scope(engine) as session:
            resolve(session, escalation_id=opened[name], by="tech", note="done", reenable=False, now=utcnow())
    with session_scope(engine) as session:  # acknowledging changes neither severity nor age
        acknowledge(session, escalation_id=opened["critical-old"], by="tech", comment="", now=utcnow())
    raised = add_fault(engine, "CP-raised")  # an update raises a low ticket to high: it moves up
    opened["raised"] = open_ticket(engine, raised, severity="low")
    open_ticket(engine, raised, text="Worse now.", severity="high")
    technician = bearer(keys["technician"])
    async with api(engine, tmp_path) as client:

        async def listed(**params) -> list[str]:
            answer = await client.get("/v1/escalations", params=params, headers=technician)
            assert answer.status_code == 200, answer.text
            names = {ticket_id: name for name, ticket_id in opened.items()}
            return [names[e["id"]] for e in answer.json()]

        active = ["critical-old", "critical-new", "high", "raised", "normal", "low"]
        assert await listed() == active
        assert await listed(limit=3) == active[:3]
        assert await listed(state="all") == [*active, "gone-later", "gone-first"]
        assert await listed(state="resolved") == ["gone-later", "gone-first"]
        assert await listed(state="open") == active[1:]


class Recorder:
    """An executor that records what it was asked to send."""

    name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def execute(self, charger_id, action, params, *, command_id=None) -> Outcome:
        self.calls.append((charger_id, action.value, params.model_dump(exclude_none=True)))
        return Outcome(status=OutcomeStatus.ACCEPTED, detail="ok", executor=self.name)


def run_queue(engine, tmp_path, executor: Recorder) -> None:
    process = build_pipeline(
        Settings(data_dir=tmp_path / "worker"), engine=engine, search=lambda *a, **k: [], executor=executor
    )
    worker = Worker(engine, process, owner="test", lease_seconds=30, max_attempts=1, backoff_seconds=0)
    while worker.run_once() is not None:
        pass


async def test_resolving_with_reenable_queues_an_approved_set_operative_through_the_guard(
    engine, keys, tmp_path
):
    fault = add_fault(engine, diagnosed=True)
    escalation_id = open_ticket(engine, fault)
    site = open_ticket(engine, fault, "Blast radius.", scope="site")
    technician = bearer(keys["technician"])
    async with api(engine, tmp_path) as client:
        refused = await client.post(
            f"/v1/escalations/{site}/resolve", json={"note": "ok", "reenable": True}, headers=technician
        )
        assert refused.status_code == 409 and "site" in refused.json()["message"]
        answer = await client.post(
            f"/v1/escalations/{escalation_id}/resolve",
            json={"note": "Contactor replaced", "reenable": True},
            headers=technician,
        )
    assert answer.status_code == 200, answer.text
    reenable = answer.json()["reenable"]
    assert (reenable["action"], reenable["params"], reenable["approval_state"]) == (
        "set_operative",
        {"connector_id": 1},
        "approved",
    )
    (decision,) = rows(engine, Decision, action="set_operative")
    assert decision.id == reenable["decision_id"]
    assert (decision.verdict, decision.approval_state, decision.reasoner) == (
        "needs_approval",
        "approved",
        "technician",
    )
    assert decision.approved_by.startswith("key:") and decision.approval_comment == "Contactor replaced"
    assert decision.diagnosis["summary"] == DIAGNOSIS.summary  # the fault's latest diagnosis
    assert [(w.kind, w.fault_id) for w in rows(engine, WorkItem)] == [("execute_approved", fault.id)]
    with session_scope(engine) as session:
        assert session.get(Fault, fault.id).state == "approved"
    assert ticket(engine, site).state == "open"  # the refused request changed nothing
    assert rows(engine, ActionAttempt) == []  # nothing was sent directly
    executor = Recorder()
    run_queue(engine, tmp_path, executor)
    assert executor.calls == [("CP-1", "set_operative", {"connector_id": 1})]  # once the guard agreed
    (attempt,) = rows(engine, ActionAttempt)
    assert (attempt.action, attempt.automatic, attempt.executor) == ("set_operative", False, "recorder")


def test_the_guard_can_still_block_a_requested_reenable(engine, tmp_path):
    fault = add_fault(engine)  # no diagnosis: the request rests on a placeholder naming the technician
    with session_scope(engine) as session:
        # A set_operative sent just now: the cooldown (10 min) holds the next one back.
        session.add(ActionAttempt(fault_id=fault.id, charger_id="CP-1", action="set_operative", executor="x"))
    escalation_id = open_ticket(engine, fault)
    with session_scope(engine) as session:
        _, decision = resolve(
            session, escalation_id=escalation_id, by="tech", note="done", reenable=True, now=utcnow()
        )
    assert "tech" in Diagnosis.model_validate(decision.diagnosis).summary
    executor = Recorder()
    run_queue(engine, tmp_path, executor)
    assert executor.calls == []
    latest = rows(engine, Decision, fault_id=fault.id)[-1]
    assert latest.verdict == "escalate" and any("cooldown" in r for r in latest.reasons), latest.reasons


async def test_the_service_task_delivers_and_wakes_on_demand(engine, receiver, tmp_path):
    settings = webhook_settings(tmp_path, receiver.url)
    open_ticket(engine, add_fault(engine, "CP-1"))
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(deliver_forever(engine, settings, stop, wake, every=60))
    try:
        await until(lambda: len(receiver.requests) == 1)
        open_ticket(engine, add_fault(engine, "CP-2"))
        wake.set()  # without it the next round would be a minute away
        await until(lambda: len(receiver.requests) == 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert [r.json["escalation"]["charger_id"] for r in receiver.requests] == ["CP-1", "CP-2"]


async def until(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")
