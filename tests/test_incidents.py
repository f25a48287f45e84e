"""One incident reported twice reads as one incident.

An OCPP 2.0.1 charger reports a problem as a NotifyEvent (with the manufacturer's code) and again
as a StatusNotification ``Faulted``: two faults. The first gets its action (a soft reset); the
second waits for it instead of sending more, is linked to the first, and follows its outcome —
resolved with it, or escalated with it on the first's ticket. The charger is the only fake: an
executor that accepts every command (the real pipeline, store, corpus and verifier run).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from sqlmodel import select

from app.chargers.verify import Verifier
from app.intake.accept import accept_event
from app.intake.envelope import EventIn
from app.main import create_app
from app.settings import Settings
from app.store.db import session_scope
from app.store.models import AuditEntry, Escalation, Fault, utcnow
from tests.conftest import Service, bearer
from tests.test_escalations import Recorder

H7 = {"vendor": "Helios Power BV", "model": "H7-DUO-2S", "site_id": "site-i"}


def post(service: Service, event_id: str, **message) -> dict:
    body = {"event_id": event_id, "charger_id": "CP-INC", "ocpp_version": "2.0.1", "charger": H7} | message
    result = accept_event(service.engine, source="t", body=EventIn.model_validate(body), actor="test").result
    while service.worker.run_once() is not None:
        pass
    return result.model_dump()


def f030(event_id: int, at: str, **extra) -> dict:
    """The H7 Duo's F030 "Meter link lost" on EVSE 1 as a NotifyEvent's event data."""
    return {
        "eventId": event_id,
        "timestamp": at,
        "trigger": "Alerting",
        "actualValue": "true",
        "techCode": "F030",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "FiscalMetering", "evse": {"id": 1, "connectorId": 1}},
        "variable": {"name": "Problem"},
    } | extra


def meter_link_lost(service: Service) -> tuple[int, int]:
    """F030 as a NotifyEvent, then the same EVSE Faulted: the two faults' ids."""
    at = utcnow().isoformat()
    first = post(service, "n1", notify_event={"generatedAt": at, "seqNo": 0, "eventData": [f030(1, at)]})
    status = {"timestamp": at, "connectorStatus": "Faulted", "evseId": 1, "connectorId": 1}
    second = post(service, "s1", status_notification=status)
    return first["faults_opened"][0], second["faults_opened"][0]


def faults(service: Service, *ids: int) -> list[Fault]:
    with session_scope(service.engine) as session:
        return [session.get(Fault, i) for i in ids]


@asynccontextmanager
async def running(engine, tmp_path, searcher):
    """The service's API and console on ``engine`` (no workers)."""
    settings = Settings(data_dir=tmp_path / "api", workers=0, gateway=False)
    app = create_app(settings, engine=engine, searcher=searcher, processor=lambda job: None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_the_second_report_waits_for_the_first_reports_action_and_is_linked(
    engine, bundled, keys, tmp_path
):
    charger = Recorder()
    service = Service(engine, bundled, tmp_path, executor=charger)
    first, second = meter_link_lost(service)
    assert [c[1] for c in charger.calls] == ["soft_reset"]  # once: the second report sent nothing
    a, b = faults(service, first, second)
    assert (a.state, b.state, b.incident_fault_id) == ("verifying", "following", first)
    reason = service.decision(second).reasons[0]
    assert reason.startswith(f"in flight: soft_reset for fault {first} sent to CP-INC")  # not trigger_status
    async with running(engine, tmp_path, bundled) as client:
        detail = (await client.get(f"/v1/faults/{second}", headers=bearer(keys["admin"]))).json()
        assert [f["id"] for f in detail["incident"]] == [first]
        sibling = (await client.get(f"/v1/faults/{first}", headers=bearer(keys["admin"]))).json()
        assert [f["id"] for f in sibling["incident"]] == [second]
        client.cookies.set("cm_key", keys["technician"])
        page = (await client.get(f"/faults/{second}")).text
    assert f'<a href="/faults/{first}">Fault {first}</a>' in page and "follows its outcome" in page
    assert '<span class="chip chip-info">following</span>' in page and "chip-ok" not in page


def test_the_sibling_is_escalated_with_the_first_on_one_ticket(engine, bundled, tmp_path):
    service = Service(engine, bundled, tmp_path, executor=Recorder())
    first, second = meter_link_lost(service)
    settled = Verifier(engine, executor=None, window_seconds=300).check(now=utcnow() + timedelta(hours=1))
    assert list(settled.values()) == ["not_fixed"]
    a, b = faults(service, first, second)
    assert (a.state, b.state) == ("escalated", "escalated")
    with session_scope(engine) as session:
        tickets = session.exec(select(Escalation).where(Escalation.charger_id == "CP-INC")).all()
        followed = session.exec(
            select(AuditEntry).where(AuditEntry.fault_id == second, AuditEntry.kind.startswith("fault."))
        ).all()
    assert [t.fault_id for t in tickets] == [first]
    assert f"also reported as fault {second}" in tickets[0].instructions
    assert any(e.kind == "fault.escalated_with_incident" for e in followed)


def test_the_sibling_is_resolved_with_the_first(engine, bundled, tmp_path):
    service = Service(engine, bundled, tmp_path, executor=Recorder())
    first, second = meter_link_lost(service)
    at = utcnow().isoformat()
    cleared = f030(2, at, actualValue="false", cleared=True)
    post(service, "n2", notify_event={"generatedAt": at, "seqNo": 1, "eventData": [cleared]})
    status = {"timestamp": at, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
    post(service, "s2", status_notification=status)
    settled = Verifier(engine, executor=None, window_seconds=300).check()
    assert list(settled.values()) == ["fixed"]
    assert [f.state for f in faults(service, first, second)] == ["resolved", "resolved"]
