"""Error-code tables: header synonyms, row rendering, and the CSV/TSV loader.

Vendors title their columns differently ("Error", "Fault", "Code"; "Solution", "What to do").
Headers are mapped to canonical roles; each row of a table with a code column becomes one block
rendered as readable text: ``Code F005 — Isolation failure. Cause: … Remedy: …``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from ingest.document import Block, LoadedDocument, LoadError, read_text
from knowledge.codes import split_code_field
from knowledge.schema import ROW_FIELD_LABELS

ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "error",
        "error code",
        "errorcode",
        "fault",
        "fault code",
        "err",
        "err code",
        "error no",
        "error number",
        "fault no",
        "alarm",
        "alarm code",
        "id",
    ),
    "name": ("name", "symbol", "mnemonic", "identifier", "constant", "symbolic name"),
    "meaning": (
        "meaning",
        "description",
        "message",
        "display text",
        "display",
        "text",
        "title",
        "explanation",
        "error message",
        "fault message",
        "summary",
    ),
    "ocpp": ("ocpp errorcode", "ocpp error code", "ocpp", "ocpp code", "ocpp 1 6 errorcode"),
    "cause": (
        "cause",
        "causes",
        "possible cause",
        "possible causes",
        "likely cause",
        "probable cause",
        "reason",
        "root cause",
    ),
    "remedy": (
        "remedy",
        "remedies",
        "solution",
        "action",
        "actions",
        "what to do",
        "corrective action",
        "fix",
        "resolution",
        "recommended action",
        "troubleshooting",
    ),
    "severity": ("severity", "level", "priority", "class", "criticality"),
}
_SYNONYM_TO_ROLE = {syn: role for role, syns in ROLE_SYNONYMS.items() for syn in syns}
_LABELS = ROW_FIELD_LABELS


def header_roles(headers: Sequence[str]) -> list[str | None]:
    """The canonical role of each header (``None`` for columns with no known role)."""
    roles: list[str | None] = []
    for header in headers:
        key = " ".join(re.findall(r"[a-z0-9]+", header.lower()))
        role = _SYNONYM_TO_ROLE.get(key)
        roles.append(role if role not in roles else None)
    return roles


def row_block(
    headers: Sequence[str], cells: Sequence[str], section: tuple[str, ...] = (), page: int | None = None
) -> Block | None:
    """One table row as a readable block; ``None`` for an empty row."""
    roles = header_roles(headers)
    values = {}
    extras = []
    for header, role, cell in zip(headers, roles, cells, strict=False):
        cell = " ".join(cell.split())
        if not cell:
            continue
        if role:
            values[role] = cell
        else:
            extras.append(f"{header.strip()}: {cell}")
    if not values and not extras:
        return None
    if "code" not in values:
        return Block(
            "; ".join(
                f"{h.strip()}: {' '.join(c.split())}"
                for h, c in zip(headers, cells, strict=False)
                if c.strip()
            ),
            section,
            page,
            row=True,
        )
    return Block(_render(values, extras), section, page, row=True, codes=_row_codes(values))


def _render(values: dict[str, str], extras: list[str]) -> str:
    head = f"Code {values['code']}"
    if name := values.get("name"):
        head += f" ({name})"
    if meaning := values.get("meaning"):
        head += f" — {meaning.rstrip('.')}."
    parts = [head]
    parts += [f"{_LABELS[r]}: {values[r]}" for r in ("cause", "remedy", "severity", "ocpp") if r in values]
    return " ".join(_sentence(p) for p in [*parts, *extras])


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def _row_codes(values: dict[str, str]) -> tuple[str, ...]:
    codes = split_code_field(values["code"])
    name = values.get("name", "")
    if re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Z0-9_]{3,}", name):
        codes.append(name)
    return tuple(codes)


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
    if "code" not in header_roles(headers):
        raise LoadError(f"no error-code column among the headers {headers!r}")
    doc = LoadedDocument(blocks=[])
    for line_no, cells in enumerate(body, start=2):
        if len(cells) != len(headers) and any(c.strip() for c in cells):
            doc.warnings.append(f"line {line_no}: {len(cells)} cells, expected {len(headers)}")
        if block := row_block(headers, cells):
            doc.blocks.append(block)
    if not doc.blocks:
        raise LoadError("table has a header but no rows")
    return doc
