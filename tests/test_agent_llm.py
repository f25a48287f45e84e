"""The LLM reasoner inside the pipeline: its diagnosis is used when valid, and on every failure
the playbook takes over and the audit trail says why. The LLM's HTTP is the only fake; each test
proves the fake endpoint was called."""

from __future__ import annotations

import httpx2
import pytest

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
