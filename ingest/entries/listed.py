"""Values a register table lists with their meanings inside its cells.

A Modbus register map has one row per register; the row of a state or error register lists its
values in a cell — ``2=A1, 3=A2, … 9=E, 10=F`` — and explains some of them in a remark cell:
``8: hot, reduced current, no action. 9 (E): CP short to PE - do not restart, electrician.``
Each explained value is a code the charger reports (the register's value as ``vendorErrorCode``),
so it becomes an entry of its own: the value is the code, its name in the list or in brackets an
alias, the explanation its meaning and steps. A row becomes entries this way only when it explains
at least :data:`_MIN_ITEMS` values and has no code of its own (a row of a table or a line read as
cells); the row itself is kept as it is.
"""

from __future__ import annotations

import re

from ingest.document import Block
from ingest.entries.parts import read_parts
from ingest.entries.table import short_title
from knowledge.entries import CodeEntry, Layout

_MIN_ITEMS = 3
_MIN_CELLS = 3
"""A block of text is a table row (cells joined by ``|``, a table without a code column) when it
has at least this many cells."""
_NAME = r"[A-Za-z][\w-]{0,11}"
_ASSIGNED = re.compile(rf"(?<![\w.=])(?P<value>\d{{1,3}})\s*=\s*(?P<name>{_NAME})(?=\s*[,;.|]|\s*$)")
"""``9=E`` in a list of a register's values and their names."""
_ITEM = re.compile(
    rf"(?:^|(?<=[.;|])\s*|(?<=[.;|]\s))(?P<value>\d{{1,3}})(?:\s*\((?P<name>{_NAME})\))?\s*:\s+"
    rf"(?P<text>.+?)(?=\s+\d{{1,3}}(?:\s*\({_NAME}\))?\s*:\s|$)",
    re.DOTALL,
)
"""``9 (E): CP short to PE - do not restart.`` — a value explained, up to the next one."""


def listed_entries(block: Block) -> list[Block]:
    """Entries for the values a table row explains in its cells (see the module docstring);
    ``[]`` when it explains fewer than :data:`_MIN_ITEMS` or is itself a code's entry."""
    if block.entry or not (block.row or block.text.count(" | ") >= _MIN_CELLS - 1):
        return []
    text = " ".join(block.text.split())
    names = {m["value"]: m["name"] for m in _ASSIGNED.finditer(text)}
    unnamed = re.sub(rf"(?:{_ASSIGNED.pattern})\s*[,;]?", "", text)  # a cell's explanation may wrap past it
    items = [m for m in _ITEM.finditer(unnamed) if _explains(m["text"])]
    if len({m["value"] for m in items}) < _MIN_ITEMS:
        return []
    return [_entry_block(block, m["value"], m["name"] or names.get(m["value"]), m["text"]) for m in items]


def _explains(text: str) -> bool:
    """Words, not a number or a unit: "hot, reduced current", not "0.1 A"."""
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


def _entry_block(row: Block, value: str, name: str | None, text: str) -> Block:
    text = " ".join(text.replace("|", " ").split()).strip(" ,;")
    parts = read_parts(text)
    title = short_title(text).rstrip(". ")
    entry = CodeEntry(
        code=value,
        aliases=[name] if name else [],
        title=f"{name}: {title}" if name and name.casefold() not in title.casefold().split() else title,
        meaning=parts.meaning or text,
        causes=parts.causes,
        steps=parts.steps,
        safety=parts.safety,
        layout=Layout.table,
        locator=f"value {value} of a register",
    )
    said = f"{value} ({name}): {text}" if name else f"{value}: {text}"
    return Block(said, row.section, row.page, row=True, codes=tuple(entry.spellings()), entry=entry)
