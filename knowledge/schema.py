"""What the knowledge base stores (:class:`Chunk`) and what search returns (:class:`Passage`)."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel, Field

from knowledge.entries import CodeEntry
from knowledge.names import STANDARD_VENDOR


class DocType(StrEnum):
    manual = "manual"
    error_codes = "error_codes"
    bulletin = "bulletin"
    guide = "guide"
    reference = "reference"


def context_line(title: str, section: str) -> str:
    """``title — heading path``, without repeating a top heading that merely restates the title."""
    parts = section.split(" > ") if section else []
    if parts and parts[0].strip().lower() == title.strip().lower():
        parts = parts[1:]
    return f"{title} — {' > '.join(parts)}" if parts else title


class Chunk(BaseModel):
    """One citable passage of one document.

    ``models`` empty means the passage applies to every model of ``vendor``; vendor
    ``_standard`` marks vendor-neutral references. ``codes`` are the normalised keys of every
    code the passage mentions; ``defines`` those it is the table entry for (a subset);
    ``entry`` is what ingest understood of that code (see :mod:`knowledge.entries`).
    """

    text: str
    source: str = Field(description="Path relative to the corpus root, '/'-separated.")
    title: str
    vendor: str
    models: list[str] = Field(default_factory=list)
    doc_type: DocType
    page: int | None = Field(default=None, description="1-based PDF page.")
    section: str = Field(default="", description="Heading path, ' > '-separated.")
    codes: list[str] = Field(default_factory=list)
    defines: list[str] = Field(default_factory=list)
    content_hash: str = ""
    position: int = 0
    entry: CodeEntry | None = None

    def model_post_init(self, _context: object) -> None:
        if not self.content_hash:
            self.content_hash = hashlib.sha256(self.text.encode()).hexdigest()[:16]

    @property
    def context(self) -> str:
        """Title and heading path, prepended to the text for embedding and lexical search."""
        return context_line(self.title, self.section)

    @property
    def indexed_text(self) -> str:
        return f"{self.context}\n{self.text}"

    def applies_to(self, vendor: str | None, model: str | None) -> bool:
        """Whether a charger of ``vendor``/``model`` (corpus ids, ``None`` = unknown) may use it."""
        if vendor is None or self.vendor == STANDARD_VENDOR:
            return True
        if self.vendor != vendor:
            return False
        return model is None or not self.models or model in self.models


class Citation(BaseModel):
    source: str
    title: str
    page: int | None = None
    section: str = ""

    def __str__(self) -> str:
        where = f", p. {self.page}" if self.page else ""
        section = f" — {self.section}" if self.section else ""
        return f"{self.title} ({self.source}{where}){section}"


ROW_FIELD_LABELS = {"cause": "Cause", "remedy": "Remedy", "severity": "Severity", "ocpp": "OCPP errorCode"}
"""The labels a code-table row's columns are rendered with, in this order after ``Code X — Title.``
(ingest writes them; the agent reads a row's remedy up to the next label)."""


class Passage(BaseModel):
    """A search result: the passage, where it comes from, and why it was found."""

    id: str
    text: str
    citation: Citation
    score: float
    retrievers: list[str] = Field(description="Which retrievers found it: code, dense, bm25.")
    vendor: str
    models: list[str] = Field(default_factory=list)
    doc_type: DocType
    codes: list[str] = Field(default_factory=list)
    defines: list[str] = Field(default_factory=list, description="Codes this passage is the table entry for.")
    entry: CodeEntry | None = Field(None, description="The code entry read from this passage, if any.")
