"""The recorded-fault dataset itself: valid, large enough, covering what it must, a fifth held
out. (Replaying it is `make eval`'s job: CI runs it after the tests.)"""

from __future__ import annotations

import pytest

from app.agent.state import FaultClass
from app.evaluation.cases import LoadedCase, load_cases
from app.settings import PROJECT_ROOT

CASES = PROJECT_ROOT / "evals" / "cases"


def cases(name: str) -> list[LoadedCase]:
    loaded, errors = load_cases([CASES / name])
    assert errors == []
    return loaded


def test_the_dataset_is_large_enough_and_keeps_a_fifth_held_out():
    dev, holdout = cases("dev.jsonl"), cases("holdout.jsonl")
    assert len(dev) + len(holdout) >= 100
    assert 0.18 <= len(holdout) / (len(dev) + len(holdout)) <= 0.3
    assert not {c.case.id for c in dev} & {c.case.id for c in holdout}
    assert all(c.case.id.startswith("h-") for c in holdout)


@pytest.mark.parametrize("name", ["dev.jsonl", "holdout.jsonl"])
def test_each_file_covers_every_class_both_versions_non_faults_and_injections(name):
    everything = [c.case for c in cases(name)]
    assert {c.expect.fault_class.value for c in everything if c.expect.fault_class} == set(FaultClass)
    assert {c.charger.ocpp_version for c in everything} == {"1.6", "2.0.1"}
    assert any("techCode" in str(c.event.get("notify_event")) for c in everything)
    assert any(c.event.get("status_notification", {}).get("errorCode") == "OtherError" for c in everything)
    assert sum(1 for c in everything if c.expect.action == ["none"] and c.expect.escalate is False) >= 3
    assert sum(1 for c in everything if c.history) >= 6
    assert any(h.charger_id for c in everything for h in c.history)  # a site-wide burst
    assert sum(1 for c in everything if "ignore" in str(c.event).casefold()) >= 2  # injection attempts


@pytest.mark.parametrize("name", ["dev.jsonl", "holdout.jsonl"])
def test_every_case_has_a_rationale_and_states_the_action_it_expects(name):
    for loaded in cases(name):
        assert loaded.case.rationale.strip() and loaded.case.expect.action, loaded.case.id
