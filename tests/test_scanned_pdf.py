"""Scanned manuals: a page that is only a picture is read by OCR (the real RapidOCR models) and its
error table becomes code entries, like a page with text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.document import LoadedDocument
from ingest.loaders import load
from ingest.loaders.ocr import _Box, layout_lines, reading_order, repaired

FONTS = Path("/usr/share/fonts/truetype/dejavu")
ROWS = [
    ("Code", "Description", "Remedy"),
    ("E01", "Ground fault detected", "Do not reset. Call an electrician."),
    ("E02", "Over temperature", "Let the unit cool down."),
    ("E13", "Communication lost", "Restart the charger from the app."),
]


def _scan(path: Path, *, tilt: float, expand: bool = False) -> None:
    """A page as a scanner gives it: grey paper, speckle, a ruled table, tilted; no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(7)
    width, height = 1654, 2339  # A4 at 200 dpi
    page = Image.new("L", (width, height), 232)
    draw = ImageDraw.Draw(page)
    regular = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 30)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 34)
    draw.text((150, 150), "4 Troubleshooting", font=bold, fill=25)
    y = 260
    for row in ROWS:
        for x, cell in zip((150, 350, 900), row, strict=True):
            draw.text((x, y), cell, font=bold if row is ROWS[0] else regular, fill=25)
        draw.line((140, y + 47, 1500, y + 47), fill=70, width=2)
        y += 62
    draw.text(
        (150, y + 60),
        "If the red light stays on after a restart, contact the installer.",
        font=regular,
        fill=25,
    )
    for _ in range(4000):
        draw.point((rng.randrange(width), rng.randrange(height)), fill=rng.randrange(90, 200))
    turned = page.rotate(tilt, fillcolor=232, resample=Image.Resampling.BICUBIC, expand=expand)
    turned.save(path, resolution=200)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> LoadedDocument:
    path = tmp_path_factory.mktemp("scan") / "scanned-manual.pdf"
    _scan(path, tilt=1.2)
    return load(path)


def test_a_scanned_error_table_becomes_code_entries(scanned: LoadedDocument):
    entries = {b.entry.code: b.entry for b in scanned.blocks if b.entry}
    assert set(entries) == {"E01", "E02", "E13"}
    assert entries["E01"].title == "Ground fault detected"
    assert "electrician" in " ".join(s.text for s in entries["E01"].steps)
    assert "Restart the charger" in " ".join(s.text for s in entries["E13"].steps)
    assert all(b.page == 1 for b in scanned.blocks)


def test_a_page_scanned_sideways_is_read_upright(tmp_path: Path):
    """A table scanned a quarter turn off (a landscape page fed sideways): its text runs up the
    page, so the page is turned until it reads across, and its table becomes entries all the same."""
    path = tmp_path / "sideways.pdf"
    _scan(path, tilt=90, expand=True)
    entries = {b.entry.code: b.entry for b in load(path).blocks if b.entry}
    assert set(entries) == {"E01", "E02", "E13"}
    assert entries["E02"].title == "Over temperature"


def test_a_scanned_page_is_named_in_the_warnings(scanned: LoadedDocument):
    assert scanned.warnings == ["page 1: a scan without text, read by OCR — check the codes found on it"]
    assert any("contact the installer" in b.text for b in scanned.blocks if not b.entry)


def _box(text: str, left: float, top: float, *, slope: float = 0.0, height: float = 40.0) -> _Box:
    return _Box(text, left, left + 20 * len(text), top + height / 2 + slope * left, height, slope)


def test_a_tilted_page_is_set_out_row_by_row_and_column_by_column():
    slope = 0.02  # a 1.1° tilt: the right end of a row sits a whole line lower than its left end
    boxes = [
        _box("Code", 100, 100, slope=slope),
        _box("Meaning", 400, 100, slope=slope),
        _box("E01", 100, 160, slope=slope),
        _box("Ground fault", 400, 160, slope=slope),
        _box("E02", 100, 220, slope=slope),
        _box("Over temperature", 400, 220, slope=slope),
        _box("in the enclosure", 400 + 20 * 16 + 10, 220, slope=slope),  # half a character on: one text
        _box("A closing note.", 100, 400, slope=slope),
    ]
    margin = ""  # the left margin (100 px) is taken off; the second column starts 300 px (15 characters) on
    assert layout_lines(boxes) == [
        margin + "Code".ljust(15) + "Meaning",
        margin + "E01".ljust(15) + "Ground fault",
        margin + "E02".ljust(15) + "Over temperature in the enclosure",
        "",
        margin + "A closing note.",
    ]


def test_letters_ocr_reads_for_digits_are_mended_in_code_shaped_words_only():
    assert repaired("E0l Ground fault") == "E01 Ground fault"
    assert repaired("EO2 and 1O5 and E-0l") == "E02 and 105 and E-01"
    assert repaired("CXOO1 Isolation") == "CX001 Isolation"
    assert repaired("LOOP1 ERROR Il lO 12") == "LOOP1 ERROR Il lO 12"  # words, no digit, or right already
    assert repaired("E02Over temperature, F12 Fan") == "E02 Over temperature, F12 Fan"
    assert repaired("0x0l 0x0O40 0xl00 0xBEEF") == "0x01 0x0040 0x100 0xBEEF"
    assert (
        repaired("RCMU Selbsttest-Feh1er, Ladekabe1-Störung, St0rung")
        == "RCMU Selbsttest-Fehler, Ladekabel-Störung, Storung"
    )


def test_a_scan_with_an_ocr_text_layer_is_read_from_its_layer_with_codes_mended(tmp_path: Path):
    """An OCR program's invisible text over the page image: the layer is read (no OCR of ours, no
    warning), and its look-alike codes are mended."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "ocr-layer.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    page.drawImage(ImageReader(Image.new("L", (827, 1169), 232)), 0, 0, *A4)
    layer = page.beginText()
    layer.setTextRenderMode(3)  # invisible, as OCR programs write it
    layer.setFont("Helvetica", 10)
    for y, cells in zip(
        (760, 745, 730),
        [
            ("Code", "Description", "Remedy"),
            ("E0l", "Ground fault", "Call an electrician."),
            ("EO2", "Over temperature", "Let the unit cool down."),
        ],
        strict=True,
    ):
        for x, cell in zip((60, 120, 300), cells, strict=True):
            layer.setTextOrigin(x, y)
            layer.textOut(cell)
    page.drawText(layer)
    page.showPage()
    page.save()
    doc = load(path)
    assert {b.entry.code for b in doc.blocks if b.entry} == {"E01", "E02"}
    assert doc.warnings == []


def test_a_page_in_two_text_columns_is_read_column_after_column():
    lines = [
        "   E01 Ground fault. The residual          E03 Lid open. Close the lid",
        "   current monitor tripped.                and start again.",
        "   E02 Over temperature. Let it            E04 Meter fault. Call",
        "   cool down.                              service.",
    ]
    assert reading_order(lines) == [
        "E01 Ground fault. The residual",
        "current monitor tripped.",
        "E02 Over temperature. Let it",
        "cool down.",
        "",
        "E03 Lid open. Close the lid",
        "and start again.",
        "E04 Meter fault. Call",
        "service.",
    ]
    table = [
        "Code   Meaning                                    Remedy",
        "E01    Ground fault in the residual monitor       Call an electrician.",
        "E02    Over temperature                           Let it cool down.",
    ]
    assert reading_order(table) is None  # columns of a table, no text columns


def _two_column_scan(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (1654, 2339), 235)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 28)
    columns = {
        120: [
            "E01 Ground fault.",
            "The residual current monitor",
            "tripped. Do not reset; call an",
            "electrician.",
            "",
            "E02 Over temperature.",
            "Let the charger cool down",
            "and it resumes by itself.",
        ],
        880: [
            "E03 Lid open.",
            "The service lid is open.",
            "Close it and start again.",
            "",
            "E04 Backend offline.",
            "Restart the charger from",
            "the back office.",
        ],
    }
    for x, lines in columns.items():
        for n, text in enumerate(lines):
            draw.text((x, 200 + 48 * n), text, font=font, fill=20)
    page.save(path, resolution=200)


def test_a_scanned_page_in_two_columns_gives_each_columns_entries(tmp_path: Path):
    path = tmp_path / "two-columns.pdf"
    _two_column_scan(path)
    entries = {b.entry.code: b.entry for b in load(path).blocks if b.entry}
    assert set(entries) == {"E01", "E02", "E03", "E04"}
    assert "electrician" in entries["E01"].meaning + " ".join(s.text for s in entries["E01"].steps)
    assert "back office" in " ".join(s.text for s in entries["E04"].steps)


def test_columns_an_ocr_layer_wrote_without_their_places_are_split_at_their_gap():
    lines = [
        "Temperature derating    Reset and unlock",
        "Above 60 °C the current is limited    Register 1000 restarts the controller",
        "to 20 A, above 66 °C the session pauses.    Register 118 unlocks the socket.",
        "Below 55 °C it charges at full current.    A configuration error is not fixed",
        "A temperature pause is no fault.    by a reset: check the DIP switches.",
        "Cable faults: check the cable.",
    ]
    assert reading_order(lines) == [
        "Temperature derating",
        "Above 60 °C the current is limited",
        "to 20 A, above 66 °C the session pauses.",
        "Below 55 °C it charges at full current.",
        "A temperature pause is no fault.",
        "Cable faults: check the cable.",
        "",
        "Reset and unlock",
        "Register 1000 restarts the controller",
        "Register 118 unlocks the socket.",
        "A configuration error is not fixed",
        "by a reset: check the DIP switches.",
    ]


def _table_picture(path: Path) -> None:
    """The error table alone as a picture (a screenshot pasted into a manual), 200 dpi."""
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("L", (1400, 520), 255)
    draw = ImageDraw.Draw(picture)
    regular = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 30)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 32)
    y = 20
    for row in ROWS:
        for x, cell in zip((10, 210, 760), row, strict=True):
            draw.text((x, y), cell, font=bold if row is ROWS[0] else regular, fill=0)
        y += 120
    picture.save(path)


def test_a_table_pasted_as_a_picture_into_a_text_page_is_read_where_it_stands(tmp_path: Path):
    """A text page (headings and paragraphs in its text layer) whose error table is a picture:
    OCR reads the picture, its rows become entries between the paragraphs around it, and the
    warnings name the page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    picture = tmp_path / "table.png"
    _table_picture(picture)
    path = tmp_path / "manual.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(60, 780, "8 Troubleshooting")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(60, 755, "The alarm code is shown in the app. Table 8-1 lists them.")
    canvas.drawImage(str(picture), 60, 400, width=490, height=182)
    canvas.drawString(60, 360, "Codes not listed: contact support with the code.")
    canvas.save()
    doc = load(path)
    texts = [b.text for b in doc.blocks]
    entries = {b.entry.code: b.entry for b in doc.blocks if b.entry}
    assert set(entries) == {"E01", "E02", "E13"}
    assert entries["E13"].remote_steps == ["Restart the charger from the app."]
    first = next(n for n, b in enumerate(doc.blocks) if b.entry)
    assert "Table 8-1" in texts[first - 1] and "Codes not listed" in texts[-1]
    assert doc.warnings == ["page 1: text read by OCR from a picture — check the codes found on it"]


def test_a_cell_starting_a_little_off_its_column_is_cut_where_it_starts():
    """OCR'd and proportional text puts a cell a character or two off its header's column; the
    cut goes where the cell begins after its gap, not into the word that overran the column."""
    from ingest.loaders.fixed_width import slice_columns

    line = "3011   Residual Current   failed its power-on self-check.  detection module replaced."
    starts = [0, 7, 27, 58]
    cells = slice_columns(line, starts)
    assert cells[2:] == ["failed its power-on self-check.", "detection module replaced."]


def test_boxes_that_start_a_table_column_stand_apart_though_close_to_the_text_before():
    """A cell's text run up to the next column (a narrow gap): its box starts where that column
    starts on other lines, so it is a cell of its own."""
    lines = layout_lines(
        [
            *(_box(t, x, 100) for t, x in (("Code", 0), ("Cause", 200), ("Suggestion", 800))),
            *(_box(t, x, 160) for t, x in (("E1", 0), ("Meter lost", 200), ("Restart once.", 800))),
            *(
                _box(t, x, 220)
                for t, x in (("E2", 0), ("Internal energy meter not seen", 200), ("Restart it.", 800))
            ),
            *(_box(t, x, 280) for t, x in (("E3", 0), ("Lock jammed", 200), ("Unlock once.", 800))),
        ]
    )
    assert "not seen  Restart it." in lines[2]
