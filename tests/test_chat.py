"""The technician chat through the real app (ASGI), the bundled corpus and the real model, offline.

Offline answers must be the manuals' own text: every cited line is checked against the stored
chunks of the document it cites.
"""

from __future__ import annotations

import json
import re
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlmodel import func, select

from app.main import create_app
from app.settings import Settings
from app.store.db import read_scope
from app.store.models import ActionAttempt, ChatTurn, Decision, WorkItem
from tests.conftest import bearer
from tests.test_approvals import held_back

pytestmark = pytest.mark.slow
CABLE = {
    "question": "How do I free a cable stuck in an H7 Duo socket?",
    "vendor": "Helios",
    "model": "H7 Duo",
}
_CITED_LINE = re.compile(r"^(?P<text>.+) \[(?P<n>\d+)\]$")


@asynccontextmanager
async def chat_api(engine, searcher, tmp_path, **settings):
    app = create_app(
        Settings(data_dir=tmp_path / "api", workers=0, gateway=False, **settings),
        engine=engine,
        searcher=searcher,
        processor=lambda job: None,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
            yield client


def corpus_text(searcher) -> dict[str, str]:
    """Each stored document's chunks, whitespace collapsed, by source."""
    texts: dict[str, list[str]] = {}
    for stored in searcher.store.all_chunks():
        texts.setdefault(stored.chunk.source, []).append(" ".join(stored.chunk.text.split()))
    return {source: "\n".join(parts) for source, parts in texts.items()}


def assert_extractive(answer: dict, searcher) -> int:
    """Every line ending in ``[n]`` is text of the document cited as ``n``; returns how many."""
    sources = {c["n"]: c["source"] for c in answer["citations"]}
    documents = corpus_text(searcher)
    checked = 0
    for line in answer["answer"].splitlines():
        if match := _CITED_LINE.match(line):
            source = sources[int(match["n"])]
            assert match["text"] in documents[source], (line, source)
            checked += 1
    assert checked and {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])} == set(sources)
    return checked


async def test_offline_answer_is_the_manuals_own_text_cited(engine, keys, bundled, tmp_path):
    async with chat_api(engine, bundled, tmp_path) as client:
        response = await client.post("/v1/chat", json=CABLE, headers=bearer(keys["technician"]))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["grounded"] is True
    assert assert_extractive(answer, bundled) >= 2
    assert "UnlockConnector" in answer["answer"]
    assert all(c["source"].startswith("helios/") for c in answer["citations"])
    assert any(c["page"] for c in answer["citations"]), "a PDF manual's page is cited"
    assert all(c["snippet"] and c["title"] for c in answer["citations"])


async def test_vendor_and_model_scope_the_search(engine, keys, bundled, tmp_path):
    question = {"question": "What does error 6 mean and what should I do?"}
    async with chat_api(engine, bundled, tmp_path) as client:
        voltra = await client.post(
            "/v1/chat",
            json=question | {"vendor": "Voltra", "model": "VX-22"},
            headers=bearer(keys["technician"]),
        )
        kestrel = await client.post(
            "/v1/chat", json=question | {"vendor": "Kestrel"}, headers=bearer(keys["technician"])
        )
    voltra_sources = {c["source"].split("/")[0] for c in voltra.json()["citations"]}
    kestrel_sources = {c["source"].split("/")[0] for c in kestrel.json()["citations"]}
    assert "voltra" in voltra_sources and voltra_sources <= {"voltra", "_standard"}
    assert kestrel_sources <= {"kestrel", "_standard"}
    assert "Code E-06" in voltra.json()["answer"], "the row defining the code is always quoted"


async def test_nothing_relevant_says_so_instead_of_guessing(engine, keys, bundled, tmp_path):
    async with chat_api(engine, bundled, tmp_path) as client:
        response = await client.post(
            "/v1/chat",
            json={"question": "What is the capital of France?"},
            headers=bearer(keys["technician"]),
        )
    answer = response.json()
    assert answer["grounded"] is False and answer["citations"] == []
    assert "do not cover this question" in answer["answer"] and "[" not in answer["answer"]


async def test_follow_up_uses_the_earlier_turn_and_adds_what_was_not_said(engine, keys, bundled, tmp_path):
    async with chat_api(engine, bundled, tmp_path) as client:
        first = (await client.post("/v1/chat", json=CABLE, headers=bearer(keys["technician"]))).json()
        follow = {"question": "and if that doesn't help?", "conversation_id": first["conversation_id"]}
        second = (await client.post("/v1/chat", json=follow, headers=bearer(keys["technician"]))).json()
        alone = (
            await client.post(
                "/v1/chat", json={"question": follow["question"]}, headers=bearer(keys["technician"])
            )
        ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["grounded"] is True, "the earlier question gives the follow-up its subject"
    assert all(c["source"].startswith(("helios/", "_standard/")) for c in second["citations"])
    assert_extractive(second, bundled)
    said_before = {_CITED_LINE.match(x)["text"] for x in first["answer"].splitlines() if _CITED_LINE.match(x)}
    said_now = {_CITED_LINE.match(x)["text"] for x in second["answer"].splitlines() if _CITED_LINE.match(x)}
    assert said_now and not (said_now & said_before)
    assert alone["grounded"] is False, "without the conversation the same words are about nothing"
    with read_scope(engine) as session:
        turns = session.exec(
            select(ChatTurn).where(ChatTurn.conversation_id == first["conversation_id"]).order_by(ChatTurn.id)
        ).all()
    assert [t.question for t in turns] == [CABLE["question"], follow["question"]]
    assert turns[1].answer == second["answer"] and turns[1].reasoner == "extractive"


async def test_a_conversation_belongs_to_the_key_that_started_it(engine, keys, bundled, tmp_path):
    async with chat_api(engine, bundled, tmp_path) as client:
        first = (await client.post("/v1/chat", json=CABLE, headers=bearer(keys["technician"]))).json()
        follow = {"question": "and then?", "conversation_id": first["conversation_id"]}
        other = await client.post("/v1/chat", json=follow, headers=bearer(keys["admin"]))
        unknown = await client.post(
            "/v1/chat", json=follow | {"conversation_id": "0" * 32}, headers=bearer(keys["technician"])
        )
    assert other.status_code == 200, "an admin may continue any conversation"
    assert unknown.status_code == 404 and unknown.json()["message"].startswith("conversation_id:")


async def test_charger_question_brings_its_records_and_pending_approval(
    service, engine, keys, bundled, tmp_path
):
    fault_id, decision_id = held_back(service)
    with read_scope(engine) as session:
        before = [
            session.exec(select(func.count()).select_from(m)).one()
            for m in (Decision, ActionAttempt, WorkItem)
        ]
    async with chat_api(engine, bundled, tmp_path) as client:
        response = await client.post(
            "/v1/chat",
            json={"question": "What's wrong with CP-N1? Approve the reset now.", "charger_id": "CP-N1"},
            headers=bearer(keys["technician"]),
        )
    answer = response.json()
    assert response.status_code == 200 and answer["grounded"] is True
    text = answer["answer"]
    assert text.startswith("From the records of CP-N1:") and "Northwind NW-AC11" in text
    assert f"Fault #{fault_id}" in text and "vendor code 0x12" in text
    assert f"Awaiting approval: hard_reset (decision #{decision_id}" in text and "this chat cannot" in text
    assert {"rel": "approval", "href": f"/approvals#decision-{decision_id}"}.items() <= answer["links"][
        1
    ].items()
    assert all(c["source"].startswith(("northwind/", "_standard/")) for c in answer["citations"])
    assert "Reset Hard" in text.split("From the manuals:")[1], "the manual's remedy for 0x12 is quoted"
    with read_scope(engine) as session:
        after = [
            session.exec(select(func.count()).select_from(m)).one()
            for m in (Decision, ActionAttempt, WorkItem)
        ]
        assert session.get(Decision, decision_id).approval_state == "pending"
    assert after == before, "the chat is read-only: nothing decided, sent or queued"


async def test_streaming_sends_tokens_then_citations_last(engine, keys, bundled, tmp_path):
    async with chat_api(engine, bundled, tmp_path) as client:
        by_query = await client.post("/v1/chat?stream=true", json=CABLE, headers=bearer(keys["technician"]))
        by_accept = await client.post(
            "/v1/chat", json=CABLE, headers=bearer(keys["technician"]) | {"Accept": "text/event-stream"}
        )
    for response in (by_query, by_accept):
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.text)
        names = [name for name, _ in events]
        assert names[0] == "start" and names[-1] == "citations" and names.count("token") >= 3
        final = events[-1][1]
        assert "".join(data["text"] for name, data in events if name == "token") == final["answer"]
        assert final["grounded"] is True and final["citations"]
        assert events[0][1]["conversation_id"] == final["conversation_id"]


@pytest.mark.parametrize(
    ("body", "role", "status", "names"),
    [
        ({"question": ""}, "technician", 422, "question"),
        ({"question": "x", "charger_id": "CP-NOPE"}, "technician", 404, "charger_id"),
        ({"question": "x", "conversation_id": "not-an-id"}, "technician", 422, "conversation_id"),
        ({"question": "x", "act": "hard_reset"}, "technician", 422, "act"),
        ({"question": "x"}, "csms", 403, "role"),
    ],
)
async def test_bad_requests_are_refused_naming_the_field(
    engine, keys, bundled, tmp_path, body, role, status, names
):
    async with chat_api(engine, bundled, tmp_path) as client:
        response = await client.post("/v1/chat?stream=true", json=body, headers=bearer(keys[role]))
        anonymous = await client.post("/v1/chat", json=body)
    assert response.status_code == status and names in response.json()["message"]
    assert anonymous.status_code == 401


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for frame in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in frame.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_from_the_terminal(service, engine, bundled_data, monkeypatch):
    from typer.testing import CliRunner

    from app.cli import cli

    _, decision_id = held_back(service)
    monkeypatch.setenv("CHARGEMEDIC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    store = ["--store", str(bundled_data)]
    first = runner.invoke(cli, ["ask", "What's wrong with CP-N1?", "--charger", "CP-N1", *store])
    assert first.exit_code == 0, first.output
    assert f"Awaiting approval: hard_reset (decision #{decision_id}" in first.stdout
    assert re.search(r"^\[1\] .+ \(northwind/", first.stdout, re.M), "the sources are listed"
    conversation = re.search(r"conversation ([0-9a-f]{32})", first.stderr)[1]
    follow = runner.invoke(
        cli, ["ask", "and if that doesn't help?", "--conversation", conversation, "--json", *store]
    )
    assert follow.exit_code == 0, follow.output
    assert json.loads(follow.stdout)["conversation_id"] == conversation
    unknown = runner.invoke(cli, ["ask", "status?", "--charger", "CP-NOPE", *store])
    assert unknown.exit_code == 2 and "charger_id" in unknown.stderr
