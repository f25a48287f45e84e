"""How close each unit of an offline answer is to the question (see :mod:`app.chat.extract`).

A unit's score is the similarity (MiniLM, the search's own model) of its best text to the
question or to a phrase the domain vocabulary says the question implies, plus a share for the
words it has in common with them — rare words among the candidates count much, words every
candidate shares (the charger's own name for itself) little — plus a bonus when it contains an
implied phrase of several words as it stands. What a procedure is for (its heading) counts more
than its steps, which say what to do and share words with many questions.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.chat.units import Unit
from knowledge.lexical import tokenize
from knowledge.names import STANDARD_VENDOR
from knowledge.schema import Passage

PREFER_BONUS = 0.1
DETAIL_WEIGHT = 0.85
"""How much a procedure's steps count against what the procedure is for (its heading)."""
LEXICAL_WEIGHT = 0.25
"""How much the word overlap (0..1) adds to the embedding similarity."""
PHRASE_BONUS = 0.15
"""Added when a unit's text contains an implied phrase of several words word for word (the
manuals' own term for what the question describes, e.g. "watchdog reset")."""


@dataclass(frozen=True)
class Scored:
    """A unit, its score, and whether it comes from a vendor-neutral reference."""

    unit: Unit
    score: float
    standard: bool


def score_units(
    embed: Callable[[list[str]], np.ndarray],
    focus: str,
    implied: Sequence[str],
    units: list[Unit],
    passages: Sequence[Passage],
    prefer: Callable[[str], bool] | None,
) -> tuple[list[Scored], float]:
    """Each unit's score: its best text's similarity to the question or an implied phrase, plus
    :data:`LEXICAL_WEIGHT` times its word overlap with them (:func:`_overlaps`) and the
    ``prefer`` bonus; and the best similarity to the question alone."""
    texts = list(dict.fromkeys(t for unit in units for t in (*unit.match, *unit.detail)))
    vectors = embed([focus, *implied, *texts])
    asked, phrases = vectors[0], vectors[1 : 1 + len(implied)]
    of = dict(zip(texts, vectors[1 + len(implied) :], strict=True))
    overlaps = _overlaps(" ".join([focus, *implied]), units)
    named = _phrases([p for p in implied if len(tokenize(p)) > 1])
    scored, best_question = [], -1.0
    for unit, overlap in zip(units, overlaps, strict=True):
        to_question, to_implied = _similarity(unit, of, asked, phrases)
        bonus = PREFER_BONUS if prefer and any(prefer(line.text) for line in unit.lines) else 0.0
        standard = passages[unit.passage].vendor == STANDARD_VENDOR
        if any(phrase in text for text in _stemmed(unit.match) for phrase in named):
            bonus += PHRASE_BONUS
        score = max(to_question, to_implied) + LEXICAL_WEIGHT * overlap + bonus
        scored.append(Scored(unit, score, standard))
        best_question = max(best_question, to_question)
    return scored, best_question


def _similarity(unit: Unit, of: dict, asked: np.ndarray, phrases: np.ndarray) -> tuple[float, float]:
    """The unit's best similarity to the question and to an implied phrase; a detail text's
    counts :data:`DETAIL_WEIGHT` as much."""
    best = []
    for texts, weight in ((unit.match, 1.0), (unit.detail, DETAIL_WEIGHT)):
        if texts:
            matrix = np.stack([of[t] for t in texts])
            implied = float(np.max(matrix @ phrases.T)) if len(phrases) else -1.0
            best.append((weight * float(np.max(matrix @ asked)), weight * implied))
    return max(b[0] for b in best), max(b[1] for b in best)


@functools.lru_cache(maxsize=20_000)
def _words(text: str) -> frozenset[str]:
    """The search's word stems of a passage text (the same texts come back question after question)."""
    return frozenset(tokenize(text))


@functools.lru_cache(maxsize=20_000)
def _stem_line(text: str) -> str:
    return f" {' '.join(tokenize(text))} "


def _phrases(phrases: Sequence[str]) -> list[str]:
    return [f" {' '.join(tokenize(p))} " for p in phrases]


def _stemmed(texts: Sequence[str]) -> list[str]:
    return [_stem_line(t) for t in texts]


def _overlaps(query: str, units: list[Unit]) -> list[float]:
    """Per unit, the share of the query's words (stems, weighted by how rare they are among
    these units) that its best text contains: a word most units share (the charger's own name
    for itself) counts little, a word one row shares (``watchdog``) counts much."""
    wanted = set(tokenize(query))
    words = [
        [
            (_words(text) & wanted, factor)
            for texts, factor in ((u.match, 1.0), (u.detail, DETAIL_WEIGHT))
            for text in texts
        ]
        for u in units
    ]
    present = Counter(word for unit in words for word in set().union(*(found for found, _ in unit)))
    weight = {w: math.log(1 + len(units) / (1 + present[w])) for w in wanted}
    total = sum(weight.values()) or 1.0
    return [max(factor * sum(weight[w] for w in found) for found, factor in unit) / total for unit in words]
