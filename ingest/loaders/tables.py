"""Error-code tables: the CSV/TSV loader, and every table's rows as blocks with their code entry.

Vendors title their columns differently ("Error", "Fault", "Code"; "Solution", "What to do"), or
give no recognisable header at all: :mod:`ingest.entries.columns` finds each column's role from
its header and cells. Each row of a table with a code column becomes one block rendered as
readable text, ``Code F005 — Isolation failure. Cause: … Remedy: …``, carrying the
:class:`~knowledge.entries.CodeEntry` read from its cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from ingest.document import Block, LoadedDocument, LoadError, read_text
from ingest.entries.columns import Columns, header_roles, table_columns
from ingest.entries.table import row_entry, row_values
from knowledge.schema import ROW_FIELD_LABELS

_UPPER_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Z0-9_]{3,}")
__all__ = ["header_roles", "is_header_row", "load_delimited", "table_blocks"]
_LABELLED = ("cause", "remedy", "severity", "ocpp")
_HEAD_ROLES = frozenset({"code", "name", "title", "meaning", *_LABELLED})


_DESCRIBED = frozenset({"title", "meaning", "cause", "remedy", "remote", "onsite"})
_TOP_ROWS = 15
"""How far down a spreadsheet export its header row may sit (below a title, a date, blank rows)."""


def is_header_row(cells: Sequence[str]) -> bool:
    """Whether ``cells`` (the non-empty cells of a row) head an error-code table: short names, no
    numbers, one naming codes or light patterns and one describing them — or, for a table keyed
    by its messages ("Substate | Describe | What to do"), a message first and two describing."""
    if len(cells) < 2 or any(len(c.split()) > 5 or c.strip().isdigit() for c in cells):
        return False
    roles = header_roles(list(cells))
    described = _DESCRIBED & set(roles)
    if {"code", "pattern"} & set(roles) and described:
        return True
    return roles[0] == "title" and len(described - {"title"}) >= 2


class Table(NamedTuple):
    """One table of a sheet: its section (title rows above it), header, body rows, and the
    1-based number of its first body row in the sheet."""

    section: tuple[str, ...]
    header: list[str]
    body: list[list[str]]
    first: int


def split_tables(rows: list[list[str]]) -> list[Table]:
    """The tables in a sheet's ``rows``. A table starts at a row
    that reads as a header (:func:`is_header_row`) within the first rows or anywhere below a table;
    the rows of one filled cell just above it (a title, a sheet heading) are its section. Below
    the first table, only a header after a blank or single-cell row starts another. Without
    any such row, the first row is the header, as a plain CSV has it."""
    starts: list[int] = []
    for n, row in enumerate(rows):
        if not is_header_row([c.strip() for c in row if c.strip()]):
            continue
        if (not starts and n < _TOP_ROWS) or (starts and _lone(rows[n - 1])):
            starts.append(n)  # a later table follows a blank or title row, never a row of cells
    if not starts:
        return [Table((), rows[0], rows[1:], 2)] if rows else []
    tables = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(rows)
        body = rows[start + 1 : end]
        while body and _lone(body[-1]) and n + 1 < len(starts):
            body = body[:-1]  # the next table's title
        tables.append(Table(_titles(rows, start), rows[start], body, start + 2))
    return tables


def _lone(row: list[str]) -> bool:
    return sum(bool(c.strip()) for c in row) <= 1


def _titles(rows: list[list[str]], start: int) -> tuple[str, ...]:
    """The single-cell rows just above row ``start`` (blank rows skipped), top first."""
    titles: list[str] = []
    for row in reversed(rows[:start]):
        if not _lone(row):
            break
        if text := " ".join(" ".join(row).split()):
            titles.insert(0, text)
    return tuple(titles)


def table_blocks(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    section: tuple[str, ...] = (),
    page: int | None = None,
) -> list[Block]:
    """One row block per non-empty row; rows of a table with a code column carry their entry."""
    columns = table_columns(headers, rows)
    blocks = []
    for number, cells in enumerate(rows, start=1):
        if block := row_block(headers, cells, columns, section, page, locator=f"row {number}"):
            blocks.append(block)
    return blocks


def row_block(
    headers: Sequence[str],
    cells: Sequence[str],
    columns: Columns,
    section: tuple[str, ...] = (),
    page: int | None = None,
    locator: str = "",
) -> Block | None:
    """One table row as a readable block; ``None`` for an empty row."""
    pairs = [(h.strip(), " ".join(c.split())) for h, c in zip(headers, cells, strict=False)]
    if not any(cell for _, cell in pairs):
        return None
    values = row_values(headers, cells, columns)
    entry = row_entry(values, columns, locator) if columns.code is not None else None
    if entry is None:
        return Block("; ".join(f"{h}: {c}" for h, c in pairs if c), section, page, row=True)
    extras = [
        f"{h}: {c}"
        for (h, c), role in zip(pairs, columns.roles, strict=False)
        if c and role not in _HEAD_ROLES
    ]
    head = _head(values, pairs[columns.code], columns.pattern or columns.message)
    text = " ".join(_sentence(p) for p in [head, *_labelled(values), *extras])
    return Block(text, section, page, row=True, codes=_indexed(entry, values), entry=entry)


def _indexed(entry, values: dict[str, list[str]]) -> tuple[str, ...]:
    """Codes a row is indexed under: the code cell's spellings and an upper-case symbolic name
    (``RCM_TRIPPED``); a CamelCase name stays an alias of the entry only."""
    names = values.get("name", [])
    return tuple(c for c in entry.spellings() if c not in names or _UPPER_NAME.fullmatch(c))


def _head(values: dict[str, list[str]], code_pair: tuple[str, str], pattern: bool) -> str:
    head = f"{code_pair[0]}: {code_pair[1]}" if pattern else f"Code {values['code'][0]}"
    if name := " ".join(values.get("name", [])):
        head += f" ({name})"
    described = [*values.get("title", []), *values.get("meaning", [])]
    if described:
        head += " — " + " ".join(_sentence(d) for d in described[:-1]) + (" " if len(described) > 1 else "")
        head += f"{described[-1].rstrip('.')}."
    return head


def _labelled(values: dict[str, list[str]]) -> list[str]:
    return [f"{ROW_FIELD_LABELS[r]}: {' '.join(values[r])}" for r in _LABELLED if r in values]


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def load_delimited(path: Path) -> LoadedDocument:
    """CSV/TSV (delimiter sniffed: comma, semicolon, tab, pipe): one block per row."""
    text = read_text(path, what="table file")
    if "\x00" in text:
        raise LoadError("malformed table: contains NUL bytes (binary file?)")
    try:
        rows = list(csv.reader(io.StringIO(text), _dialect(text, path.suffix.lower()), strict=True))
    except csv.Error as exc:
        raise LoadError(f"malformed table: {exc}") from exc
    return sheet_document(rows, what="line")


_DELIMITERS = ",;\t|"


def _dialect(text: str, suffix: str):
    """The file's CSV dialect as sniffed; where the sniffed one leaves the header line whole (an
    apostrophe in a short file taken for a quote mark), the delimiter the header line holds most."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
    if dialect.delimiter in header:
        return dialect
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    if not counts[best]:
        return dialect

    class _Header(csv.excel):
        delimiter = best

    return _Header


def sheet_document(rows: list[list[str]], *, what: str, sheet: tuple[str, ...] = ()) -> LoadedDocument:
    """The tables of one sheet of ``rows`` (see :func:`split_tables`) as a document; a row whose
    cell count differs from its header's is a warning naming it (``what`` and its number)."""
    doc = LoadedDocument(blocks=[])
    tables = split_tables(rows)
    for table in tables:
        width = len(table.header)
        for number, cells in enumerate(table.body, start=table.first):
            if len(cells) != width and not _lone(cells):
                doc.warnings.append(f"{what} {number}: {len(cells)} cells, expected {width}")
        doc.blocks += table_blocks(table.header, table.body, (*sheet, *table.section))
    if any(t.body for t in tables) and not any(b.entry for b in doc.blocks):
        raise LoadError(f"no error-code column among the headers {tables[0].header!r}")
    if not doc.blocks:
        raise LoadError("table has a header but no rows")
    return doc
