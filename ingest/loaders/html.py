"""HTML pages (a vendor's help page saved to disk): headings, paragraphs, list items, tables.

Read with the standard library's parser, no network and no scripts: ``h1``–``h6`` give the
section path (the first ``h1``, else ``<title>``, the document title) — and so does the
``summary`` of a collapsible ``details`` section (a help centre's "Error 23 – …" that opens its
answer), one level below the headings around it, until the section closes —, ``p``/``li``/``dt``/``dd``
and other text become blocks, a ``dt`` and its ``dd`` one definition (``E12`` then ``: meaning``),
and every ``table`` goes through the same column reading as CSV tables — a cell spanning rows
or columns (``rowspan``, ``colspan``) given to each of them, a row that is one cell across the
table (a caption between groups of rows) left out. A table built of other elements (a CSS grid of
``div``s) is a table when it says so in ARIA roles: ``role="table"``/``"grid"`` around
``role="row"`` elements around ``role="cell"``/``"columnheader"``/``"rowheader"``/``"gridcell"``
ones. Code entries are then read from the blocks like
any prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ingest.document import Block, LoadedDocument, LoadError, plain_characters, read_text
from ingest.entries.prose import attach_entries
from ingest.loaders.tables import table_blocks

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "li", "dt", "dd", "div", "pre", "blockquote", "section", "article", "br", "tr", "caption"}
_SKIP = {"script", "style", "noscript", "template", "head"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_ROLES = {
    "table": "table", "grid": "table", "treegrid": "table", "row": "tr",
    "cell": "td", "gridcell": "td", "columnheader": "th", "rowheader": "th",
}
"""ARIA roles that make any element a table, a row or a cell."""
_SUMMARY_LEVEL = 7
"""The section level of a ``details`` section's ``summary``: below every ``h1``–``h6``."""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = LoadedDocument(blocks=[])
        self.path: list[tuple[int, str]] = []
        self.text: list[str] = []
        self.skip = 0
        self.heading: int | None = None
        self.page_title = ""
        self.in_title = False
        self.table: list[list[_Cell]] | None = None
        self.cell: list[str] | None = None
        self.spans = (1, 1)
        self.definition = False
        self.details = 0
        self.open: list[tuple[str, str]] = []  # (tag, the tag it acts as) of open elements

    def handle_starttag(self, tag: str, attrs) -> None:
        role = (dict(attrs).get("role") or "").strip().lower()
        acts_as = _ROLES.get(role, tag)
        if tag not in _VOID:
            self.open.append((tag, acts_as))
        self._start(acts_as, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Ends the innermost open ``tag`` as what it acts as (its ARIA role); elements left open
        inside it are dropped from the stack unprocessed, as the parser never ended them."""
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                acts_as = self.open[depth][1]
                del self.open[depth:]
                self._end(acts_as)
                return
        self._end(tag)

    def _start(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip += tag != "head"
            self.in_title = False
        if tag == "title":
            self.in_title = True
        elif tag in _HEADINGS:
            self._flush()
            self.heading = _HEADINGS[tag]
        elif tag == "details":
            self._flush()
            self.details += 1
        elif tag == "summary" and self.table is None:
            self._flush()
            self.heading = _SUMMARY_LEVEL + max(0, self.details - 1)
        elif tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in {"td", "th"} and self.table is not None:
            self.cell = []
            self.spans = (_span(attrs, "rowspan"), _span(attrs, "colspan"))
        elif tag in _BLOCKS and self.table is None:
            self._flush(keep_definition=tag == "dd")
            self.definition = tag == "dd"

    def _end(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self.skip = max(0, self.skip - 1)
        if tag == "title":
            self.in_title = False
        elif tag == "details" and self.details:
            self._flush()
            self.path[:] = [(lvl, t) for lvl, t in self.path if lvl < _SUMMARY_LEVEL + self.details - 1]
            self.details -= 1
        elif (tag in _HEADINGS or tag == "summary") and self.heading is not None:
            title = " ".join(" ".join(self.text).split())
            self.text.clear()
            if title:
                self.path[:] = [(lvl, t) for lvl, t in self.path if lvl < self.heading] + [
                    (self.heading, title)
                ]
                self.doc.title = self.doc.title or (title if self.heading == 1 else None)
            self.heading = None
        elif tag in {"td", "th"} and self.table is not None and self.cell is not None:
            if self.table:
                self.table[-1].append(_Cell(" ".join(" ".join(self.cell).split()), *self.spans))
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows = [r for r in _grid(self.table) if any(r)]
            if len(rows) > 1:
                self.doc.blocks.extend(table_blocks(rows[0], rows[1:], self._section()))
            self.table = None
        elif tag in _BLOCKS and self.table is None:
            self._flush(keep_definition=tag == "dt")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = plain_characters(data)  # &shy; and &nbsp; decoded by the parser
        if self.in_title:
            self.page_title += data
        elif self.cell is not None:
            self.cell.append(data)
        elif self.table is None:
            self.text.append(data)

    def _section(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.path)

    def _flush(self, keep_definition: bool = False) -> None:
        text = " ".join(" ".join(self.text).split())
        self.text.clear()
        if not text:
            return
        blocks = self.doc.blocks
        if self.definition and blocks and not blocks[-1].row and blocks[-1].section == self._section():
            blocks[-1] = Block(f"{blocks[-1].text}\n: {text}", blocks[-1].section)
        else:
            blocks.append(Block(text, self._section()))
        self.definition = self.definition and keep_definition


@dataclass(frozen=True)
class _Cell:
    text: str
    rows: int = 1
    columns: int = 1


_MAX_SPAN = 100


def _span(attrs, name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return min(int(value), _MAX_SPAN) if value.strip().isdigit() and int(value) > 0 else 1


def _grid(table: list[list[_Cell]]) -> list[list[str]]:
    """The table's rows as plain cells, each spanning cell repeated in every row and column it
    spans; a row of one cell across two or more columns (a caption) is left out."""
    width = max((sum(c.columns for c in row) for row in table), default=0)
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still to fill)
    grid: list[list[str]] = []
    for row in table:
        out: list[str] = []
        cells = list(row)
        while cells or any(col >= len(out) for col in pending):
            col = len(out)
            if col in pending:
                text, left = pending.pop(col)
                out.append(text)
                if left > 1:
                    pending[col] = (text, left - 1)
            elif cells:
                cell = cells.pop(0)
                for k in range(cell.columns):
                    out.append(cell.text)
                    if cell.rows > 1:
                        pending[col + k] = (cell.text, cell.rows - 1)
            else:
                out.append("")
        if not (len(row) == 1 and row[0].columns >= 2 and row[0].columns >= width):
            grid.append(out)
    return grid


def load_html(path: Path) -> LoadedDocument:
    """Blocks of an HTML file, code entries attached (see the module docstring)."""
    reader = _Reader()
    reader.feed(read_text(path, what="HTML file"))
    reader.close()
    reader._flush()
    doc = reader.doc
    doc.title = doc.title or " ".join(reader.page_title.split()) or None
    if not doc.blocks:
        raise LoadError("no text found")
    doc.blocks = attach_entries(doc.blocks, title=doc.title, unread=doc.unread)
    return doc
