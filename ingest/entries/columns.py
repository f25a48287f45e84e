"""Which column of a table plays which role: header synonyms, then the cells themselves.

Headers are matched to roles through the synonyms of vocabulary.yaml (exactly, else by the
longest synonym they contain). When no column is a usable code column, the column whose cells are
mostly code-shaped is taken (``E-06``, ``0x1A``, ``101``, ``RCM_TRIPPED``), else a column of LED/
blink patterns (layout ``pattern``). When the code column had to be guessed, columns with unknown
headers are given the roles still missing from what their cells look like (remedy-like text, else
title, then cause); under recognised headers an unknown column stays unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.entries.shapes import code_shaped
from ingest.entries.steps import is_remote
from ingest.entries.vocabulary import Vocabulary, vocabulary, words_key
from knowledge.codes import normalise_code
from knowledge.patterns import pattern_code

MULTI_ROLES = frozenset({"cause", "remedy", "remote", "onsite", "meaning"})
"""Roles several columns may share (their cells are joined in column order)."""
_GENERIC_CODE_WORDS = frozenset({"error", "fault", "alarm", "err", "id", "no", "nr", "number"})
_MIN_SHARE = 0.6


def header_role(header: str, vocab: Vocabulary | None = None) -> str | None:
    """The role a header names, or ``None``."""
    vocab = vocab or vocabulary()
    key = words_key(header)
    if not key:
        return None
    for role, synonyms in vocab.roles.items():
        if key in synonyms:
            return role
    best: tuple[int, str] | None = None
    padded = f" {key} "
    for role, synonyms in vocab.roles.items():
        for synonym in synonyms:
            if role == "code" and synonym in _GENERIC_CODE_WORDS:
                continue
            if f" {synonym} " in padded and (best is None or len(synonym) > best[0]):
                best = (len(synonym), role)
    return best[1] if best else None


def header_roles(headers: Sequence[str]) -> list[str | None]:
    """The role of each header; a single-valued role only for its first column."""
    roles: list[str | None] = []
    for header in headers:
        role = header_role(header)
        roles.append(role if role in MULTI_ROLES or role not in roles else None)
    return roles


@dataclass(frozen=True)
class Columns:
    """Roles of a table's columns once its cells have been looked at."""

    roles: tuple[str | None, ...]
    pattern: bool = False
    """The code column holds LED/blink patterns (entries get layout ``pattern``)."""
    sniffed: bool = False
    """The code column was found from its cells, not its header."""
    header: str = ""
    """The code column's header: a pattern column's colour may be there only ("Red Light": "3 flashes")."""

    @property
    def code(self) -> int | None:
        return self.roles.index("code") if "code" in self.roles else None


def table_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Columns:
    """Roles of every column of a table from its headers and cells (see the module docstring)."""
    roles = header_roles(headers)
    columns = [[_cell(r, i) for r in rows] for i in range(len(headers))]
    code = roles.index("code") if "code" in roles else None
    sniffed, pattern = False, False
    if code is not None and _share(columns[code], _usable_code) < _MIN_SHARE:
        roles[code], code = None, None
    if code is None:
        code = _first(columns, roles, lambda c: code_shaped(c, strict=True))
        sniffed = code is not None
    if code is None and (code := _pattern_column(columns, roles)) is not None:
        pattern = True
    if code is None:
        return Columns(tuple(roles))
    roles = [None if r == "code" else r for r in roles]
    roles[code] = "code"
    if (
        pattern
        and not ({"remedy", "cause", "remote", "onsite"} & set(roles))
        and not _sniff_remedy(columns, roles)
    ):
        return Columns(tuple(r if r != "code" else "pattern" for r in roles))
    if sniffed or pattern:
        _fill_unknown(columns, roles)
    return Columns(tuple(roles), pattern=pattern, sniffed=sniffed, header=headers[code])


def _cell(row: Sequence[str], index: int) -> str:
    return " ".join(row[index].split()) if index < len(row) else ""


def _share(cells: list[str], test) -> float:
    filled = [c for c in cells if c]
    return sum(bool(test(c)) for c in filled) / len(filled) if filled else 0.0


def _usable_code(cell: str) -> bool:
    return code_shaped(cell) or (
        len(cell) <= 40 and len(cell.split()) <= 3 and normalise_code(cell) is not None
    )


def _first(columns: list[list[str]], roles: list[str | None], test) -> int | None:
    for index, cells in enumerate(columns):
        if roles[index] in (None, "name", "pattern", "category") and _share(cells, test) >= _MIN_SHARE:
            filled = [c for c in cells if c]
            if len(set(filled)) >= 0.8 * len(filled):
                return index
    return None


def _pattern_column(columns: list[list[str]], roles: list[str | None]) -> int | None:
    order = sorted(range(len(columns)), key=lambda i: roles[i] != "pattern")
    for index in order:
        if roles[index] in (None, "pattern") and _share(columns[index], pattern_code) >= _MIN_SHARE * 0.8:
            return index
    return None


def _sniff_remedy(columns: list[list[str]], roles: list[str | None]) -> bool:
    return any(
        r is None and _share(c, lambda v: len(v.split()) > 2 and is_remote(v)) > 0.3
        for c, r in zip(columns, roles, strict=True)
    )


def _fill_unknown(columns: list[list[str]], roles: list[str | None]) -> None:
    """Give unknown text columns the roles still missing, judged by their cells."""
    unknown = [
        i for i, r in enumerate(roles) if r is None and _share(columns[i], lambda c: len(c) > 2) >= 0.5
    ]
    if "remedy" not in roles and "remote" not in roles and "onsite" not in roles:
        remedy = [i for i in unknown if _share(columns[i], _remedy_like) >= 0.4]
        if remedy:
            roles[remedy[-1]] = "remedy"
            unknown.remove(remedy[-1])
    for role in ("title", "cause"):
        if role == "title" and ({"title", "meaning"} & set(roles)):
            continue
        if role in roles or not unknown:
            continue
        roles[unknown.pop(0)] = role


def _remedy_like(cell: str) -> bool:
    vocab = vocabulary()
    return bool(vocab.remote.search(cell) or vocab.onsite.search(cell))
