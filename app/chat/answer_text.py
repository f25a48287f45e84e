"""How an offline answer reads: the charger's records, then the manuals' own lines, each cited.

The only words not copied from a passage or a record are the fixed headings, a procedure's own
section heading above its steps, and the statement that the manuals do not cover the question.
In a follow-up the records are not repeated: only what is new in them since the last answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from app.agent.state import Cited
from app.chat.charger import ChargerBrief
from app.chat.extract import Selection
from app.chat.units import heading
from knowledge.schema import Passage

NOT_COVERED = (
    "The manuals and bulletins I have do not cover this question, so I will not guess. "
    "Try naming the error code, the symptom or the part, or the charger."
)
_PIECE = re.compile(r"[^\n]*\n|[^\n]+$")


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Cited]
    grounded: bool


def offline(brief: ChargerBrief | None, passages: Sequence[Passage], selection: Selection) -> Answer:
    """The selected lines grouped by passage in selection order, each ending with its ``[n]``
    (numbered from 1 in order of appearance), a whole procedure under its own heading; after the
    charger's records when the question is about one."""
    if not selection.lines:
        return not_found(brief)
    numbers: dict[int, int] = {}
    groups: list[list[str]] = []
    for line in selection.lines:
        if line.passage not in numbers:
            numbers[line.passage] = len(numbers) + 1
            groups.append([f"{heading(passages[line.passage])}:"] if line.passage in selection.whole else [])
        groups[-1].append(f"{line.text} [{numbers[line.passage]}]")
    manuals = "\n\n".join("\n".join(group) for group in groups)
    citations = [Cited.of(n, passages[i]) for i, n in numbers.items()]
    records = _records(brief)
    text = f"{records}From the manuals:\n{manuals}" if records else manuals
    return Answer(text, citations, True)


def not_found(brief: ChargerBrief | None) -> Answer:
    """No relevant passage: say so, with the charger's records when there is a charger."""
    return Answer(f"{_records(brief)}{NOT_COVERED}", [], False)


def pieces(text: str) -> Iterator[str]:
    """``text`` line by line (each with its newline), the units an offline answer streams in."""
    yield from _PIECE.findall(text)


def _records(brief: ChargerBrief | None) -> str:
    """The records block: all of it in a first answer; in a follow-up only the new lines, or
    nothing when there are none."""
    if brief is None:
        return ""
    if brief.news is None:
        return f"From the records of {brief.charger.id}:\n" + "\n".join(brief.lines) + "\n\n"
    if not brief.news:
        return ""
    news = "\n".join(brief.news)
    return f"New in the records of {brief.charger.id} since my last answer:\n{news}\n\n"
