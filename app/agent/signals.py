"""Keyword evidence: which of a class's keywords a text contains, as whole words.

Texts are compared folded: case, ``snake_case`` and ``CamelCase`` do not matter
(``RCM_TRIPPED`` and ``GroundFailure`` read as "rcm tripped" and "ground failure"), and a keyword
matches as a whole word or phrase, each word with a plural or verb ending, its words joined by a
space, a hyphen or nothing (``over-current`` matches "over current" and "overcurrent"; ``relay`` matches
"relays"; ``ground fault`` matches "grounding fault"; ``rcd`` never matches inside "recorded").
``latch ~ broken`` asks for both words near each other; ``relay stuck !open`` for the phrase not
followed by "open" (a relay stuck open delivers nothing; one stuck closed is live).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_ENDING = r"(?:s|es|ed|ing)?"


def fold(text: str) -> str:
    """``EVSEContactorFault`` → ``evse contactor fault``; ``RCM_TRIPPED`` → ``rcm tripped``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return re.sub(r"[_\s]+", " ", spaced).casefold()


_NEAR = 5
"""Words allowed between the two parts of a ``a ~ b`` keyword."""


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    """A keyword as a whole-word pattern; ``a ~ b`` matches ``a`` and ``b`` within :data:`_NEAR`
    words of each other, in either order ("latch ~ broken": "the latch of the plug is broken")."""
    keyword, _, unless = keyword.partition("!")
    tail = rf"(?![\s-]+{_phrase(unless)})" if unless.strip() else ""
    if "~" in keyword:
        first, second = (_phrase(part) for part in keyword.split("~", 1))
        gap = rf"(?:[^\w.;:!?]+\w+){{0,{_NEAR}}}?[^\w.;:!?]+"  # within one clause
        return re.compile(f"(?:{first}{gap}{second}|{second}{gap}{first}){tail}")
    return re.compile(_phrase(keyword) + tail)


def _phrase(keyword: str) -> str:
    words = [re.escape(w) + _ENDING for w in re.split(r"[\s-]+", keyword.strip().casefold()) if w]
    return r"(?<![a-z0-9])" + r"[\s-]?".join(words) + r"(?![a-z0-9])"


_NEGATED = re.compile(r"(?:\b(?:no|not|without|never|nor)\s+(?:\w+\s+)?)$")
"""A negation just before a match ("no voltage on the output", "not a ground fault")."""


def hits(text: str, keywords: Iterable[str]) -> list[str]:
    """The ``keywords`` found in ``text`` as whole words (``text`` folded first), in list order;
    a match right after a negation ("no voltage on the output") does not count."""
    folded = fold(text)
    return [
        k
        for k in keywords
        if _lead(k) in folded and any(_affirmed(folded, m) for m in _pattern(k).finditer(folded))
    ]


@lru_cache(maxsize=4096)
def _lead(keyword: str) -> str:
    """The keyword's first word: a text without it cannot match (a cheap test before the regex)."""
    words = re.split(r"[\s~-]+", keyword.partition("!")[0].strip().casefold())
    return next((w for w in words if w), "")


def _affirmed(text: str, match: re.Match[str]) -> bool:
    return not _NEGATED.search(text[max(0, match.start() - 24) : match.start()])
