"""The offline answer: the passages' own rows, procedures and sentences that answer the question, cited.

Nothing here writes prose about the equipment: every line of the answer is a sentence, a step or
a table row copied from a retrieved passage, with that passage's ``[n]``. What is chosen is decided
by the embedding similarity (the same MiniLM model the search uses) of the question — and of the
phrases the domain vocabulary says it implies — to each unit's texts (see :mod:`app.chat.units`),
so the choice is deterministic for a given corpus and question. The charger's own documents come
before the vendor-neutral references, and a reference's line recommending a command the charger's
own documents call not supported is left out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.chat.scoring import Scored, score_units
from app.chat.units import PROCEDURE, ROW, Line, Unit, split_lines, units_of, unsupported
from knowledge.codes import codes_in_query, query_keys
from knowledge.names import STANDARD_VENDOR
from knowledge.schema import Passage

__all__ = ["CachedEmbed", "Embed", "Line", "Selection", "said", "select_lines", "split_lines"]

Embed = Callable[[list[str]], np.ndarray]

_SAME_PREFIX = 120
"""Lines agreeing on their first characters are the same statement (a code row in a table and a manual)."""
RELATIVE_FLOOR = 0.6
"""A chosen unit is at least this fraction as similar to the question as the best unit."""
MAX_ROWS = 2
"""Code-table rows chosen by what they mean (rows defining a code the question names come on top)."""
MAX_PROCEDURES = 1
"""Whole procedures per answer; their steps do not count against ``max_lines``."""
PER_PASSAGE = 3
MAX_RELEVANT = 6
"""Most passages the LLM is shown (more when the offline answer quotes more)."""


@dataclass(frozen=True)
class Selection:
    """The chosen lines in answer order (the passages' by rank, each passage's in reading order),
    the passages relevant at all, and which passages are quoted whole (procedures)."""

    lines: list[Line]
    relevant: list[int]
    best_similarity: float
    whole: frozenset[int] = frozenset()


def select_lines(
    embed: Embed,
    focus: str,
    passages: Sequence[Passage],
    *,
    min_similarity: float,
    max_lines: int,
    codes: Sequence[str] = (),
    already_said: str = "",
    prefer: Callable[[str], bool] | None = None,
    implied: Sequence[str] = (),
    related: bool = True,
) -> Selection:
    """The rows, procedures and sentences of ``passages`` that best answer ``focus``.

    The table rows defining a code in ``codes`` or named in ``focus`` are always chosen (see
    :func:`_defining_rows`); they are all that is chosen when the question is not ``related`` to
    what the corpus is about (then nothing else is compared). Otherwise a unit is relevant when
    one of its texts reaches ``min_similarity`` to ``focus`` or to a phrase it ``implied``;
    relevant units are chosen best first while they reach :data:`RELATIVE_FLOOR` of the best:
    at most :data:`MAX_PROCEDURES` whole procedures, :data:`MAX_ROWS` rows, and sentences up to
    ``max_lines`` lines in all (:data:`PER_PASSAGE` per passage). When no text reaches
    ``min_similarity`` to the question itself, only the defining rows are chosen. Lines
    ``already_said`` contains are skipped (a follow-up adds what was not said yet; a procedure
    partly said is left out whole), as are repeats; ``prefer`` marks lines that get a bonus
    (e.g. what to do if a fix did not help). Scores: :mod:`app.chat.scoring`.
    """
    units = _units(passages, already_said)
    rows = [unit for unit in units if unit.kind == ROW]
    defining = _defining_rows(rows, passages, [*codes, *codes_in_query(focus)])[:max_lines]
    if not related or not units:
        pinned = [Scored(unit, 1.0, passages[unit.passage].vendor == STANDARD_VENDOR) for unit in defining]
        return Selection(_ordered(pinned), sorted({s.unit.passage for s in pinned}), 0.0)
    scored, best_question = score_units(embed, focus, implied, units, passages, prefer)
    pinned = [s for s in scored if s.unit in defining]
    if best_question < min_similarity:  # nothing is about the question itself: only named codes
        return Selection(_ordered(pinned), sorted({s.unit.passage for s in pinned}), best_question)
    relevant = [s for s in scored if s.score >= min_similarity or s in pinned]
    floor = max(min_similarity, RELATIVE_FLOOR * max(s.score for s in scored))
    others = [s for s in relevant if s not in pinned]
    chosen = pinned + _best(others, floor, max_lines - len(pinned))
    first = [Scored(s.unit, max(s.score, 1.0), s.standard) for s in pinned]  # the code asked about leads
    return Selection(
        _ordered(first + chosen[len(pinned) :]),
        _relevant(chosen, [s for s in relevant if s.unit.kind != ROW]),
        best_question,
        frozenset(s.unit.passage for s in chosen if s.unit.kind == PROCEDURE),
    )


def _relevant(chosen: list[Scored], others: list[Scored]) -> list[int]:
    """The passages an LLM answer is shown, in search order: those quoted, then the best other
    relevant ones up to :data:`MAX_RELEVANT` in all."""
    keep = list(dict.fromkeys(s.unit.passage for s in chosen))
    for item in sorted(others, key=lambda s: -s.score):
        if len(keep) >= MAX_RELEVANT:
            break
        if item.unit.passage not in keep:
            keep.append(item.unit.passage)
    return sorted(keep)


def _units(passages: Sequence[Passage], already_said: str) -> list[Unit]:
    """Every passage's units, without lines already said, repeats of an earlier line, or (in the
    vendor-neutral references) lines about a command the charger's own documents do not support."""
    banned = unsupported(passages)
    seen: set[str] = set()
    units: list[Unit] = []
    for i, passage in enumerate(passages):
        every = [Line(i, j, text) for j, text in enumerate(split_lines(passage))]
        lines = []
        for line in every:
            key = _normal(line.text)
            if key[:_SAME_PREFIX] in seen or key[:_SAME_PREFIX] in already_said:
                continue
            if passage.vendor == STANDARD_VENDOR and any(name in line.text for name in banned):
                continue
            seen.add(key[:_SAME_PREFIX])
            lines.append(line)
        if len(lines) < len(every) and any(u.kind == PROCEDURE for u in units_of(i, passage, every)):
            continue  # never some steps of a procedure: it was said (or is not to be) as a whole
        units += units_of(i, passage, lines)
    return units


def _defining_rows(rows: list[Unit], passages: Sequence[Passage], codes: list[str]) -> list[Unit]:
    """The table rows defining ``codes`` that are closest to the charger: its vendor's own rows
    before the standards', an exact code before a bare-number alias."""
    asked: dict[str, int] = {}
    for key, strength in query_keys(codes):
        asked[key] = min(strength, asked.get(key, strength))
    ranked = []
    for row in rows:
        passage = passages[row.passage]
        strengths = [asked[key] for key in passage.defines if key in asked]
        if strengths:
            ranked.append(((passage.vendor == STANDARD_VENDOR, min(strengths)), row))
    best = min((rank for rank, _ in ranked), default=None)
    return [row for rank, row in ranked if rank == best]


def _best(scored: list[Scored], floor: float, budget: int) -> list[Scored]:
    """Best first above ``floor``: the charger's own documents before the references at equal
    footing, within the per-kind limits and ``budget`` lines (a procedure's steps aside)."""
    chosen: list[Scored] = []
    kinds = {PROCEDURE: 0, ROW: 0}
    per_passage: dict[int, int] = {}
    for item in sorted(scored, key=lambda s: -s.score):
        unit = item.unit
        if item.score < floor:
            break
        if unit.kind == PROCEDURE and kinds[PROCEDURE] < MAX_PROCEDURES:
            kinds[PROCEDURE] += 1
        elif unit.kind == ROW and kinds[ROW] < MAX_ROWS and budget > 0:
            kinds[ROW] += 1
            budget -= 1
        elif unit.kind not in kinds and budget > 0 and per_passage.get(unit.passage, 0) < PER_PASSAGE:
            per_passage[unit.passage] = per_passage.get(unit.passage, 0) + 1
            budget -= 1
        else:
            continue
        chosen.append(item)
    return chosen


def _ordered(chosen: list[Scored]) -> list[Line]:
    """Passages by rank — the charger's own before the references, then best first — each
    passage's lines in reading order."""
    rank: dict[int, tuple[bool, float]] = {}
    for item in chosen:
        key = (item.standard, -item.score)
        rank[item.unit.passage] = min(key, rank.get(item.unit.passage, key))
    lines = [line for item in chosen for line in item.unit.lines]
    return sorted(dict.fromkeys(lines), key=lambda line: (rank[line.passage], line.passage, line.order))


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


def _normal(text: str) -> str:
    return " ".join(text.split())


def said(texts: Sequence[str]) -> str:
    """Earlier answers, normalised so that :func:`select_lines` can skip what they contain."""
    return "\n".join(_normal(t) for t in texts)
