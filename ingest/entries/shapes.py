"""What a code looks like: code-shaped cells, codes leading a line, LED/blink patterns as codes.

A *code-shaped* cell is short and reads as a code, not as prose: ``E-06``, ``0x1A``, ``101``,
``F005``, ``RCM_TRIPPED``, ``GroundFailure``, ``A012`` (a single ordinary word such as
``Overheat`` is not). A *pattern* is a signal used as a code (``red LED flashes 3 times``,
``3 blinks``, ``Status LED: red, blinking fast``); :func:`pattern_code` gives it a stable key
form that :func:`knowledge.codes.normalise_code` accepts (``RED-BLINK-3``), the same for every
wording of the same pattern.
"""

from __future__ import annotations

import re

from knowledge.codes import normalise_code, split_code_field

_CODE_TOKEN = (
    r"(?:0[xX][0-9A-Fa-f]{1,8}|[A-Za-z]{1,4}[-_.]?\d{1,5}[A-Za-z]?|\d{1,5}"
    r"|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)"
)
_CODE_TOKEN = rf"(?-i:{_CODE_TOKEN})"
"""Case-sensitive even inside case-insensitive patterns (CamelCase must not match any word)."""
CODE_TOKEN = re.compile(rf"^(?:{_CODE_TOKEN}|\d{{6,10}}|-\d{{1,3}})$")
"""A table cell's code: a token as above, a register value of up to 32 bits (``4194304``), or a
negative number (``-1``: "no answer from the display board")."""
_KEYWORD = r"(?:error|fault|code|alarm|err|warning|event|failure|fehler|störung|status)"
_SHOWS = r"shows|displays|reports|indicates|signals|anzeige"
_NOT_CODE_WORDS = frozenset(
    {"ac", "dc", "ev", "ip", "ik", "tn", "tt", "it", "iec", "iso", "en", "din", "vde", "ul"}
)


def code_shaped(cell: str, *, strict: bool = False) -> bool:
    """Whether a table cell holds one (or a few, ``E01 / 0x01``) code(s) and nothing else.

    ``strict`` (for guessing a code column without a header) also wants a digit or an underscore:
    ``GroundFailure`` is a code under a "Code" header, but a column of ``Reset``,
    ``ChangeAvailability`` alone is more likely a list of command names.
    """
    parts = [p for p in re.split(r"\s*[,;/|]\s*|\s+or\s+", cell.strip()) if p]
    if strict and not re.search(r"\d|_", cell):
        return False
    return bool(parts) and len(parts) <= 3 and all(_one_code(p) or _code_range(p) for p in parts)


def _code_range(text: str) -> bool:
    """Whether a cell's part is a range of codes (``18-21``, ``24 – 29``)."""
    codes = split_code_field(text, cell=True)
    return len(codes) > 1 and all(_one_code(c) for c in codes)


def _one_code(text: str) -> bool:
    text = text.strip().strip("*`()[]")
    if len(text) > 40 or not CODE_TOKEN.match(text) or normalise_code(text) is None:
        return False
    letters = re.sub(r"[^A-Za-z]", "", text)
    if letters.upper() in {"IP", "IK"}:
        return False
    return letters.lower() not in _NOT_CODE_WORDS or any(c.isdigit() for c in text)


LEAD = re.compile(
    rf"^(?:[-*+•]\s+|\d{{1,3}}[.)]\s+)?(?:\*\*|__|`)?(?:{_KEYWORD}\s*(?:code\s*)?(?:no\.?|nr\.?|#)?\s*)?"
    rf"(?P<code>{_CODE_TOKEN})(?:\*\*|__|`)?"
    rf"(?:\s*(?:\((?P<alias>[^()]{{1,24}})\)))?"
    r"(?P<sep>\s*[:–—=|]\s*|\s+-\s+|\s*\.\s+|\s+means\s+|\s+(?=[A-Z(\"“]))(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
"""A line led by a code: ``Error 101 – …``, ``0x1A: …``, ``**F005** Isolation fault — …``,
``E-06 DC residual current: …``, ``E12`` then ``: meaning``."""

HEADING = re.compile(
    rf"^(?:\d{{1,2}}(?:\.\d{{1,2}}){{0,3}}\.?\s+)?(?:{_KEYWORD}\s*(?:code\s*)?#?\s*)?(?P<code>{_CODE_TOKEN})"
    r"(?:\s*\((?P<alias>[^()]{1,24})\))?(?:\s*[:–—\-.]\s*|\s+|$)(?P<rest>.*)$",
    re.IGNORECASE,
)
HEADING_TAIL = re.compile(
    rf"^(?:\d{{1,2}}(?:\.\d{{1,2}}){{0,3}}\.?\s+)?(?P<rest>.+?)\s*(?:[–—:-]\s*|\(\s*|\s+(?=(?:{_SHOWS})\b))"
    rf"(?:(?:{_SHOWS})\s+)?(?:{_KEYWORD}\s*(?:code\s*)?#?\s*)?(?P<code>{_CODE_TOKEN})\s*\)?$",
    re.IGNORECASE,
)
"""``4.2 Ground fault (error 12)``, ``Over-voltage – E101``."""


LABEL = re.compile(
    rf"^(?P<code>{_CODE_TOKEN})(?P<groups>(?:\s*[\[(][^\[\]()]{{1,24}}[\])])+)(?:\s*[:–—]\s*|\s+)(?P<rest>\S.*)$",
    re.DOTALL,
)
"""A code followed by its other spellings in brackets: ``GroundFailure  [B]  (Modbus 3)  …``."""
_GROUP = re.compile(r"[\[(]([^\[\]()]{1,24})[\])]")


def label_code(line: str) -> tuple[str, str, str] | None:
    """``(code, aliases, rest)`` of a line led by a code and its bracketed spellings (``[B]``,
    ``(Modbus 3)``: the code in each group is an alias), else ``None``. The brackets mark a
    label, so a CamelCase code counts here (``GroundFailure``), unlike in running text."""
    m = LABEL.match(line.strip()[:400])
    if not m or not _one_code(m.group("code")):
        return None
    aliases = []
    for group in _GROUP.findall(m.group("groups")):
        last = group.split()[-1] if group.split() else ""
        if _one_code(group) or re.fullmatch(r"[A-Z]", group.strip()):  # a display letter: [D]
            aliases.append(group.strip())
        elif len(group.split()) == 2 and _one_code(last):  # "Modbus 3", "error 12"
            aliases.append(last)
    return m.group("code"), ",".join(aliases), (m.group("rest") + line.strip()[400:]).strip()


_UNCODED = re.compile(
    r"^\((?:code\s*)?(?:n/?a|none|no code|—|-)\)\s+(?P<title>[^\n]{3,80})\n(?P<text>.+)$", re.I | re.S
)


def _uncoded(line: str) -> tuple[str, str, str] | None:
    """``(code n/a) EVSE calibration data error`` over its text: an entry the document gives no
    code for; its message (which the charger sends as text) stands in for the code."""
    m = _UNCODED.match(line)
    return (m.group("title").strip(), "", f"{m.group('title').strip()}\n{m.group('text')}") if m else None


_GROUP_LEAD = re.compile(
    rf"^(?:[-*+•]\s+)?(?:\*\*|__)?(?:{_KEYWORD}\s+)?(?:codes|errors|faults|alarms|warnings)\s+"
    rf"(?P<codes>{_CODE_TOKEN}(?:\s*(?:,|/|&|\band\b|\bto\b|[–—]|\s-\s)\s*{_CODE_TOKEN})+)"
    r"(?:\*\*|__)?(?:\s*[:–—=]\s*|\s+-\s+)(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
"""A line led by a group of codes that share one entry: ``Codes 143, 144, 145 – Communication …``."""


def _code_group(line: str) -> tuple[str, str, str] | None:
    """``(first code, the others joined by commas, rest)`` of a line led by a group of codes."""
    m = _GROUP_LEAD.match(line[:400])
    if not m:
        return None
    codes = split_code_field(re.sub(r"\s+(?:&|and)\s+", ", ", m.group("codes")))
    if len(codes) < 2 or not all(_one_code(c) for c in codes):
        return None
    return codes[0], ",".join(codes[1:]), (m.group("rest") + line[400:]).strip()


def lead_code(line: str) -> tuple[str, str, str] | None:
    """``(code, alias, rest)`` when ``line`` starts with a code used as a label, else ``None``.

    A bare number leads only when a keyword (``Error 12``) or a clear separator (``12:``) marks it;
    a code followed by a plain word (``F014 at plug-in``) is a mention, not a definition.
    """
    line = line.strip()
    if found := label_code(line) or _uncoded(line) or _code_group(line):
        return found
    m = LEAD.match(line[:160])
    if not m or not _one_code(m.group("code")) or not prose_code(m.group("code")):
        return None
    code, sep, rest = m.group("code"), m.group("sep"), (m.group("rest") + line[160:]).strip()
    keyword = re.match(rf"^(?:[-*+•]\s+|\d{{1,3}}[.)]\s+)?(?:\*\*|__)?{_KEYWORD}", line.strip(), re.I)
    bold = "**" in line[: m.end("code") + 2] or "__" in line[: m.end("code") + 2]
    strong_sep = sep.strip() in {":", "–", "—", "=", "-", "|"} or "means" in sep
    if code.isdigit() and not (keyword or strong_sep):
        return None
    if sep.strip() == "|" and not _label_row(rest.split("\n", 1)[0]):
        return None  # a label line is code | name | sentence; other column layouts are table rows
    head = rest.split("\n", 1)[0]
    hanging = "\n" in rest and 0 < len(head.split()) <= 8  # "0x0001   AC RCD triggered" over its text
    if not rest or (
        not strong_sep and not hanging and not _titled(rest) and not (keyword and len(rest.split()) <= 6)
    ):
        return None
    if bold and not (strong_sep or keyword or _titled(rest)):
        return None
    return code, (m.group("alias") or "").strip(), rest


def _label_row(rest: str) -> bool:
    """``name | sentence …`` after a code: exactly one more column, and it reads as a sentence."""
    parts = rest.split("|")
    return len(parts) == 2 and parts[1].strip()[:1].isalpha() and len(parts[1].split()) >= 4


_RUN_IN_WORDS = 5
"""Words of a run-in title closed by a period; a longer first sentence is a mention's sentence."""


def _titled(rest: str) -> bool:
    """``E-06 DC residual current: …`` — a short title closed by a colon or dash; or a run-in
    title closed by a period before a sentence (``E01 Ground fault. The residual …``)."""
    head = re.split(r"\s*[:–—]\s*|\s+-\s+", rest, maxsplit=1)
    words = head[0].split()
    if len(head) == 2 and 0 < len(words) <= 6 and words[0][0].isupper() and bool(head[1].strip()):
        return True
    run_in = re.match(r"^([A-Z][^.!?:]{2,60})\.\s+[A-Z]", rest)
    return bool(run_in) and len(run_in.group(1).split()) <= _RUN_IN_WORDS


def prose_code(code: str) -> bool:
    """Codes recognised in running text carry a digit or an underscore (``E12``, ``0x1A``,
    ``RCM_TRIPPED``); a CamelCase word there is a command or message name, not a code."""
    return bool(re.search(r"\d|_", code))


HEADING_CODES = re.compile(
    rf"^(?:\d{{1,2}}(?:\.\d{{1,2}}){{0,3}}\.?\s+)?{_KEYWORD}s?\s*(?:codes?\s*)?#?\s*"
    rf"(?P<codes>{_CODE_TOKEN}(?:\s*(?:/|,|&|\band\b|\bor\b|\bto\b)\s*{_CODE_TOKEN})+)"
    r"\s*(?:[:–—]|\s-)\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
"""A heading naming several codes that share one text: ``Error 7 / 8 – Over temperature``,
``Error 28 to 31 – Internal memory …``."""
_MAX_HEADING_RANGE = 32


def heading_codes(heading: str) -> tuple[str, str, str] | None:
    """``(first code, the others comma-joined, title)`` of a heading naming several codes (see
    :data:`HEADING_CODES`; ``28 to 31`` is 28, 29, 30 and 31), else ``None``."""
    m = HEADING_CODES.match(heading.strip()[:160])
    if not m:
        return None
    codes: list[str] = []
    for part in re.split(r"\s*(?:/|,|&|\band\b|\bor\b)\s*", m.group("codes")):
        ends = re.split(r"\s+to\s+", part, flags=re.IGNORECASE)
        if (
            len(ends) == 2
            and all(e.isdigit() for e in ends)
            and 0 < int(ends[1]) - int(ends[0]) <= _MAX_HEADING_RANGE
        ):
            codes += [str(n) for n in range(int(ends[0]), int(ends[1]) + 1)]
        elif len(ends) == 1 and _one_code(part):
            codes.append(part.strip())
        else:
            return None
    return (codes[0], ",".join(codes[1:]), m.group("rest").strip(" -–—:.")) if len(codes) > 1 else None


def heading_code(heading: str) -> tuple[str, str, str] | None:
    """``(code, alias, title)`` of a heading that names one code, else ``None``. A heading that
    is one code token and nothing else is that code, CamelCase too (``### GroundFailure``)."""
    if CODE_TOKEN.match(heading.strip()) and _one_code(heading.strip()):
        return heading.strip(), "", ""
    for pattern in (HEADING, HEADING_TAIL):
        m = pattern.match(heading.strip()[:160])
        if not m or not _one_code(m.group("code")) or not prose_code(m.group("code")):
            continue
        code = m.group("code")
        keyword = re.search(rf"\b{_KEYWORD}\s*(?:code\s*)?#?\s*{re.escape(code)}", heading, re.I)
        if code.isdigit() and not keyword:
            continue
        return code, (m.groupdict().get("alias") or "").strip(), _trimmed(m.group("rest"))
    return None


def _trimmed(rest: str) -> str:
    """A heading's title after its code: separators and an unbalanced parenthesis trimmed
    (``(cable not recognised)`` keeps its closing one, ``(Overheat`` loses its opening one)."""
    rest = rest.strip(" -–—:.")
    if rest.startswith("(") and rest.count("(") > rest.count(")"):
        rest = rest[1:]
    if rest.endswith(")") and rest.count(")") > rest.count("("):
        rest = rest[:-1]
    return rest.strip(" -–—:.")
