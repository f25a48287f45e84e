"""Reading a fault's code where no entry defines it: the words of the vendor's document around it.

Ingest reads code tables, headings, definition lists and light patterns into entries; a layout it
has never met yields none. The charger's code may still appear in the document — "the portal
shows status `14` or `15` (Error)", "Bit 15 = EV-RCM residual current detection triggered", a
row of a PDF table that was not read as one. Those words are the manufacturer's, so they may add
caution (a safety word vetoes, "a restart does not help" forbids a reset) and suggest a class;
but they were not read as an entry for the code, so a class resting on them is a guess (see
:mod:`app.agent.playbook`).

A mention is a *code-shaped* token equal to the charger's code (``F1``, ``E-06`` for ``E6``,
``0x1A`` for ``26``, ``RCM_TRIPPED``); a bare number counts only where the text presents it as a
code (``status 14``, ``error 5``, `` `14` ``, ``14:`` at the start of a line); a register value
that is one bit (``32768``) is also its ``Bit 15``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.codes import normalise_code
from knowledge.entries import CodeEntry, Layout
from knowledge.schema import STANDARD_VENDOR, Passage

_CONTEXT_CHARS = 500
_TITLE_CHARS = 120
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.#]*[A-Za-z0-9]|[A-Za-z0-9]")
_CODE_WORD = re.compile(
    r"(?:error|err|fault|code|status|state|alarm|event|warning|no\.?|nr\.?|number|id|#)\W{0,3}$", re.I
)
_MARKED = re.compile(r"[`'\"*\[(]$")
_LINE_START = re.compile(r"^[\s>*\-•|#]*$")
_LABEL_AFTER = re.compile(r"^[`'\"*\])]*\s*(?:[:=|)–—]|-\s|\.\s)")
_BIT = re.compile(r"\bbit\s*(\d{1,2})\b", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*\"(])")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|\*\*.*\*\*\s*$|Q\s*[:.]|.*[?:]\s*\**\s*$)")
_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_RULE = re.compile(r"\s*[-=*_]{3,}\s*$")
_MARKUP = re.compile(
    r"^\s*[-•+]\s+|[`*]{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w)|^\s*#{1,6}\s*|^\s*[QA]\s*:\s*|<[^>]+>"
)  # an underscore inside a word is part of a name (rcm_triggered), not emphasis


def mentioned_entry(passages: Sequence[Passage], code: str | None) -> tuple[CodeEntry, Passage] | None:
    """An entry made of the words around the first mention of ``code`` in the vendor's passages
    (in search order; a mention that labels its line — at its start, or a table row — before
    one inside a sentence), or ``None`` when no vendor passage mentions it."""
    key = _key(code)
    if key is None:
        return None
    bit = _bit(key)
    best: tuple[int, int, CodeEntry, Passage] | None = None
    for rank, passage in enumerate(p for p in passages if p.vendor != STANDARD_VENDOR):
        lines = passage.text.splitlines()
        for n in range(len(lines)):
            found = _in_line(code or "", lines, n, key, bit)
            if found is None:
                continue
            label, entry = found
            if best is None or (label, rank) < best[:2]:
                best = (label, rank, entry, passage)
            break
    return (best[2], best[3]) if best else None


def mention_query(code: str | None) -> str:
    """Search words that find the passages mentioning ``code`` (its bit too, for a one-bit value)."""
    key = _key(code)
    if key is None:
        return ""
    bit = _bit(key)
    bits = f"bit {bit} error" if bit is not None else ""  # a register map: every row says "16 bits"
    return " ".join(filter(None, [(code or "").strip(), bits]))


def _in_line(code: str, lines: list[str], n: int, key: str, bit: int | None) -> tuple[int, CodeEntry] | None:
    """``(0 if it labels its line else 1, entry)`` for a mention of the code in line ``n``. A
    table cell listing items one per ``<br>`` ("Bit 6 = locking<br>Bit 15 = …") is read item
    by item: the mentioned item alone."""
    line = lines[n]
    items = _BR.split(line)
    if len(items) > 1:
        for item in items:
            if (where := _mention(item, key, bit)) is not None:
                said = item.strip(" |")
                return 0, _made(code, said, said)
        return None
    where = _mention(line, key, bit)
    if where is None:
        return None
    label = 0 if _LINE_START.match(line[:where]) or line.count("|") >= 2 else 1
    return label, _entry(code, lines, n, where)


def _key(code: str | None) -> str | None:
    keys = normalise_code(code) if code else None
    return keys.primary if keys else None


def _bit(key: str) -> int | None:
    """The bit number of a register value with one bit set (``32768`` → 15), else ``None``."""
    if not key.isdigit() or int(key) < 2:
        return None
    value = int(key)
    return value.bit_length() - 1 if value & (value - 1) == 0 else None


def _mention(line: str, key: str, bit: int | None) -> int | None:
    """Where in ``line`` the code is mentioned (the token's start), or ``None``."""
    for match in _TOKEN.finditer(line):
        token = match.group(0).rstrip(".")
        keys = normalise_code(token)
        if keys is None or keys.primary != key:
            continue
        before, after = line[: match.start()], line[match.end() :]
        if not key.isdigit() or _presented(before, after):
            return match.start()
    if bit is not None:
        for match in _BIT.finditer(line):
            if int(match.group(1)) == bit:
                return match.start()
    return None


def _presented(before: str, after: str) -> bool:
    """Whether a bare number is presented as a code: after a code word, quoted or marked, or
    labelling its line (``14: …``, ``| 14 |``)."""
    if _CODE_WORD.search(before) or _MARKED.search(before):
        return True
    return bool(_LINE_START.match(before) and _LABEL_AFTER.match(after))


def _entry(code: str, lines: list[str], n: int, where: int) -> CodeEntry:
    """The entry for a mention at ``lines[n][where:]``: its sentence (a table row whole), the next
    one, and after a heading or question the paragraph that answers it."""
    line = lines[n]
    if line.count("|") >= 2 or "\t" in line:
        said = " ".join(cell.strip() for cell in re.split(r"\||\t", line) if cell.strip())
        return _made(code, said, said)
    paragraph, offset = _paragraph(lines, n)
    position = offset + where
    sentences = _SENTENCE.split(paragraph)
    start = 0
    for i, sentence in enumerate(sentences):
        end = start + len(sentence)
        if position <= end:
            context = " ".join(sentences[i : i + 2])
            if _HEADING.match(paragraph) and len(sentences) == 1:
                context += " " + _following(lines, n)
            return _made(code, sentence, context)
        start = end + 1
    return _made(code, paragraph, paragraph)


def _paragraph(lines: list[str], n: int) -> tuple[str, int]:
    """The paragraph (consecutive non-blank lines, a heading ending it) holding line ``n``, its
    lines stripped and joined with spaces, and where line ``n``'s text starts in it."""
    first = n
    while first > 0 and not _starts(lines[first]) and _continued(lines[first - 1]):
        first -= 1
    last = n
    while last + 1 < len(lines) and _continued(lines[last + 1]) and not _starts(lines[last + 1]):
        last += 1
    parts = [line.strip() for line in lines[first : last + 1]]
    offset = sum(len(part) + 1 for part in parts[: n - first])
    return " ".join(parts), offset - (len(lines[n]) - len(lines[n].lstrip()))


def _continued(line: str) -> bool:
    """Whether ``line`` may belong to its neighbour's paragraph: not blank, not a heading."""
    return bool(line.strip()) and not _HEADING.match(line)


def _starts(line: str) -> bool:
    """Whether ``line`` starts a paragraph of its own: a heading or a list item."""
    return bool(_HEADING.match(line) or _ITEM.match(line))


def _following(lines: list[str], n: int) -> str:
    """The paragraph after the heading at line ``n`` (its first two sentences)."""
    filled = (i for i in range(n + 1, len(lines)) if lines[i].strip() and not _RULE.match(lines[i]))
    start = next(filled, None)
    if start is None:
        return ""
    paragraph, _ = _paragraph(lines, start)
    return " ".join(_SENTENCE.split(paragraph)[:2])


def _made(code: str, sentence: str, context: str) -> CodeEntry:
    title = _plain(sentence)[:_TITLE_CHARS]
    return CodeEntry(
        code=code.strip(),
        title=title,
        meaning=_plain(context)[:_CONTEXT_CHARS],
        layout=Layout.paragraph,
        locator="mention",
    )


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split())
