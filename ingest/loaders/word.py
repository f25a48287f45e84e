"""Word documents (``.docx``, python-docx): read as the Markdown they would be written as.

Service notes and error lists often come as Word files. The body is walked in order and set out
as Markdown, then read by the Markdown loader, so a Word manual gives the same sections, entries
and table rows as the same text in Markdown: heading styles (and a short paragraph that is all
bold, the way many manuals set their headings by hand) become headings one level below the last
styled one, numbered and bulleted paragraphs list items (numbered ones counted, nested ones
indented by their level), tables pipe tables with one line per row.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.document import LoadedDocument, LoadError
from ingest.loaders.markdown import parse_text

_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d)|title)$", re.IGNORECASE)
_BOLD_HEADING = 100
"""A paragraph all in bold and shorter than this, ending no sentence, is a heading."""


def load_docx(path: Path) -> LoadedDocument:
    """The Word document at ``path`` read as Markdown (see the module docstring)."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"unreadable Word document: {exc}") from exc
    doc = parse_text("\n".join(markdown_lines(document)), markdown=True)
    doc.title = document.core_properties.title or doc.title
    return doc


def markdown_lines(document) -> list[str]:
    """The document's body, paragraphs and tables in order, as Markdown lines."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    level = 0  # the last styled heading's level
    counter = 0  # the number of the last item of a running numbered list
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            lines += ["", *_table(item), ""]
            counter = 0
        elif isinstance(item, Paragraph) and (text := " ".join(item.text.split())):
            line, level, counter = _paragraph(item, text, level, counter)
            lines += ["", line] if line.startswith("#") else [line]
    return lines


def _paragraph(paragraph, text: str, level: int, counter: int) -> tuple[str, int, int]:
    """One paragraph's Markdown line, and the heading level and list number after it."""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if m := _HEADING_STYLE.match(style.strip()):
        depth = int(m.group(1) or 1)
        return f"{'#' * depth} {text}", depth, 0
    if _all_bold(paragraph) and len(text) < _BOLD_HEADING and not text.endswith((".", ":", ";")):
        return f"{'#' * min(level + 1, 6)} {text}", level, 0
    indent = "  " * _list_level(paragraph, style)
    if _numbered(paragraph, style):
        return f"{indent}{counter + 1}. {text}", level, counter + 1
    if "bullet" in style.lower() or "list" in style.lower():
        return f"{indent}- {text}", level, 0
    return text, level, 0


def _list_level(paragraph, style: str) -> int:
    """How deep a list item is nested (0 at the top): the list style's number ("List Bullet 2"),
    else the numbering's level."""
    if m := re.search(r"(\d)\s*$", style):
        return max(0, int(m.group(1)) - 1)
    properties = paragraph._p.pPr
    level = properties.numPr.ilvl if properties is not None and properties.numPr is not None else None
    return int(level.val) if level is not None and level.val is not None else 0


def _all_bold(paragraph) -> bool:
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold or (run.style is not None and run.style.font.bold) for run in runs)


def _numbered(paragraph, style: str) -> bool:
    """A numbered list item: a "List Number" style, or numbering set on a list-style paragraph."""
    if "number" in style.lower():
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None and "bullet" not in style.lower()


def _table(table) -> list[str]:
    """A table as pipe-table lines: header, rule, one line per row (a cell's lines joined)."""
    rows = [[" ".join(cell.text.split()).replace("|", "/") for cell in row.cells] for row in table.rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    lines = [f"| {' | '.join(row)} |" for row in rows]
    return [lines[0], "|" + "---|" * len(rows[0]), *lines[1:]]
