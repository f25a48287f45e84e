"""How the chat eval scores an answer against a labelled question (evals/chat_score.py, no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.chat_score import Asked, gate, load_questions, repeated_lines, score

HERE = Path(__file__).resolve().parents[1] / "evals" / "chat"
CITED = [
    {
        "n": 1,
        "source": "acme/dc-50/manual.pdf",
        "section": "3 Troubleshooting > 3.1 Cable check",
        "snippet": "",
    },
    {"n": 2, "source": "_standard/ocpp16.md", "section": "", "snippet": "Code GroundFailure — ..."},
]
STEPS = ["Read the vendor code", "do not restart the session", "measure the insulation resistance"]


def asked(answer: str, expect: dict, *, citations=CITED, grounded=True, earlier=None) -> Asked:
    return Asked("q", expect, answer, citations, grounded, earlier)


def test_a_procedure_counts_only_whole_and_in_order():
    whole = "3.1 Cable check:\n1. Read the vendor code. [1]\n2. If F005, do not restart the session. [1]\n" \
        "3. On site, measure the insulation resistance. [1]"  # fmt: skip
    shuffled = "1. Read the vendor code. [1]\n3. On site, measure the insulation resistance. [1]\n" \
        "2. If F005, do not restart the session. [1]"  # fmt: skip
    partial = "1. Read the vendor code. [1]\n3. On site, measure the insulation resistance. [1]"
    rates = [
        score([asked(a, {"sources": [], "steps": STEPS})], []).rates() for a in (whole, shuffled, partial)
    ]
    assert [r["procedure_complete_rate"] for r in rates] == [1.0, 0.0, 0.0]
    assert [round(r["step_recall"], 2) for r in rates] == [1.0, 1.0, 0.67]


def test_sources_facts_and_the_first_cited_source():
    answer = "Code GroundFailure — residual current. [2]\n1. Read the vendor code. [1]"
    expect = {
        "sources": [{"source": "acme/dc-50/", "text": "3.1"}],
        "facts": ["groundfailure", ["NotSupported", "not supported"]],
        "lead": ["acme/"],
    }
    rates = score([asked(answer, expect)], []).rates()
    assert rates["source_hit_rate"] == 1.0, "the section path names 3.1"
    assert rates["fact_recall"] == 0.5
    assert rates["own_first_rate"] == 0.0, "the reference's row came first"


def test_off_topic_rejection_counts_grounded_false():
    scores = score([], [("What is the capital of France?", True), ("Why is the sky blue?", False)])
    assert scores.rates()["off_topic_rejection"] == 0.5
    assert scores.misses == {"off-topic: Why is the sky blue?": ["answered grounded"]}


def test_a_follow_up_repeating_the_records_and_a_forbidden_label_fail_the_gate():
    identity = "CP-1: ACME DC-50; connected."
    first = f"From the records of CP-1:\n{identity}\nFault #1 on connector 1.\n\nFrom the manuals:\nx [1]"
    again = f"From the records of CP-1:\n{identity}\n\nFrom the manuals:\ny [1]"
    news = "New in the records of CP-1 since my last answer:\nFault #2 on EVSE 1 connector 1.\n\ny [1]"
    assert repeated_lines(first, again) == ["CP-1: ACME DC-50; connected."]
    assert repeated_lines(first, news) == []
    row = (
        "Code F021 — DC contactor welded. Cause: K1 feedback shows closed when commanded open, contacts stuck"
    )
    assert repeated_lines(
        f"{row} Severity: fault. [1]", f"{row} OCPP errorCode: PowerSwitchFailure. [2]"
    ) == [f"{row} OCPP errorCode: PowerSwitchFailure. [2]"], "the same row from another copy of the table"
    scores = score(
        [
            asked(again, {"sources": [], "absent": ["e1:c1"]}, earlier=first),
            asked("e1:c1:Faulted", {"sources": []}),
        ],
        [],
    )
    assert scores.counts == {"follow_ups_repeating": 1, "absent_violations": 0}
    scores = score([asked("Fault on e1:c1:Faulted", {"sources": [], "absent": ["e1:c1"]})], [])
    assert gate(scores, {}) == ["absent_violations = 1 (must be 0)"]


def test_the_gate_names_a_rate_below_its_floor_and_an_unknown_one():
    scores = score([asked("Read the vendor code [1]", {"sources": [{"source": "zephyr/"}]})], [])
    assert gate(scores, {"source_hit_rate": 0.9, "fact_recall": 0.5, "speed": 1.0}) == [
        "source_hit_rate 0.0 < floor 0.9",
        "fact_recall None < floor 0.5",
        "floors: chat.speed: not a chat rate (one of source_hit_rate, fact_recall, procedure_complete_rate, "
        "step_recall, own_first_rate, grounded_rate, off_topic_rejection)",
    ]


def test_the_labelled_questions_load_and_a_broken_line_is_named(tmp_path: Path):
    questions = load_questions(HERE / "questions.jsonl")
    assert len(questions) >= 30 and len({q["id"] for q in questions}) == len(questions)
    assert sum(q["kind"] == "procedure" for q in questions) >= 15
    broken = tmp_path / "q.jsonl"
    broken.write_text("# comment\n" + json.dumps({"id": "x", "question": "?", "expect": {}}) + "\n")
    with pytest.raises(ValueError, match=r"q.jsonl:2"):
        load_questions(broken)
