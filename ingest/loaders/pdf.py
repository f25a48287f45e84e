"""PDF manuals (pypdf): page-aware text, running headers/footers removed, error tables by row.

Pages are read in pypdf's layout mode, which keeps a table row on one line and puts wrapped cell
text on the following lines under its column. An error-code table is recognised by its header
row (same synonyms as CSV tables); its rows are rebuilt cell by cell and become one block each.
Prose is split into paragraphs; numbered heading lines give the section path. A page laid out
in several text columns is read in plain mode instead, which follows the columns' reading order.
A scanned page (no text layer, an image over most of it) is read by OCR and set out the same way
(:mod:`ingest.loaders.ocr`); the document's warnings name each such page. So is a picture that
covers a good part of a text page (a table pasted as an image): its text goes where the picture
stands, and a warning names the page.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import Block, LoadedDocument, LoadError, plain_characters
from ingest.entries.parts import label_of
from ingest.entries.prose import attach_entries
from ingest.entries.shapes import code_shaped, lead_code
from ingest.loaders.fixed_width import slice_columns
from ingest.loaders.markdown import NUMBERED_HEADING
from ingest.loaders.ocr import read_pictures, read_scans, reading_order, repaired, scan_pages, with_pictures
from ingest.loaders.tables import header_roles, is_header_row, table_blocks
from knowledge.codes import normalise_code, split_code_field

_GAP = re.compile(r"\s{2,}")
_LABEL_LINE = re.compile(r"^\S{1,16}\s{2,}\S")
"""A line whose first token stands apart: a code used as a label, as text columns set it."""
_EDGE_LINES = 2
_BARE_PAGE = 20
"""A page with fewer characters of text than this has no text layer worth the name (a scan)."""


def load_pdf(path: Path) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (a password is required to read it)")
        layouts = [_layout_lines(page) for page in reader.pages]
        scans = _scans(path, layouts)
        layouts = _with_pictures(path, layouts, scans)
        pages = [
            _page(page, n, layout, scans)
            for n, (page, layout) in enumerate(zip(reader.pages, layouts, strict=True))
        ]
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
        doc = _document(pages, title)
        doc.warnings += scans.warnings
        return doc
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise LoadError(f"encrypted PDF ({exc})") from exc
        raise LoadError(f"unreadable PDF: {exc}") from exc


@dataclass
class _Scans:
    """The pages that are scans (0-based) and their lines, and which of them OCR read."""

    lines: dict[int, list[str]] = field(default_factory=dict)
    read: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def _scans(path: Path, layouts: list[list[str]]) -> _Scans:
    """The pages that are scans (see :mod:`ingest.loaders.ocr`): read by OCR where the page has no
    text layer, else its layer's lines (an OCR program's); both with code-shaped words mended where
    OCR took a letter for a digit. A file pdfium cannot open is read without (a warning says so)."""
    try:
        pages = scan_pages(path)
    except Exception as exc:  # pdfium refuses what pypdf read: keep pypdf's reading
        return _Scans(warnings=[f"scanned pages not looked for (pdfium: {exc})"])
    bare = [n for n in sorted(pages) if sum(len(ln.strip()) for ln in layouts[n]) < _BARE_PAGE]
    try:
        read = read_scans(path, bare)
    except Exception as exc:  # a broken image or OCR runtime: say so, like any unreadable file
        raise LoadError(f"scanned page(s) could not be read by OCR: {exc}") from exc
    return _Scans(
        lines={n: [repaired(ln) for ln in read.get(n, layouts[n])] for n in pages},
        read=set(read),
        warnings=[
            f"page {n + 1}: a scan without text, read by OCR — check the codes found on it" for n in bare
        ],
    )


def _with_pictures(path: Path, layouts: list[list[str]], scans: _Scans) -> list[list[str]]:
    """``layouts`` with the text of large pictures on text pages (see
    :func:`~ingest.loaders.ocr.with_pictures`), OCR's misread digits mended; a warning per page."""
    try:
        pictures = read_pictures(path, skip=set(scans.lines))
    except Exception as exc:  # a broken image or OCR runtime: the text layer is still read
        scans.warnings.append(f"pictures not read by OCR: {exc}")
        return layouts
    for n, found in sorted(pictures.items()):
        mended = [type(p)(p.middle, [repaired(ln) for ln in p.lines]) for p in found]
        layouts[n] = with_pictures(layouts[n], mended)
        scans.warnings.append(f"page {n + 1}: text read by OCR from a picture — check the codes found on it")
    return layouts


@dataclass(frozen=True)
class _Page:
    """A page's layout-mode lines, how to read it in plain mode (column after column), and the
    test of whether its (header- and footer-less) lines are set in several text columns."""

    layout: list[str]
    plain: Callable[[], list[str]]
    columned: Callable[[list[str]], bool]


def _page(page, index: int, layout: list[str], scans: _Scans) -> _Page:
    """pypdf's reading of a page; a scan's lines (read by OCR, or its OCR layer) with its columns
    found by their gutter (see :func:`~ingest.loaders.ocr.reading_order`)."""
    if index not in scans.lines:
        return _Page(layout, lambda: _plain_lines(page), _multi_column)
    lines = scans.lines[index]  # OCR's, or an OCR program's layer: columns only by their gutter
    return _Page(
        lines,
        lambda: reading_order(lines) or [ln.strip() for ln in lines],
        lambda kept: not _has_code_table(kept) and reading_order(kept) is not None,
    )


def _document(pages: list[_Page], title) -> LoadedDocument:
    if not any(line.strip() for page in pages for line in page.layout):
        raise LoadError(f"no extractable text in {len(pages)} page(s) (scanned or drawing only)")
    doc = LoadedDocument(blocks=[], title=str(title).strip() or None if title else None, pages=len(pages))
    repeated = _running_lines([page.layout for page in pages])
    section: tuple[str, ...] = ()
    open_table: list[tuple[int, str]] | None = None
    for number, page in enumerate(pages, start=1):
        lines = [ln for ln in page.layout if _shape(ln) not in repeated]
        headings: set[int] = set()
        if page.columned(lines):
            lines, headings = _set_apart([ln for ln in page.plain() if _shape(ln) not in repeated])
            open_table = None
        blocks, section, open_table = _page_blocks(lines, number, section, headings, open_table)
        doc.blocks.extend(blocks)
    doc.blocks = attach_entries(doc.blocks, title=doc.title, unread=doc.unread)
    return doc


def _layout_lines(page) -> list[str]:
    layout = plain_characters(page.extract_text(extraction_mode="layout") or "")
    return [ln.rstrip() for ln in layout.splitlines()] if layout.strip() else []


def _plain_lines(page) -> list[str]:
    """Plain-mode lines: only needed for pages laid out in several text columns."""
    return [ln.strip() for ln in plain_characters(page.extract_text() or "").splitlines()]


_HEADING_SHARE = 0.6
"""A line shorter than this share of the page's typical line, after a sentence's end, is a heading."""
_RUN_IN_SHARE = 0.8
"""A code-led line shorter than this share of the page's typical line, over a sentence, is a heading."""
_ENDS_SENTENCE = re.compile(r"[.!?][)\"']?$")
_OPEN_END = re.compile(r"[.!?:;,]\s*$")


def _set_apart(lines: list[str]) -> tuple[list[str], set[int]]:
    """Plain-mode lines with a blank line before each code-led paragraph, and the indexes of the
    headings that name no code. Plain mode keeps no blank line between paragraphs: after a
    sentence's end or a numbered heading, a line that ends no sentence and leads with a code
    ("Code 131 – Ground fault lockout") opens a paragraph — a run-in heading, closed by a period,
    where it is short and the next line starts a sentence — and a short one without a code
    ("Ground fault self-test at power-up") is a heading."""
    widths = sorted(len(ln) for ln in lines if len(ln) >= 20)
    short = _HEADING_SHARE * widths[len(widths) // 2] if widths else 0
    spaced: list[str] = []
    headings: set[int] = set()
    title: bool | None = None  # the line is a box's title: under its code (True), under marks (False)
    for n, (before, line, after) in enumerate(zip([".", *lines[:-1]], lines, [*lines[1:], ""], strict=True)):
        opens = _ENDS_SENTENCE.search(before.rstrip()) or NUMBERED_HEADING.match(" ".join(before.split()))
        if title is not None:
            if not title:
                headings.add(len(spaced))  # the title of a box whose code is only marks ("???")
            spaced.append(line)
            title = None
        elif (title := _box_at(lines, n)) is not None:
            if spaced and spaced[-1] == before and _icon(before):
                spaced.pop()  # the box's icon or pictogram letters ("⚡", "PE") beside its code
            spaced += ["", f"{line.strip()} –"] if title else [""]
        elif not opens or len(line.split()) < 2 or _OPEN_END.search(line):
            spaced.append(line)
        elif lead_code(line):
            run_in = len(line) < _RUN_IN_SHARE / _HEADING_SHARE * short and after[:1].isupper()
            spaced += ["", f"{line.rstrip()}." if run_in else line]
        elif len(line) < short and line[:1].isupper():
            headings.add(len(spaced))
            spaced.append(line)
        else:
            spaced.append(line)
    return spaced, headings


_ICON = 3
"""Characters at most of a box's icon line (a symbol, a pictogram's letters: ``⚡``, ``PE``, ``°C``)."""


def _icon(line: str) -> bool:
    """A box's icon line: a symbol or a pictogram's letters, no code (``⚡``, ``PE``, ``°C``)."""
    mark = line.strip()
    return 0 < len(mark) <= _ICON and " " not in mark and not code_shaped(mark)


def _box_at(lines: list[str], n: int) -> bool | None:
    """Whether line ``n`` is the label of a box on a card of boxes (a quick-reference card): a code
    alone on its line (``True``) or marks standing for any other code (``False``, ``???``), the
    box's title on the next line, and an icon on the line before or "→ what to do" under the
    title (``None`` when it is no box's label)."""
    label = lines[n].strip()
    title = lines[n + 1].strip() if n + 1 < len(lines) else ""
    coded = code_shaped(label)
    if not label or " " in label or not (coded or not any(c.isalnum() for c in label)):
        return None
    if len(title.split()) < 2 or not title[:1].isupper() or lead_code(title) or code_shaped(title):
        return None
    iconed = n > 0 and _icon(lines[n - 1])
    arrowed = n + 2 < len(lines) and bool(_ARROW.match(lines[n + 2].strip()))
    return coded if iconed or arrowed else None


_ARROW = re.compile(r"^(?:→|⇒|➔|➜|►|▶|->|=>)\s")
"""A line led by an arrow: on cards and in tables, what to do about what stands above it."""


_BROKEN = re.compile(r"(?<=[^\W\d_]{2})-$")
_NEXT_PART = re.compile(r"^(?![Aa]nd\b|or\b|to\b|und\b|oder\b|bis\b|et\b|ou\b)[a-zß-ÿ]{2}")


_IDENTIFIER_HEAD = re.compile(r"(?:^|[\s(])[A-Z0-9]+_[A-Z0-9_]*$")
_IDENTIFIER_TAIL = re.compile(r"^(?:[A-Z0-9]*_[A-Z0-9_]*(?=\s|\)|$)|[A-Z0-9]+(?=\)|$))")
"""The rest of a broken symbol: with an underscore of its own, or all that is left of the cell."""


def joined(first: str, then: str) -> str:
    """Two wrapped pieces of one text: a line led by an arrow (``→ Restart once``) stays a line
    of its own, and so does a part's label set alone over its text (it gets its colon); a word
    the line end hyphenated is made whole again
    ("insu-" + "lation"; not "pre-" + "and post-charge"), and so is a symbol's name a narrow
    cell broke anywhere ("UNDERVOLTAGE_WITHOUT_P" + "E_DETECTED"); else they are joined by a space."""
    first, then = first.rstrip(), then.lstrip()
    if _ARROW.match(then):
        return f"{first}\n{then}" if first else then  # "→ do this" stays a line of its own
    if _label_alone(then):
        return f"{first}\n{then.rstrip()}:" if first else f"{then.rstrip()}:"  # "What happened" over its text
    if _BROKEN.search(first) and _NEXT_PART.match(then):
        return first[:-1] + then
    if _IDENTIFIER_HEAD.search(first) and _IDENTIFIER_TAIL.match(then):
        return first + then
    return f"{first} {then}".strip()


_LABEL_WORDS = 6


def _label_alone(line: str) -> bool:
    """Whether ``line`` is only the label of an entry's part, set as a small heading over its text
    ("What happened", "What you can do", "When to call an installer"): it opens that part."""
    short = 0 < len(line.split()) <= _LABEL_WORDS and ":" not in line and not _OPEN_END.search(line)
    return short and label_of(f"{line.strip()}:") is not None


def _shape(line: str) -> str:
    """A line with digits and spacing blurred, so 'Page 3 of 9' and 'Page 4 of 9' match."""
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of lines at the top or bottom of at least half of the pages (headers/footers); a
    shape seen more than once on a page (rows of a table alike but for their numbers) is none."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        content = [ln for ln in lines if ln.strip()]
        on_page = Counter(_shape(ln) for ln in content)
        edges = content[:_EDGE_LINES] + content[-_EDGE_LINES:]
        counts.update({_shape(ln) for ln in edges if on_page[_shape(ln)] == 1})  # rows of a table repeat
    return {shape for shape, n in counts.items() if n >= max(3, len(pages) // 2) and shape}


def _multi_column(lines: list[str]) -> bool:
    content = [ln.strip() for ln in lines if ln.strip()]
    split = [ln for ln in content if (m := _GAP.search(ln)) and m.start() >= 30 and len(ln) > m.end()]
    return len(content) >= 6 and len(split) >= 0.25 * len(content) and not _has_code_table(lines)


def _has_code_table(lines: list[str]) -> bool:
    return any(_header_at(lines, i) for i in range(len(lines)))


def _header_at(lines: list[str], i: int) -> tuple[list[tuple[int, str]], int] | None:
    """The columns of an error-code table whose header starts at line ``i``, and how many lines
    the header takes: one line, or two or three lines of short cells read together column by
    column ("Value" over "(dec)"; a header cell set higher or lower than its neighbours)."""
    if columns := _table_columns(lines[i]):
        return columns, 1
    if not _short_cells(lines[i]):
        return None
    for span in range(2, _HEADER_LINES + 1):
        window = lines[i : i + span]
        if len(window) < span or not _short_cells(window[-1]):
            return None
        merged = _merged(window)
        if len(merged) >= 3 and is_header_row([h for _, h in merged]):
            while i + span < len(lines) and _qualifier_line(lines[i + span]) and span < _HEADER_LINES:
                span += 1  # "(dec)", "(hex)" under "Value": the header's last line
            return _merged(lines[i : i + span]), span
    return None


def _qualifier_line(line: str) -> bool:
    """A line of header qualifiers only: units or bases in brackets, or words in lower case."""
    cells = _CELL.findall(line)
    return bool(cells) and all(c[0] in "([" or c[0].islower() for c in cells)


_HEADER_LINES = 3
_FOOTNOTE_MARK = re.compile(r"\d{1,2}|[*†‡¹²³]+")
_CELL = re.compile(r"\S+(?: \S+)*")


def _short_cells(line: str) -> bool:
    cells = _CELL.findall(line)
    return bool(cells) and all(len(c.split()) <= 5 for c in cells)


def _merged(window: list[str]) -> list[tuple[int, str]]:
    """Header cells of several lines joined where they overlap (one character of slack), top to
    bottom; each column starts where its leftmost piece does. A lone footnote mark is no header."""
    pieces = sorted(
        (m.start(), m.end(), row, m.group())
        for row, line in enumerate(window)
        for m in _CELL.finditer(line)
        if not _FOOTNOTE_MARK.fullmatch(m.group())
    )
    columns: list[list] = []
    for start, end, row, text in pieces:
        if columns and start <= columns[-1][1] + 1:
            columns[-1][1] = max(columns[-1][1], end)
            columns[-1][2].append((row, text))
        else:
            columns.append([start, end, [(row, text)]])
    return [(start, " ".join(text for _, text in sorted(parts))) for start, _, parts in columns]


def _table_columns(line: str) -> list[tuple[int, str]] | None:
    """Column (start, header) pairs if ``line`` is the header row of an error-code table."""
    cells = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]
    return cells if len(cells) >= 3 and is_header_row([c for _, c in cells]) else None


def _page_blocks(
    lines: list[str],
    page: int,
    section: tuple[str, ...],
    headings: set[int],
    open_table: list[tuple[int, str]] | None = None,
):
    """The page's blocks, the section path at its end, and the columns of a table of codes that
    runs to its end (else ``None``). ``headings``: indexes of lines that are headings without a
    number (see :func:`_set_apart`): one is a level below the numbered heading above it, until the
    next such heading, numbered heading or code-led paragraph. ``open_table``: the columns of the
    previous page's table that ran to its end; rows at the top of this page under the same
    columns, without a header of their own, are more of its rows."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    loose = False  # the section's last level is an unnumbered heading
    i = 0
    if open_table and (start := _continues_table(lines, open_table)) is not None:
        rows, i = _read_table(lines, start, open_table)
        blocks.extend(table_blocks([h for _, h in open_table], rows, section, page))
        if not any(ln.strip() for ln in lines[i:]):
            return blocks, section, open_table  # the whole page is rows of it
    open_table = None

    def flush() -> None:
        if paragraph:
            blocks.append(Block(functools.reduce(joined, paragraph), section, page))
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = " ".join(line.split())
        if header := _header_at(lines, i):
            flush()
            columns, body = header[0], i + header[1]
            rows, i = _read_table(lines, body, columns)
            blocks.extend(table_blocks([h for _, h in columns], rows, section, page))
            after = [ln for ln in lines[i:] if ln.strip()]
            if len(after) <= _FOOTNOTE_LINES and not _headed(after) and _coded(lines[body:], columns):
                open_table = columns  # its rows may go on at the top of the next page, a footnote between
            continue
        text = _GAP.sub(" | ", line.strip())
        if i in headings:
            flush()
            section, loose = (*(section[:-1] if loose else section), stripped), True
        elif _LABEL_LINE.match(line.strip()) and lead_code(text):
            flush()  # "18  Error Protective Earth  The charger …": a code-led entry, not a heading
            paragraph.append(text)
        elif (m := NUMBERED_HEADING.match(stripped)) and not stripped.endswith("."):
            flush()
            depth = m.group(1).count(".") + 1
            section, loose = (*section[: depth - 1], stripped), False
        elif not stripped or stripped[0] in "•▪–-" or re.match(r"^\d{1,2}\.\s", stripped):
            flush()
            if stripped:
                paragraph.append(stripped)
        else:
            if loose and not paragraph and lead_code(stripped):
                section, loose = section[:-1], False  # a code-led entry is the heading's peer
            paragraph.append(text)
        i += 1
    flush()
    return blocks, section, open_table


_FOOTNOTE_LINES = 4
"""Lines of text at most between a table's last row and the page's end (a footnote) over which
the table may still go on at the top of the next page."""


def _headed(lines: list[str]) -> bool:
    """Whether ``lines`` hold a numbered heading: a new section, not a footnote."""
    return any(NUMBERED_HEADING.match(" ".join(ln.split())) for ln in lines)


def _continues_table(lines: list[str], columns: list[tuple[int, str]]) -> int | None:
    """The index of the page's first line if it starts a row of the carried table of codes — or
    of the line under a running header of one run of words (a two-page document's header is not
    known as a running line), which is then left out."""
    filled = [n for n, ln in enumerate(lines) if ln.strip()]
    for skipped, first in enumerate(filled[: _EDGE_LINES + 1]):
        if _header_at(lines, first):
            return None  # the header repeated: read as a table of its own
        starts = [start for start, _ in columns]
        key, coded = _key_column(lines[first:], starts, [h for _, h in columns])
        if coded and _starts_row(lines[first], _row_cells(lines[first], starts), key, coded):
            return first
        if _GAP.search(lines[first].strip()) or _headed([lines[first]]) or skipped == _EDGE_LINES:
            return None  # a line in columns, or a new section: the table ended on the page before
    return None


def _coded(lines: list[str], columns: list[tuple[int, str]]) -> bool:
    """Whether the table under ``columns`` whose rows are ``lines`` is keyed by codes."""
    return _key_column(lines, [start for start, _ in columns], [h for _, h in columns])[1]


def _read_table(lines: list[str], i: int, columns: list[tuple[int, str]]):
    """Rows (lists of cells) from line ``i`` until the table ends; returns them and the next line.

    Where the key column holds codes, a row starts on a line whose key column holds one (cells
    are top-aligned; a wrapped cell continues on the next lines with the key column empty) and
    the table ends at a line whose key column holds text that is no code (a footnote, a
    paragraph across the page) — but one run of words across the columns right under a row, no
    blank line between, is its last cell wrapping (an OCR text layer keeps no columns for it).
    Where it holds words (a message, a light pattern), a row starts
    on a line whose every cell starts anew (a capital or a digit, the key cell filled) and the
    table ends at a heading or a line that runs across the columns."""
    starts = [start for start, _ in columns]
    key, coded = _key_column(lines[i:], starts, [h for _, h in columns])
    rows: list[list[str]] = []
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        cells = _row_cells(line, starts)
        if _starts_row(line, cells, key, coded):
            rows.append(cells)
        elif rows and coded and lines[i - 1].strip() and _runs_across(line, cells):
            rows[-1][-1] = joined(rows[-1][-1], line)  # right under its row: the last cell wrapping
        elif rows and (
            not cells[key] and (bool(lines[i - 1].strip()) or _continues(line, starts))
            if coded
            else _continues(line, starts)
        ):  # after a blank line, only text that keeps inside the columns wraps a cell
            rows[-1] = [joined(a, b) for a, b in zip(rows[-1], cells, strict=True)]
        elif not rows:
            pass  # a wrapped header line
        else:
            break
        i += 1
    return rows, i


def _row_cells(line: str, starts: list[int]) -> list[str]:
    """A table line's cells: cut at the header's column starts, or — where the line holds exactly
    as many pieces set apart by runs of spaces as the table has columns — those pieces in order
    (an OCR text layer sets a row's cells apart by spaces, not under their headers)."""
    pieces = _GAP.split(line.strip())
    if len(pieces) == len(starts) and len(starts) > 1:
        return pieces
    return slice_columns(line, starts)


def _runs_across(line: str, cells: list[str]) -> bool:
    """Whether ``line`` is one run of words that the column starts cut apart: not under the
    header's columns (an OCR text layer's wrapped cell, or a paragraph)."""
    return len(_GAP.split(line.strip())) == 1 and sum(map(bool, cells)) > 1


def _starts_row(line: str, cells: list[str], key: int, coded: bool) -> bool:
    if coded:
        return _row_key(cells[key]) and bool(_GAP.search(line.strip()))  # a row's cells stand apart
    filled = [c for c in cells if c]
    return bool(cells[key]) and len(filled) >= 2 and all(c[0].isupper() or c[0].isdigit() for c in filled)


def _continues(line: str, starts: list[int]) -> bool:
    """Whether ``line`` continues the cells of a table of words: no heading, and each piece of
    its text inside one column (a paragraph runs across them)."""
    if NUMBERED_HEADING.match(" ".join(line.split())):
        return False
    edges = [*starts[1:], None]
    for m in re.finditer(r"\S+(?: \S+)*", line):
        column = max((n for n, start in enumerate(starts) if start <= m.start() + 1), default=0)
        end = edges[column]
        if end is not None and m.end() > end + 1:
            return False
    return True


def _row_key(cell: str) -> bool:
    """Whether a key cell starts a row: a code, or a list or range of codes (``4, 5``, ``24 – 29``)."""
    if not cell or len(cell) > 24:
        return False
    first = cell.split()[0]
    listed = split_code_field(cell, cell=True)
    return normalise_code(first) is not None or all(normalise_code(c) is not None for c in listed)


def _key_column(lines: list[str], starts: list[int], headers: list[str]) -> tuple[int, bool]:
    """The column whose cells start rows, and whether it holds codes: of the columns headed like
    a code, the one whose non-empty cells below the header are most often a single code, unless
    another column's cells are numbered codes clearly more often (a "Fault" column of names beside
    a "Bit" column of numbers); else the first column mostly of codes; else the best column headed
    like a code, a light-pattern column, or the first column, of words."""
    whole = header_roles(headers)  # "Wert" beside "Bit" names the code
    roles = [whole[n] or header_roles([h])[0] for n, h in enumerate(headers)]  # every code-headed column
    cells = [_row_cells(line, starts) for line in lines[:60] if line.strip()]

    def score(n: int, *, numbered: bool = False) -> float:
        filled = [c[n] for c in cells if c[n]]
        coded = [
            c for c in filled if len(c.split()) == 1 and _row_key(c) and (not numbered or re.search(r"\d", c))
        ]
        return len(coded) / len(filled) if filled else 0.0

    named = [n for n, r in enumerate(roles) if r == "code"]
    scores = [score(n) for n in range(len(starts))]
    numbers = [score(n, numbered=True) for n in range(len(starts))]
    if named and scores[best := max(named, key=scores.__getitem__)] >= _CODED:
        rival = max((n for n in range(len(starts)) if n not in named), key=numbers.__getitem__, default=None)
        if rival is None or numbers[rival] < scores[best] + _CODED_SLACK:
            return best, True
        return rival, True  # a column headed "Fault" holds names ("CP", "AC contactor"); "Bit" numbers them
    if coded := [n for n in range(len(starts)) if scores[n] >= _CODED]:
        return coded[0], True
    if named:
        return best, True
    return next((n for n, r in enumerate(roles) if r == "pattern"), 0), False


_CODED = 0.5
"""Share of a key column's cells that must be codes for its rows to be told by their codes."""
_CODED_SLACK = 0.1
"""A column headed like a code keys the rows unless another column holds codes this much more often."""
