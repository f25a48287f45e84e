"""What an offline answer is made of: a passage's lines grouped into units that are quoted or
left out as a whole.

* a **row** — one code-table row (code, title, cause, remedy): matched by what it *means*, its
  text before the remedy, since a symptom describes the condition, not what to do about it;
* a **procedure** — a passage with numbered steps: all its lines, in order, never some steps of
  it; matched by what it is for — its heading, its heading path (a bulletin's "Action" says what
  it is about only under the bulletin's own heading) and any lines between the steps — and, less, by
  its steps (they say what to do, and share many words with unrelated questions);
* a **sentence** — any other sentence, bullet or table line, on its own.

Nothing here knows a vendor: rows are recognised by the code they define, procedures by their
numbering, and the remedy by the label the ingest renders every row's remedy column with.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.names import STANDARD_VENDOR
from knowledge.schema import ROW_FIELD_LABELS, DocType, Passage

ROW, PROCEDURE, SENTENCE = "row", "procedure", "sentence"
REMEDY_LABEL = f" {ROW_FIELD_LABELS['remedy']}:"
"""How ingest renders a code-table row's remedy column (``Code X — Title. Cause: … Remedy: …``)."""
_NUMBERED = re.compile(r"^\s*\(?\d{1,2}[.)]\s+")
_NUMBERING = re.compile(r"^\s*[\d.]+\s+")
"""A heading's section number (``6.3 ``)."""
_STEP = re.compile(r"^\s*(?:[-•*–]|\(?\d{1,2}[.)]|[a-z][.)])\s+")
_ABBREVIATIONS = "".join(
    rf"(?<!(?i:\b{re.escape(a)}\.))" for a in ("e.g", "i.e", "approx", "p", "no", "fig", "min", "max", "vs")
)
_SENTENCE_END = re.compile(_ABBREVIATIONS + r"(?<=[.!?;])\s+(?=[\"“(]?[A-Z0-9])")
_MIN_WORDS = 5
_NOT_SUPPORTED = re.compile(r"\bnot supported\b|\bNotSupported\b|\bnot support\b", re.I)
_COMMAND = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")
"""An OCPP message name as written in running text (``UnlockConnector``)."""
WHOLE_ROW_TYPES = frozenset({DocType.error_codes})


@dataclass(frozen=True)
class Line:
    """A sentence or step of passage ``passage`` (index into the passages), ``order``-th in it."""

    passage: int
    order: int
    text: str


@dataclass(frozen=True)
class Unit:
    """Lines quoted together; ``match`` are the texts the question is compared with, ``detail``
    texts that count less (a procedure's steps)."""

    kind: str
    passage: int
    lines: tuple[Line, ...]
    match: tuple[str, ...]
    detail: tuple[str, ...] = ()


def split_lines(passage: Passage) -> list[str]:
    """The passage's steps (bulleted or numbered lines), table rows and sentences, whitespace collapsed.

    Error-code table rows are kept whole; fragments shorter than five words (labels, headers) are dropped.
    """
    return list(_split(passage.text, is_row(passage)))


@functools.lru_cache(maxsize=4096)
def _split(text: str, row: bool) -> tuple[str, ...]:
    """:func:`split_lines` of one text (remembered: the same passages come back often)."""
    if row:
        return (" ".join(text.split()),)
    pieces: list[str] = []
    prose: list[str] = []
    for raw in text.splitlines():
        if _STEP.match(raw) or "|" in raw:
            pieces += _sentences(" ".join(prose))
            prose = []
            pieces.append(" ".join(raw.split()))
        elif raw.strip():
            prose.append(raw.strip())
        else:
            pieces += _sentences(" ".join(prose))
            prose = []
    pieces += _sentences(" ".join(prose))
    return tuple(p for p in pieces if len(p.split()) >= _MIN_WORDS)


def is_row(passage: Passage) -> bool:
    return passage.doc_type in WHOLE_ROW_TYPES or bool(passage.defines)


def units_of(index: int, passage: Passage, lines: Sequence[Line]) -> list[Unit]:
    """The units of one passage's remaining ``lines`` (those not yet said)."""
    if not lines:
        return []
    if is_row(passage):
        meaning = lines[0].text.split(REMEDY_LABEL, 1)[0]
        return [Unit(ROW, index, (lines[0],), tuple(_sentences(meaning)) or (meaning,))]
    steps = [line.text for line in lines if _NUMBERED.match(line.text)]
    if len(steps) >= 2:
        path = [_NUMBERING.sub("", part) for part in passage.citation.section.split(" > ") if part]
        purpose = [
            path[-1] if path else passage.citation.title,
            *([" > ".join(path)] if len(path) > 1 else []),
        ]
        purpose += [line.text for line in lines if not _NUMBERED.match(line.text)]
        return [Unit(PROCEDURE, index, tuple(lines), tuple(purpose), tuple(steps))]
    return [Unit(SENTENCE, index, (line,), (line.text,)) for line in lines]


def heading(passage: Passage) -> str:
    """The passage's own heading: the last part of its section path (or its title)."""
    return passage.citation.section.rsplit(" > ", 1)[-1] or passage.citation.title


def unsupported(passages: Sequence[Passage]) -> set[str]:
    """Commands the charger's own documents say it does not support: the OCPP message names in
    their sentences that say "not supported" / ``NotSupported``."""
    names: set[str] = set()
    for passage in passages:
        if passage.vendor == STANDARD_VENDOR:
            continue
        for text in split_lines(passage):
            if _NOT_SUPPORTED.search(text):
                names |= {n for n in _COMMAND.findall(text) if n != "NotSupported"}
    return names


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]
