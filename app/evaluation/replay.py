"""Replaying one case through the real pipeline on a database of its own.

Each case gets a fresh SQLite database (a copy of one migrated template), seeded with its
charger and history through the real intake, then its event is accepted exactly as
``POST /v1/events`` accepts it and every fault it queues is processed by the service's own
pipeline (graph, guard with the configured policy, dry-run executor). What is scored is read
back from the database: the guard's final decision and every escalation raised.

Times: the whole case is moved so that its event happens now (gaps are kept), because the
guard's windows and cooldowns count back from the moment of the decision.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from app.agent.nodes import SearchFn, retrieve
from app.agent.playbook import PlaybookReasoner
from app.agent.state import ChargerFacts, FaultFacts, History, Reasoner
from app.evaluation.cases import Case, Shift, parse_time
from app.evaluation.llm_use import LLM, Decider, LlmMeter, LlmUse, decider
from app.evaluation.seed import SOURCE, Seeder
from app.guard.policy import Verdict
from app.intake.accept import accept_event
from app.pipeline import build_pipeline
from app.settings import Settings
from app.store import queue
from app.store.db import make_engine, session_scope, upgrade
from app.store.models import Decision, Escalation, WorkItem, utcnow
from app.worker import Job

_WOULD_RUN = frozenset({Verdict.EXECUTE.value, Verdict.DRY_RUN.value})
"""Verdicts under which the action would be sent without anyone approving it."""


@dataclass
class Run:
    """What the pipeline did with one case (``error`` set when it crashed)."""

    action: str | None = None
    """The final action of the event's fault: what executes, or waits for approval; ``none``
    when the guard let nothing through or no fault was opened."""
    verdict: str | None = None
    escalate: bool | None = None
    fault_class: str | None = None
    diagnosis: str = ""
    citations: list[str] = field(default_factory=list)
    automatic: list[str] = field(default_factory=list)
    """Device actions of this run that would be sent without approval (every fault it queued)."""
    reasoner: str | None = None
    decider: Decider | None = None
    """Who made the decision (the LLM, or the playbook as configured or as its fallback)."""
    llm: LlmUse | None = None
    """The LLM requests the case caused (reasoner ``llm`` only)."""
    latency_ms: float | None = None
    error: str | None = None


class Replayer:
    """Runs cases one by one in ``workdir`` (a temporary folder the caller owns)."""

    def __init__(
        self,
        settings: Settings,
        *,
        workdir: Path,
        search: SearchFn,
        playbook: PlaybookReasoner,
        embed=None,
        reasoner: Reasoner | None = None,
    ) -> None:
        self.settings = settings
        self.workdir = workdir
        self.search = search
        self.playbook = playbook
        self.embed = embed
        self.reasoner = reasoner
        self.template = workdir / "template.db"
        engine = make_engine(f"sqlite:///{self.template}")
        upgrade(engine)
        engine.dispose()  # closes the last connection: the WAL is checkpointed into the file

    def run(self, case: Case, number: int) -> Run:
        """Replay ``case``; a crash anywhere is returned as the run's ``error``, never raised."""
        path = self.workdir / f"case-{number}.db"
        shutil.copyfile(self.template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            return self._replay(engine, case)
        except Exception as exc:  # a case that crashes is a scored error, the others still run
            return Run(error=f"{type(exc).__name__}: {exc}")
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def _replay(self, engine: Engine, case: Case) -> Run:
        shift = Shift(utcnow() - (reference_time(case) or utcnow()))
        process = build_pipeline(
            self.settings,
            engine=engine,
            search=self.search,
            embed=self.embed,
            reasoner=self.reasoner,
            playbook=self.playbook,
        )
        Seeder(engine, case, shift, self._classify).seed()
        accepted = accept_event(
            engine,
            source=SOURCE,
            body=case.event_body(shift),
            actor=SOURCE,
            reprocess_at=self.settings.recurrence_count,
        )
        if not accepted.result.faults_opened:
            _requeue(engine, accepted.result.faults_recurring, case.charger.id)
        meter = LlmMeter() if self.settings.reasoner == LLM else None
        before = meter.reading() if meter else None
        started = time.perf_counter()
        processed = _process_queue(engine, process)
        latency = (time.perf_counter() - started) * 1000 if processed else None
        primary = (accepted.result.faults_opened or accepted.result.faults_recurring or processed or [None])[
            0
        ]
        run = _read_run(engine, primary if primary in processed else None, latency)
        run.llm = meter.since(before) if meter else None
        return run

    def _classify(self, fault: FaultFacts, charger: ChargerFacts) -> str:
        """A recorded fault's class, as the playbook sees it (no decision is made for it)."""
        passages = retrieve(self.search, fault, charger)
        return self.playbook.reason(fault, charger, History(), passages).diagnosis.fault_class.value


def reference_time(case: Case) -> datetime | None:
    """The case's "now": its event's time (``occurred_at``, else the latest time in its payload),
    else its last history entry's."""
    if isinstance(at := case.event.get("occurred_at"), str) and (parsed := parse_time(at)):
        return parsed
    times = _payload_times(case.event)
    if times:
        return max(times)
    return case.history[-1].at if case.history else None


def _requeue(engine: Engine, fault_ids: list[int], charger_id: str) -> None:
    """Queue the open faults the event repeated, unless the intake already did: the case's event
    is always diagnosed, as the service re-diagnoses a fault that keeps recurring."""
    with session_scope(engine) as session:
        if session.exec(select(WorkItem.id).where(WorkItem.finished_at.is_(None)).limit(1)).first() is None:
            queue.enqueue(session, kind=queue.PROCESS_FAULT, items=[(f, charger_id) for f in fault_ids])


def _process_queue(engine: Engine, process) -> list[int]:
    """Process every queued item as a worker would; the faults processed, in order. An error
    propagates (the case is reported as crashed)."""
    processed = []
    while (item := queue.claim(engine, owner=SOURCE, lease_seconds=300)) is not None:
        process(Job(engine, item))
        processed.append(item.fault_id)
    return processed


def _read_run(engine: Engine, fault_id: int | None, latency_ms: float | None) -> Run:
    with session_scope(engine) as session:
        decisions = session.exec(select(Decision).order_by(Decision.id)).all()
        escalated = session.exec(select(Escalation.id).limit(1)).first() is not None
        automatic = [d.action for d in decisions if d.verdict in _WOULD_RUN and d.action != "none"]
        primary = next((d for d in decisions if d.fault_id == fault_id), None)
        if primary is None:
            return Run(action="none", escalate=escalated, automatic=automatic, latency_ms=latency_ms)
        gated = primary.verdict in (*_WOULD_RUN, Verdict.NEEDS_APPROVAL.value)
        return Run(
            action=primary.action if gated else "none",
            verdict=primary.verdict,
            escalate=escalated,
            fault_class=primary.diagnosis.get("fault_class"),
            diagnosis=primary.diagnosis.get("text", ""),
            citations=[c["source"] for c in primary.diagnosis.get("citations", [])],
            automatic=automatic,
            reasoner=primary.reasoner,
            decider=decider(session, primary.fault_id, primary.reasoner),
            latency_ms=latency_ms,
        )


def _payload_times(value) -> list[datetime]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in Shift.KEYS and isinstance(item, str) and (parsed := parse_time(item)):
                found.append(parsed)
            else:
                found += _payload_times(item)
        return found
    if isinstance(value, list):
        return [t for item in value for t in _payload_times(item)]
    return []
