"""The offline answer: the passages' own sentences and steps that answer the question, cited.

Nothing here writes prose about the equipment: every line of the answer is a sentence or a step
copied from a retrieved passage, with that passage's ``[n]``. Which lines are chosen is decided
by the embedding similarity of each line to the question (the same MiniLM model the search uses),
so the choice is deterministic for a given corpus and question.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.codes import codes_in_query, query_keys
from knowledge.names import STANDARD_VENDOR
from knowledge.schema import DocType, Passage

Embed = Callable[[list[str]], np.ndarray]

_STEP = re.compile(r"^\s*(?:[-•*–]|\(?\d{1,2}[.)]|[a-z][.)])\s+")
_ABBREVIATIONS = "".join(
    rf"(?<!(?i:\b{re.escape(a)}\.))" for a in ("e.g", "i.e", "approx", "p", "no", "fig", "min", "max", "vs")
)
_SENTENCE_END = re.compile(_ABBREVIATIONS + r"(?<=[.!?;])\s+(?=[\"“(]?[A-Z0-9])")
_MIN_WORDS = 5
_SAME_PREFIX = 120
"""Lines agreeing on their first characters are the same statement (a code row in a table and a manual)."""
RELATIVE_FLOOR = 0.6
"""A chosen line is at least this fraction as similar to the question as the best line."""
PREFER_BONUS = 0.1
WHOLE_ROW_TYPES = frozenset({DocType.error_codes})
"""Passages kept whole: an error-code row is one statement (code, meaning, cause, remedy)."""


@dataclass(frozen=True)
class Line:
    """A sentence or step of passage ``passage`` (index into the passages), ``order``-th in it."""

    passage: int
    order: int
    text: str


@dataclass(frozen=True)
class Selection:
    """The chosen lines in reading order, and which passages were relevant at all."""

    lines: list[Line]
    relevant: list[int]
    best_similarity: float


def split_lines(passage: Passage) -> list[str]:
    """The passage's steps (bulleted or numbered lines), table rows and sentences, whitespace collapsed.

    Error-code table rows are kept whole; fragments shorter than five words (labels, headers) are dropped.
    """
    if passage.doc_type in WHOLE_ROW_TYPES or passage.defines:
        return [" ".join(passage.text.split())]
    pieces: list[str] = []
    prose: list[str] = []
    for raw in passage.text.splitlines():
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
    return [p for p in pieces if len(p.split()) >= _MIN_WORDS]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def select_lines(
    embed: Embed,
    focus: str,
    passages: Sequence[Passage],
    *,
    min_similarity: float,
    max_lines: int,
    codes: Sequence[str] = (),
    per_passage: int = 3,
    already_said: str = "",
    prefer: Callable[[str], bool] | None = None,
) -> Selection:
    """The lines of ``passages`` that best answer ``focus``, in reading order.

    The table rows defining a code in ``codes`` or named in ``focus`` are always chosen (see
    :func:`_defining_rows`). Otherwise a
    passage is relevant when one of its lines reaches ``min_similarity`` to ``focus``, and its
    lines are chosen most similar first, while they reach both ``min_similarity`` and
    :data:`RELATIVE_FLOOR` of the best line — at most ``per_passage`` per passage and ``max_lines``
    in all. Lines ``already_said`` contains are skipped (a follow-up adds what was not said yet),
    as are repeats; ``prefer`` marks lines that get a bonus (e.g. what to do if a fix did not help).
    """
    candidates = _candidates(passages, already_said)
    if not candidates:
        return Selection([], [], 0.0)
    vectors = embed([focus, *(line.text for line in candidates)])
    sims = [float(s) for s in vectors[1:] @ vectors[0]]
    pinned = _defining_rows(candidates, passages, [*codes, *codes_in_query(focus)])[:max_lines]
    best_in: dict[int, float] = {}
    for line, sim in zip(candidates, sims, strict=True):
        best_in[line.passage] = max(sim, best_in.get(line.passage, -1.0))
    relevant = {i for i, best in best_in.items() if best >= min_similarity} | {p.passage for p in pinned}
    bonus = (lambda text: PREFER_BONUS if prefer(text) else 0.0) if prefer else (lambda _: 0.0)
    scored = [
        (sim + bonus(line.text), line)
        for line, sim in zip(candidates, sims, strict=True)
        if line.passage in relevant and line not in pinned
    ]
    floor = max(min_similarity, RELATIVE_FLOOR * max(sims))
    chosen = pinned + _best(scored, floor=floor, max_lines=max_lines - len(pinned), per_passage=per_passage)
    ordered = sorted(chosen, key=lambda line: (line.passage, line.order))
    return Selection(ordered, sorted(relevant), max(sims))


def _defining_rows(candidates: list[Line], passages: Sequence[Passage], codes: list[str]) -> list[Line]:
    """The lines of the table rows defining ``codes`` that are closest to the charger: its vendor's
    own rows before the standards', an exact code before a bare-number alias."""
    asked: dict[str, int] = {}
    for key, strength in query_keys(codes):
        asked[key] = min(strength, asked.get(key, strength))
    ranked = []
    for line in candidates:
        passage = passages[line.passage]
        strengths = [asked[key] for key in passage.defines if key in asked]
        if strengths:
            ranked.append(((passage.vendor == STANDARD_VENDOR, min(strengths)), line))
    best = min((rank for rank, _ in ranked), default=None)
    return [line for rank, line in ranked if rank == best]


def _candidates(passages: Sequence[Passage], already_said: str) -> list[Line]:
    """Every line of every passage, but those already said and repeats of an earlier line."""
    seen: set[str] = set()
    lines = []
    for i, passage in enumerate(passages):
        for j, text in enumerate(split_lines(passage)):
            key = _normal(text)
            if key[:_SAME_PREFIX] not in seen and key not in already_said:
                seen.add(key[:_SAME_PREFIX])
                lines.append(Line(i, j, text))
    return lines


class CachedEmbed:
    """``embed`` remembering up to ``size`` texts' vectors (the same manual lines come back for
    the same faults), embedding the rest in small batches of similar length (padding is costly)."""

    def __init__(self, embed: Embed, *, size: int = 20_000, batch: int = 8) -> None:
        self._embed = embed
        self._size = size
        self._batch = batch
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = sorted({t for t in texts if t not in self._vectors}, key=len)
        fresh = {}
        for start in range(0, len(missing), self._batch):
            batch = missing[start : start + self._batch]
            fresh.update(zip(batch, self._embed(batch), strict=True))
        with self._lock:
            for text, vector in fresh.items():
                self._vectors[text] = vector
            rows = [fresh.get(t) if t in fresh else self._vectors[t] for t in texts]
            for text in texts:
                self._vectors.move_to_end(text)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return np.stack(rows)


def _best(scored: list[tuple[float, Line]], *, floor: float, max_lines: int, per_passage: int) -> list[Line]:
    chosen: list[Line] = []
    taken: dict[int, int] = {}
    for score, line in sorted(scored, key=lambda item: -item[0]):
        if score < floor or len(chosen) >= max_lines:
            break
        if taken.get(line.passage, 0) < per_passage:
            chosen.append(line)
            taken[line.passage] = taken.get(line.passage, 0) + 1
    return chosen


def _normal(text: str) -> str:
    return " ".join(text.split())


def said(texts: Sequence[str]) -> str:
    """Earlier answers, normalised so that :func:`select_lines` can skip what they contain."""
    return "\n".join(_normal(t) for t in texts)
