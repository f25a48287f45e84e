"""Finding what the documents say about a fault's codes: its code entries among the passages.

Ingest reads every error table and troubleshooting text into code entries (:mod:`knowledge.entries`)
and search returns them on their passages. A fault's *vendor* entry comes from its vendor's
documents, matched by any spelling of its vendor code (``E-06``, ``6``, ``0x06``, a symbolic name);
its *standard* entry from the vendor-neutral references (OCPP, ChargeX, EVerest …), matched exactly
(its scheme included): a vendor's ``0x11`` is not the ChargeX ``CX017``, whatever their numbers say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.agent.described import described_section
from app.agent.mentions import mentioned_entry
from app.agent.signals import fold
from app.agent.state import Diagnosis, FaultFacts
from knowledge.codes import normalise_code
from knowledge.entries import CodeEntry
from knowledge.patterns import charger_pattern, pattern_variants, same_pattern
from knowledge.schema import STANDARD_VENDOR, Passage
from knowledge.schemes import scheme_source

GENERIC_OCPP_CODES = frozenset({"othererror", "noerror"})
"""OCPP codes that say nothing about the cause: they find no standard entry."""


@dataclass(frozen=True)
class Found:
    """A code entry for the fault, and the passage it was read from (what gets cited)."""

    entry: CodeEntry
    passage: Passage

    @property
    def standard(self) -> bool:
        return self.passage.vendor == STANDARD_VENDOR


@dataclass(frozen=True)
class FaultEntries:
    """The fault's vendor entry and standard entry (either may be missing); ``flags`` the other
    entries a sum of flags stands for (``20`` in a document of flags 1, 2, 4, 8, 16 …: 16 + 4),
    or the other codes a vendor code lists (``F001,F003``);
    ``hinted`` the vendor's entries for a light pattern the charger's own text describes ("all
    LEDs solid red"): untrusted text, so they may add caution (a safety veto, a refused restart)
    but never choose the class."""

    vendor: Found | None = None
    standard: Found | None = None
    flags: tuple[Found, ...] = ()
    hinted: tuple[Found, ...] = ()
    mentioned: Found | None = None
    """Where no entry defines the vendor code: the words of the vendor's document around a
    mention of it (:mod:`app.agent.mentions`) — caution, and a class that is only a guess."""
    rivals: tuple[Found, ...] = ()
    """Other entries of the vendor's documents for the same code (another hardware generation's
    table, another section): nothing tells which one the charger means, so they may add caution
    (a safety veto) but never choose the class."""
    described: Found | None = None
    """Where nothing else was found: the vendor's section the charger's text describes
    (:mod:`app.agent.described`) — caution only, and quoted; never a class."""

    def all(self) -> list[Found]:
        found = [
            f for f in (self.vendor, self.standard, *self.flags, *self.hinted, *self.rivals) if f is not None
        ]
        return list({f.passage.id: f for f in found}.values())

    @property
    def first(self) -> Found | None:
        """The entry the decision rests on: the manufacturer's own, else the standard's."""
        return self.vendor or self.standard

    @property
    def quoted(self) -> Found | None:
        """What a diagnosis quotes: the manufacturer's entry, else its words around the code,
        else the standard's entry."""
        return self.vendor or self.mentioned or self.standard


def fault_entries(fault: FaultFacts, passages: Sequence[Passage]) -> FaultEntries:
    """The entries for ``fault`` among ``passages`` (see the module docstring)."""
    own = code_spellings(fault.vendor_error_code)
    vendor = find_entry(passages, own, standard=False, exact=True)
    flags: tuple[Found, ...] = ()
    bits = _flag_entries(fault.vendor_error_code, passages)
    if bits and (vendor is None or _hex_register(fault.vendor_error_code, vendor, bits)):
        vendor, *rest = bits  # before a number's looser spellings: 0x0003 is bits 1 and 2, not "E03"
        flags = tuple(rest)
    if scoped := table_entry(fault.vendor_error_code, fault.info, passages):
        vendor = scoped  # the table the charger names, before the same number in another one
    if vendor is None:
        vendor = find_entry(passages, own, standard=False)
    if vendor is None:  # a light pattern reported by its count alone ("4" for "flashes four times")
        vendor = find_entry(passages, blink_counts(fault.vendor_error_code), standard=False)
    if vendor is None and len(listed := listed_codes(fault.vendor_error_code)) > 1:
        found = [find_entry(passages, [code], standard=False) for code in listed]
        if all(found):  # "F001,F003": every code's entry counts (a safety one vetoes)
            vendor, *rest = found
            flags = tuple(rest)
    specific = fault.error_code if (fault.error_code or "").casefold() not in GENERIC_OCPP_CODES else None
    names = component_codes(fault)
    standard = _scheme_entry(fault, passages, own) or find_entry(
        passages, [specific, *names, *filter(_distinctive, own)], standard=True
    )
    hinted = hinted_entries(fault, passages)
    if (named := table_entry(fault.info, None, passages)) and named.passage.id not in {
        h.passage.id for h in hinted
    }:
        hinted = (*hinted, named)  # "GENERAL_STATUS 8" in the text: caution, as any text
    if vendor is None and not flags:
        vendor = _coded(hinted, own)
    mentioned = None if vendor or flags else _mentioned(passages, own)
    described = None
    if not (vendor or flags or hinted or mentioned) and (section := described_section(fault.info, passages)):
        described = Found(*section)
    return FaultEntries(vendor, standard, flags, hinted, mentioned, _rivals(passages, vendor), described)


_NAMED_VALUE = re.compile(
    r"^\s*(?P<table>[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9_])\s*[:=#]?\s+(?P<value>0[xX][0-9a-fA-F]{1,8}|-?\d{1,6})\s*$"
)
"""A value with the name of its table or register: ``OCPP_STATUS 8``, ``EVSEStatusCode: 5``."""
_TABLE_NAME = re.compile(r"\b[A-Za-z]*(?:[a-z][A-Z]|_)[A-Za-z0-9_]*[A-Za-z0-9]\b")
"""A firmware's name for a table or register in free text: ``EVSEStatusCode``, ``GENERAL_STATUS``."""


def table_entry(code: str | None, info: str | None, passages: Sequence[Passage]) -> Found | None:
    """The vendor's entry for a value in the table the charger names: ``code`` written with the
    table's name (``OCPP_STATUS 8``), or a bare ``code`` (``5``) whose table ``info`` names
    (``EVSEStatusCode``) — when one of the vendor's tables defining the value has that name in
    its section. A document holding several tables of the same numbers (a state register, an
    error register, a standard's code lists) is read in the one the charger means."""
    named = _NAMED_VALUE.match(code or "")
    if named:
        tables, value = [named["table"]], named["value"]
    elif (code or "").strip() and info:
        tables, value = _TABLE_NAME.findall(info), code.strip()
    else:
        return None
    wanted = [fold(t) for t in tables if len(t) >= _MIN_TABLE_NAME]
    found = [
        Found(p.entry, p)
        for p in passages
        if p.entry is not None
        and p.vendor != STANDARD_VENDOR
        and any(w in fold(p.citation.section) for w in wanted)
        and _defines(p.entry, value, alias=False)
    ]
    return max(found, key=lambda f: _richness(f.entry)) if found else None


_MIN_TABLE_NAME = 6
"""Letters a table's name needs to be told from a word for "error" (``Err 5``)."""


def _flag_entries(code: str | None, passages: Sequence[Passage]) -> list[Found]:
    """The entries of the flags ``code`` is the sum of, in a document of flags; ``[]`` unless
    every flag has one."""
    if not (bits := flag_bits(code)) or not (flags := _flag_passages(passages)):
        return []
    found = [find_entry(flags, [bit], standard=False) for bit in bits]
    return [f for f in found if f] if all(found) else []


def _hex_register(code: str | None, single: Found, bits: list[Found]) -> bool:
    """Whether a code written in hex (``0x0003``) is a register of flags spelt in hex (``0x0001``,
    ``0x0002``) rather than the decimal code of another table (a state ``3``)."""

    def hexed(found: Found) -> bool:
        return any(_HEX.match(s) for s in found.entry.spellings())

    return bool(code and _HEX.match(code.strip())) and not hexed(single) and all(map(hexed, bits))


_HEX = re.compile(r"^0[xX][0-9a-fA-F]+$")


def _rivals(passages: Sequence[Passage], vendor: Found | None) -> tuple[Found, ...]:
    """The vendor's other entries with the very code of the chosen one (the same code, not a
    numeric alias: ``A005`` is not ``F005``) whose words differ from its words."""
    if vendor is None:
        return ()
    key = _keys(vendor.entry.code, alias=False)
    said = (vendor.entry.title, vendor.entry.meaning)
    return tuple(
        Found(p.entry, p)
        for p in passages
        if p.entry is not None
        and p.vendor != STANDARD_VENDOR
        and p.id != vendor.passage.id
        and _keys(p.entry.code, alias=False) == key
        and (p.entry.title, p.entry.meaning) != said
    )


def _scheme_entry(fault: FaultFacts, passages: Sequence[Passage], spellings: list[str]) -> Found | None:
    """The entry of the standard whose scheme the fault's ``vendorId`` names (``com.evgo.mrec``:
    ``F008`` is EVgo MREC's, whatever the charger's brand), matched exactly."""
    source = scheme_source(fault.vendor_id)
    if source is None:
        return None
    scheme = [p for p in passages if p.citation.source == source]
    return find_entry(scheme, spellings, standard=True)


def _coded(hinted: tuple[Found, ...], spellings: list[str]) -> Found | None:
    """The entry the charger's text names whose row also carries its vendor code: a table whose
    rows share one code and differ by the message sent with it (``mode3Error`` with "Vehicle
    signals error"). Named by the code, not by the text alone, it is the vendor entry."""
    return next((f for f in hinted for code in spellings if mentioned_entry([f.passage], code)), None)


def _mentioned(passages: Sequence[Passage], spellings: list[str]) -> Found | None:
    """The first of ``spellings`` the vendor's passages mention (see :mod:`app.agent.mentions`)."""
    for code in spellings:
        if found := mentioned_entry(passages, code):
            return Found(*found)
    return None


def text_patterns(fault: FaultFacts) -> list[str]:
    """The light/sound pattern the charger's own text describes, in every colour variant."""
    key = charger_pattern(fault.info) if fault.info else None
    return pattern_variants(key) if key else []


def state_name(fault: FaultFacts) -> list[str]:
    """The charger's text when it is one word a display state could be named by (``FAULT``): it
    is looked up like a code (see :func:`repeats`)."""
    words = _words(fault.info or "")
    return [words[0].upper()] if len(words) == 1 and len(words[0]) >= MESSAGE_WORD else []


def hinted_entries(fault: FaultFacts, passages: Sequence[Passage]) -> tuple[Found, ...]:
    """Every vendor entry for the pattern the charger's text describes (one wording may fit
    several: "solid red" and "solid red with a warning sound"), whose message or title the
    text repeats ("EVSE calibration data error": documents that give a fault no code), or whose
    code the text names (:func:`said_codes`)."""
    keys = text_patterns(fault) + said_codes(fault)
    said = fault.info or ""
    return tuple(
        Found(p.entry, p)
        for p in passages
        if p.entry is not None
        and p.vendor != STANDARD_VENDOR
        and (any(_defines(p.entry, key, alias=True) for key in keys) or repeats(said, p.entry))
    )


_CODE_WORD = (
    r"(?:error|err|fault|code|alarm|errno|erreur|défaut|defaut|alarme|fehler|fehlercode|störung|stoerung"
    r"|código|codigo|fallo|alarma|codice|errore|guasto|allarme|foutcode)"
)
"""A word for "error code" in the languages manuals are written in."""
_SAID_CODE = re.compile(
    rf"\b{_CODE_WORD}(?:\s+(?:de\s+|d'|di\s+)?{_CODE_WORD})?\s*(?:no\.?\s*|nr\.?\s*|n°\s*|#\s*)?[:=]?\s*"
    r"(?P<code>0x[0-9a-f]{1,8}|-?\d{1,5}|[a-z]{1,3}-?\d{1,5})\b",
    re.IGNORECASE,
)


_SAID_REGISTER = re.compile(
    r"\b(?:(?i:register|reg\.?)\s*\d{1,5}|[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\s*[:=]\s*"
    r"(?P<code>0[xX][0-9a-fA-F]{1,8}|-?\d{1,5})\b"
)
"""A register's value the charger's text gives: "Register 110 = 9" or, by the register's name in
the firmware, "GENERAL_STATUS=8" names code 8."""


def said_codes(fault: FaultFacts) -> list[str]:
    """Codes the charger's text names with a word for code ("Code 153 - GF trip", "err=8
    GndInvalid", "Register 110 = 9", "GENERAL_STATUS=8 (E)") when the fault carries no vendor
    code of its own: looked up like light patterns in its text — caution, and a class that is
    only a guess."""
    if (fault.vendor_error_code or "").strip() or not fault.info:
        return []
    said = [*_SAID_CODE.finditer(fault.info), *_SAID_REGISTER.finditer(fault.info)]
    return list(dict.fromkeys(m.group("code") for m in sorted(said, key=lambda m: m.start())))


def names_code(fault: FaultFacts, entry: CodeEntry) -> bool:
    """Whether the charger's text names ``entry``'s code (see :func:`said_codes`)."""
    return any(_defines(entry, code, alias=True) for code in said_codes(fault))


MESSAGE_RUN = 3
"""Words a charger's text and an entry's message must share in a row to be the same message."""
MESSAGE_WORD = 4
"""Letters a one-word text needs to be the entry's code (a state's name: "FAULT", not "E")."""


def repeats(said: str, entry: CodeEntry) -> bool:
    """Whether the charger's text repeats the entry's message (its code or title): the same words
    (two or more, or one word that is the entry's code: a state's name), or a run of
    :data:`MESSAGE_RUN` or more of its words with the rest of a display line around them: a
    countdown, a prefix, a second line ("GROUND FAULT / AUTO RE-TRY IN 00:14:32" for
    "SUSPENDED — GROUND FAULT / AUTO RE-TRY IN 00:mm:ss"; "halted: gfci hard fault" for
    "HALTED — GFCI HARD FAULT / RETURN PLUG TO HOLSTER"), or most of its words in a row with
    other words on both sides ("DANGER Device error. Warning of electrical voltage. -- note" for
    'DANGER symbol: "Device error. Warning of electrical voltage." (critical fault)')."""
    words = _words(said)
    messages = [entry.code, entry.title]
    if len(words) >= 2 and words in {_words(m) for m in messages}:
        return True
    if len(words) == 1 and len(words[0]) >= MESSAGE_WORD and words == _words(entry.code):
        return True  # a state's name as its code ("FAULT")
    text = _letters(said)
    if len(text) < MESSAGE_RUN:
        return False
    shared = (
        text if _within(text, m) else m if _within(m, text) else _most_of(m, text)
        for m in map(_letters, messages)
        if len(m) >= MESSAGE_RUN
    )
    return any(run and len(set(run) - _PLAIN_WORDS) >= 2 for run in shared)


MESSAGE_SHARE = 0.6
"""Share of a message's words a run the charger's text repeats must hold when each has words the
other lacks (a display's prefix and an operator's note around most of the message)."""


def _most_of(message: tuple[str, ...], text: tuple[str, ...]) -> tuple[str, ...]:
    """The longest run of words ``message`` and ``text`` share, if it holds :data:`MESSAGE_RUN`
    words and :data:`MESSAGE_SHARE` of the message; else ``()``."""
    best: tuple[str, ...] = ()
    for i in range(len(message)):
        for j in range(len(text)):
            n = 0
            while i + n < len(message) and j + n < len(text) and message[i + n] == text[j + n]:
                n += 1
            if n > len(best):
                best = message[i : i + n]
    return best if len(best) >= max(MESSAGE_RUN, MESSAGE_SHARE * len(message)) else ()


_PLAIN_WORDS = frozenset(
    {"a", "an", "and", "at", "be", "by", "for", "in", "is", "it", "no", "not", "of", "on", "or", "the", "to"}
    | {"with", "code", "error", "errors", "failure", "fault", "faults", "state", "status"}
)
"""Words that do not make two messages the same one ("is not charging" is in many)."""


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether ``part`` is a run of consecutive words of ``whole``."""
    return any(whole[i : i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


def _letters(text: str) -> tuple[str, ...]:
    """The words of ``text`` that are words (two letters or more): no numbers, no placeholders'
    single letters."""
    return tuple(re.findall(r"[^\W\d_]{2,}", text.casefold()))


def blink_counts(code: str | None) -> list[str]:
    """A small bare number as the light pattern of that many blinks, in every colour (``4`` →
    ``BLINK-4``, ``RED-BLINK-4`` …): only looked up when no entry has the number itself."""
    keys = normalise_code(code) if code else None
    if keys is None or not keys.primary.isdigit() or not 0 < int(keys.primary) <= 15:
        return []
    return pattern_variants(f"BLINK-{int(keys.primary)}")


def flag_bits(code: str | None) -> list[str]:
    """The flags a numeric code would be the sum of, highest first (``20`` → ``16``, ``4``);
    ``[]`` for a code of one bit or none, or one that is not a number."""
    keys = normalise_code(code) if code else None
    if keys is None or not keys.primary.isdigit() or not 0 < int(keys.primary) < 2**16:
        return []
    value = int(keys.primary)
    bits = [str(1 << n) for n in reversed(range(16)) if value & (1 << n)]
    return bits if len(bits) > 1 else []


def listed_codes(code: str | None) -> list[str]:
    """The codes a vendor code lists (``F001,F003``, ``E-06; E-07``); ``[]`` for a single code."""
    parts = [p.strip() for p in re.split(r"\s*[,;]\s*", code or "") if p.strip()]
    return parts if len(parts) > 1 and all(normalise_code(p) for p in parts) else []


def _flag_passages(passages: Sequence[Passage]) -> list[Passage]:
    """The vendor's passages of the tables of flags among ``passages``: the sections of a document
    whose numeric codes — the code, or an alias column's register value (``E01 | 0x0001``) — are
    all powers of two (0, no flag, aside) and whose text speaks of flags, bits or masks, two flags
    at least in the document. (Counting is not enough: the passages were searched by the very bits,
    so any numbered table would look like flags; another table of the same file, of states 1, 2,
    3, is not one of them.)"""
    tables: dict[tuple[str, str], dict[int, Passage]] = {}
    for p in passages:
        if p.entry is None or p.vendor == STANDARD_VENDOR:
            continue
        keys = [normalise_code(spelling) for spelling in p.entry.spellings()]
        values = [int(k.primary) for k in keys if k and k.primary.isdigit()]
        if values:
            table = tables.setdefault((p.citation.source, p.citation.section), {})
            table[next((n for n in values if n > 0 and not n & (n - 1)), values[0])] = p
    flags: dict[str, list[Passage]] = {}
    for (source, _), numbered in tables.items():
        numbered.pop(0, None)  # "no error": no flag set
        if not numbered or any(n < 0 or n & (n - 1) for n in numbered):
            continue
        texts = (f"{p.citation.section} {p.text}" for p in numbered.values())
        if any(re.search(r"\b(?:flags?|bits?|bitmask|mask)\b", text, re.I) for text in texts):
            flags.setdefault(source, []).extend(numbered.values())
    return [p for found in flags.values() if len(found) >= 2 for p in found]


def code_spellings(code: str | None) -> list[str]:
    """A vendor code and, for a path-like one (``over_voltage_monitor/MREC5OverVoltage``, a
    ``techCode`` naming module and error), its parts, last first; and a light pattern's key
    (``Red 3`` → ``RED-BLINK-3``)."""
    if not code or not code.strip():
        return []
    parts = [p for p in re.split(r"\s*[/\\:]\s*", code.strip()) if p]
    pattern = charger_pattern(code)
    patterns = pattern_variants(pattern) if pattern else []
    return list(dict.fromkeys([code.strip(), *reversed(parts), *patterns]))


def find_entry(
    passages: Sequence[Passage], codes: Iterable[str | None], *, standard: bool, exact: bool = False
) -> Found | None:
    """The entry for the first of ``codes`` that has one, among the vendor's passages
    (``standard=False``) or the references (``True``). Where several documents define the code
    (a table and the manual's copy of it, a summary list and the full reference), the entry that
    says most wins; on a tie, the one search ranked first. A vendor code is matched by a spelling
    the entry gives (its code or an alias column's value: ``0x0004`` is the mask ``4``) before the
    number inside a prefixed code (``E04`` for ``4``); ``exact`` looks for the former only."""
    codes = [c for c in codes if c]
    for alias in (False,) if standard or exact else (False, True):
        for code in codes:
            found = [
                Found(passage.entry, passage)
                for passage in passages
                if passage.entry is not None
                and (passage.vendor == STANDARD_VENDOR) == standard
                and _defines(passage.entry, code, alias=alias)
            ]
            if found:
                return max(found, key=lambda f: _richness(f.entry))
    return None


def _defines(entry: CodeEntry, code: str, *, alias: bool) -> bool:
    """Whether ``entry`` is the one for ``code``: a shared key, or the same light pattern."""
    if _keys(code, alias=alias) & set().union(*(_keys(s, alias=alias) for s in entry.spellings())):
        return True
    pattern = charger_pattern(code)
    return pattern is not None and any(same_pattern(pattern, s) for s in entry.spellings())


def _richness(entry: CodeEntry) -> int:
    """How much an entry says: 1 per field given (a richer entry is the better one to quote)."""
    return sum(entry.filled().values()) + len(entry.steps) + len(entry.causes)


def _distinctive(code: str | None) -> bool:
    """Whether a vendor code may be a standard's own (``CX017``, ``MREC2GroundFailure``): not a
    bare number or a one-letter prefixed one (``F003`` is EVgo's and many vendors' own)."""
    keys = normalise_code(code) if code else None
    if keys is None or keys.primary.isdigit():
        return False
    return keys.alias is None or len(keys.primary) - len(keys.alias) > 1


def _keys(code: str, *, alias: bool) -> set[str]:
    """Normalised keys of ``code`` (with its numeric alias when ``alias``), else its folded text
    (``RCD/Tripped`` is not code-shaped but is a 2.0.1 component/variable pair)."""
    keys = normalise_code(code)
    if keys is None:  # a message used as a code: "PE not connected!" is "pe not connected"
        return {" ".join(re.findall(r"\w+", code.casefold()))}
    return set(keys.all()) if alias else {keys.primary}


def component_codes(fault: FaultFacts) -> list[str]:
    """A 2.0.1 problem's component/variable as standard entries spell them (``RCD/Tripped``)."""
    if not fault.component:
        return []
    return [f"{fault.component}/{fault.variable}", fault.component] if fault.variable else [fault.component]


def grounded(diagnosis: Diagnosis, fault: FaultFacts, passages: Sequence[Passage]) -> bool:
    """Whether ``diagnosis`` rests on the documents: it cites a passage whose code entry is for
    this fault (one of the entries :func:`fault_entries` would take, or another document's entry
    for the same code). Citing passages about other things is not grounding."""
    found = fault_entries(fault, passages)
    ids = {f.passage.id for f in found.all()}
    specific = fault.error_code if (fault.error_code or "").casefold() not in GENERIC_OCPP_CODES else None
    codes = [*code_spellings(fault.vendor_error_code), specific, *component_codes(fault)]
    for passage in passages:
        entry = passage.entry
        if entry is not None and any(_defines(entry, c, alias=True) for c in codes if c):
            ids.add(passage.id)
    return any(cited.passage_id in ids for cited in diagnosis.citations)
