"""End to end over real websockets, for OCPP 1.6 and 2.0.1: a simulated charger connects to the
service's gateway, reports a fault; the service diagnoses it, the guard lets a soft reset through,
the command goes out over OCPP, and verification settles it — fixed when the charger comes back
Available, not fixed (escalation delivered, signed, to a local webhook receiver) when it does not.
Everything is real: the FastAPI app with its lifespan, the queue worker, the agent with the
bundled manuals, the gateway, the simulator, SQLite/PostgreSQL.

The suite runs on a loaded 2-core machine, so nothing here depends on how fast the charger
reboots: the tests wait on conditions (the charger's own state, the attempt's outcome) with
generous deadlines. The verification window never ends on its own during a test; where a test
needs it ended, one verification round runs at the window's deadline once the charger has
reported after its reboot."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager

import pytest
from sqlmodel import select

from app.chargers.credentials import register_charger
from app.chargers.verify import Verifier
from app.main import create_app
from app.settings import Settings
from app.simulator.firmware import SimulatedCharger
from app.simulator.scenario import ChargerSpec, Fault
from app.store.db import session_scope
from app.store.models import ActionAttempt, AuditEntry, Escalation
from app.store.models import Fault as FaultRow
from app.webhooks import verify
from tests.receiver import SECRET, Receiver

PASSWORD = "e2e-password-000001"
WINDOW = 600.0
"""The verification window: longer than any test (a fixed verdict does not wait for it)."""
DEADLINE = 120.0
"""How long a test waits for a step of the service or the charger (generous: a loaded machine)."""
CHARGERS = {
    # K-Wall 7 code 503 and H7 Duo F031 (RFID reader): the manufacturers' remote step is a soft reset.
    "1.6": dict(
        vendor="Kestrel EV", model="KW7-T", fault=dict(error_code="OtherError", vendor_error_code="503")
    ),
    "2.0.1": dict(
        vendor="Helios Power BV",
        model="H7-DUO-2S",
        fault=dict(component="TokenReader", variable="Problem", vendor_error_code="F031"),
    ),
}


@asynccontextmanager
async def service(engine, bundled, tmp_path, receiver: Receiver):
    settings = Settings(
        data_dir=tmp_path / "data",
        workers=1,
        ocpp_port=0,
        ocpp_call_timeout_seconds=30,
        verify_window_seconds=WINDOW,
        verify_poll_seconds=0.2,
        escalation_webhook_url=receiver.url,
        escalation_webhook_secret=SECRET,
        escalation_webhook_backoff_seconds=0.2,
    )
    app = create_app(settings, searcher=bundled, engine=engine)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def charger(app, ocpp: str, charger_id: str):
    spec = CHARGERS[ocpp]
    register_charger(app.state.engine, charger_id=charger_id, password=PASSWORD, site_id="site-e2e")
    sim = SimulatedCharger(
        ChargerSpec(
            id=charger_id,
            ocpp=ocpp,
            password=PASSWORD,
            vendor=spec["vendor"],
            model=spec["model"],
            site="site-e2e",
            connectors=1,
            reboot_seconds=0.2,
        ),
        f"ws://127.0.0.1:{app.state.gateway.port}/ocpp",
        response_timeout=30,
    )
    sim.start()
    try:
        await sim.wait_connected(timeout=DEADLINE)
        yield sim
    finally:
        await sim.stop()


def rows(engine, model, **where):
    with session_scope(engine) as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.exec(query.order_by(model.id)).all())


def settled(engine, charger_id: str, outcome: str) -> ActionAttempt | None:
    return next((a for a in rows(engine, ActionAttempt, charger_id=charger_id) if a.outcome == outcome), None)


async def until(predicate, timeout: float = DEADLINE):
    async with asyncio.timeout(timeout):
        while not (value := predicate()):
            await asyncio.sleep(0.1)
    return value


@pytest.mark.slow
@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_a_reset_that_fixes_the_fault_is_verified_fixed(engine, bundled, tmp_path, ocpp):
    with Receiver() as receiver:
        async with (
            service(engine, bundled, tmp_path, receiver) as app,
            charger(app, ocpp, f"E2E-{ocpp}") as sim,
        ):
            await sim.report_fault(Fault(connector=1, fixed_by=("Reset",), **CHARGERS[ocpp]["fault"]))
            attempt = await until(lambda: settled(engine, sim.id, "fixed"))
            reset = await sim.wait_for_command("Reset", timeout=DEADLINE)
            assert reset.payload["type"] == ("Soft" if ocpp == "1.6" else "Immediate")
            # The verdict can land while the charger is still reporting after its reboot (2.0.1:
            # the cleared NotifyEvent settles it before the StatusNotification goes out).
            await sim.wait_booted(2, timeout=DEADLINE)
            assert sim.boot_count == 2 and sim.statuses[1] == "Available"
    assert (attempt.action, attempt.executor, attempt.command_status) == ("soft_reset", "ocpp", "accepted")
    assert attempt.verified_at is not None and attempt.automatic
    (fault,) = rows(engine, FaultRow, id=attempt.fault_id)
    assert fault.state == "resolved" and fault.cleared_at is not None
    kinds = [a.kind for a in rows(engine, AuditEntry, fault_id=fault.id)]
    assert "fault.decided" in kinds and "verify.fixed" in kinds
    # 2.0.1 reports the incident twice (NotifyEvent and StatusNotification): one reset, no ticket
    attempts = rows(engine, ActionAttempt, charger_id=sim.id)
    assert len(attempts) == 1
    assert rows(engine, Escalation, charger_id=sim.id) == []
    assert all(f.cleared_at is not None for f in rows(engine, FaultRow, charger_id=sim.id))


@pytest.mark.slow
@pytest.mark.parametrize("ocpp", ["1.6", "2.0.1"])
async def test_a_reset_that_does_not_fix_it_escalates_to_the_webhook_with_what_was_tried(
    engine, bundled, tmp_path, ocpp
):
    with Receiver() as receiver:
        receiver.default = (204, {}, b"")
        async with (
            service(engine, bundled, tmp_path, receiver) as app,
            charger(app, ocpp, f"E2E-{ocpp}") as sim,
        ):
            await sim.report_fault(Fault(connector=1, **CHARGERS[ocpp]["fault"]))  # nothing fixes it
            attempt = await until(lambda: settled(engine, sim.id, "verifying"))
            await sim.wait_booted(2, timeout=DEADLINE)  # rebooted, and its report of the fault answered
            verifier = Verifier(engine, executor=None, window_seconds=WINDOW)
            ended = await asyncio.to_thread(verifier.check, now=attempt.verify_until)  # the window is over
            assert ended == {attempt.id: "not_fixed"}

            def delivered():
                for request in receiver.requests:
                    body = request.json["escalation"]
                    if body["fault_id"] == attempt.fault_id and "did not fix" in body["instructions"]:
                        return request
                return None

            request = await until(delivered)
            assert sim.boot_count == 2 and sim.statuses[1] == "Faulted"
    assert (attempt.action, attempt.command_status) == ("soft_reset", "accepted")
    assert verify(request.body, request.headers, secret=SECRET)
    ticket = json.loads(request.body)["escalation"]
    assert ticket["severity"] == "high" and ticket["charger_id"] == sim.id and ticket["site_id"] == "site-e2e"
    text = ticket["instructions"]
    assert "soft_reset" in text and "not_fixed" in text and "Steps (manufacturer's documents)" in text
    (escalation,) = rows(engine, Escalation, fault_id=attempt.fault_id, scope="fault")
    latest = escalation.detail.get("updates", [{}])[-1].get("ticket") or escalation.detail
    assert latest["automation"][0]["outcome"] == "not_fixed"
    assert any(c["page"] or c["source"].endswith((".csv", ".tsv")) for c in latest["diagnosis"]["citations"])
    (fault,) = rows(engine, FaultRow, id=attempt.fault_id)
    assert fault.state == "escalated"
