"""An evaluation: load the cases, build the knowledge and the reasoner once, replay every case,
score it, and check the result against quality floors."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.evaluation.cases import CaseError, load_cases
from app.evaluation.replay import Replayer
from app.evaluation.score import LLM_ANSWER_RATE, RATES, Scored, score_case, summary
from app.knowledge import build_searcher, embed_function, ingest_options, open_store
from app.pipeline import playbook_reasoner
from app.settings import Settings
from ingest.runner import ingest

Progress = Callable[[int, int, Scored], None]
"""Called after each case: ``(done, total, scored)``."""


FLOORED = (*RATES, LLM_ANSWER_RATE)
"""The rates a floors file may set (``llm_answer_rate`` applies to the LLM reasoner only)."""


@dataclass
class Evaluation:
    scored: list[Scored]
    unreadable: list[CaseError]
    reasoner: str = "playbook"

    @property
    def totals(self) -> dict[str, Any]:
        """The ``--json`` document (see :func:`app.evaluation.score.summary`)."""
        return summary(self.scored, self.unreadable, self.reasoner)

    def gate(self, floors: dict[str, float] | None = None) -> list[str]:
        """Why the evaluation fails the quality gate (empty: it passes): any unsafe case, any
        missed safety (an electrical-safety fault neither isolated nor escalated), any error, an
        LLM evaluation in which the LLM made no decision at all (the figures would be the
        playbook's), or a rate below its floor."""
        totals = self.totals
        failures = []
        if totals["unsafe"]:
            failures.append(f"unsafe = {totals['unsafe']} (must be 0)")
        if totals["missed_safety"]:
            ids = ", ".join(totals["missed_safety_ids"])
            failures.append(f"missed_safety = {totals['missed_safety']} (must be 0): {ids}")
        if totals["errors"]:
            failures.append(f"errors = {totals['errors']} (must be 0)")
        if totals[LLM_ANSWER_RATE] == 0:
            failures.append(f"{LLM_ANSWER_RATE} = 0: {totals['reasoner']['headline']}")
        for name, floor in (floors or {}).items():
            value = totals[name]
            if value is not None and value < floor and not (name == LLM_ANSWER_RATE and value == 0):
                failures.append(f"{name} = {value:.3f} is below its floor {floor:.3f}")
        return failures


class KnowledgeError(RuntimeError):
    """The knowledge store to evaluate against is empty or could not be built."""


def evaluate(
    paths: Sequence[Path],
    settings: Settings,
    *,
    knowledge: Path | None = None,
    reasoner: str = "playbook",
    progress: Progress | None = None,
) -> Evaluation:
    """Replay every case of ``paths``. ``knowledge``: a corpus folder ingested into a temporary
    store (the service's store is not touched); default: the service's store, which must not
    be empty. ``reasoner``: ``playbook`` or ``llm`` (the ``llm_*`` settings; it falls back to the
    playbook on any failure, as in the service, and the totals say how often)."""
    cases, unreadable = load_cases(paths)
    with tempfile.TemporaryDirectory(prefix="chargemedic-eval-") as tmp:
        workdir = Path(tmp)
        settings = settings.model_copy(update={"reasoner": reasoner})
        embed = embed_function(settings)
        searcher = build_searcher(settings, _store(settings, knowledge, workdir / "knowledge", embed))
        playbook = playbook_reasoner(settings, embed)
        replayer = Replayer(
            settings,
            workdir=workdir,
            search=searcher.search,
            playbook=playbook,
            embed=embed,
            reasoner=_reasoner(settings, playbook),
        )
        _warm_up(searcher, embed)
        catalog = searcher.store.catalog()
        scored = []
        for number, loaded in enumerate(cases, start=1):
            vendor = catalog.resolve_vendor(loaded.case.charger.vendor)
            scored.append(score_case(loaded.case, replayer.run(loaded.case, number), vendor=vendor))
            if progress:
                progress(number, len(cases), scored[-1])
    return Evaluation(scored, unreadable, reasoner)


def load_floors(path: Path, name: str, *, required: bool = False) -> dict[str, float]:
    """The floors of section ``name`` (a case file's stem, or the ``--floors-key`` given) from a
    YAML file mapping names to rates; ``ValueError`` naming the key for a rate that does not
    exist or is not in [0, 1], and — ``required`` — for a section the file does not have."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if required and name not in data:
        raise ValueError(f"{path}: no section {name!r} (sections: {', '.join(map(str, data))})")
    floors = data.get(name) or {}
    for key, value in floors.items():
        if key not in FLOORED:
            raise ValueError(f"{path}: {name}.{key}: not a rate (one of {', '.join(FLOORED)})")
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"{path}: {name}.{key}: must be a number from 0 to 1")
    return {key: float(value) for key, value in floors.items()}


def _store(settings: Settings, corpus: Path | None, folder: Path, embed):
    if corpus is None:
        store = open_store(settings)
        if store.count() == 0:
            raise KnowledgeError("the knowledge store is empty: run `chargemedic ingest` or pass --knowledge")
        return store
    if not corpus.is_dir():
        raise KnowledgeError(f"--knowledge {corpus}: not a folder")
    store = open_store(settings.model_copy(update={"data_dir": folder, "chroma_url": None}))
    report = ingest([corpus], store, embed, ingest_options(settings))
    if report.nothing_ingested:
        raise KnowledgeError(f"--knowledge {corpus}: no document could be ingested")
    return store


def _warm_up(searcher, embed) -> None:
    """Load the model and the lexical index before the first case, so latency is steady state."""
    embed(["warm-up"])
    searcher.search("warm-up", k=1)


def _reasoner(settings: Settings, playbook):
    if settings.reasoner != "llm":
        return playbook
    from app.agent.llm import LlmReasoner

    return LlmReasoner.from_settings(settings)
