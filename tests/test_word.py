"""Word documents read as the Markdown they would be written as: headings, numbered steps,
code-led sections and error tables become the same entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.document import LoadError
from ingest.loaders import load


def _service_notes(path: Path) -> None:
    from docx import Document

    document = Document()
    document.core_properties.title = "X100 service notes"
    document.add_heading("4 Troubleshooting", level=1)
    document.add_paragraph("Check the supply before anything else.")
    heading = document.add_paragraph()
    heading.add_run("E21 – Contactor welded").bold = True
    document.add_paragraph(
        "The main contactor did not open at the end of the session. The output may still be live."
    )
    document.add_paragraph("Switch the charger off at the breaker.", style="List Number")
    document.add_paragraph("Have an electrician replace the contactor.", style="List Number")
    document.add_heading("4.2 Alarm table", level=2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [
            ("Code", "Description", "Remedy"),
            ("E30", "Backend offline", "Restart the charger from the back office."),
            ("E31", "Card reader fault", "Replace the reader | call service"),
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.save(str(path))


def test_a_word_manual_gives_its_code_led_section_and_its_table_rows(tmp_path: Path):
    path = tmp_path / "notes.docx"
    _service_notes(path)
    doc = load(path)
    entries = {b.entry.code: b.entry for b in doc.blocks if b.entry}
    assert {"E21", "E30", "E31"} <= set(entries)
    assert entries["E21"].title == "Contactor welded"
    steps = [s.text for s in entries["E21"].steps]
    assert any("breaker" in s for s in steps) and any("electrician" in s for s in steps)
    assert entries["E30"].steps[0].remote  # "Restart … from the back office"
    assert doc.title == "X100 service notes"
    row = next(b for b in doc.blocks if b.entry and b.entry.code == "E30")
    assert row.section == ("4 Troubleshooting", "4.2 Alarm table")


def test_a_broken_word_file_is_reported(tmp_path: Path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(LoadError, match="Word document"):
        load(path)
