"""Approvals: a held-back action waits for a technician, survives a restart, runs once approved
(the guard's safety rules still apply), and escalates when rejected or left to expire."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from sqlmodel import select

from app.guard.approvals import expire_due
from app.main import create_app
from app.settings import Settings
from app.store.db import session_scope
from app.store.models import ActionAttempt, AuditEntry, Escalation, WorkItem, utcnow
from tests.conftest import Service, bearer

NORTHWIND = {"vendor": "Northwind", "model": "NW-AC11", "site_id": "site-n"}


def held_back(service: Service, charger: str = "CP-N1") -> tuple[int, int]:
    """A controller fault whose manual prescribes "Reset Hard": the policy wants approval."""
    fault_id = service.fault(charger, NORTHWIND, errorCode="InternalError", vendorErrorCode="0x12")
    decision = service.decision(fault_id)
    assert (decision.verdict, decision.action, decision.approval_state) == (
        "needs_approval",
        "hard_reset",
        "pending",
    )
    assert service.state(fault_id).state == "awaiting_approval"
    return fault_id, decision.id


@asynccontextmanager
async def api(engine, tmp_path):
    """A freshly started service on the same database (as after a restart); no workers."""
    app = create_app(
        Settings(data_dir=tmp_path / "api", workers=0), engine=engine, processor=lambda job: None
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def run_queue(service: Service) -> None:
    while service.worker.run_once() is not None:
        pass


async def test_approval_round_trip_across_a_restart(service, keys, tmp_path):
    fault_id, decision_id = held_back(service)
    async with api(service.engine, tmp_path) as client:
        pending = (await client.get("/v1/approvals", headers=bearer(keys["technician"]))).json()
        assert [a["decision_id"] for a in pending] == [decision_id]
        assert pending[0]["action"] == "hard_reset" and "approval" in pending[0]["reasons"][0]
        assert "0x12" in pending[0]["diagnosis"]
        forbidden = await client.post(
            f"/v1/approvals/{decision_id}/approve", json={}, headers=bearer(keys["csms"])
        )
        assert forbidden.status_code == 403
        approved = await client.post(
            f"/v1/approvals/{decision_id}/approve",
            json={"comment": "ok, on site at 3"},
            headers=bearer(keys["technician"]),
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "approved" and approved.json()["comment"] == "ok, on site at 3"
        again = await client.post(
            f"/v1/approvals/{decision_id}/approve", json={}, headers=bearer(keys["technician"])
        )
        assert again.status_code == 409 and "approved" in again.json()["message"]
    assert service.state(fault_id).state == "approved"
    # The approval is a durable work item: a worker that starts later carries it out.
    run_queue(service)
    executed = service.decision(fault_id)
    assert (executed.verdict, executed.action) == ("execute", "hard_reset")
    assert any("approved by" in r for r in executed.reasons)
    (attempt,) = service.rows(ActionAttempt, fault_id)
    assert (
        attempt.action == "hard_reset" and attempt.automatic is False and attempt.decision_id == executed.id
    )
    kinds = [a.kind for a in service.rows(AuditEntry, fault_id)]
    assert kinds.index("approval.approved") < kinds.index("agent.resume") < kinds.index("agent.execute")
    run_queue(service)
    assert len(service.rows(ActionAttempt, fault_id)) == 1  # carried out once


async def test_an_approved_reset_still_waits_for_no_session(service, keys, tmp_path):
    fault_id, decision_id = held_back(service, "CP-N2")
    async with api(service.engine, tmp_path) as client:
        answer = await client.post(
            f"/v1/approvals/{decision_id}/approve", json={}, headers=bearer(keys["technician"])
        )
        assert answer.status_code == 200
    service.status("CP-N2", connectorId=1, status="Charging", errorCode="NoError")  # a driver plugged in
    run_queue(service)
    latest = service.decision(fault_id)
    assert latest.verdict == "escalate" and any(r.startswith("busy:") for r in latest.reasons)
    assert service.rows(ActionAttempt, fault_id) == []


async def test_rejection_and_expiry_hand_the_fault_to_a_technician(service, keys, tmp_path):
    rejected_fault, rejected = held_back(service, "CP-N3")
    expired_fault, expiring = held_back(service, "CP-N4")
    async with api(service.engine, tmp_path) as client:
        answer = await client.post(
            f"/v1/approvals/{rejected}/reject",
            json={"comment": "breaker work today"},
            headers=bearer(keys["technician"]),
        )
        assert answer.status_code == 200 and answer.json()["state"] == "rejected"
        missing = await client.post(
            "/v1/approvals/999999/approve", json={}, headers=bearer(keys["technician"])
        )
        assert missing.status_code == 404
    (escalation,) = service.rows(Escalation, rejected_fault)
    assert "rejected" in escalation.instructions and "breaker work today" in escalation.instructions
    with session_scope(service.engine) as session:
        assert expire_due(session, now=utcnow()) == []  # not yet due
        assert expire_due(session, now=utcnow() + timedelta(hours=2)) == [expiring]
    assert service.state(expired_fault).state == "escalated"
    assert "nobody approved" in service.rows(Escalation, expired_fault)[0].instructions
    async with api(service.engine, tmp_path) as client:
        late = await client.post(
            f"/v1/approvals/{expiring}/approve", json={}, headers=bearer(keys["technician"])
        )
        assert late.status_code == 409 and "expired" in late.json()["message"]
        listed = await client.get(
            "/v1/approvals", params={"state": "expired"}, headers=bearer(keys["technician"])
        )
        assert [a["decision_id"] for a in listed.json()] == [expiring]
    with session_scope(service.engine) as session:
        kinds = set(session.exec(select(WorkItem.kind)).all())
    assert "execute_approved" not in kinds


def test_a_fault_waiting_for_approval_is_not_diagnosed_again_when_it_recurs(service):
    fault_id, decision_id = held_back(service, "CP-N5")
    for _ in range(3):
        assert (
            service.fault("CP-N5", NORTHWIND, errorCode="InternalError", vendorErrorCode="0x12") == fault_id
        )
    assert service.state(fault_id).occurrences == 4
    assert service.decision(fault_id).id == decision_id  # the technician's pending decision stands


HELIOS = {"vendor": "Helios Power BV", "model": "HX-60", "site_id": "site-h"}


async def approve(service: Service, keys, tmp_path, decision_id: int) -> None:
    async with api(service.engine, tmp_path) as client:
        answer = await client.post(
            f"/v1/approvals/{decision_id}/approve", json={}, headers=bearer(keys["technician"])
        )
        assert answer.status_code == 200, answer.text


async def test_an_approval_given_before_a_session_started_does_not_cover_ending_it(
    engine, bundled, keys, tmp_path
):
    service = Service(engine, bundled, tmp_path, policy="modes:\n  soft_reset: approval\n")
    fault_id = service.fault("CP-S1", HELIOS, errorCode="InternalError", vendorErrorCode="F141")
    held = service.decision(fault_id)
    assert (held.verdict, held.action) == ("needs_approval", "soft_reset") and held.reasons[0].startswith(
        "approval:"
    )
    await approve(service, keys, tmp_path, held.id)
    service.status("CP-S1", connectorId=2, status="Charging", errorCode="NoError")  # a driver plugged in
    run_queue(service)
    latest = service.decision(fault_id)
    assert (latest.verdict, latest.escalate) == ("escalate", True)
    assert latest.reasons[0].startswith("session: soft_reset would end the session on connector 2")
    assert "does not cover ending it" in latest.reasons[-1]
    assert service.rows(ActionAttempt, fault_id) == []


async def test_a_reset_held_because_it_would_end_a_session_runs_once_an_operator_approves(
    service, keys, tmp_path
):
    service.status("CP-S2", connectorId=2, status="Charging", errorCode="NoError")
    fault_id = service.fault("CP-S2", HELIOS, errorCode="InternalError", vendorErrorCode="F141")
    held = service.decision(fault_id)
    assert (held.verdict, held.action) == ("needs_approval", "soft_reset")
    assert held.reasons[0].startswith("session: soft_reset would end the session on connector 2")
    await approve(service, keys, tmp_path, held.id)
    run_queue(service)
    executed = service.decision(fault_id)
    assert (executed.verdict, executed.action) == ("execute", "soft_reset")
    assert [a.action for a in service.rows(ActionAttempt, fault_id)] == ["soft_reset"]
