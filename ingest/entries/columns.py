"""Which column of a table plays which role: header synonyms, then the cells themselves.

Headers are matched to roles through the synonyms of vocabulary.yaml (exactly, else by the
longest synonym they contain). When no column is a usable code column, the column whose cells are
mostly code-shaped is taken (``E-06``, ``0x1A``, ``101``, ``RCM_TRIPPED``), else a column of LED/
blink patterns (layout ``pattern``), else a key/symbol column of identifiers (``B_AUTH``), else —
a table keyed by its messages — a short-text title or meaning column that another column explains
(each message is a code). When the code column had to be guessed, columns with unknown
headers are given the roles still missing from what their cells look like (remedy-like text, else
title, then cause); under recognised headers an unknown column stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.entries.shapes import code_shaped
from ingest.entries.steps import is_remote
from ingest.entries.vocabulary import Vocabulary, vocabulary, words_key
from knowledge.codes import normalise_code
from knowledge.patterns import pattern_code

MULTI_ROLES = frozenset({"cause", "remedy", "remote", "onsite", "meaning", "alias"})
"""Roles several columns may share (their cells are joined in column order)."""
_GENERIC_CODE_WORDS = frozenset({"error", "fault", "alarm", "err", "id", "no", "nr", "number"})
_MIN_SHARE = 0.6
_MESSAGE_WORDS = 12
_MESSAGE_SHARE = 0.8
"""Share of a message column's cells that must be short (at most _MESSAGE_WORDS words)."""
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}(?:/[A-Za-z0-9][A-Za-z0-9_.-]{0,59})?")
"""A firmware's name for an error or a state, a module's path before it too
(``evse_board_support/DiodeFault``)."""


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
    """The role of each header; a single-valued role only for its first column. In a register
    table (a column headed like a bit or a mask), the first column headed like a value holds the
    codes, when no column is headed like a code."""
    roles: list[str | None] = []
    for header in headers:
        role = header_role(header)
        roles.append(role if role in MULTI_ROLES or role not in roles else None)
    vocab = vocabulary()
    keys = [words_key(h) for h in headers]
    if "code" not in roles and any(k in vocab.bit_headers for k in keys):
        value = next((i for i, k in enumerate(keys) if k in vocab.value_headers and roles[i] is None), None)
        if value is not None:
            roles[value] = "code"
    return roles


@dataclass(frozen=True)
class Columns:
    """Roles of a table's columns once its cells have been looked at."""

    roles: tuple[str | None, ...]
    pattern: bool = False
    """The code column holds LED/blink patterns (entries get layout ``pattern``)."""
    sniffed: bool = False
    """The code column was found from its cells, not its header."""
    message: bool = False
    """The code column holds the message the charger shows or sends (a table keyed by its error
    texts: "Overcurrent shutdown"); each cell is one code, commas and all."""
    header: str = ""
    """The code column's header: a pattern column's colour may be there only ("Red Light": "3 flashes")."""

    @property
    def code(self) -> int | None:
        return self.roles.index("code") if "code" in self.roles else None


def table_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Columns:
    """Roles of every column of a table from its headers and cells (see the module docstring)."""
    roles = _one_language(headers, header_roles(headers))
    columns = [[_cell(r, i) for r in rows] for i in range(len(headers))]
    code = _named_code_column(headers, columns, roles)
    sniffed, pattern = False, False
    if code is None:
        code = _first(columns, roles, lambda c: code_shaped(c, strict=True))
        sniffed = code is not None
    if code is None and (code := _pattern_column(columns, roles)) is not None:
        pattern = True
    if code is None and (code := _identifier_column(columns, roles)) is not None:
        sniffed = True
    if code is None and (code := _message_column(columns, roles)) is not None:
        roles[code] = "code"
        return Columns(tuple(roles), message=True, header=headers[code])
    if code is None:
        return Columns(tuple(roles))
    roles = [None if r == "code" else r for r in roles]
    roles[code] = "code"
    _alias_columns(columns, roles)
    code = _register_value_column(columns, roles, code, named=_names_code(headers[code]))
    if sniffed:
        _name_column(headers, columns, roles)
    _english_title(headers, columns, roles)
    if (
        pattern
        and not ({"remedy", "cause", "remote", "onsite"} & set(roles))
        and not _sniff_remedy(columns, roles)
        and not _explained(columns, roles)
    ):
        return Columns(tuple(r if r != "code" else "pattern" for r in roles))
    if sniffed or pattern:
        _fill_unknown(columns, roles)
    _remedy_from_meaning(columns, roles)
    return Columns(tuple(roles), pattern=pattern, sniffed=sniffed, header=headers[code])


def _alias_columns(columns: list[list[str]], roles: list[str | None]) -> None:
    """Unnamed columns of codes beside the code column are other spellings of the same code (a
    bit table's ``Bit | Mask | Value | WARNING_…``: the charger may send any of them)."""
    for index, cells in enumerate(columns):
        filled = [c for c in cells if c]
        coded = _share(cells, code_shaped) >= 0.9 or (roles[index] is None and _share(cells, _symbol) >= 0.8)
        if (
            roles[index] in (None, "pattern")  # a "Status" column of A1, F3 … is codes, not lights
            and len(filled) >= 2
            and coded
            and len(set(filled)) == len(filled)
        ):
            roles[index] = "alias"


def _symbol(cell: str) -> bool:
    """A firmware's name for a state or an error (``Mode3_E``, ``Mode1_LockError``): one token
    with an underscore, a lower-to-upper case change or letters and digits — not a plain word."""
    return bool(
        _IDENTIFIER.fullmatch(cell)
        and (
            "_" in cell
            or re.search(r"[a-z][A-Z]", cell)
            or (re.search(r"\d", cell) and re.search(r"[A-Za-z]", cell))
        )
    )


def _register_value_column(
    columns: list[list[str]], roles: list[str | None], code: int, *, named: bool = False
) -> int:
    """In a bit table (``Bit 12 | Value 4096``) the register value is the code a charger reports,
    not the bit's position: the value column becomes the code, the position column a plain
    ``bit`` column (kept in the row's text, no spelling of the code: "12" is another bit's sum) —
    unless the document calls the positions the codes (``named``: ``code 10 | mask 0x400``), then
    both are spellings. Where the code is another key (``E01 | Bit 0 | Mask 0x0001``), the
    position column is a bit column beside the value's alias column."""
    values = [
        i for i, cells in enumerate(columns) if roles[i] == "alias" and _values_of(columns[code], cells)
    ]
    if values and named:
        return code
    if values:  # the decimal value before a hex mask: chargers report the register as a number
        index = max(values, key=lambda i: (_share(columns[i], str.isdigit), -i))
        roles[code], roles[index] = "bit", "code"
        return index
    for position, cells in enumerate(columns):  # "E01 | Bit 0 | Mask 0x0001": the bit is no spelling
        if roles[position] == "alias" and any(
            roles[value] == "alias" and _values_of(cells, columns[value]) for value in range(len(columns))
        ):
            roles[position] = "bit"
    return code


def _names_code(header: str) -> bool:
    """Whether ``header`` calls its column the code, not a bit position or a mask."""
    return header_role(header) == "code" and words_key(header) not in vocabulary().bit_headers


def _values_of(positions: list[str], values: list[str]) -> bool:
    """Whether ``values`` are the register values of the bit ``positions`` (``5`` → ``32``/``0x20``)."""
    pairs = [(p, normalise_code(v)) for p, v in zip(positions, values, strict=True) if p and v]
    matched = sum(
        p.isdigit()
        and int(p) < 64
        and v is not None
        and v.primary.isdigit()
        and int(v.primary) == 1 << int(p)
        for p, v in pairs
    )
    return len(pairs) >= 2 and matched >= 0.9 * len(pairs)


def _remedy_from_meaning(columns: list[list[str]], roles: list[str | None]) -> None:
    """A table with a title column and no remedy column, whose meaning column tells what to do
    ("Message": "Restart your charger by unplugging the cable"), has its remedy there."""
    if {"remedy", "remote", "onsite"} & set(roles) or "title" not in roles:
        return
    meaning = [i for i, r in enumerate(roles) if r == "meaning"]
    if len(meaning) == 1 and _share(columns[meaning[0]], _remedy_like) >= 0.4:
        roles[meaning[0]] = "remedy"


def _named_code_column(
    headers: Sequence[str], columns: list[list[str]], roles: list[str | None]
) -> int | None:
    """The first column whose header names the code and whose cells are codes. A column headed
    like a code whose cells are words ("Fault": "Immediate Ground Fault" beside "Code": "IGF") is
    the fault's name: it becomes the title, and a title column beside it the meaning."""
    named = [i for i, h in enumerate(headers) if header_role(h) == "code"]
    code = next((i for i in named if _share(columns[i], _usable_code) >= _MIN_SHARE), None)
    for i in named:
        roles[i] = None
    if code is None:
        return None
    for i in named:
        if i != code and _share(columns[i], lambda c: len(c.split()) > 1) >= _MIN_SHARE:
            if "title" in roles:
                roles[roles.index("title")] = "meaning"
            roles[i] = "title"
            break
    return code


_ENGLISH = re.compile(r"\b(?:en|eng|english)\b", re.IGNORECASE)
_OTHER_LANGUAGE = re.compile(
    r"\b(?:de|deu|ger|german|deutsch|fr|fra|french|français|nl|dutch|es|spa|spanish|español|it|ita|italian)\b",
    re.IGNORECASE,
)


def _one_language(headers: Sequence[str], roles: list[str | None]) -> list[str | None]:
    """A bilingual table (``Bedeutung (DE) | Meaning (EN)``) read in English: where a role's
    columns are marked by language, the English one takes it and the others become ``translation``
    columns (their text stays in the row, no field is read from them); unmarked ones are left."""
    roles = list(roles)
    for role in {r for r in roles if r}:
        same = [i for i, r in enumerate(roles) if r == role]
        english = [i for i in same if _ENGLISH.search(headers[i])]
        other = [i for i in same if _OTHER_LANGUAGE.search(headers[i]) and i not in english]
        if english and other:
            for i in other:
                roles[i] = "translation"
    return roles


def _english_title(headers: Sequence[str], columns: list[list[str]], roles: list[str | None]) -> None:
    """``Code | Fehler | Error (EN)``: a column marked English whose header names the error or its
    title, and whose cells are words, is the title; another title column becomes its translation."""
    for i, header in enumerate(headers):
        if roles[i] not in (None, "title") or not _ENGLISH.search(header):
            continue
        if header_role(_ENGLISH.sub(" ", header)) not in ("code", "title"):
            continue
        if _share(columns[i], _usable_code) >= _MIN_SHARE:
            continue
        for j, role in enumerate(roles):
            if role == "title" and j != i:
                roles[j] = "translation"
        roles[i] = "title"
        return


def _name_column(headers: Sequence[str], columns: list[list[str]], roles: list[str | None]) -> None:
    """Where the codes were found in a column not headed like one (``Bit | Value | Fault``), the
    column headed like a code whose cells are words is the fault's name: the title, if none is."""
    if "title" in roles:
        return
    for i, header in enumerate(headers):
        if (
            roles[i] is None
            and header_role(header) == "code"
            and _share(columns[i], _usable_code) < _MIN_SHARE
        ):
            roles[i] = "title"
            return


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
    """The first column, not given another role, whose cells pass ``test`` and tell its rows apart
    — alone, or with a column of a few field names (``err``/``car``: a table of several fields,
    each numbering its own values)."""
    for index, cells in enumerate(columns):
        usable = roles[index] in (None, "name", "pattern", "category") and _share(cells, test) >= _MIN_SHARE
        if usable and (
            _distinct(cells)
            or any(
                _distinct([f"{f}/{c}" for f, c in zip(fields, cells, strict=True)])
                for n, fields in enumerate(columns)
                if n != index and roles[n] is None and 2 <= len({f for f in fields if f}) <= _FIELDS
            )
        ):
            return index
    return None


_FIELDS = 4
"""At most this many field names in a column that splits a table into several fields."""


def _distinct(cells: list[str]) -> bool:
    filled = [c for c in cells if c and not c.endswith("/")]
    return bool(filled) and len(set(filled)) >= 0.8 * len(filled)


def _pattern_column(columns: list[list[str]], roles: list[str | None]) -> int | None:
    order = sorted(range(len(columns)), key=lambda i: roles[i] != "pattern")
    for index in order:
        if roles[index] in (None, "pattern") and _share(columns[index], pattern_code) >= _MIN_SHARE * 0.8:
            return index
    return None


def _identifier_column(columns: list[list[str]], roles: list[str | None]) -> int | None:
    """A column headed as a key or symbol whose cells are distinct identifiers (``B_AUTH``,
    ``rcd_error``, ``paused``), or headed as a state whose cells are state names, not light
    patterns (``FAULT``, ``WAITING FOR VEHICLE``): what a charger sends as its code or message."""
    for index, cells in enumerate(columns):
        filled = [c for c in cells if c]
        named = roles[index] == "name" and _share(cells, _IDENTIFIER.fullmatch) >= 0.9
        stated = roles[index] == "pattern" and _share(cells, _state_name) >= 0.9
        if (named or stated) and len(filled) >= 2 and len(set(filled)) == len(filled):
            return index
    return None


def _state_name(cell: str) -> bool:
    """A state's name as a display or a firmware shows it: up to four words in capitals
    (``FAULT``, ``WAITING FOR VEHICLE``) or a symbol (``ev_error``); not a word of prose
    ("Available": a protocol's status list is no code table)."""
    words = cell.split()
    symbol = len(words) == 1 and "_" in cell and bool(_IDENTIFIER.fullmatch(cell))
    return symbol or (len(words) <= _STATE_WORDS and cell.isupper() and not pattern_code(cell))


_STATE_WORDS = 4


def _message_column(columns: list[list[str]], roles: list[str | None]) -> int | None:
    """A table keyed by its messages: the first title or meaning column of short, distinct texts
    ("Overcurrent shutdown"), when another column explains them (cause, remedy or meaning) and
    no column before it tells the rows apart (a protocol's list of states is keyed by the
    states, not by what they mean)."""
    for index, cells in enumerate(columns):
        if any(_distinct(before) for before in columns[:index]):
            return None  # a column before it tells the rows apart: the rows are its values'
        filled = [c for c in cells if c]
        others = {r for i, r in enumerate(roles) if i != index}
        if (
            roles[index] in ("title", "meaning")
            and len(filled) >= 2
            and _share(cells, lambda c: len(c.split()) <= _MESSAGE_WORDS) >= _MESSAGE_SHARE
            and len(set(filled)) == len(filled)
            and others & {"cause", "remedy", "remote", "onsite", "meaning"}
        ):
            return index
    return None


def _explained(columns: list[list[str]], roles: list[str | None]) -> bool:
    """Whether an unnamed column explains each row in sentences (a pattern table whose first
    column holds the error's name and what it means)."""
    return any(
        r is None and _share(c, lambda v: len(v.split()) >= 6) >= _MIN_SHARE
        for c, r in zip(columns, roles, strict=True)
    )


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
        if role == "cause":  # a cause is told in words, not by a colour, an animation or "ja / yes"
            unknown = [
                i for i in unknown if _share(columns[i], lambda v: len(re.findall(r"\w+", v)) >= 3) >= 0.5
            ]
        if role in roles or not unknown:
            continue
        index = unknown.pop(0)
        explains = role == "title" and _share(columns[index], lambda v: len(v.split()) >= 6) >= _MIN_SHARE
        roles[index] = "meaning" if explains else role  # sentences: the title is their lead phrase


def _remedy_like(cell: str) -> bool:
    vocab = vocabulary()
    return bool(vocab.remote.search(cell) or vocab.onsite.search(cell))
