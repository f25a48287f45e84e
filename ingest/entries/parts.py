"""The parts of a code's prose: meaning, causes, ordered remedy steps, flags.

Lines are read in order. A label (``Possible causes:``, ``Remedy:``, ``Remote:``, ``On site:``;
an arrow, ``→``, for the remedy) opens a part that runs to the next label; list items go to the
open part (steps when none is open). Unlabelled sentences are sorted by what they say: an
instruction (``Restart the charger``, ``If it returns, replace …``, ``An electrician must …``) is
a step, a sentence naming a cause (``caused by``, ``usually``) a cause, the rest the meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.entries.flags import safety_flag, severity_word
from ingest.entries.steps import is_remote, remedy_steps, sentences, split_steps, step_remote
from ingest.entries.table import causes_of
from ingest.entries.vocabulary import Vocabulary, vocabulary
from knowledge.entries import RemedyStep

_LABEL = re.compile(
    r"^\W{0,3}(?:\*\*)?([^\W\d_](?:[^\W\d_]|[ \-/'()]){1,40}?)(?:\*\*)?\s*:(?:\*\*)?\s*(.*)$", re.S
)
_ARROW = re.compile(r"^(?:→|⇒|➔|➜|►|▶|->|=>)\s*")
"""A line led by an arrow opens the remedy: "→ Restart once; if it recurs, call service"."""
_ITEM = re.compile(r"^\s*(?:[-*+•▪]|\(?\d{1,2}[.)]|\(?[a-h][.)])\s+")
_NUMBERED = re.compile(r"^\s*\(?\d{1,2}[.)]\s")
_MUST = re.compile(r"\b(?:must|should|needs? to|has to|have to|can be|is to be|are to be)\b", re.I)


@dataclass
class Parts:
    meaning: str = ""
    causes: list[str] = field(default_factory=list)
    steps: list[RemedyStep] = field(default_factory=list)
    safety: bool | None = None
    severity: str = ""


def read_parts(text: str, vocab: Vocabulary | None = None) -> Parts:
    """Meaning, causes, steps and flags of one code's prose (see the module docstring)."""
    vocab = vocab or vocabulary()
    parts = Parts()
    meaning: list[str] = []
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip().lstrip(":").strip()
        if not line:
            continue
        label, rest = ("remedy", _ARROW.sub("", line)) if _ARROW.match(line) else _label(line, vocab)
        if label:
            current, line = label, rest
            if not line:
                continue
        item = bool(_ITEM.match(line))
        body = _ITEM.sub("", line, count=1).strip()
        if current == "cause" and (_NUMBERED.match(line) or (not item and parts.causes)):
            current = None
        if current == "cause":
            parts.causes += [body] if item else causes_of(body)
        elif current in {"remedy", "remote", "onsite"}:
            part = current if current != "remedy" else None
            parts.steps += (
                [RemedyStep(text=body, remote=step_remote(body, part, vocab))]
                if item
                else remedy_steps(body, part=part, vocab=vocab)
            )
        elif current == "meaning":
            meaning.append(body)
        elif item:
            parts.steps.append(RemedyStep(text=body, remote=is_remote(body, vocab)))
        else:
            _sort_sentences(body, parts, meaning, vocab)
    parts.meaning = " ".join(meaning)
    parts.safety = safety_flag(text=text, severity=severity_word(text, vocab), vocab=vocab)
    parts.severity = severity_word(text, vocab)
    return parts


def label_of(line: str, vocab: Vocabulary | None = None) -> str | None:
    """The part a line's leading label opens (``**Cause:** …`` → ``cause``), or ``None``."""
    return _label(line.strip(), vocab or vocabulary())[0]


def _label(line: str, vocab: Vocabulary) -> tuple[str | None, str]:
    m = _LABEL.match(line)
    if not m:
        return None, line
    part = vocab.label_part(m.group(1))
    return (part, m.group(2).strip()) if part else (None, line)


def _sort_sentences(text: str, parts: Parts, meaning: list[str], vocab: Vocabulary) -> None:
    for sentence in sentences(text):
        if _is_step(sentence, vocab):
            parts.steps += [RemedyStep(text=s, remote=is_remote(s, vocab)) for s in split_steps(sentence)]
        elif vocab.cause_marker.search(sentence) and meaning:
            parts.causes += causes_of(sentence)
        elif not parts.steps:
            meaning.append(sentence)
        else:
            parts.steps.append(RemedyStep(text=sentence, remote=is_remote(sentence, vocab)))


def _is_step(sentence: str, vocab: Vocabulary) -> bool:
    if vocab.imperative.search(sentence):
        return True
    return bool(_MUST.search(sentence) and (vocab.remote.search(sentence) or vocab.onsite.search(sentence)))
