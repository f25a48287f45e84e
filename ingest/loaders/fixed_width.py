"""Fixed-width tables in plain text: a header line of columns set apart by spaces, ruled off with
dashes, rows below it whose cells wrap onto the next lines under their column.

    ------------------------------------------------------------
     Error                                   LEDs bar
    ------------------------------------------------------------
     Pilot error (E status)                  Red, 2 blink
       The Control Pilot line may be         sequence
       short-circuited to earth.

A table is recognised by its header (a column named like a code or a light pattern, the same
synonyms as every other table) next to a rule line. A row is a group of lines separated from the
next by a blank line, or a line that starts at the table's left edge; each column's text is its
lines' slices, joined.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ingest.entries.columns import header_roles

_RULE = re.compile(r"^\s*(?=(?:\s*[-=_]){10})[-=_]{3,}(?:\s+[-=_]{3,})*\s*$")
"""A rule: ten or more dashes, in one run or one run per column (``-------  --------``)."""
_CELL = re.compile(r"\S+(?: \S+)*")


@dataclass(frozen=True)
class FixedTable:
    start: int
    """Index of the table's first line (its header or the rule above it)."""
    end: int
    """Index after its last line."""
    headers: list[str]
    rows: list[list[str]]


def find_table(lines: list[str], i: int) -> FixedTable | None:
    """The fixed-width table whose header is line ``i``, if it is one."""
    cells = [(m.start(), m.group()) for m in _CELL.finditer(lines[i])]
    ruled = [j for j in (i - 1, i + 1) if 0 <= j < len(lines) and _RULE.match(lines[j])]
    if len(cells) < 2 or not ruled or not {"code", "pattern"} & set(header_roles([c for _, c in cells])):
        return None
    body = i + 2 if i + 1 in ruled else i + 1
    end = next((j for j in range(body, len(lines)) if _RULE.match(lines[j])), len(lines))
    starts = [start for start, _ in cells]
    rows = [_row(group, starts) for group in _groups(lines[body:end], starts[0])]
    return FixedTable(min([*ruled, i]), min(end + 1, len(lines)), [c for _, c in cells], rows)


def _groups(lines: list[str], edge: int) -> list[list[str]]:
    """Lines of one row each: split at blank lines and at lines that start at the left edge."""
    groups: list[list[str]] = []
    for blank, run in itertools.groupby(lines, key=lambda ln: not ln.strip()):
        if blank:
            continue
        for line in run:
            indent = len(line) - len(line.lstrip())
            if not groups or (indent <= edge and groups[-1]):
                groups.append([])
            groups[-1].append(line)
        groups.append([])  # a blank line always ends a row
    return [g for g in groups if g]


def _row(lines: list[str], starts: list[int]) -> list[str]:
    """A row's cells; a short first line of the first column is its name ("Pilot error" above
    "With the vehicle connected, …") and stays a sentence of its own."""
    columns = [
        [c for c in column if c] for column in zip(*(slice_columns(ln, starts) for ln in lines), strict=True)
    ]
    first = columns[0]
    if (
        len(first) > 1
        and len(first[0].split()) <= 8
        and first[1][:1].isupper()
        and first[0][-1:] not in ".:;!?"
    ):
        first[0] += "."
    return [" ".join(column) for column in columns]


_CELL_DRIFT = 3
"""Characters a cell may start away from its header's column (OCR'd or proportional text)."""


def slice_columns(line: str, starts: list[int]) -> list[str]:
    """Cut ``line`` at column starts: at a cell that starts after a run of spaces within a few
    characters of the start, else snapping the cut back to the nearest space."""
    cuts = [0]
    for start in starts[1:]:
        near = [
            j
            for j in range(max(cuts[-1] + 1, start - _CELL_DRIFT), min(len(line), start + _CELL_DRIFT + 1))
            if line[j] != " " and line[j - 2 : j] == "  "
        ]
        cut = min(near, key=lambda j: abs(j - start)) if near else start
        while not near and cut > cuts[-1] and cut < len(line) and line[cut - 1] != " ":
            cut -= 1
        cuts.append(max(cut, cuts[-1]))
    cuts.append(max(len(line), cuts[-1]))
    return [line[a:b].strip() for a, b in itertools.pairwise(cuts)][: len(starts)]
