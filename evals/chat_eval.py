"""`python -m evals.chat_eval [--gate] [--json OUT]`: the technician chat's offline answers scored
against labelled symptom and procedure questions (run by `make eval`, hence in CI).

Deterministic and offline: the extractive chat (no LLM) over the service's knowledge store, ingested
incrementally from the configured corpus as ``evals.retrieval`` does, and a fresh SQLite database in
a temporary folder. A question with a ``charger`` first records it through the real intake; a fault
it reports is processed by the pipeline (playbook reasoner, dry-run executor) so that its records
hold a diagnosis and the guard's decision. Follow-ups continue the same conversation.

Questions: ``evals/chat/questions.jsonl`` (format and measures: :mod:`evals.chat_score`) and
``evals/chat/off_topic.txt``. ``--gate`` exits 1 when a rate is below its floor in the ``chat``
section of ``evals/floors.yaml``, or a count that must be 0 is not.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

from evals.chat_score import COUNTS, RATES, Asked, gate, load_off_topic, load_questions, score

HERE = Path(__file__).parent
QUESTIONS = HERE / "chat" / "questions.jsonl"
OFF_TOPIC = HERE / "chat" / "off_topic.txt"
FLOORS = HERE / "floors.yaml"
OWNER = "chat-eval"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gate", action="store_true", help="exit 1 below the floors")
    parser.add_argument("--json", type=Path, help="also write the measures and misses here")
    args = parser.parse_args(argv)
    floors = (yaml.safe_load(FLOORS.read_text(encoding="utf-8")) or {}).get("chat") or {}
    with tempfile.TemporaryDirectory() as tmp:
        asked, refused = run(Path(tmp), load_questions(QUESTIONS), load_off_topic(OFF_TOPIC))
    scores = score(asked, refused)
    print(table(scores, len(asked), len(refused)))
    for case, reasons in scores.misses.items():
        print(f"  {case}: {'; '.join(reasons)}")
    problems = gate(scores, floors)
    for problem in problems:
        print(f"GATE: {problem}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        body = {"rates": scores.rates(), "counts": scores.counts, "misses": scores.misses}
        args.json.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return 1 if args.gate and problems else 0


def run(
    workdir: Path, questions: list[dict], off_topic: list[str]
) -> tuple[list[Asked], list[tuple[str, bool]]]:
    """Ask every question (and its follow-ups) and every off-topic question; the answers."""
    from app.chat.service import ChatService
    from app.knowledge import build_searcher, embed_function, ingest_options, open_store
    from app.settings import Settings
    from app.store.db import make_engine, upgrade
    from ingest.runner import ingest

    settings = Settings(chat_reasoner="extractive", executor="dry_run")
    store = open_store(settings)
    embed = embed_function(settings)
    ingest(settings.corpus_dirs, store, embed, ingest_options(settings))
    searcher = build_searcher(settings, store)
    engine = make_engine(f"sqlite:///{(workdir / 'chat-eval.db').as_posix()}")
    upgrade(engine)
    service = ChatService.from_settings(
        settings, engine=engine, search=searcher.search, embed=embed, relatedness=searcher.relatedness
    )
    record = _recorder(settings, engine, searcher.search, embed)
    asked = [answer for question in questions for answer in _conversation(service, record, question)]
    refused = [(q, not _ask(service, {"question": q})["grounded"]) for q in off_topic]
    engine.dispose()
    return asked, refused


def _conversation(service, record, question: dict) -> list[Asked]:
    """The question, then its follow-ups in the same conversation."""
    context = {k: question[k] for k in ("vendor", "model") if question.get(k)}
    if charger := question.get("charger"):
        record(charger)
        context = {"charger_id": charger["id"]}
    first = _ask(service, {"question": question["question"], **context})
    answers = [_asked(question["id"], question["expect"], first)]
    previous = first
    for number, follow in enumerate(question.get("follow_up", []), start=1):
        body = {"question": follow["question"], "conversation_id": previous["conversation_id"]}
        current = _ask(service, body)
        answers.append(
            _asked(f"{question['id']}/follow-up-{number}", follow["expect"], current, previous["answer"])
        )
        previous = current
    return answers


def _ask(service, body: dict) -> dict:
    from app.chat.schema import ChatRequest

    return service.answer(service.prepare(ChatRequest(**body), owner=OWNER)).model_dump()


def _asked(id_: str, expect: dict, answer: dict, earlier: str | None = None) -> Asked:
    return Asked(id_, expect, answer["answer"], answer["citations"], answer["grounded"], earlier)


def _recorder(settings, engine, search, embed):
    """``record(charger)``: the charger and its status notification through the real intake, then
    every queued fault through the pipeline."""
    from app.intake.accept import accept_event
    from app.intake.envelope import EventIn
    from app.pipeline import build_pipeline
    from app.store import queue
    from app.worker import Job

    process = build_pipeline(settings, engine=engine, search=search, embed=embed)

    def record(charger: dict) -> None:
        status = charger.get("status_notification") or {
            "connectorId": 1,
            "status": "Available",
            "errorCode": "NoError",
        }
        body = {
            "event_id": f"{OWNER}-{charger['id']}",
            "charger_id": charger["id"],
            "ocpp_version": charger.get("ocpp_version", "1.6"),
            "charger": {"vendor": charger["vendor"], "model": charger["model"]},
            "status_notification": status,
        }
        accept_event(engine, source=OWNER, body=EventIn.model_validate(body), actor=OWNER)
        while (item := queue.claim(engine, owner=OWNER, lease_seconds=300)) is not None:
            process(Job(engine, item))

    return record


def table(scores, labelled: int, off_topic: int) -> str:
    lines = [
        f"Chat (offline) on {labelled} labelled answers and {off_topic} off-topic questions",
        "",
        "| measure | value | over |",
        "|---|---|---|",
    ]
    rates = scores.rates()
    for name in RATES:
        value = "n/a" if rates[name] is None else f"{rates[name]:.3f}"
        lines.append(f"| {name} | {value} | {scores.totals.get(name, 0)} |")
    lines += [f"| {name} | {scores.counts[name]} | must be 0 |" for name in COUNTS]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
