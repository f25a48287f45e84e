"""Spreadsheet exports as manufacturers hand them out: a title and blank rows above the header,
several tables on one sheet, Excel workbooks with several sheets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.document import LoadError
from ingest.loaders import load

EXPORT = """Error list - Model X100;;;
Revision 3, 2026-04;;;
;;;
Alarm no.;Alarm text;Level;Service hint
101;Ground fault;Fatal;Do not reset. An electrician checks the PE conductor.
102;Over temperature;Warning;Let the unit cool down.
;;;
Communication alarms;;;
Alarm no.;Alarm text;Level;Service hint
201;Backend unreachable;Warning;Restart the charger from the back office.
"""


def test_a_csv_export_with_a_title_above_and_two_tables_keeps_every_row(tmp_path: Path):
    path = tmp_path / "x100-alarms.csv"
    path.write_text(EXPORT, encoding="utf-8")
    doc = load(path)
    entries = {b.entry.code: b for b in doc.blocks if b.entry}
    assert set(entries) == {"101", "102", "201"}
    assert entries["101"].entry.title == "Ground fault"
    assert entries["101"].section == ("Error list - Model X100", "Revision 3, 2026-04")
    assert entries["201"].section == ("Communication alarms",)
    assert "Restart the charger" in " ".join(s.text for s in entries["201"].entry.steps)
    assert doc.warnings == []


def test_a_plain_csv_still_takes_its_first_row_as_the_header(tmp_path: Path):
    path = tmp_path / "plain.csv"
    path.write_text("Code,Description,Fix\nE1,Relay welded,Call service\nE2,Lid open,Close the lid\n")
    assert [b.entry.code for b in load(path).blocks] == ["E1", "E2"]


def _workbook(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.properties.title = "Service alarms"
    dc = book.active
    dc.title = "DC units"
    dc.append(["Alarm list DC 150", None, None, None])
    dc.append([])
    dc.append(["Alarm no.", "Alarm text", "Auto-reset", "Reaction"])
    dc.append(
        [7, "Insulation fault on the DC output", "No", "Isolate the unit; electrician checks the cable."]
    )
    dc.append([12.0, "Fan failure", "Yes", "Replace the fan at the next visit."])
    notes = book.create_sheet("Notes")
    notes.append(["Read the safety chapter first."])
    hidden = book.create_sheet("Old")
    hidden.append(["Alarm no.", "Alarm text", "Reaction"])
    hidden.append([99, "Obsolete", "None"])
    hidden.sheet_state = "hidden"
    book.save(path)


def test_an_excel_workbook_gives_the_entries_of_each_visible_sheet(tmp_path: Path):
    path = tmp_path / "alarms.xlsx"
    _workbook(path)
    doc = load(path)
    entries = {b.entry.code: b for b in doc.blocks if b.entry}
    assert set(entries) == {"7", "12"}  # 12.0 as Excel shows it; the hidden sheet left out
    assert entries["7"].section == ("DC units", "Alarm list DC 150")
    assert entries["7"].entry.title.startswith("Insulation fault")
    assert doc.title == "Service alarms"
    assert any("'Notes'" in w for w in doc.warnings)  # a sheet without a table is named


def test_a_broken_workbook_is_reported(tmp_path: Path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(LoadError, match="workbook"):
        load(path)
