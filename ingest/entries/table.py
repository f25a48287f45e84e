"""One table row, with its columns' roles, as a :class:`CodeEntry`.

The code cell may list several spellings (``E01 / 0x01``): the first is the code, the others
aliases, as is a symbolic name column (``RCM_TRIPPED``, ``Phase``) and the raw text of a pattern.
Title is the title column (else a name of several words, else the meaning column's first
sentence), meaning the meaning column (else the title); causes, steps (remote from a
``Remote:`` label or a remote column, else from the verbs)
and flags come from their columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.entries.columns import Columns
from ingest.entries.flags import safety_flag
from ingest.entries.steps import remedy_steps, sentences
from ingest.entries.vocabulary import vocabulary
from knowledge.codes import OCPP16_ERROR_CODES, split_code_field
from knowledge.entries import CodeEntry, Layout, RemedyStep
from knowledge.patterns import pattern_code

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{2,39}")


def _symbolic(name: str) -> bool:
    """Whether a name column's value is an identifier a charger may send instead of the number
    (``RCM_TRIPPED``, ``FiDc``, ``Phase``, ``Overvolt``): one token, no spaces. A name column of
    words ("Phase error") is a title, not an alias."""
    return bool(_IDENTIFIER.fullmatch(name))


def row_values(headers: Sequence[str], cells: Sequence[str], columns: Columns) -> dict[str, list[str]]:
    """Non-empty cells by role (several for cause/remedy/remote/onsite), whitespace squeezed."""
    values: dict[str, list[str]] = {}
    for index, role in enumerate(columns.roles):
        cell = " ".join(cells[index].split()) if index < len(cells) else ""
        if role and cell:
            values.setdefault(role, []).append(cell)
    return values


def row_entry(values: dict[str, list[str]], columns: Columns, locator: str = "") -> CodeEntry | None:
    """The entry of one row, or ``None`` when the row has no code."""
    if "code" not in values:
        return None
    if columns.message:  # the message is the code, commas and all
        code, aliases = values["code"][0], []
    else:
        code, aliases = _codes(values["code"][0], columns.pattern, columns.header)
    if code is None:
        return None
    aliases += [a for cell in values.get("alias", []) for a in split_code_field(cell) if a not in aliases]
    name = _one(values, "name")
    if name and _symbolic(name) and name not in aliases:
        aliases.append(name)
    title, meaning = _title_meaning(values, name)
    if columns.message:
        title, meaning = code, " ".join(values.get("meaning", [])) or code
    title, badge = _badged(title)
    severity, category = _one(values, "severity"), _one(values, "category")
    steps = _steps(values)
    text = " ".join(v for vs in values.values() for v in vs)
    return CodeEntry(
        code=code,
        aliases=[a for a in aliases if a != code],
        title=title,
        meaning=meaning,
        causes=[c for cell in values.get("cause", []) for c in causes_of(cell)],
        steps=steps,
        safety=safety_flag(
            column=_one(values, "safety") or badge, severity=severity, category=category, text=text
        ),
        severity=severity,
        category=category,
        responsible=_one(values, "responsible"),
        ocpp=_ocpp_code(_one(values, "ocpp")),
        layout=Layout.pattern if columns.pattern else Layout.table,
        locator=locator,
    )


_BADGE = re.compile(r"^(?P<title>.*\S)\s+(?P<badge>[A-ZÀ-Ý]{4,})$")


def _badged(title: str) -> tuple[str, str]:
    """A title with a badge after it ("Grounding Error SAFETY": a web page's red label, or a
    word in capitals a manual sets after the title) as the title and the badge when the badge
    is a safety flag's word; else the title as it is and no badge."""
    m = _BADGE.match(title)
    if m and m.group("badge").lower() in vocabulary().safety_true:
        return m.group("title"), m.group("badge")
    return title, ""


_ANSWER_WORDS = 3


def _answer(cell: str) -> bool:
    """Whether ``cell`` only answers yes or no, a note or a count beside it: ``false``, ``TAK*``,
    ``Yes (once)``."""
    words = re.findall(r"[^\W\d_]+|\d+", cell.lower())
    answered = 0 < len(words) <= _ANSWER_WORDS and words[0] in vocabulary().answers
    return answered and words[1:2] != ["action"]


def _ocpp_code(cell: str) -> str:
    """The OCPP error code an OCPP column names (``GroundFailure / "Ground fault, …"``), else the cell."""
    return next((word for word in re.findall(r"[A-Za-z]+", cell) if word in OCPP16_ERROR_CODES), cell)


def _one(values: dict[str, list[str]], role: str) -> str:
    return " ".join(values.get(role, []))


def _codes(cell: str, pattern: bool, header: str = "") -> tuple[str | None, list[str]]:
    if pattern:  # the header may name the colour the cells leave out ("Red Light": "3 flashes")
        key = pattern_code(cell)
        coloured = pattern_code(f"{header}: {cell}")
        if coloured and (key is None or len(coloured) > len(key)):
            key = coloured
        return key, [cell] if key else []
    spellings = [s.strip("*` ") for s in split_code_field(cell, cell=True)]
    spellings = [s for s in spellings if s]
    return (spellings[0], spellings[1:]) if spellings else (None, [])


def _title_meaning(values: dict[str, list[str]], name: str) -> tuple[str, str]:
    title, meaning = _one(values, "title"), " ".join(values.get("meaning", []))
    if not title and name and not _symbolic(name):  # a name of words ("Lock stuck open") is a title
        title = name
    if not title:
        title = short_title(meaning) if meaning else name
    return title.rstrip(". "), meaning or title


def short_title(text: str) -> str:
    """The lead phrase of a description: up to its first colon, dash or sentence end."""
    head = re.split(r"\s*[:—–]\s+|\s+-\s+", text, maxsplit=1)[0]
    first = sentences(head)[0] if head else text
    words = first.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


_CAUSE_LIST = re.compile(
    r"\b(?:typical|possible|likely|usual|common|probable)?\s*(?:causes?|sources?|reasons?)\s*(?:are|include)?\s*:\s*",
    re.IGNORECASE,
)


def causes_of(text: str) -> list[str]:
    """Causes in a cause text: the items after a ``Typical causes:`` label (split at commas,
    semicolons and "or"), else its lines, ``;`` clauses or sentences."""
    if m := _CAUSE_LIST.search(text):
        listed = re.split(r"\s*[;,]\s*(?:or\s+)?|\s+or\s+", text[m.end() :].strip().rstrip("."))
        return [p.strip(" -•*.") for p in listed if p.strip(" -•*.")]
    parts = re.split(r"\n+|;\s+|(?<=[.])\s+(?=(?:[-•*]\s*)?[A-Z])", text)
    return [p.strip(" -•*;.") for p in parts if p.strip(" -•*;.")]


def _steps(values: dict[str, list[str]]) -> list[RemedyStep]:
    """The row's steps: its remote cells', its remedy cells', then its on-site cells'; a remote
    cell that only answers yes or no ("Remote reset allowed: false", "TAK (1×)") is a flag, no step."""
    steps: list[RemedyStep] = []
    for cell in values.get("remote", []):
        if not _answer(cell):
            steps += remedy_steps(cell, part="remote")
    for cell in values.get("remedy", []):
        steps += remedy_steps(cell)
    for cell in values.get("onsite", []):
        steps += remedy_steps(cell, part="onsite")
    return steps
