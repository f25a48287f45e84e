"""Code entries in prose: a code as a heading, at the start of a paragraph or list item, a
definition list, or an LED/blink pattern as a heading where the document uses patterns as codes.

:func:`attach_entries` takes a loader's blocks (paragraphs and list items with their heading path)
and merges the blocks that belong to one code into one block carrying its entry: under a code
heading, everything up to the next heading of the same or higher level; after a code-led
paragraph, the following paragraphs and items of the same section up to the next code. The merged
text is the document's own words, one block per line. Reading the entry's parts is
:mod:`ingest.entries.parts`' job.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

from ingest.document import Block
from ingest.entries.listed import listed_entries
from ingest.entries.parts import label_of, read_parts
from ingest.entries.shapes import CODE_TOKEN, heading_code, heading_codes, lead_code, prose_code
from ingest.entries.table import short_title
from knowledge.entries import CodeEntry, Layout
from knowledge.patterns import pattern_code

_CODE_PAREN = re.compile(r"\(([^()]{1,60})\)\s*$")
_PAREN_PART = re.compile(
    r"^((?:(?:error|fault|code|alarm|flag|bit|no\.?|nr\.?|#|event|status|err|value|state)\s*)*)"
    rf"({CODE_TOKEN.pattern.strip('^$')})$",
    re.I,
)
_SUSPECT = re.compile(
    r"^(?:[-*•]\s+|\d{1,3}[.)]\s+)?(?:\*\*)?(?:(?:error|fault|alarm|code)\s*#?\s*\d{1,5}\b|0x[0-9a-f]{1,4}\b"
    r"|[A-Z]{1,3}-?\d{2,4}\b(?!\s*(?:V|A|W|kW|mA|ms|s|Hz|mm|°C)\b))",
    re.IGNORECASE,
)


_MARKS = re.compile(r"^[^\w\s(\"“'`*]+\s*")
"""Symbols before a heading's words (a warning sign, a bullet), not part of its code or title."""
_NUMBERED = re.compile(r"^\(?\d{1,2}[.)]\s")
_LIST = re.compile(r"^(?:[-*+•▪–]|\(?\d{1,2}[.)])\s")


@dataclass(frozen=True)
class _Start:
    code: str
    aliases: tuple[str, ...]
    title: str
    layout: Layout
    scope: tuple[str, ...] | None
    """The heading path a heading entry spans; ``None`` for a code-led paragraph."""
    rest: str = ""
    nested: bool = False
    """A list item that is only the code, its description in the items nested under it."""


def attach_entries(
    blocks: list[Block], *, title: str | None = None, unread: list[str] | None = None
) -> list[Block]:
    """``blocks`` with each code's blocks merged into one block carrying its :class:`CodeEntry`.

    Blocks that look like a code definition but could not be read are described in ``unread``. A
    lettered "code" that is a word of the document's ``title`` is its model name (``VX-22``).
    """
    patterns = _pattern_headings(blocks)
    named = set(re.findall(r"[\w-]+", title or ""))
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        start = None
        if not block.row and not block.entry:
            new_section = i == 0 or blocks[i - 1].section != block.section
            start = (
                (
                    _heading_start(block, title, patterns)
                    or _shown_start(blocks, i)
                    or _labelled_start(blocks, i, title)
                    if new_section
                    else None
                )
                or _question_start(blocks, i)
                or _nested_start(blocks, i)
                or (None if _procedure_step(blocks, i) else _lead_start(block))
                or _term_start(block)
            )
            start = None if start and start.code in named and not start.code.isdigit() else start
        if start is None:
            if unread is not None and not block.row and not block.entry and _SUSPECT.match(block.text):
                unread.append(_where(block) + block.text[:80])
            out += [block, *listed_entries(block)]
            i += 1
            continue
        end = _group_end(blocks, i, start)
        out.append(_merge(blocks[i:end], start))
        i = end
    return out


def _procedure_step(blocks: list[Block], i: int) -> bool:
    """A numbered item among numbered items that name no code: a step of a procedure that
    mentions a code (``2. 0x2C: send one Reset Soft``), not the code's definition."""
    if not _NUMBERED.match(blocks[i].text):
        return False
    near = [
        blocks[j] for j in (i - 1, i + 1) if 0 <= j < len(blocks) and blocks[j].section == blocks[i].section
    ]
    return any(_NUMBERED.match(b.text) and not lead_code(b.text) for b in near)


def _pattern_headings(blocks: list[Block]) -> set[str]:
    """Headings that are LED/blink patterns, when a document has at least two of them."""
    found = {b.section[-1] for b in blocks if b.section and pattern_code(b.section[-1])}
    return found if len(found) >= 2 else set()


def _heading_start(block: Block, title: str | None, patterns: set[str]) -> _Start | None:
    if not block.section or block.section[-1] == title:
        return None
    heading = _MARKS.sub("", block.section[-1])  # "⚠ Error 6 – Emergency stop"
    if listed := heading_codes(heading) or _paren_codes(heading):  # several codes, comma-joined
        code, others, name = listed
        return _Start(
            code, tuple(filter(None, others.split(","))), name or heading, Layout.heading, block.section
        )
    if found := heading_code(heading):
        code, alias, name = found
        return _Start(code, (alias,) if alias else (), name or heading, Layout.heading, block.section)
    if heading in patterns and (key := pattern_code(heading)):
        name = re.split(r"\s+[—–-]\s+", heading, maxsplit=1)
        return _Start(key, (heading,), name[-1] if len(name) == 2 else heading, Layout.pattern, block.section)
    return None


_SHOWN = re.compile(
    r"\b(?:shows|displays|reads|indicates|reports|signals)\s+(?:the\s+(?:message|text|code)\s+)?"
    r"[`\"“']([^`\"”'\n]{2,32})[`\"”']",
    re.IGNORECASE,
)


_ON_FAULT = re.compile(
    r"\b(?:when|if|whenever|detects?|finds?|trips?|faults?|errors?|fails?)\b", re.IGNORECASE
)
"""A message shown on a fault ("when it detects …, the display shows …"), not on a command."""


def _shown_start(blocks: list[Block], i: int) -> _Start | None:
    """A section about one fault whose text names the message the charger shows ("… the display
    shows `PEN Fault!`"): that message is the code, the heading its title, the section its text."""
    block = blocks[i]
    if not block.section:
        return None
    section = list(itertools.takewhile(lambda b: b.section == block.section, blocks[i:]))  # contiguous
    sentences = [t for b in section for t in re.split(r"(?<=[.!?])\s+(?=[A-Z])", b.text)]
    shown = {m.group(1).strip() for t in sentences if _ON_FAULT.search(t) for m in _SHOWN.finditer(t)}
    if len(shown) != 1:
        return None
    return _Start(shown.pop(), (), block.section[-1], Layout.heading, block.section)


_EXPLAINED = frozenset({"cause", "meaning"})
_REMEDIED = frozenset({"remedy", "remote", "onsite"})


def _labelled_start(blocks: list[Block], i: int, title: str | None) -> _Start | None:
    """A section headed by a message (``HALTED — GFCI HARD FAULT``) whose paragraphs are labelled
    as its cause and its remedy (``**Cause:** …`` / ``**Solution:** …``): a document of messages
    without codes. The heading is the code, as the charger shows or sends it."""
    block = blocks[i]
    if not block.section or block.section[-1] == title:
        return None
    section = list(itertools.takewhile(lambda b: b.section == block.section, blocks[i:]))
    parts = {label_of(b.text) for b in section}
    if not (parts & _EXPLAINED and parts & _REMEDIED):
        return None
    heading = block.section[-1]
    return _Start(heading, (), heading, Layout.heading, block.section)


def _paren_codes(heading: str) -> tuple[str, str, str] | None:
    """``ERROR NO CURRENT (error flag 1, LESS_6A)``: codes listed in a closing parenthesis."""
    m = _CODE_PAREN.search(heading)
    if not m:
        return None
    codes = []
    for part in re.split(r"\s*[,;/]\s*", m.group(1)):
        found = _PAREN_PART.match(part.strip())
        if found and prose_code(code := found.group(2)) and (found.group(1) or not code.isdigit()):
            codes.append(code)
    if not codes:
        return None
    name = re.sub(r"^\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+", "", heading[: m.start()]).strip()
    if CODE_TOKEN.match(name) and prose_code(name):  # "ERR_TILT (0x00002000)": the name is the code
        return name, ",".join(codes), name
    return codes[0], ",".join(codes[1:]), name


_QUESTION = re.compile(r"^\W*(?:Q|Question)\s*\d*\s*[:.)]\s*(?P<q>.+?)\W*$", re.IGNORECASE | re.DOTALL)
_ANSWER = re.compile(r"^\W*(?:A|Answer)\s*[:.)]\s*", re.IGNORECASE)


def _question_start(blocks: list[Block], i: int) -> _Start | None:
    """An FAQ question about a light/sound pattern, answered by the next block ("**Q: The lights
    flash red.**" / "A: A critical error …"): the pattern is the code, the question its title."""
    m = _QUESTION.match(blocks[i].text)
    if not m or i + 1 >= len(blocks) or not _ANSWER.match(blocks[i + 1].text):
        return None
    question = m.group("q").strip()
    key = pattern_code(re.split(r"(?<=[.!?])\s+(?=What|Why|How|Is|Does|Can)\b", question)[0])
    if key is None:
        return None
    return _Start(key, (question,), question, Layout.pattern, None)


_BARE_ITEM = re.compile(
    r"^[-*+•]\s+(?:`(?P<quoted>[^`\s]{2,40})`|(?P<code>[A-Za-z]+_[A-Za-z0-9_]+))\s*:?\s*$"
)
_VALUE = re.compile(r"\bvalue\s+`?(\d{1,10})`?", re.IGNORECASE)


def _nested_start(blocks: list[Block], i: int) -> _Start | None:
    """A list item that is only a quoted code or identifier (``* `rcm_triggered` ``), followed by
    the items nested under it (what raises it, how it clears, what to do) — an API reference's
    list of error names."""
    m = _BARE_ITEM.match(blocks[i].text.strip())
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if m is None or nxt is None or nxt.section != blocks[i].section or not _LIST.match(nxt.text):
        return None
    if _BARE_ITEM.match(nxt.text.strip()):
        return None
    code = m.group("quoted") or m.group("code")
    return _Start(code, (), code, Layout.definition, None, nested=True)


_TERM = re.compile(r"^(?P<term>[^\n:]{3,60})\n\s*:\s*(?P<rest>.+)$", re.S)
_TERM_WORDS = 8


def _term_start(block: Block) -> _Start | None:
    """A definition whose term is a light pattern (``Fixed red`` then ``: ERROR. …``), or a
    message of a few words that ends no sentence (``DC leakage protection tripped`` then ``: …``):
    the pattern, or the message as the charger would send it, is the code."""
    m = _TERM.match(block.text.strip())
    if m is None:
        return None
    term = " ".join(m.group("term").split()).strip(" *_`")
    if key := pattern_code(term):
        return _Start(key, (term,), term, Layout.pattern, None, m.group("rest"))
    if len(term.split()) <= _TERM_WORDS and not re.search(r"[.!?]$", term) and term[:1].isupper():
        return _Start(term, (), term, Layout.definition, None, m.group("rest"))
    return None


def _lead_start(block: Block) -> _Start | None:
    found = lead_code(block.text)
    if not found:
        return None
    code, alias, rest = found
    definition = bool(re.match(r"^[^\n]{0,40}\n\s*:", block.text)) and code in block.text.split("\n", 1)[0]
    first = rest.split("\n", 1)[0].strip(": ")
    head = re.split(r"\s*[:—–|]\s+|\s+-\s+|(?<=[a-z)])\.\s+", first, maxsplit=1)
    name = short_title(head[0]) if head[0] else ""
    remainder = (
        rest[len(rest.split("\n", 1)[0]) :]
        if len(head) == 1
        else head[1] + rest[len(rest.split("\n", 1)[0]) :]
    )
    layout = Layout.definition if definition else Layout.paragraph
    return _Start(code, tuple(a for a in alias.split(",") if a), name, layout, None, remainder.strip())


def _group_end(blocks: list[Block], i: int, start: _Start) -> int:
    end = i + 1
    while end < len(blocks):
        nxt = blocks[end]
        if nxt.row or nxt.entry:
            break
        if start.nested:
            if nxt.section != blocks[i].section or not _LIST.match(nxt.text) or _BARE_ITEM.match(nxt.text):
                break
        elif start.scope is not None:
            if nxt.section[: len(start.scope)] != start.scope or _sub_entry(nxt, blocks[end - 1]):
                break
        elif (
            nxt.section != blocks[i].section
            or lead_code(nxt.text)
            or _TERM.match(nxt.text.strip())
            or _same_list(blocks[i], nxt)
            or _QUESTION.match(nxt.text)
        ):
            break
        end += 1
    return end


def _same_list(first: Block, block: Block) -> bool:
    """A code-led list item ends where the next item of its list begins."""
    return bool(_LIST.match(first.text) and _LIST.match(block.text))


def _sub_entry(block: Block, previous: Block) -> bool:
    """A code heading or code-led paragraph nested inside a code heading starts its own entry."""
    return bool(lead_code(block.text)) or (
        block.section != previous.section and bool(heading_code(block.section[-1]))
    )


def _merge(group: list[Block], start: _Start) -> Block:
    lines = [b.text for b in group]
    body = [start.rest, *(_ANSWER.sub("", t, count=1) for t in lines[1:])] if start.scope is None else lines
    aliases = list(start.aliases)
    if start.nested:  # "Bit 4 — value `16`": the value is what a register reports
        body = [_LIST.sub("", t, count=1) for t in lines[1:]]
        aliases += [v for t in body[:2] for v in _VALUE.findall(t) if v not in aliases]
    parts = read_parts("\n".join(t for t in body if t))
    entry = CodeEntry(
        code=start.code,
        aliases=aliases,
        title=_title(start, parts.meaning),
        meaning=parts.meaning,
        causes=parts.causes,
        steps=parts.steps,
        safety=parts.safety,
        severity=parts.severity,
        layout=start.layout,
        locator=_locator(group[0]),
    )
    return replace(group[0], text="\n".join(lines), codes=tuple(entry.spellings()), entry=entry)


def _title(start: _Start, meaning: str) -> str:
    """The heading's or label's name; when that is only the code, the meaning's lead phrase."""
    title = start.title.strip(" *_`\"'“”.:")
    bare = not title or (title == start.code and CODE_TOKEN.match(start.code))  # a message is its own title
    return short_title(meaning).rstrip(". ") if bare and meaning else title


def _locator(block: Block) -> str:
    where = f"section {block.section[-1]}" if block.section else ""
    return (
        f"{where}, page {block.page}"
        if block.page and where
        else where or (f"page {block.page}" if block.page else "")
    )


def _where(block: Block) -> str:
    where = _locator(block)
    return f"{where}: " if where else ""
