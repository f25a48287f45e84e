"""The manufacturer's section the charger's text describes, where nothing in it is a code.

Some documents give a fault no code: a page headed "Grounding faults: lockout" says which lights
show it ("the Fault indicator is lit red, the 4 Hour Delay indicator is lit and the halo is lit in
a constant red"), and a charger reports only those lights ("fault + 4hr delay led on, halo solid
red"). The section is found by the words the charger's text shares with it, among the vendor's
passages search returned (in search order). The text is untrusted and the match is by words, so
the section may only add caution — a hazard its heading or the sentences the text matches name —
and be quoted for the technician; it never chooses the class (see :mod:`app.agent.classify`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.entries import CodeEntry, Layout
from knowledge.schema import STANDARD_VENDOR, Passage

MIN_SHARED = 3
"""Words of substance the charger's text and the section must share."""
SENTENCE_SHARED = 2
"""Words of substance a sentence must share with the charger's text to be quoted."""
STEM = 5
"""Letters a word is compared by ("reverted" and "reverts" are one word)."""

_WORD = re.compile(r"[^\W_]{2,}")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_PLAIN = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "its"}
    | {
        "no",
        "not",
        "of",
        "on",
        "or",
        "the",
        "then",
        "this",
        "to",
        "was",
        "when",
        "with",
        "code",
        "error",
        "errors",
    }
    | {"failure", "fault", "faults", "state", "status", "unit", "charger", "station", "charging", "point"}
)
"""Words that say nothing about which fault it is."""


def described_section(info: str | None, passages: Sequence[Passage]) -> tuple[CodeEntry, Passage] | None:
    """The vendor passage that defines no code and shares the most words of substance with
    ``info`` (:data:`MIN_SHARED` or more, at least half of the text's; the first found of
    equals), read as an entry — its heading the title, the sentences the text matches the
    meaning — with the passage; ``None`` when none does."""
    said = _stems(info or "")
    if len(said) < MIN_SHARED:
        return None
    best: tuple[int, str, Passage] | None = None
    for passage in passages:
        if passage.vendor == STANDARD_VENDOR or passage.entry is not None or passage.defines:
            continue
        heading = _heading(passage)
        shared = len(said & _stems(f"{heading} {passage.text}"))
        if shared >= MIN_SHARED and 2 * shared >= len(said) and (best is None or shared > best[0]):
            best = (shared, heading, passage)
    return (_entry(best[1], best[2], said), best[2]) if best else None


def _entry(heading: str, passage: Passage, said: set[str]) -> CodeEntry:
    sentences = [s.strip() for s in _SENTENCE.split(passage.text) if len(_stems(s) & said) >= SENTENCE_SHARED]
    return CodeEntry(
        code=heading or passage.citation.title,
        title=heading,
        meaning=" ".join(sentences),
        layout=Layout.heading,
        locator=passage.citation.section,
    )


def _heading(passage: Passage) -> str:
    """The passage's own heading: the last part of its section path, without its number."""
    last = passage.citation.section.split(" > ")[-1]
    return re.sub(r"^\s*[\d.]+\s+", "", last).strip()


def _stems(text: str) -> set[str]:
    return {w[:STEM] for w in _WORD.findall(text.casefold()) if w not in _PLAIN}
