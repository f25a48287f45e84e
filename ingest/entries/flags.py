"""Safety and severity flags from what a document says (a column, a severity word, a warning label).

Nothing here decides a fault class: ``safety`` is ``True`` only when the document flags the entry
(a safety column saying yes, a severity or category such as "critical" or "hazard", a DANGER or
WARNING label naming electric shock), ``False`` when a safety column says no, else ``None``.
"""

from __future__ import annotations

import re

from ingest.entries.vocabulary import Vocabulary, vocabulary


def safety_flag(
    *,
    column: str = "",
    severity: str = "",
    category: str = "",
    text: str = "",
    vocab: Vocabulary | None = None,
) -> bool | None:
    """The document's own safety flag for an entry (see the module docstring)."""
    vocab = vocab or vocabulary()
    value = " ".join(column.lower().split()).strip(" .")
    if value:
        if value in vocab.safety_true or vocab.safety_severity.search(value):
            return True
        if value in vocab.safety_false or value.startswith(("no ", "not ")):
            return False
    if any(vocab.safety_severity.search(v) for v in (severity, category) if v):
        return True
    if labelled_hazard(text, vocab):
        return True
    return None


def labelled_hazard(text: str, vocab: Vocabulary | None = None) -> bool:
    """A DANGER/WARNING/CAUTION label whose sentence names an electrical hazard."""
    vocab = vocab or vocabulary()
    for label in vocab.safety_label.finditer(text):
        window = text[label.start() : label.end() + 240]
        if vocab.safety_topic.search(window):
            return True
    return False


def severity_word(text: str, vocab: Vocabulary | None = None) -> str:
    """A severity the text states in a label (``Severity: critical``), else ``""``."""
    vocab = vocab or vocabulary()
    m = re.search(r"\b(?:severity|level|priority|class)\s*:\s*([\w-]+)", text, re.IGNORECASE)
    if m and vocab.severity.fullmatch(m.group(1)):
        return m.group(1).lower()
    return ""
