"""What a technician gets from the offline chat (real app, bundled corpus, real model): symptoms
matched to what a code row means, the charger's own manual first and what it says is not
supported respected, procedures whole and in order, follow-ups that add only what is new, records
in plain words, and everyday questions recognised as not covered by the manuals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.intake.accept import accept_event
from app.intake.envelope import EventIn
from ingest.runner import IngestOptions, ingest
from knowledge.search import Searcher
from tests.conftest import bearer
from tests.test_approvals import held_back
from tests.test_chat import _CITED_LINE, assert_extractive, chat_api

pytestmark = pytest.mark.slow
VX22 = {"vendor": "Voltra Energy Systems GmbH", "model": "VX22-T2S"}


async def ask(client, keys, **body) -> dict:
    response = await client.post("/v1/chat", json=body, headers=bearer(keys["technician"]))
    assert response.status_code == 200, response.text
    return response.json()


def cited(answer: dict) -> list[tuple[str, str]]:
    """``(source, line)`` of every cited line, in answer order."""
    sources = {c["n"]: c["source"] for c in answer["citations"]}
    found = (_CITED_LINE.match(line) for line in answer["answer"].splitlines())
    return [(sources[int(m["n"])], m["text"]) for m in found if m]


def record(engine, charger_id: str, charger: dict, status: dict, version: str = "1.6") -> None:
    body = {"event_id": f"seed-{charger_id}", "charger_id": charger_id, "ocpp_version": version}
    body |= {"charger": charger, "status_notification": status}
    accept_event(engine, source="t", body=EventIn.model_validate(body), actor="test")


async def test_a_symptom_finds_the_code_row_that_means_it(engine, keys, bundled, tmp_path):
    async with chat_api(engine, bundled, tmp_path) as client:
        answer = await ask(client, keys, question="It keeps rebooting", **VX22)
    assert answer["grounded"] is True
    rows = [line for source, line in cited(answer) if line.startswith("Code ")]
    assert any(line.startswith("Code E-22 — Internal error") and "watchdog reset" in line for line in rows)
    assert {source.split("/")[0] for source, _ in cited(answer)} <= {"voltra", "_standard"}


async def test_a_tethered_charger_gets_its_own_manual_not_generic_unlock_advice(
    engine, keys, bundled, tmp_path
):
    available = {"connectorId": 2, "status": "Available", "errorCode": "NoError"}
    record(engine, "CP-T1", {"vendor": "Northwind Charging Inc.", "model": "NWC-AC11-P"}, available)
    async with chat_api(engine, bundled, tmp_path) as client:
        answer = await ask(
            client,
            keys,
            question="The cable on outlet 2 is stuck in the car, what do I do?",
            charger_id="CP-T1",
        )
    lines = cited(answer)
    assert lines[0][0].startswith("northwind/nw-ac11/"), "the charger's own manual comes first"
    assert any("UnlockConnector is not supported on this model" in line for _, line in lines)
    assert not [
        line for source, line in lines if source.startswith("_standard/") and "UnlockConnector" in line
    ]
    assert_extractive(answer, bundled)


@pytest.mark.parametrize(
    ("question", "heading", "steps"),
    [
        ("The driver can't remove the plug from the wallbox after charging", "6.3 Plug cannot be removed", 5),
        ("On hot afternoons the wallbox charges slower or stops", "6.4 Charging slows or stops", 4),
    ],
    ids=["one-page", "across-a-page-break"],
)
async def test_a_procedure_is_quoted_whole_and_in_order(
    engine, keys, bundled, tmp_path, question, heading, steps
):
    async with chat_api(engine, bundled, tmp_path) as client:
        answer = await ask(client, keys, question=question, **VX22)
    lines = answer["answer"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    numbered = [line for line in lines[start:] if re.match(r"^\d+\. ", line)]
    assert [int(line.split(".")[0]) for line in numbered[:steps]] == list(range(1, steps + 1))
    marks = {re.search(r"\[(\d+)\]$", line)[1] for line in numbered[:steps]}
    assert len(marks) == 1, "every step is cited to the one section"
    assert_extractive(answer, bundled)


async def test_a_follow_up_adds_only_what_is_new_not_the_whole_record(
    service, engine, keys, bundled, tmp_path
):
    held_back(service)
    async with chat_api(engine, bundled, tmp_path) as client:
        first = await ask(client, keys, question="What's wrong with CP-N1?", charger_id="CP-N1")
        follow = await ask(
            client, keys, question="and if that doesn't help?", conversation_id=first["conversation_id"]
        )
    records = first["answer"].split("From the manuals:")[0].splitlines()[1:]
    assert [line for line in records if line.strip()], "the first answer gives the records"
    assert "records of CP-N1" not in follow["answer"]
    assert not {line.strip() for line in records if line.strip()} & set(follow["answer"].splitlines())
    assert follow["grounded"] is True
    assert "Code 0x12 — Controller fault" in first["answer"]
    assert "Code 0x12 — Controller fault" not in follow["answer"], (
        "not again from the manual's copy of the table"
    )


async def test_records_read_in_a_technicians_words(service, engine, keys, bundled, tmp_path):
    faulted = {
        "timestamp": "2026-03-01T10:00:00Z",
        "connectorStatus": "Faulted",
        "evseId": 1,
        "connectorId": 1,
    }
    record(engine, "CP-E1", {"vendor": "Helios Power BV", "model": "H7-DUO-2S"}, faulted, version="2.0.1")
    while service.worker.run_once() is not None:
        pass
    async with chat_api(engine, bundled, tmp_path) as client:
        answer = await ask(client, keys, question="What's wrong with this charger?", charger_id="CP-E1")
    records = answer["answer"].split("From the manuals:")[0]
    assert "EVSE 1 connector 1: Faulted" in records
    assert "on EVSE 1 connector 1" in records and "Faulted, no error code" in records
    assert re.search(r"The guard (let|held back|allowed) trigger_status", records), records
    for label in ("e1:c1", "→", "Connector 1/1", "action_sent", "dry_run"):
        assert label not in records


@pytest.mark.parametrize(
    "question",
    ["What time does the sun set in Madrid in June?", "How hot is the surface of the sun?"],
)
async def test_an_everyday_question_sharing_words_with_the_manuals_is_not_covered(
    engine, keys, bundled, tmp_path, question
):
    async with chat_api(engine, bundled, tmp_path) as client:
        answer = await ask(client, keys, question=question)
    assert answer["grounded"] is False and answer["citations"] == []


@pytest.fixture
def unseen(corpus: Path, store, embed) -> Searcher:
    """The small test corpus: vendors, table headers and a manual layout the bundled one lacks."""
    ingest([corpus], store, embed, IngestOptions())
    return Searcher(store, embed, refresh_seconds=0)


async def test_manuals_never_seen_before(engine, keys, unseen, tmp_path):
    async with chat_api(engine, unseen, tmp_path) as client:
        symptom = await ask(
            client,
            keys,
            question="The contactor seems stuck closed after charging",
            vendor="ACME",
            model="DC-50",
        )
        procedure = await ask(
            client, keys, question="The session aborts in cable check", vendor="ACME", model="DC-50"
        )
    assert any(line.startswith("Code F021 — DC contactor welded") for _, line in cited(symptom))
    steps = [line for line in procedure["answer"].splitlines() if re.match(r"^\d+\. ", line)]
    assert [line[:2] for line in steps] == ["1.", "2.", "3."]
    assert all(
        source == "acme/dc-50/acme-dc-50-manual.pdf" for source, line in cited(procedure) if line[:2] in "123"
    )
