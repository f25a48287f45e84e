"""A remedy text as ordered :class:`RemedyStep` values, each marked remote or on-site.

Steps come from numbered or bulleted items, else from sentences, and a sentence is cut at ``;``
where both sides are actions (``one Reset Soft; if it recurs, set the outlet Inoperative``).
Where the document labels its parts (``Remote: … On site: …``, ``Customer action`` versus
``Service action`` columns) the label decides; otherwise a step is remote when it says what can be
done from the backend (restart, reset, unlock, re-enable, clear, via OCPP …) and names nothing that
needs hands on site (replace, inspect, measure, tighten, electrician …), and does not refuse a
restart ("a restart does not help", :mod:`knowledge.refusals`). Words: vocabulary.yaml.
"""

from __future__ import annotations

import re

from ingest.entries.vocabulary import Vocabulary, vocabulary
from knowledge.entries import RemedyStep
from knowledge.refusals import restart_refused

_ITEM = re.compile(r"^\s*(?:[-*+•▪–]|\(?\d{1,2}[.)]|\(?[a-h][.)]|step\s+\d+[:.)]?)\s+", re.IGNORECASE)
_INLINE_NUMBER = re.compile(r"(?:^|(?<=\s))\(?(\d{1,2})[.)]\s+(?=\S)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_ABBREVIATION_END = re.compile(r"\b(?:e\.g|i\.e|approx|etc|fig|ca|vs|no)\.$", re.IGNORECASE)


def labelled_parts(text: str, vocab: Vocabulary | None = None) -> list[tuple[str | None, str]]:
    """``text`` cut at ``Remote:`` / ``On site:`` labels: ``(part, text)`` with part ``remote``,
    ``onsite`` or ``None`` (unlabelled or a plain ``Remedy:`` label)."""
    vocab = vocab or vocabulary()
    parts: list[tuple[str | None, str]] = []
    last, part = 0, None
    for m in vocab.step_labels.finditer(text):
        if text[last : m.start()].strip():
            parts.append((part, text[last : m.start()].strip()))
        found = vocab.label_part(m.group(1))
        part = found if found in {"remote", "onsite"} else None
        last = m.end()
    if text[last:].strip():
        parts.append((part, text[last:].strip()))
    return parts


def remedy_steps(text: str, *, part: str | None = None, vocab: Vocabulary | None = None) -> list[RemedyStep]:
    """Ordered steps of ``text``; ``part`` (``remote``/``onsite``) is a label known from outside
    (a column header), which decides like an in-text label does."""
    vocab = vocab or vocabulary()
    steps: list[RemedyStep] = []
    for label, body in labelled_parts(text, vocab):
        label = label or part
        for step in split_steps(body):
            steps.append(RemedyStep(text=step, remote=step_remote(step, label, vocab)))
    return steps


def split_steps(text: str) -> list[str]:
    """Items of ``text``: its lines if they are list items, else numbered items inline, else
    sentences cut at ``;`` between two actions."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and sum(bool(_ITEM.match(ln)) for ln in lines) >= len(lines) - 1:
        return [_ITEM.sub("", ln, count=1).strip() for ln in lines if _ITEM.sub("", ln, count=1).strip()]
    flat = " ".join(lines)
    if len(inline := _numbered_inline(flat)) >= 2:
        return inline
    steps: list[str] = []
    for sentence in sentences(flat):
        steps += _clauses(sentence)
    return steps


def _numbered_inline(text: str) -> list[str]:
    """``1) Unlock 2) Inspect 3) Replace`` or ``1. … 2. …`` in one line: items numbered 1, 2, 3 …"""
    cuts: list[tuple[int, int]] = []
    for m in _INLINE_NUMBER.finditer(text):
        if int(m.group(1)) == len(cuts) + 1:
            cuts.append((m.start(), m.end()))
    if len(cuts) < 2:
        return []
    lead = text[: cuts[0][0]].strip()
    items = [
        text[end : (cuts[i + 1][0] if i + 1 < len(cuts) else len(text))].strip()
        for i, (_, end) in enumerate(cuts)
    ]
    return [p for p in ([lead] if lead else []) + items if p]


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (abbreviations such as ``e.g.`` do not end one)."""
    out: list[str] = []
    for piece in _SENTENCE.split(text.strip()):
        if out and _ABBREVIATION_END.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        elif piece.strip():
            out.append(piece.strip())
    return out


def _clauses(sentence: str) -> list[str]:
    clauses = [c.strip() for c in sentence.split(";") if c.strip()]
    out: list[str] = []
    for clause in clauses:
        if out and (len(clause.split()) < 2 or is_none(out[-1])):
            out[-1] = f"{out[-1]}; {clause}"
        else:
            out.append(clause)
    return out


def step_remote(step: str, label: str | None, vocab: Vocabulary | None = None) -> bool:
    """Whether ``step``, under ``label`` (``remote``, ``onsite`` or none), is done remotely: under a
    remote label or column it is, unless it refuses a restart ("Remote: do not reset" — a refusal
    is never a step to take); under an on-site one it is not; unlabelled, its words decide
    (:func:`is_remote`)."""
    vocab = vocab or vocabulary()
    if label == "remote":
        return not restart_refused(step)
    return label != "onsite" and is_remote(step, vocab)


def is_remote(step: str, vocab: Vocabulary | None = None) -> bool:
    """Whether a step says something done from the backend and nothing that needs a visit ("a
    restart does not help" names a restart but refuses it: not remote)."""
    vocab = vocab or vocabulary()
    if not vocab.remote.search(step) or vocab.onsite.search(step) or is_none(step, vocab):
        return False
    return not restart_refused(step)


def is_none(step: str, vocab: Vocabulary | None = None) -> bool:
    """Whether a step only says there is nothing to do (``none``, ``n/a``, ``none needed``)."""
    vocab = vocab or vocabulary()
    head = re.split(r"[;,.—–:(]", step.strip().lower(), maxsplit=1)[0].strip()
    return head in vocab.none_words or bool(re.match(r"(?:none|nothing|no action)\b", head))
