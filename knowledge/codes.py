"""Error-code normalisation.

Chargers and manuals spell the same code many ways: ``0x06``, ``6``, ``E-06``, ``e06``, ``F005``,
``CX017``, ``RCM_TRIPPED``, ``GroundFailure``. Every spelling is reduced to *keys*:

* the **primary key** keeps the prefix and drops separators and leading zeros
  (``E-06`` -> ``E6``, ``CX017`` -> ``CX17``, ``RCM_TRIPPED`` -> ``RCMTRIPPED``);
* a prefixed numeric code also has a **numeric alias** (``E-06`` -> ``6``) so that a charger that
  sends the bare number still finds the vendor's table row; the prefix may be a word (``Error 7``
  -> ``ERROR7`` and ``7``, ``Fault 3``), and ``#7`` is the number. Hexadecimal codes become decimal
  (``0x1A`` -> ``26``).

Two spellings denote the same code when their primary keys are equal; a bare number matches a
prefixed code only through the alias, which search ranks below a primary match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

OCPP16_ERROR_CODES: tuple[str, ...] = (
    "ConnectorLockFailure",
    "EVCommunicationError",
    "GroundFailure",
    "HighTemperature",
    "InternalError",
    "LocalListConflict",
    "NoError",
    "OtherError",
    "OverCurrentFailure",
    "OverVoltage",
    "PowerMeterFailure",
    "PowerSwitchFailure",
    "ReaderFailure",
    "ResetFailure",
    "UnderVoltage",
    "WeakSignal",
)
"""OCPP 1.6 ChargePointErrorCode values, wire spelling."""

_HEX = re.compile(r"^0[xX]([0-9a-fA-F]+)$")
_PREFIXED = re.compile(
    r"^([A-Za-z]{1,4}|error|fault|alarm|failure|warning|event|status)[\s_\-.#:]*0*(\d{1,5})$", re.IGNORECASE
)
_HASH = re.compile(r"^(?:no\.?|nr\.?)?\s*#\s*0*(\d{1,5})$", re.IGNORECASE)
_NUMERIC = re.compile(r"^0*(\d{1,10})$")
_NEGATIVE = re.compile(r"^-(\d{1,3})$")
_SYMBOLIC = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[_\-][A-Za-z0-9]+)*$")
_SEPARATORS = re.compile(r"[\s_\-.#:]+")

# Codes as they appear in running text. Bare numbers are not matched here (too ambiguous in
# prose); table loaders pass the code column explicitly instead.
_TEXT_CODE = re.compile(
    r"(?<![\w-])(?:0[xX][0-9a-fA-F]{1,4}|[A-Z]{1,3}-?\d{2,4}|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w-])"
)
_OCPP_IN_TEXT = re.compile(r"\b(" + "|".join(OCPP16_ERROR_CODES) + r")\b")
_NOT_CODES = frozenset({"AC", "DC", "EV", "IP", "IK", "TN", "TT", "IT", "UTF", "ISO", "IEC", "EN"})


@dataclass(frozen=True)
class CodeKeys:
    """The normalised keys of one code: ``primary`` always, ``alias`` for prefixed numerics."""

    primary: str
    alias: str | None = None

    def all(self) -> tuple[str, ...]:
        return (self.primary,) if self.alias is None else (self.primary, self.alias)


def normalise_code(raw: str) -> CodeKeys | None:
    """Return the keys of ``raw``, or ``None`` if it is empty or not code-shaped."""
    text = raw.strip().strip("\"'()[]")
    if not text:
        return None
    if m := _HEX.match(text):
        return CodeKeys(str(int(m.group(1), 16)))
    if m := _NUMERIC.match(text) or _HASH.match(text):  # "#7" is the number
        return CodeKeys(str(int(m.group(1))))
    if m := _NEGATIVE.match(text):  # "-1": a code of its own, not 1
        return CodeKeys(f"-{int(m.group(1))}")
    if m := _PREFIXED.match(text):
        number = str(int(m.group(2)))
        return CodeKeys(m.group(1).upper() + number, number)
    if _SYMBOLIC.match(text) and len(text) <= 48:
        return CodeKeys(_SEPARATORS.sub("", text).upper())
    return None


def code_keys(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """Primary keys and alias keys of ``codes`` (deduplicated, order kept, unparseable dropped)."""
    primaries: list[str] = []
    aliases: list[str] = []
    for raw in codes:
        keys = normalise_code(raw)
        if keys is None:
            continue
        if keys.primary not in primaries:
            primaries.append(keys.primary)
        if keys.alias and keys.alias not in aliases:
            aliases.append(keys.alias)
    return primaries, aliases


ALIAS_MARK = "#"
"""Marks a numeric alias among a chunk's stored keys (``#6`` for ``E-06``), apart from a code
that *is* the bare number (``6``)."""


def index_keys(codes: Iterable[str]) -> list[str]:
    """Keys stored on a chunk for ``codes``: primaries, then marked numeric aliases."""
    primaries, aliases = code_keys(codes)
    return primaries + [ALIAS_MARK + a for a in aliases if a not in primaries]


def query_keys(codes: Iterable[str]) -> list[tuple[str, int]]:
    """``(stored key, strength)`` pairs to look up for a charger's codes; 0 is the strongest.

    ``E-06`` finds chunks defining ``E6`` (0) or the bare ``6`` (1); a bare ``6`` finds chunks
    defining ``6`` (0) or any prefixed code numbered 6 (1). ``E-06`` never finds ``CX006``.
    """
    pairs: dict[str, int] = {}
    for raw in codes:
        keys = normalise_code(raw)
        if keys is None:
            continue
        pairs.setdefault(keys.primary, 0)
        if keys.alias:
            pairs.setdefault(keys.alias, 1)
        elif keys.primary.isdigit():
            pairs.setdefault(ALIAS_MARK + keys.primary, 1)
    return list(pairs.items())


def split_code_field(value: str, *, cell: bool = False) -> list[str]:
    """Split a cell or ``vendorErrorCode`` that lists several codes (``"F001,F003"``, ``"E-06 / 6"``),
    a range of numbers standing for each (``"24 – 29"``, ``"8 to 13"``: at most
    :data:`MAX_RANGE` numbers). ``"8-13"`` without spaces is one code as a charger sends it, but
    a range in a table's code ``cell`` (a code column lists ranges as ``18-21``). An error named
    by its module's path (``evse_board_support/DiodeFault``) is the error's name and the full
    name, not two codes."""
    if _PATH.fullmatch(value.strip()):  # "evse_board_support/DiodeFault": the error, and its full name
        return [value.strip().rsplit("/", 1)[1], value.strip()]
    parts = [part for part in re.split(r"\s*[,;/|]\s*|\s+or\s+", value.strip()) if part]
    if cell:
        parts = [_COMPACT_RANGE.sub(r"\1 – \2", part) for part in parts]
    return [code for part in parts for code in _range(part)]


_COMPACT_RANGE = re.compile(r"^(\d{1,3})-(\d{1,3})$")
_PATH = re.compile(r"[a-z][a-z0-9_]*(?:/[a-z][a-z0-9_]*)*/[A-Za-z][A-Za-z0-9_]*")
"""An error named by the firmware module that raises it (``over_voltage_monitor/MREC5OverVoltage``):
one code, not a list."""


MAX_RANGE = 64
_RANGE = re.compile(r"(\d{1,5})\s*(?:[–—]|\s-\s|\.\.|\s+to\s+)\s*(\d{1,5})")


def _range(part: str) -> list[str]:
    match = _RANGE.fullmatch(part)
    if match is None:
        return [part]
    low, high = int(match.group(1)), int(match.group(2))
    if not 0 < high - low < MAX_RANGE:
        return [part]
    width = len(match.group(1)) if match.group(1).startswith("0") else 0  # "08 – 13" keeps its zeros
    return [str(n).zfill(width) for n in range(low, high + 1)]


def codes_in_text(text: str) -> list[str]:
    """Code-shaped tokens found in running text, as written (``E-06``, ``0x1A``, ``GroundFailure``)."""
    found: list[str] = []
    for match in (*_TEXT_CODE.finditer(text), *_OCPP_IN_TEXT.finditer(text)):
        token = match.group(0)
        if token.upper() in _NOT_CODES or token in found:
            continue
        if re.fullmatch(r"[A-Z]{1,3}\d{2,4}", token) and token[:2] in {"IP", "IK"}:
            continue
        found.append(token)
    return found


_QUERY_CODE = re.compile(
    r"(?<![\w-])(?:0x[0-9a-f]{1,4}|[a-z]{1,4}[-_.]?\d{1,5}|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w-])",
    re.IGNORECASE,
)
_NUMBER_AFTER_WORD = re.compile(r"\b(?:error|fault|code|err|alarm)\s*(?:code\s*)?#?\s*(\d{1,4})\b", re.I)


def codes_in_query(text: str) -> list[str]:
    """Code-shaped tokens in a free-text question, whatever their case (``e-06``, ``cx17``)."""
    found = [*codes_in_text(text), *_QUERY_CODE.findall(text), *_NUMBER_AFTER_WORD.findall(text)]
    return list(dict.fromkeys(found))
