"""Markdown and plain-text manuals: split by headings; paragraphs, list items and table rows.

Markdown headings (``#``…) give the section path; list items nested under a code-led item are
part of its block. Plain text has no markup, so numbered heading
lines (``4.2 Error codes``) are taken as headings instead. Pipe tables, and in plain text
fixed-width tables ruled off with dashes (:mod:`ingest.loaders.fixed_width`), become row blocks
through the same header mapping as CSV tables.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.document import Block, LoadedDocument, LoadError, read_text
from ingest.entries.prose import attach_entries
from ingest.entries.shapes import lead_code
from ingest.loaders.catalogue import HEADERS as CATALOGUE_HEADERS
from ingest.loaders.catalogue import catalogue_rows
from ingest.loaders.fixed_width import find_table
from ingest.loaders.tables import table_blocks

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3}\.?|\d{1,2})\s+([A-Z][^|]{1,80})$")
"""``6 Troubleshooting`` or ``6.2. Title``; ``1. Check …`` is a numbered step, not a heading."""
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def load_markdown(path: Path) -> LoadedDocument:
    return parse_text(_read(path), markdown=True)


def load_plain_text(path: Path) -> LoadedDocument:
    return parse_text(_read(path), markdown=False)


def _read(path: Path) -> str:
    return _strip_front_matter(read_text(path))


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n") and (end := text.find("\n---", 4)) != -1:
        return text[end + 4 :]
    return text


def parse_text(text: str, *, markdown: bool) -> LoadedDocument:
    """Blocks of a Markdown (or plain) text; the first level-1 heading becomes the title."""
    doc = LoadedDocument(blocks=[])
    path: list[tuple[int, str]] = []
    paragraph: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        section = tuple(title for _, title in path)
        if paragraph:
            doc.blocks.append(Block(" ".join(paragraph).replace(" \n", "\n"), section))
            paragraph.clear()
        if table:
            doc.blocks.extend(_table_blocks(table, section))
            table.clear()

    lines = text.splitlines()
    if not markdown and (catalogue := catalogue_rows(lines))[0]:
        rows, taken = catalogue
        doc.blocks.extend(table_blocks(list(CATALOGUE_HEADERS), rows))
        lines = ["" if n in taken else line for n, line in enumerate(lines)]
    first_line = ""
    item_indent = 0  # the indent of the list item that opened the paragraph
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        stripped = line.strip()
        if not markdown and (fixed := find_table(lines, i - 1)):
            flush()
            doc.blocks.extend(table_blocks(fixed.headers, fixed.rows, tuple(t for _, t in path)))
            i = fixed.end
            continue
        heading = _heading(stripped, markdown)
        if heading:
            flush()
            level, title = heading
            path[:] = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
            doc.title = doc.title or (title if level == 1 else None)
        elif stripped.startswith("|") and markdown:
            if paragraph:
                flush()
            if not _TABLE_RULE.match(stripped):
                table.append(_cells(stripped))
        elif markdown and stripped.startswith(": ") and paragraph:
            paragraph.append("\n" + stripped)
        elif _LIST_ITEM.match(line) and paragraph and _nested_under(paragraph[0], item_indent, line):
            paragraph.append("\n" + stripped)  # what a code's list item holds: meaning, cause, steps
        elif not stripped or _LIST_ITEM.match(line):
            flush()
            if stripped:
                paragraph.append(stripped)
                item_indent = len(line) - len(line.lstrip())
        else:
            if table:
                flush()
            if not markdown and len(paragraph) == 1 and _hanging(first_line, line):
                stripped = "\n" + stripped  # a label line over an indented text keeps its own line
            paragraph.append(stripped.lstrip("> ").strip() if markdown else stripped)
            if len(paragraph) == 1:
                first_line = line
    flush()
    if not doc.blocks:
        raise LoadError("no text found")
    doc.blocks = attach_entries(doc.blocks, title=doc.title, unread=doc.unread)
    return doc


def _nested_under(first: str, indent: int, line: str) -> bool:
    """Whether list item ``line`` is nested under the code-led list item ``first`` (indented
    ``indent``): the code's parts written as sub-items ("- ERR04 – Leakage" over "  - Cause: …")."""
    return _LIST_ITEM.match(first) is not None and len(line) - len(line.lstrip()) > indent and bool(
        lead_code(first)
    )


def _hanging(first: str, line: str) -> bool:
    """Whether ``line`` hangs under a short label line (indented deeper than it)."""
    indent = len(line) - len(line.lstrip())
    return len(first.strip()) <= 80 and indent > len(first) - len(first.lstrip()) + 2


def _heading(line: str, markdown: bool) -> tuple[int, str] | None:
    if markdown:
        if m := _MD_HEADING.match(line):
            return len(m.group(1)), _clean(m.group(2))
        return None
    if (m := NUMBERED_HEADING.match(line)) and not line.endswith("."):
        return m.group(1).count(".") + 1, line
    return None


def _clean(text: str) -> str:
    """Markdown emphasis and code marks removed; an underscore inside a word stays (as in
    CommonMark): ``WARNING_RCD_6MA`` is a code, not emphasis."""
    return re.sub(r"[*`]+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])", "", text).strip()


def _cells(line: str) -> list[str]:
    inner = line.strip().strip("|")
    return [_clean(c) for c in inner.split("|")]


def _table_blocks(rows: list[list[str]], section: tuple[str, ...]) -> list[Block]:
    return table_blocks(rows[0], rows[1:], section)
