"""The LLM reasoner inside the pipeline: its diagnosis is used when valid, and on every failure
the playbook takes over and the audit trail says why. The LLM's HTTP is the only fake; each test
proves the fake endpoint was called."""

from __future__ import annotations

import httpx2
import pytest

from app.evaluation.llm_use import decider
from app.store.db import session_scope
from app.store.models import AuditEntry
from tests.conftest import Service
from tests.test_llm_reasoner import ScriptedLLM, answer, completion, reasoner

HELIOS = {"vendor": "Helios Power BV", "model": "HX-60", "site_id": "site-h"}


def llm_service(engine, bundled, tmp_path, *script) -> tuple[Service, ScriptedLLM]:
    fake = ScriptedLLM(*script)
    return Service(engine, bundled, tmp_path, reasoner=reasoner(fake)), fake


def diagnose_step(service: Service, fault_id: int) -> dict:
    (step,) = [a.detail for a in service.rows(AuditEntry, fault_id) if a.kind == "agent.diagnose"]
    return step["output"]["reasoning"]


def test_a_valid_llm_diagnosis_is_used_with_its_citations_and_token_usage(engine, bundled, tmp_path):
    service, fake = llm_service(engine, bundled, tmp_path, completion(answer(), usage=(1500, 200, 1700)))
    fault_id = service.fault("CP-L1", HELIOS, errorCode="ConnectorLockFailure", vendorErrorCode="F125")
    assert len(fake.requests) == 1 and "F125" in fake.prompt()
    decision = service.decision(fault_id)
    assert decision.reasoner == "llm" and decision.action == "unlock_connector"
    assert decision.diagnosis["citations"][0]["n"] == 1
    reasoning = diagnose_step(service, fault_id)
    assert reasoning["usage"] == {"prompt_tokens": 1500, "completion_tokens": 200, "total_tokens": 1700}
    assert reasoning["fallback_reason"] is None


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        (httpx2.ReadTimeout("slow"), "timeout"),
        (httpx2.Response(500, json={"error": {"message": "boom"}}), "http_error"),
        (completion("this is not JSON"), "invalid_json"),
        (completion(answer(action="update_firmware")), "unknown_action"),
        (completion(answer(action="hard_reset", citations=[], remedy="Reset it.")), "missing_citations"),
    ],
)
def test_every_llm_failure_falls_back_to_the_playbook_and_says_why(engine, bundled, tmp_path, script, kind):
    service, fake = llm_service(engine, bundled, tmp_path, script)
    fault_id = service.fault("CP-F1", HELIOS, errorCode="OtherError", vendorErrorCode="F106")
    assert len(fake.requests) == 1
    decision = service.decision(fault_id)
    assert decision.reasoner == "playbook"
    assert (decision.action, decision.escalate) == ("set_inoperative", True)  # welded contactor: safe state
    assert diagnose_step(service, fault_id)["fallback_reason"].startswith(f"llm failed ({kind}:")


def test_an_llm_unlock_aimed_at_a_charging_connector_is_not_sent(engine, bundled, tmp_path):
    """The reported guard hole, end to end: the fault is on idle connector 1, a car charges on
    connector 2, and the model proposes unlocking connector 2. The guard judges where the unlock
    lands, not where the fault is: it is escalated, and nothing is sent."""
    service, fake = llm_service(engine, bundled, tmp_path, completion(answer(connector_id=2)))
    service.status("CP-U2", connectorId=2, errorCode="NoError", status="Charging")
    fault_id = service.fault("CP-U2", HELIOS, errorCode="ConnectorLockFailure", vendorErrorCode="F125")
    assert len(fake.requests) == 1
    decision = service.decision(fault_id)
    assert (decision.reasoner, decision.action, decision.params) == (
        "llm",
        "unlock_connector",
        {"connector_id": 2},
    )
    assert (decision.verdict, decision.escalate) == ("escalate", True)
    assert decision.reasons[0].startswith("busy: unlock_connector would reach the session on connector 2")


def test_an_llm_hard_reset_naming_a_connector_is_judged_as_a_whole_charger_reset(engine, bundled, tmp_path):
    reset = answer(fault_class="controller", action="hard_reset", connector_id=1, remedy="Hard reset it [1].")
    service, fake = llm_service(engine, bundled, tmp_path, completion(reset))
    service.status("CP-U3", connectorId=2, errorCode="NoError", status="Charging")
    fault_id = service.fault("CP-U3", HELIOS, errorCode="InternalError", vendorErrorCode="F141")
    assert len(fake.requests) == 1
    decision = service.decision(fault_id)
    assert (decision.reasoner, decision.action, decision.verdict) == ("llm", "hard_reset", "escalate")
    assert decision.reasons[0].startswith("busy: hard_reset would reach the session on connector 2")


def test_the_llm_cannot_leave_an_electrical_safety_fault_unescalated(engine, bundled, tmp_path):
    quiet = answer(fault_class="electrical_safety", action="none", escalate=False, remedy="Monitor it [1].")
    service, fake = llm_service(engine, bundled, tmp_path, completion(quiet))
    fault_id = service.fault("CP-G1", HELIOS, errorCode="GroundFailure")
    assert len(fake.requests) == 1
    decision = service.decision(fault_id)
    assert (decision.reasoner, decision.action, decision.escalate) == ("llm", "none", True)
    assert any(r.startswith("safety:") for r in decision.reasons)


def test_an_llm_reset_of_a_fault_it_calls_electrical_safety_waits_for_a_person(engine, bundled, tmp_path):
    """The model classes the ground fault right but asks for a restart: the guard judges the
    action, not who proposed it — a reset could re-energise the faulty circuit, so nothing is sent
    until a person approves, and a technician is told."""
    eager = answer(
        fault_class="electrical_safety", action="soft_reset", escalate=False, remedy="Restart it [1]."
    )
    service, fake = llm_service(engine, bundled, tmp_path, completion(eager))
    fault_id = service.fault("CP-G3", HELIOS, errorCode="GroundFailure")
    assert len(fake.requests) == 1
    decision = service.decision(fault_id)
    assert (decision.reasoner, decision.action, decision.verdict) == ("llm", "soft_reset", "needs_approval")
    assert decision.escalate and decision.reasons[0].startswith(
        "class: soft_reset is never sent automatically"
    )


def test_an_llm_that_talks_a_safety_fault_down_is_overruled_by_the_playbook(engine, bundled, tmp_path):
    """A ground fault the model calls a vehicle problem: the playbook sees the safety signs, so
    its decision (isolate and escalate) is the one taken, and the audit says why."""
    calm = answer(fault_class="vehicle", action="none", escalate=False, remedy="Ask the driver to retry [1].")
    service, fake = llm_service(engine, bundled, tmp_path, completion(calm))
    fault_id = service.fault("CP-G2", HELIOS, errorCode="GroundFailure")
    assert len(fake.requests) == 1
    decision = service.decision(fault_id)
    assert (decision.reasoner, decision.action, decision.escalate) == ("playbook", "set_inoperative", True)
    assert diagnose_step(service, fault_id)["fallback_reason"].startswith(
        "llm overruled (safety: it said vehicle"
    )
    with session_scope(engine) as session:  # the eval report counts it as its own fallback kind
        assert decider(session, fault_id, "playbook").fallback == "safety_overruled"
