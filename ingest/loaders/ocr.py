"""Text of a scanned PDF page: the page rendered to an image and read by OCR, laid out as text.

A scan has no text layer, so pypdf reads nothing from it. The page is rendered (pypdfium2, which
decodes every image codec scanners use) and read by RapidOCR with the ONNX models its wheel carries
(no download). The recognised text boxes are then set out the way pypdf's layout mode sets out a
page: the page's slight tilt undone, boxes at one height on one line, each box at the column its
left edge falls on (so a table's cells stand apart under their headers), a blank line where the
page leaves a gap. The PDF loader reads those lines exactly as it reads a text page.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

_DPI = 200
"""Rendering resolution: scanners' usual 200–300 dpi; RapidOCR scales its input to 2000 px anyway."""
_SCAN_SHARE = 0.5
"""A page is a scan when one image covers at least this share of it."""
_PICTURE_SHARE = 0.15
"""A picture covering at least this share of a text page (less than a scan) is read by OCR too:
a table pasted into a page as an image has no text but its own."""
_MIN_SCORE = 0.5
"""Boxes recognised with less confidence are left out (speckle, stamps, handwriting)."""
_SAME_LINE = 0.5
"""Boxes whose centres differ by less than this share of a text height are on one line."""
_PARAGRAPH_GAP = 1.8
"""A gap between lines wider than this many text heights is a blank line."""
_GUTTER_SPAN = (0.3, 0.7)
"""The part of a page's width (as shares) where a gutter between two text columns can lie."""
_FILLED = 0.5
"""Share of the width up to the gutter that the left column's lines fill (median)."""
_GUTTER_SHARE = 0.6
"""Share of a page's lines the gutter must split for the page to be read as two columns."""
_WORD_GAP = 1.0
"""Boxes on one line closer than this many character widths are words of one text."""


@dataclass(frozen=True)
class _Box:
    """A recognised text: its left edge, vertical centre and height (pixels), and tilt."""

    text: str
    left: float
    right: float
    middle: float
    height: float
    slope: float


def scan_pages(path: Path) -> set[int]:
    """The pages (0-based) of the PDF at ``path`` that are scans: one image covers at least half
    of the page. A page drawn in vectors, or text with pictures in it, is no scan."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return {n for n, page in enumerate(document) if _is_scan(page, pypdfium2)}
    finally:
        document.close()


def read_scans(path: Path, indexes: list[int]) -> dict[int, list[str]]:
    """The text of pages ``indexes`` (0-based, scans) of the PDF at ``path``, read by OCR and set
    out in lines like pypdf's layout mode (``[]`` where nothing legible is on a page)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return {n: _read(document[n]) for n in indexes}
    finally:
        document.close()


@dataclass(frozen=True)
class Picture:
    """The text OCR read in a picture on a text page, and where the picture's middle lies (share
    of the page's height from its top)."""

    middle: float
    lines: list[str]


def read_pictures(path: Path, skip: set[int]) -> dict[int, list[Picture]]:
    """The pictures (top to bottom) of each page of the PDF at ``path`` not in ``skip`` (the
    scans) that cover at least :data:`_PICTURE_SHARE` of it and hold legible text, read by OCR."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        found = {n: _pictures(page, pypdfium2) for n, page in enumerate(document) if n not in skip}
    finally:
        document.close()
    return {n: pictures for n, pictures in found.items() if pictures}


def _pictures(page, pypdfium2) -> list[Picture]:
    width, height = page.get_size()
    read: list[Picture] = []
    for image in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = image.get_bounds()
        if (right - left) * (top - bottom) < _PICTURE_SHARE * width * height:
            continue
        crop = (max(0.0, left), max(0.0, bottom), max(0.0, width - right), max(0.0, height - top))
        lines = _recognised(page.render(scale=_DPI / 72, crop=crop).to_pil())
        if any(line.strip() for line in lines):
            read.append(Picture(middle=1 - (top + bottom) / 2 / height, lines=lines))
    return sorted(read, key=lambda picture: picture.middle)


def with_pictures(lines: list[str], pictures: list[Picture]) -> list[str]:
    """A text page's layout-mode ``lines`` with each picture's text put where the picture stands:
    in the run of blank lines (the space layout mode leaves for it) nearest its place on the page,
    else between the lines at that height."""
    runs = _blank_runs(lines)
    placed: list[tuple[int, int, list[str]]] = []  # (start, end) of lines replaced, new lines
    for picture in pictures:
        aim = picture.middle * len(lines)
        free = [run for run in runs if not any(s < run[1] and run[0] < e for s, e, _ in placed)]
        nearest = min(free, key=lambda run: abs((run[0] + run[1]) / 2 - aim)) if free else None
        start, end = nearest or (round(aim), round(aim))
        placed.append((start, end, ["", *picture.lines, ""]))
    out = list(lines)
    for start, end, new in sorted(placed, key=lambda item: item[0], reverse=True):
        out[start:end] = new
    return out


_PICTURE_GAP = 3
"""Blank lines in a row that can be the place a picture takes on a text page."""


def _blank_runs(lines: list[str]) -> list[tuple[int, int]]:
    runs, start = [], None
    for n, line in enumerate([*lines, "x"]):
        if not line.strip():
            start = n if start is None else start
        elif start is not None:
            if n - start >= _PICTURE_GAP:
                runs.append((start, n))
            start = None
    return runs


_CONFUSED = re.compile(r"(?<![\w-])([A-Z]{0,3}?-?)([0-9OIl]{2,5})(?![\w-])")
_AS_DIGITS = str.maketrans("OIl", "011")
_AS_LETTERS = str.maketrans("01", "ol")
_IN_WORD = re.compile(r"(?<=[a-zß-ÿ])[01](?=[a-zß-ÿ])|(?<=[a-zß-ÿ]{3})1(?!\w)")
"""A digit OCR read for a letter inside a lower-case word: ``Feh1er``, ``St0rung``, ``Ladekabe1``."""
_HEX_CONFUSED = re.compile(r"(?<![\w-])(0[xX])([0-9a-fA-FOIl]{1,8})(?![\w-])")
"""A hex number with letters OCR reads for digits: ``0x0l``, ``0x0O40``, ``0xl00``."""
_RUN_ON = re.compile(r"(?<![\w-])([A-Z]{1,3}-?\d{1,4})([A-Z][a-z]{2,})")
"""A code run into the word after it, the space lost: ``E02Over``."""


def repaired(line: str) -> str:
    """``line`` with the letters OCR reads for digits put back inside code-shaped words: ``E0l``
    and ``EO1`` → ``E01``, ``1O5`` → ``105``, ``0x0l`` → ``0x01``; a code run into the next word
    gets its space back (``E02Over`` → ``E02 Over``). Only words of a short capital prefix and a
    run of digits and look-alikes that holds at least one real digit are touched, and hex numbers;
    inside a lower-case word, a 0 or 1 between letters is the letter (``Feh1er`` → ``Fehler``)."""

    def mend(m: re.Match[str]) -> str:
        prefix, rest = m.groups()
        if not any(c.isdigit() for c in rest) or rest.isdigit():
            return m.group()
        return prefix + rest.translate(_AS_DIGITS)

    def mend_hex(m: re.Match[str]) -> str:
        return m.group(1) + m.group(2).translate(_AS_DIGITS)

    def mend_word(m: re.Match[str]) -> str:
        return m.group().translate(_AS_LETTERS)

    mended = _HEX_CONFUSED.sub(mend_hex, _CONFUSED.sub(mend, line))
    return _RUN_ON.sub(r"\1 \2", _IN_WORD.sub(mend_word, mended))


def _is_scan(page, pypdfium2) -> bool:
    width, height = page.get_size()
    for image in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = image.get_bounds()
        if (right - left) * (top - bottom) >= _SCAN_SHARE * width * height:
            return True
    return False


def _read(page) -> list[str]:
    return _recognised(page.render(scale=_DPI / 72).to_pil())


def _recognised(image) -> list[str]:
    """The text OCR reads in ``image``, set out in lines (turned upright when it lies sideways)."""
    result = _engine()(image)
    if _sideways(result):  # a landscape table scanned into a portrait page: read it upright
        turned = (_engine()(image.rotate(angle, expand=True)) for angle in (90, 270))
        result = max([result, *turned], key=_legible)
    if result.boxes is None or result.txts is None or result.scores is None:
        return []
    read = zip(result.boxes, result.txts, result.scores, strict=True)
    return layout_lines(
        [_box(points, text) for points, text, score in read if score >= _MIN_SCORE and text.strip()]
    )


_SIDEWAYS_SHARE = 0.6
"""Share of text boxes standing upright (taller than wide) that makes a page one scanned sideways."""


def _sideways(result) -> bool:
    """Whether most text the OCR found runs up or down the page, not across."""
    if result.boxes is None or not len(result.boxes):
        return False
    upright = sum(
        (max(y for _, y in box) - min(y for _, y in box))
        > 1.5 * (max(x for x, _ in box) - min(x for x, _ in box))
        for box in result.boxes
    )
    return upright >= _SIDEWAYS_SHARE * len(result.boxes)


def _legible(result) -> float:
    """How much text an OCR result read, weighted by its confidence: the upright reading of a
    page reads the most."""
    if result.txts is None or result.scores is None or _sideways(result):
        return 0.0
    return sum(len(text) * score for text, score in zip(result.txts, result.scores, strict=True))


@functools.cache
def _engine():
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "error"})
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return engine


def _box(points, text: str) -> _Box:
    (x0, y0), (x1, y1), (_, y2), (_, y3) = ((float(x), float(y)) for x, y in points)
    return _Box(
        text=" ".join(text.split()),
        left=min(x0, float(points[3][0])),
        right=max(x1, float(points[2][0])),
        middle=(y0 + y1 + y2 + y3) / 4,
        height=max(1.0, ((y3 - y0) + (y2 - y1)) / 2),
        slope=(y1 - y0) / (x1 - x0) if x1 > x0 else 0.0,
    )


def layout_lines(boxes: list[_Box]) -> list[str]:
    """Boxes set out as text lines: tilt undone, grouped by height on the page, placed by column,
    the page's left margin taken off (as pypdf's layout mode does)."""
    if not boxes:
        return []
    tilt = _tilt(boxes)
    level = [(b.middle - b.left * tilt, b) for b in boxes]
    height = statistics.median(b.height for b in boxes)
    width = _character_width(boxes)
    rows: list[list[tuple[float, _Box]]] = []
    for y, box in sorted(level, key=lambda item: item[0]):
        if rows and abs(y - statistics.fmean(v for v, _ in rows[-1])) < _SAME_LINE * height:
            rows[-1].append((y, box))
        else:
            rows.append([(y, box)])
    lines: list[str] = []
    previous: float | None = None
    starts = _column_starts(rows, width)
    for row in rows:
        y = statistics.fmean(v for v, _ in row)
        if previous is not None and y - previous > _PARAGRAPH_GAP * height:
            lines.append("")
        lines.append(_line([b for _, b in sorted(row, key=lambda item: item[1].left)], width, starts))
        previous = y
    margin = min(len(ln) - len(ln.lstrip()) for ln in lines if ln)
    return [ln[margin:] for ln in lines]


def reading_order(lines: list[str]) -> list[str] | None:
    """Lines of a page set in two text columns, read column after column (each column's lines
    stripped); ``None`` when the page is not set so. The gutter is the character position, in the
    middle part of the page, that a run of spaces crosses on most lines holding text on both
    sides, with the left column's lines filling most of their width and running on without gaps
    (a table's narrow code column, or several cells left of the gutter, are no text column); an
    OCR layer's columns written without their places are split at the one run of spaces in
    their lines."""
    width = max((len(ln) for ln in lines), default=0)
    both = [ln for ln in lines if ln.strip()]
    best, gutter = 0, None
    for column in range(int(width * _GUTTER_SPAN[0]), int(width * _GUTTER_SPAN[1])):
        split = sum(_splits(ln, column) for ln in both)
        if split > best:
            best, gutter = split, column
    if gutter is None or best < _GUTTER_SHARE * len(both):
        return _unaligned_columns(lines)
    left = [ln[:gutter].strip() for ln in lines]
    filled = [ln for ln in left if ln]
    if (
        statistics.median(map(len, filled)) < _FILLED * gutter
        or sum("   " in ln for ln in filled) > len(filled) / 5
    ):
        return None  # a table's columns: a narrow first column, or cells apart inside the left part
    return [*left, "", *(ln[gutter:].strip() for ln in lines)]


def _unaligned_columns(lines: list[str]) -> list[str] | None:
    """Two text columns an OCR layer wrote line by line without their places, a run of spaces
    between the left and the right part: most lines hold exactly one such run between words. A
    line without one is taken for the left column's (the right one ends higher, as columns do)."""
    parts = [_GAP_RUN.split(ln.strip()) for ln in lines if ln.strip()]
    two = [p for p in parts if len(p) == 2 and all(len(x.split()) >= 2 for x in p)]
    if (
        len(parts) < _MIN_COLUMN_LINES
        or len(two) < _UNALIGNED_SHARE * len(parts)
        or any(len(p) > 2 for p in parts)
    ):
        return None
    left = [p[0] for p in parts]
    right = [p[1] for p in parts if len(p) == 2]
    return [*left, "", *right]


_GAP_RUN = re.compile(r"\s{3,}")
_MIN_COLUMN_LINES = 6
_UNALIGNED_SHARE = 0.5
"""Share of a page's lines that must hold both columns for it to be read as two unplaced columns."""


def _splits(line: str, column: int) -> bool:
    """Whether ``line`` has text left and right of ``column`` and a space run across it."""
    return (
        line[column - 1 : column + 2] == "   " and bool(line[:column].strip()) and bool(line[column:].strip())
    )


def _tilt(boxes: list[_Box]) -> float:
    """The page's tilt (rise per pixel across), from the boxes long enough to show it."""
    slopes = [b.slope for b in boxes if b.right - b.left > 3 * b.height]
    return statistics.median(slopes) if slopes else 0.0


def _character_width(boxes: list[_Box]) -> float:
    widths = [(b.right - b.left) / len(b.text) for b in boxes if len(b.text) >= 4]
    return (
        max(1.0, statistics.median(widths))
        if widths
        else max(1.0, statistics.median(b.height for b in boxes) / 2)
    )


_COLUMN_ROWS = 3
"""Lines on which boxes must start at one place for it to be a table column's start."""


def _column_starts(rows: list[list[tuple[float, _Box]]], width: float) -> set[int]:
    """Character positions where a box starts, after another box on its line, on at least
    :data:`_COLUMN_ROWS` lines: the columns of a table, whose cells can stand closer than a gap."""
    found: dict[int, int] = {}
    for row in rows:
        lefts = sorted(box.left for _, box in row)[1:]
        for column in {round(left / width) for left in lefts}:
            found[column] = found.get(column, 0) + 1
    return {column for column, count in found.items() if count >= _COLUMN_ROWS}


def _line(boxes: list[_Box], width: float, starts: set[int] = frozenset()) -> str:
    """One line: a box close to the one before continues its text after a space; one further
    away, or starting where a column of the page starts (``starts``), stands at its own column,
    at least two spaces on (a cell of its own)."""
    line = ""
    end = -math.inf
    for box in boxes:
        aligned = any(abs(box.left / width - column) <= 1 for column in starts)
        if line and box.left - end < _WORD_GAP * width and not aligned:
            line += " " + box.text
        else:
            column = round(box.left / width)
            line = line + " " * max(column - len(line), 2 if line else column) + box.text
        end = box.right
    return line
