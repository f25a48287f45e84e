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

from ingest.document import Block, LoadedDocument, LoadError, read_text
from ingest.entries.columns import Columns, header_roles, table_columns
from ingest.entries.table import row_entry, row_values
from knowledge.schema import ROW_FIELD_LABELS

_UPPER_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Z0-9_]{3,}")
__all__ = ["header_roles", "load_delimited", "table_blocks"]
_LABELLED = ("cause", "remedy", "severity", "ocpp")
_HEAD_ROLES = frozenset({"code", "name", "title", "meaning", *_LABELLED})


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
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect, strict=True))
    except csv.Error as exc:
        raise LoadError(f"malformed table: {exc}") from exc
    headers, body = rows[0], rows[1:]
    doc = LoadedDocument(blocks=[])
    for line_no, cells in enumerate(body, start=2):
        if len(cells) != len(headers) and any(c.strip() for c in cells):
            doc.warnings.append(f"line {line_no}: {len(cells)} cells, expected {len(headers)}")
    doc.blocks = table_blocks(headers, body)
    if body and not any(b.entry for b in doc.blocks):
        raise LoadError(f"no error-code column among the headers {headers!r}")
    if not doc.blocks:
        raise LoadError("table has a header but no rows")
    return doc
