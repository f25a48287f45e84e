"""The words of error documents, read once from ``vocabulary.yaml`` (data, not code).

:func:`vocabulary` returns the compiled form: header synonyms by role, labels that open a part of
an entry, remote verbs and on-site markers, safety and severity words, LED pattern words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")


def words_key(text: str) -> str:
    """Lower-case words of ``text`` joined by one space (how headers and labels are compared),
    accents dropped; ``camelCase`` is words too (``ocppName`` → ``ocpp name``, ``isSafety`` →
    ``is safety``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return " ".join(re.findall(r"[a-z0-9]+", _folded(spaced.lower())))


def _folded(text: str) -> str:
    """Accents and umlauts dropped, ``ß`` as ``ss``: ``Erläuterung``, ``Erlauterung`` (as a scan's
    OCR reads it) and ``Maßnahme``/``Massnahme`` are one word each."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One case-insensitive regex matching any of ``phrases`` as whole words (longest first)."""
    ordered = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+") for p in ordered)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Vocabulary:
    roles: dict[str, tuple[str, ...]]
    """Header synonyms (as :func:`words_key`) per role."""
    labels: dict[str, tuple[str, ...]]
    """In-text labels (as :func:`words_key`) per part: cause, remedy, remote, onsite, meaning."""
    remote: re.Pattern[str]
    onsite: re.Pattern[str]
    none_words: frozenset[str]
    answers: frozenset[str]
    """Cells that only answer yes or no (lower case)."""
    safety_true: frozenset[str]
    safety_false: frozenset[str]
    safety_severity: re.Pattern[str]
    safety_label: re.Pattern[str]
    safety_topic: re.Pattern[str]
    severity: re.Pattern[str]
    colours: tuple[str, ...]
    states: tuple[str, ...]
    imperative: re.Pattern[str]
    """A sentence that starts with an instruction (optionally after an ``If …,`` clause)."""
    cause_marker: re.Pattern[str]
    step_labels: re.Pattern[str]
    """A ``Remote:`` / ``On site:`` / ``Remedy:`` label at the start of a text, sentence or line."""
    bit_headers: tuple[str, ...] = ()
    """Headers of a bit-position or mask column (as :func:`words_key`)."""
    value_headers: tuple[str, ...] = ()
    """Headers of a value column: the code beside a bit column (as :func:`words_key`)."""

    def label_part(self, label: str) -> str | None:
        """The part a label (``Possible causes``, ``On site``) opens, or ``None``; a label naming
        several (``Cause / other symptoms``, ``Solution / action``) opens its first known one."""
        label = re.sub(r"\([^)]*\)", " ", label)  # "Sur site (électricien)": who, not what
        for piece in [label, *re.split(r"\s*(?:/|&|,|\band\b)\s*", label)]:
            key = words_key(piece)
            if part := next((part for part, keys in self.labels.items() if key in keys), None):
                return part
        return None


@cache
def vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """The compiled vocabulary of ``path`` (read once per path)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    def keys(values: list) -> tuple[str, ...]:
        return tuple(dict.fromkeys(words_key(str(v)) for v in values))

    def plain(values: list) -> frozenset[str]:
        return frozenset(str(v).strip().lower() for v in values)

    return Vocabulary(
        roles={role: keys(values) for role, values in raw["roles"].items()},
        labels={part: keys(values) for part, values in raw["labels"].items()},
        remote=phrase_pattern(raw["remote_verbs"]),
        onsite=phrase_pattern(raw["onsite_markers"]),
        none_words=plain(raw["none_words"]),
        answers=plain(raw["answers"]),
        safety_true=plain(raw["safety_true"]),
        safety_false=plain(raw["safety_false"]),
        safety_severity=phrase_pattern(raw["safety_severity_words"]),
        safety_label=re.compile(
            r"(?<![\w-])(?:" + "|".join(map(re.escape, raw["safety_label_words"])) + r")\b\s*[:!]",
            re.IGNORECASE,
        ),
        safety_topic=phrase_pattern(raw["safety_label_topics"]),
        severity=phrase_pattern(raw["severity_words"]),
        colours=tuple(raw["pattern_colours"]),
        states=tuple(raw["pattern_states"]),
        imperative=_imperative_pattern(raw["imperatives"]),
        cause_marker=phrase_pattern(raw["cause_markers"]),
        step_labels=_label_pattern(
            [*raw["labels"]["remote"], *raw["labels"]["onsite"], *raw["labels"]["remedy"]]
        ),
        bit_headers=keys(raw["bit_headers"]),
        value_headers=keys(raw["value_headers"]),
    )


def _imperative_pattern(words: list[str]) -> re.Pattern[str]:
    body = phrase_pattern(words).pattern.removeprefix(r"(?<![\w-])").removesuffix(r"(?![\w-])")
    openers = "if|when|after|once|before|should|as soon as|in case|while|then|otherwise|first|finally"
    condition = rf"(?:(?:{openers})\b[^.]*?,\s*)?"
    return re.compile(rf"^\W*{condition}(?:please\s+|then\s+|first\s+)?(?:{body})(?![\w-])", re.I)


def _label_pattern(phrases: list[str]) -> re.Pattern[str]:
    body = phrase_pattern(phrases).pattern.removeprefix(r"(?<![\w-])").removesuffix(r"(?![\w-])")
    who = r"(?:\s*\([^)\n]{1,40}\))?"  # "On site (electrician):"
    return re.compile(
        rf"(?:^|(?<=[.;!?\n]))\s*[-*•]?\s*(?:\*\*)?({body}){who}(?:\*\*)?\s*:(?:\*\*)?\s*", re.I
    )
