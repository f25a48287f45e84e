"""The labelled chat questions and how an answer is scored against them (pure: no model, no I/O
beyond reading the question files).

A question (``evals/chat/questions.jsonl``, one JSON object a line, ``#`` lines skipped):

* ``id``, ``kind`` (``symptom`` or ``procedure``), ``question``, ``rationale`` (where in the manual
  the expectation comes from);
* context: ``vendor``/``model`` as a charger reports them, or ``charger`` — a charger the run records
  first (``id``, ``vendor``, ``model``, optional ``ocpp_version`` and ``status_notification``), asked
  about by its id;
* ``expect``: ``sources`` (any one cited is a hit: ``source`` is a path prefix, optional ``text``
  must be in the citation's section or in the lines cited with it), ``facts`` (each a string or a
  list of alternatives, found in the answer), ``steps`` (fragments of a procedure's steps, in the
  manual's order), ``lead`` (path prefixes the answer's first cited line must come from),
  ``absent`` (texts the answer must not contain);
* ``follow_up``: questions asked next in the same conversation, each with its own ``expect``.

Every text is compared case-insensitively with whitespace collapsed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_MARKER = re.compile(r"\[(\d+)\]")
_HEADINGS = re.compile(r"^(From the records of .*|From the manuals):$")
RATES = (
    "source_hit_rate",
    "fact_recall",
    "procedure_complete_rate",
    "step_recall",
    "own_first_rate",
    "grounded_rate",
    "off_topic_rejection",
)
COUNTS = ("follow_ups_repeating", "absent_violations")
SAME_START = 100
"""Counts that must be 0 whatever the floors say."""


@dataclass
class Asked:
    """One answered question: what was expected and what came back."""

    id: str
    expect: dict
    answer: str
    citations: list[dict]
    grounded: bool
    earlier: str | None = None
    """The previous answer of the conversation, for a follow-up."""


@dataclass
class Scores:
    """Per-measure hits and totals, and what each question missed."""

    hits: dict[str, float] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    misses: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, hit: float, total: int = 1, *, case: str = "", why: str = "") -> None:
        self.hits[name] = self.hits.get(name, 0.0) + hit
        self.totals[name] = self.totals.get(name, 0) + total
        if why and hit < total:
            self.misses.setdefault(case, []).append(why)

    def rates(self) -> dict[str, float | None]:
        return {n: (self.hits[n] / self.totals[n] if self.totals.get(n) else None) for n in RATES}


def load_questions(path: Path) -> list[dict]:
    """The questions of ``path``; ``ValueError`` naming the line for a malformed one."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            row = json.loads(line)
            if not row["question"].strip() or not row["expect"].get("sources"):
                raise KeyError("question and expect.sources")
        except (ValueError, KeyError, AttributeError) as exc:
            raise ValueError(f"{path.name}:{number}: not a question ({exc})") from exc
        questions.append(row)
    return questions


def load_off_topic(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def normal(text: str) -> str:
    return " ".join(text.split()).lower()


def score(asked: list[Asked], refused: list[tuple[str, bool]]) -> Scores:
    """Every measure over the answered labelled questions and the off-topic answers
    (``(question, refused)``: whether it was answered ``grounded: false``)."""
    scores = Scores()
    for item in asked:
        _score_one(scores, item)
    for question, refusal in refused:
        scores.add(
            "off_topic_rejection", float(refusal), case=f"off-topic: {question}", why="answered grounded"
        )
    return scores


def _score_one(scores: Scores, item: Asked) -> None:
    expect, text = item.expect, normal(item.answer)
    if item.earlier is None:
        scores.add("grounded_rate", float(item.grounded), case=item.id, why="not grounded")
    if expect.get("sources"):
        hit = any(_cites(item, wanted) for wanted in expect["sources"])
        scores.add("source_hit_rate", float(hit), case=item.id, why="expected source not cited")
    for fact in expect.get("facts", []):
        alternatives = [fact] if isinstance(fact, str) else fact
        found = any(normal(a) in text for a in alternatives)
        scores.add("fact_recall", float(found), case=item.id, why=f"fact missing: {alternatives[0]!r}")
    if steps := expect.get("steps"):
        found, in_order = _steps(text, steps)
        scores.add(
            "step_recall", found, len(steps), case=item.id, why=f"{len(steps) - found:g} step(s) missing"
        )
        scores.add(
            "procedure_complete_rate", float(in_order), case=item.id, why="procedure not whole in order"
        )
    if lead := expect.get("lead"):
        first = _first_source(item)
        hit = first is not None and first.startswith(tuple(lead))
        scores.add("own_first_rate", float(hit), case=item.id, why=f"first cited source {first!r}")
    for absent in expect.get("absent", []):
        if normal(absent) in text:
            scores.counts["absent_violations"] += 1
            scores.misses.setdefault(item.id, []).append(f"contains {absent!r}")
    if item.earlier is not None and (repeated := repeated_lines(item.earlier, item.answer)):
        scores.counts["follow_ups_repeating"] += 1
        scores.misses.setdefault(item.id, []).append(f"repeats {repeated[0]!r}")


def _cites(item: Asked, wanted: dict) -> bool:
    for citation in item.citations:
        if not citation["source"].startswith(wanted["source"]):
            continue
        if "text" not in wanted:
            return True
        cited = [line for line in item.answer.splitlines() if f"[{citation['n']}]" in line]
        seen = normal(" ".join([citation.get("section", ""), citation.get("snippet", ""), *cited]))
        if normal(wanted["text"]) in seen:
            return True
    return False


def _steps(text: str, steps: list[str]) -> tuple[int, bool]:
    """How many step fragments appear anywhere, and whether all appear one after the other."""
    found = sum(normal(step) in text for step in steps)
    at = 0
    for step in steps:
        position = text.find(normal(step), at)
        if position < 0:
            return found, False
        at = position + len(normal(step))
    return found, True


def _first_source(item: Asked) -> str | None:
    sources = {c["n"]: c["source"] for c in item.citations}
    for line in item.answer.splitlines():
        if (match := _MARKER.search(line)) and int(match[1]) in sources:
            return sources[int(match[1])]
    return None


def repeated_lines(earlier: str, answer: str) -> list[str]:
    """Lines of ``answer`` that ``earlier`` already said (headings and blank lines aside); a line
    starting with the same :data:`SAME_START` characters as an earlier one is the same statement
    (a code row quoted from the table file, then from the manual's copy of the table)."""
    before = {normal(_MARKER.sub("", line))[:SAME_START] for line in earlier.splitlines()}
    repeated = []
    for line in answer.splitlines():
        key = normal(_MARKER.sub("", line))[:SAME_START]
        if key and not _HEADINGS.match(line.strip()) and key in before:
            repeated.append(line.strip())
    return repeated


def gate(scores: Scores, floors: dict[str, float]) -> list[str]:
    """Reasons the chat gate fails: a count above 0, a rate below its floor (or not measured)."""
    problems = [f"{name} = {value} (must be 0)" for name, value in scores.counts.items() if value]
    rates = scores.rates()
    for name, floor in floors.items():
        if name not in RATES:
            problems.append(f"floors: chat.{name}: not a chat rate (one of {', '.join(RATES)})")
        elif rates[name] is None or rates[name] < floor:
            problems.append(f"{name} {rates[name]} < floor {floor}")
    return problems
