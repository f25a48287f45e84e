"""The intermediate form every loader produces: ordered blocks with their place in the document."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.entries import CodeEntry


class LoadError(Exception):
    """A file that cannot be ingested; the message is the reason shown to the operator."""


@dataclass(frozen=True)
class Block:
    """A paragraph, list item or table row.

    ``row`` blocks are never split or merged with others; ``codes`` are the raw codes a table
    row (or a prose code entry) is the entry for; ``entry`` is what ingest understood of it.
    """

    text: str
    section: tuple[str, ...] = ()
    page: int | None = None
    row: bool = False
    codes: tuple[str, ...] = ()
    entry: CodeEntry | None = None


@dataclass
class LoadedDocument:
    blocks: list[Block]
    title: str | None = None
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    """Lines that look like a code definition but were not read as one (where, then the text)."""


def read_text(path: Path, *, what: str = "file") -> str:
    """A text file as UTF-8 (BOM tolerated), else Windows-1252, typesetting undone
    (:func:`plain_characters`); empty files are a LoadError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252", errors="replace")
    if not text.strip():
        raise LoadError(f"empty {what}")
    return plain_characters(text)


def plain_characters(text: str) -> str:
    """Typesetting undone: ligatures (``ﬁ``), full-width and other compatibility forms and no-break
    spaces become plain characters (NFKC), soft hyphens (``&shy;``) go."""
    return unicodedata.normalize("NFKC", text).replace("\u00ad", "")
