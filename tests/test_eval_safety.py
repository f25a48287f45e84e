"""Honest evaluation: a fault the case marks as electrical safety that ended neither isolated nor
escalated is a *missed safety* — counted apart from ``unsafe``, failing every gate — and results
are broken down per vendor and per document layout. Real runs through the pipeline on the
bundled corpus."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import cli
from app.evaluation.cases import load_cases
from app.evaluation.score import MISSED_SAFETY
from tests.test_eval_harness import case, run, status, write

runner = CliRunner()
# InternalError is a controller fault to the playbook: a soft reset, no escalation.
MISSED_BY_CLASS = case(
    "controller-called-safety",
    status("InternalError"),
    expect={"fault_class": "electrical_safety"},
) | {"layout": "csv"}
MISSED_BY_ACTION = case(
    "isolate-expected",
    status("InternalError"),
    expect={"action": ["set_inoperative"], "escalate": True},
) | {"layout": "prose"}
ISOLATED = case(
    "ground",
    status("GroundFailure", info="RCD tripped"),
    expect={"fault_class": "electrical_safety", "action": ["set_inoperative"], "escalate": True},
) | {"layout": "csv"}
NOT_SAFETY = case("reset", status("InternalError"), expect={"action": ["soft_reset"]}, vendor="Nobody Inc")


def test_a_safety_fault_neither_isolated_nor_escalated_is_missed_and_fails_the_gate(tmp_path, bundled_data):
    evaluation = run(tmp_path, bundled_data, MISSED_BY_CLASS, MISSED_BY_ACTION, ISOLATED, NOT_SAFETY)
    scored = {s.case.id: s for s in evaluation.scored}
    missed = scored["controller-called-safety"]
    assert missed.run.action == "soft_reset" and missed.run.escalate is False  # what really happened
    assert missed.missed_safety and MISSED_SAFETY in missed.failures and not missed.unsafe
    assert scored["isolate-expected"].missed_safety
    assert scored["ground"].passed and not scored["ground"].missed_safety
    assert scored["reset"].passed and not scored["reset"].missed_safety
    totals = evaluation.totals
    assert totals["missed_safety"] == 2 and totals["unsafe"] == 0  # reported apart
    assert totals["missed_safety_ids"] == ["controller-called-safety", "isolate-expected"]
    assert evaluation.gate() == ["missed_safety = 2 (must be 0): controller-called-safety, isolate-expected"]


def test_results_are_broken_down_per_vendor_and_per_layout(tmp_path, bundled_data):
    totals = run(tmp_path, bundled_data, MISSED_BY_CLASS, MISSED_BY_ACTION, ISOLATED, NOT_SAFETY).totals
    by_vendor = totals["by_vendor"]
    assert list(by_vendor) == ["Nobody Inc", "helios"]  # the corpus id, else as reported
    assert by_vendor["helios"]["cases"] == 3 and by_vendor["helios"]["missed_safety"] == 2
    assert by_vendor["helios"]["action"] == by_vendor["helios"]["escalation"] == 0.5
    assert by_vendor["Nobody Inc"] == {
        "cases": 1,
        "passed": 1,
        "action": 1.0,
        "escalation": None,
        "class": None,
        "diagnosis": None,
        "citation": None,
        "unsafe": 0,
        "missed_safety": 0,
        "p95_ms": by_vendor["Nobody Inc"]["p95_ms"],
    }
    by_layout = totals["by_layout"]
    assert {name: (row["cases"], row["missed_safety"]) for name, row in by_layout.items()} == {
        "csv": (2, 1),
        "prose": (1, 1),
        "unspecified": (1, 0),
    }


def test_a_layout_must_be_a_word_when_given(tmp_path):
    path = write(tmp_path, {**NOT_SAFETY, "id": "blank", "layout": "  "}, {**NOT_SAFETY, "layout": "tsv"})
    cases, errors = load_cases([path])
    assert [c.case.layout for c in cases] == ["tsv"]
    assert errors[0].reason.startswith("layout: must not be empty")


def test_the_command_fails_on_a_missed_safety_and_reports_it_with_the_breakdowns(tmp_path, bundled_data):
    """A tiny case file against an ingested store given by --store, gated on a named floors section."""
    cases = write(tmp_path, ISOLATED, MISSED_BY_CLASS, name="dev.jsonl")
    floors = tmp_path / "floors.yaml"
    floors.write_text("dev:\n  action_accuracy: 0.1\nrealworld-dev:\n  action_accuracy: 0.5\n")
    out = tmp_path / "out"
    args = ["eval", str(cases), "--store", str(bundled_data), "--floors", str(floors)]
    reports = ["--json", str(out / "r.json"), "--report", str(out / "r.md"), "--html", str(out / "r.html")]
    result = runner.invoke(cli, [*args, "--floors-key", "realworld-dev", *reports])
    assert result.exit_code == 1, result.output
    assert "missed safety 1" in result.output
    assert "missed_safety = 1 (must be 0): controller-called-safety" in result.output
    totals = json.loads((out / "r.json").read_text())
    assert totals["missed_safety_ids"] == ["controller-called-safety"] and totals["unsafe"] == 0
    report = (out / "r.md").read_text()
    assert "| missed safety | 1 (controller-called-safety) |" in report
    assert "## Per vendor" in report and "| helios | 2 | 1 | 1.000 | 1.000 | — | — | 0 | 1 |" in report
    assert "## Per document layout" in report and "| csv | 2 | 1 |" in report
    page = (out / "r.html").read_text()
    assert "<h2>Per vendor</h2>" in page and "<h2>Per document layout</h2>" in page
    assert "MISSED SAFETY" in page

    missing = runner.invoke(cli, [*args, "--floors-key", "realworld-holdout"])
    assert missing.exit_code == 2 and "no section 'realworld-holdout'" in missing.output
    both = runner.invoke(cli, [*args, "--knowledge", str(tmp_path)])
    assert both.exit_code == 2 and "not both" in both.output


def test_the_floors_section_defaults_to_the_file_stem(tmp_path, bundled_data):
    cases = write(tmp_path, ISOLATED, name="dev.jsonl")
    floors = tmp_path / "floors.yaml"
    floors.write_text("dev:\n  action_accuracy: 0.1\n")
    result = runner.invoke(cli, ["eval", str(cases), "--store", str(bundled_data), "--floors", str(floors)])
    assert result.exit_code == 0, result.output
    assert "missed safety 0" in result.output
