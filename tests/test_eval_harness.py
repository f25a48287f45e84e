"""The eval harness: cases replay through the real pipeline (intake, graph, guard, dry-run
executor) on a fresh database each, on the bundled corpus; scores, gate, reports and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.evaluation.cases import load_cases
from app.evaluation.runner import evaluate
from app.settings import Settings
from tests.receiver import Receiver
from tests.test_llm_reasoner import answer, completion

HELIOS_HX60 = {
    "vendor": "Helios Power BV",
    "model": "NG910-60023",
    "ocpp_version": "1.6",
    "site_id": "site-a",
}
KEYS = {
    "cases",
    "action_accuracy",
    "escalation_accuracy",
    "diagnosis_hit_rate",
    "citation_hit_rate",
    "llm_answer_rate",
    "unsafe",
    "missed_safety",
    "missed_safety_ids",
    "errors",
    "latency_ms",
    "reasoner",
    "by_vendor",
    "by_layout",
    "per_case",
}
runner = CliRunner()


def status(
    code: str, vendor_code: str | None = None, connector: int = 1, state: str = "Faulted", **extra
) -> dict:
    payload = {"connectorId": connector, "errorCode": code, "status": state, **extra}
    if vendor_code:
        payload["vendorErrorCode"] = vendor_code
    return {"status_notification": payload}


def case(case_id: str, event: dict, *, history=(), expect=None, charger_id="CP-1", **charger) -> dict:
    return {
        "id": case_id,
        "rationale": "test case",
        "charger": {"id": charger_id, **HELIOS_HX60, **charger},
        "history": list(history),
        "event": {"occurred_at": "2026-03-01T10:00:00Z", **event},
        "expect": expect or {},
    }


def write(tmp_path: Path, *cases: dict | str, name: str = "cases.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(c if isinstance(c, str) else json.dumps(c) for c in cases) + "\n")
    return path


def run(tmp_path: Path, bundled_data: Path, *cases, **kw):
    return evaluate([write(tmp_path, *cases)], Settings(data_dir=bundled_data), **kw)


def results(evaluation) -> dict[str, dict]:
    return {c["id"]: c for c in evaluation.totals["per_case"]}


# ---- the case file ---------------------------------------------------------------------------
def test_unreadable_lines_are_reported_with_line_and_reason_and_the_rest_load(tmp_path):
    good = case("good", status("GroundFailure"))
    path = write(
        tmp_path,
        good,
        '{"id": "broken',
        case("no-payload", {}),
        case("bad-connector", {"status_notification": {"connectorId": "one", "errorCode": "NoError"}}),
        {**case("bad-action", status("GroundFailure")), "expect": {"action": ["update_firmware"]}},
        good,
        case("orphan", status("GroundFailure"), history=[{"at": "2026-03-01T09:00:00Z"}]),
    )
    cases, errors = load_cases([path])
    assert [c.case.id for c in cases] == ["good"]
    reasons = {e.line: (e.id, e.reason) for e in errors}
    assert reasons[2][1].startswith("not JSON")
    assert "exactly one of status_notification" in reasons[3][1]
    assert "status_notification.connectorId" in reasons[4][1] and "OCPP 1.6" in reasons[4][1]
    assert reasons[5][0] == "bad-action" and reasons[5][1].startswith("expect.action.0")
    assert reasons[6][1] == f"id 'good' already used at {path}:1"
    assert "history.0" in reasons[7][1] and "needs exactly one of" in reasons[7][1]


# ---- replaying -------------------------------------------------------------------------------
def test_the_issue_example_replays_to_a_safe_state_with_cited_diagnosis(tmp_path, bundled_data):
    """An open ground fault, a reset that did not fix it and a session: the repeated fault is
    diagnosed with that history and the charger is taken out of service."""
    example = case(
        "ground-01",
        status("GroundFailure", info="RCD tripped"),
        history=[
            {"at": "2026-03-01T09:00:00Z", **status("GroundFailure")},
            {"at": "2026-03-01T09:01:00Z", "action": "soft_reset", "connector_id": 1, "outcome": "not_fixed"},
            {"at": "2026-03-01T09:05:00Z", "session": "active", "connector_id": 1},
        ],
        expect={
            "action": ["set_inoperative"],
            "escalate": True,
            "diagnosis_mentions": ["residual current", "ground"],
            "cites": ["helios/hx-60", "_standard/ocpp16"],
            "forbidden_actions": ["set_operative", "unlock_connector"],
        },
    )
    evaluation = run(tmp_path, bundled_data, example)
    totals = evaluation.totals
    assert set(totals) == KEYS
    assert totals["per_case"] == [
        {
            "id": "ground-01",
            "action": "set_inoperative",
            "escalate": True,
            "decided_by": "playbook",
            "fallback": None,
            "passed": True,
            "failures": [],
        }
    ]
    assert totals["llm_answer_rate"] is None and "llm_requests" not in totals["reasoner"]
    assert totals["reasoner"]["headline"].startswith("Playbook reasoner: all 1 diagnosed cases")
    assert totals["action_accuracy"] == totals["citation_hit_rate"] == 1.0
    assert totals["unsafe"] == totals["errors"] == 0
    assert totals["latency_ms"]["p50"] > 0
    (scored,) = evaluation.scored
    assert scored.run.verdict == "execute" and scored.run.fault_class == "electrical_safety"
    assert "did not fix it" in scored.run.diagnosis  # the recorded not_fixed reset is evidence


def test_history_is_moved_to_now_so_the_guards_windows_see_it(tmp_path, bundled_data):
    """A reset that did not fix a controller fault an hour earlier makes a reboot loop; the same
    reset two days earlier is outside every window. Without moving the case to now, both would
    be months old and look the same."""

    def controller(case_id: str, reset_at: str) -> dict:
        return case(
            case_id,
            status("InternalError"),
            history=[
                {"at": reset_at, **status("InternalError")},
                {"at": reset_at, "action": "soft_reset", "connector_id": 1, "outcome": "not_fixed"},
                {"at": reset_at, **status("NoError", state="Available")},
            ],
        )

    evaluation = run(
        tmp_path,
        bundled_data,
        controller("an-hour-ago", "2026-03-01T09:00:00Z"),
        controller("two-days-ago", "2026-02-27T09:00:00Z"),
    )
    got = {s.case.id: (s.run.action, s.run.escalate) for s in evaluation.scored}
    assert got == {"an-hour-ago": ("none", True), "two-days-ago": ("soft_reset", False)}


def test_cases_cannot_leak_into_each_other(tmp_path, bundled_data):
    """The same charger and fault twice: the second case does not see the first's reset (a
    shared database would hold it back by the 30-minute cooldown)."""
    same = case("first", status("InternalError"), expect={"action": ["soft_reset"]})
    evaluation = run(tmp_path, bundled_data, same, {**same, "id": "second"})
    assert [(s.run.action, s.passed) for s in evaluation.scored] == [("soft_reset", True)] * 2


def test_history_on_other_chargers_of_the_site_reaches_the_blast_radius(tmp_path, bundled_data):
    burst = []
    for n in range(5):
        at = f"2026-03-01T09:5{n + 1}:00Z"  # within the last 10 minutes
        burst += [
            {"at": at, "charger_id": f"CP-{n + 10}", **status("InternalError")},
            {
                "at": at,
                "charger_id": f"CP-{n + 10}",
                "action": "soft_reset",
                "connector_id": 1,
                "outcome": "fixed",
            },
        ]
    evaluation = run(
        tmp_path,
        bundled_data,
        case(
            "site-burst",
            status("InternalError"),
            history=burst,
            expect={"action": ["soft_reset"], "escalate": True},
        ),
    )
    (scored,) = evaluation.scored
    assert scored.passed, scored.failures
    assert scored.run.verdict == "needs_approval"  # waits for a person: still the chosen action


def test_an_event_that_opens_no_fault_scores_as_none(tmp_path, bundled_data):
    recovered = case(
        "recovered",
        status("NoError", state="Available"),
        history=[{"at": "2026-03-01T09:00:00Z", **status("InternalError")}],
        expect={"action": ["none"], "escalate": False},
    )
    (scored,) = run(tmp_path, bundled_data, recovered).scored
    assert scored.passed and scored.run.verdict is None and scored.run.latency_ms is None


# ---- scoring: safety and errors --------------------------------------------------------------
def test_a_forbidden_action_sent_automatically_is_unsafe_and_fails_the_gate(tmp_path, bundled_data):
    forbidden = case("reset-forbidden", status("InternalError"), expect={"forbidden_actions": ["soft_reset"]})
    evaluation = run(tmp_path, bundled_data, forbidden)
    assert evaluation.totals["unsafe"] == 1
    assert evaluation.scored[0].failures == [
        "UNSAFE: forbidden soft_reset would have been sent automatically"
    ]
    assert evaluation.gate() == ["unsafe = 1 (must be 0)"]


def test_a_hard_reset_without_approval_is_unsafe_even_when_not_forbidden(tmp_path, bundled_data, monkeypatch):
    """An operator's policy that lets hard resets run unattended is caught by the harness."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("modes:\n  hard_reset: auto\n")
    monkeypatch.setenv("CHARGEMEDIC_POLICY_PATH", str(policy))
    aux_24v = case("f021", status("OtherError", "F021"), expect={"action": ["hard_reset"]})
    evaluation = evaluate([write(tmp_path, aux_24v)], Settings(data_dir=bundled_data))
    (scored,) = evaluation.scored
    assert scored.run.action == "hard_reset" and scored.run.verdict == "execute"
    assert scored.unsafe == ["UNSAFE: hard_reset would have been sent without approval"]


def test_a_case_that_crashes_is_an_error_with_its_message_and_the_rest_still_run(tmp_path, bundled_data):
    orphan_action = case(
        "orphan-action",
        status("InternalError"),
        history=[
            {"at": "2026-03-01T09:00:00Z", "action": "soft_reset", "connector_id": 1, "outcome": "fixed"}
        ],
        expect={"action": ["soft_reset"]},
    )
    fine = case("fine", status("InternalError"), expect={"action": ["soft_reset"]})
    evaluation = run(tmp_path, bundled_data, orphan_action, fine)
    totals = evaluation.totals
    assert totals["errors"] == 1 and totals["action_accuracy"] == 0.5
    crashed = results(evaluation)["orphan-action"]
    assert crashed["failures"] == [
        "error: ValueError: history.0: the action has no earlier recorded fault of CP-1 to act on"
    ]
    assert results(evaluation)["fine"]["passed"]
    assert evaluation.gate() == ["errors = 1 (must be 0)"]


def test_rates_count_only_the_cases_that_state_them_and_floors_gate_them(tmp_path, bundled_data):
    right = case("right", status("InternalError"), expect={"action": ["soft_reset"]})
    wrong = case("wrong", status("InternalError"), expect={"action": ["none"], "cites": ["nowhere/"]})
    evaluation = run(tmp_path, bundled_data, right, wrong)
    totals = evaluation.totals
    assert (totals["action_accuracy"], totals["citation_hit_rate"]) == (0.5, 0.0)
    assert totals["escalation_accuracy"] is None and totals["diagnosis_hit_rate"] is None
    assert evaluation.gate({"action_accuracy": 0.9}) == ["action_accuracy = 0.500 is below its floor 0.900"]


# ---- the LLM reasoner ------------------------------------------------------------------------
LOCK = case("lock", status("ConnectorLockFailure", "F125"), expect={"action": ["unlock_connector"]})
GROUND = case("ground", status("GroundFailure", info="RCD tripped"), expect={"action": ["set_inoperative"]})
ANSWER = (200, {"Content-Type": "application/json"}, json.dumps(completion(answer())).encode())
DOWN = (500, {"Content-Type": "application/json"}, b'{"error": {"message": "model not loaded"}}')


def llm_at(receiver: Receiver, monkeypatch) -> None:
    monkeypatch.setenv("CHARGEMEDIC_LLM_BASE_URL", receiver.url.removesuffix("/hook") + "/v1")


def test_the_llm_reasoner_is_evaluated_through_its_http_endpoint(tmp_path, bundled_data, monkeypatch):
    with Receiver() as llm:
        llm.default = ANSWER
        llm_at(llm, monkeypatch)
        evaluation = run(tmp_path, bundled_data, LOCK, reasoner="llm")
        assert len(llm.requests) == 1 and "F125" in llm.requests[0].body.decode()
    (scored,) = evaluation.scored
    assert scored.run.reasoner == "llm" and scored.passed
    totals = evaluation.totals
    assert totals["llm_answer_rate"] == 1.0 and evaluation.gate() == []
    block = totals["reasoner"]
    assert block["decided_by"] == {"llm": 1} and block["fallbacks"] == {}
    assert block["tokens"] == {"prompt": 900, "completion": 120, "total": 1020}  # the answer's usage
    assert block["llm_requests"] == 1 and block["llm_request_errors"] == {}
    assert block["llm_ms_per_case"]["p50"] > 0
    assert block["headline"] == "LLM answered 1 of 1 diagnosed cases (no playbook fallback)."
    assert totals["per_case"][0]["decided_by"] == "llm"


def test_an_llm_that_never_answers_is_reported_and_fails_the_gate(tmp_path, bundled_data, monkeypatch):
    """The endpoint fails every request: the decisions are the playbook's, and the evaluation
    says so instead of passing under the LLM's name."""
    with Receiver() as llm:
        llm.default = DOWN
        llm_at(llm, monkeypatch)
        evaluation = run(tmp_path, bundled_data, LOCK, GROUND, reasoner="llm")
        assert len(llm.requests) == 4  # each case: the request and its one retry
    totals = evaluation.totals
    block = totals["reasoner"]
    assert totals["llm_answer_rate"] == 0
    assert block["decided_by"] == {"playbook-fallback": 2} and block["fallbacks"] == {"http_error": 2}
    assert block["llm_requests"] == 4 and block["llm_request_errors"] == {"http_error": 4}
    assert block["tokens"]["total"] == 0
    assert block["headline"] == (
        "LLM answered 0 of 2 diagnosed cases — every decision came from the playbook fallback "
        "(http_error ×2)."
    )
    cases = {c["id"]: c for c in totals["per_case"]}
    assert cases["lock"]["decided_by"] == "playbook-fallback" and cases["lock"]["fallback"] == "http_error"
    assert cases["lock"]["llm"]["requests"] == 2
    assert all(c["passed"] for c in cases.values()), "the playbook's decisions are right: the cases pass"
    assert evaluation.gate() == [f"llm_answer_rate = 0: {block['headline']}"]


def test_eval_follows_the_reasoner_setting_and_gates_the_llm_answer_rate(tmp_path, bundled_data, monkeypatch):
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(bundled_data))
    monkeypatch.setenv("CHARGEMEDIC_REASONER", "llm")
    cases = write(tmp_path, LOCK, GROUND, name="dev.jsonl")
    floors = tmp_path / "floors.yaml"
    floors.write_text("dev:\n  llm_answer_rate: 0.9\n")
    out = tmp_path / "out"
    reports = ["--json", str(out / "r.json"), "--report", str(out / "r.md"), "--html", str(out / "r.html")]
    with Receiver() as llm:
        llm.answer(ANSWER)  # the first case is answered, the second is not
        llm.default = DOWN
        llm_at(llm, monkeypatch)
        result = runner.invoke(cli, ["eval", str(cases), "--floors", str(floors), *reports])
        assert len(llm.requests) == 3
    headline = "LLM answered 1 of 2 diagnosed cases (50%); 1 fell back to the playbook (http_error ×1)."
    assert result.exit_code == 1, result.output
    assert headline in result.output and "llm_answer_rate = 0.500 is below its floor 0.900" in result.output
    assert (
        "LLM: 3 requests (failed: http_error ×2); tokens 900 prompt + 120 completion = 1020" in result.output
    )
    totals = json.loads((out / "r.json").read_text())
    assert totals["llm_answer_rate"] == 0.5 and totals["reasoner"]["headline"] == headline
    report = (out / "r.md").read_text()
    assert f"**{headline}**" in report and "| lock | llm | 1 | 1020 |" in report
    assert "| ground | playbook-fallback (http_error) | 2 | 0 |" in report
    page = (out / "r.html").read_text()
    assert f'<p class="headline">{headline}</p>' in page and "playbook-fallback (http_error)" in page

    with Receiver() as llm:
        llm_at(llm, monkeypatch)
        result = runner.invoke(cli, ["eval", str(cases), "--reasoner", "playbook"])
        assert llm.requests == [], "--reasoner wins over CHARGEMEDIC_REASONER"
    assert result.exit_code == 0, result.output
    assert "Playbook reasoner: all 2 diagnosed cases decided offline" in result.output


# ---- the command and its reports ---------------------------------------------------------------
def test_the_eval_command_writes_json_markdown_svg_and_html(tmp_path, bundled_data, monkeypatch):
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(bundled_data))
    cases = write(
        tmp_path,
        case(
            "reset", status("InternalError"), expect={"action": ["soft_reset"], "fault_class": "controller"}
        ),
        case("wrong", status("InternalError"), expect={"action": ["clear_cache"]}),
        "{not json",
    )
    out = tmp_path / "out"
    args = ["eval", str(cases), "--json", str(out / "r.json"), "--report", str(out / "r.md")]
    result = runner.invoke(cli, [*args, "--html", str(out / "r.html")])
    assert result.exit_code == 1  # an unreadable line is an error
    assert "cases.jsonl:3: not a valid case" in result.output
    totals = json.loads((out / "r.json").read_text())
    assert set(totals) == KEYS and totals["cases"] == 3 and totals["errors"] == 1
    report = (out / "r.md").read_text()
    assert "![confusion matrix](r-confusion.svg)" in report
    assert "| controller | 2 | 1 |" in report  # per-class table: 2 controller cases, 1 passed
    assert "`wrong`: action soft_reset, expected one of ['clear_cache']" in report
    svg = (out / "r-confusion.svg").read_text()
    assert svg.startswith("<svg") and ">clear_cache</text>" in svg and ">soft_reset</text>" in svg
    page = (out / "r.html").read_text()
    assert "<svg" in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_the_eval_command_fails_on_floors_and_explains_an_empty_store(tmp_path, bundled_data, monkeypatch):
    cases = write(
        tmp_path, case("wrong", status("InternalError"), expect={"action": ["none"]}), name="dev.jsonl"
    )
    floors = tmp_path / "floors.yaml"
    floors.write_text("dev:\n  action_accuracy: 0.95\n")
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(bundled_data))
    result = runner.invoke(cli, ["eval", str(cases), "--floors", str(floors)])
    assert result.exit_code == 1 and "action_accuracy = 0.000 is below its floor 0.950" in result.output
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(tmp_path / "empty"))
    result = runner.invoke(cli, ["eval", str(cases)])
    assert result.exit_code == 2 and "knowledge store is empty" in result.output


def test_knowledge_builds_a_temporary_store_from_another_corpus(tmp_path, corpus, monkeypatch):
    """A foreign corpus (ACME) is evaluated without an ingested service store."""
    data = tmp_path / "service-data"
    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(data))
    acme = case(
        "acme-rcm",
        status("OtherError", "E-06"),
        vendor="ACME",
        model="AC22-T2",
        expect={"action": ["set_inoperative"], "escalate": True, "cites": ["acme/ac-22"]},
    )
    result = runner.invoke(cli, ["eval", str(write(tmp_path, acme)), "--knowledge", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "1/1 cases passed" in result.output
    assert not (data / "chroma").exists()  # the service's store was not touched
