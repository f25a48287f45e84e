"""Excel workbooks (``.xlsx``, openpyxl): every sheet's error tables, row by row.

Manufacturers hand out error lists as spreadsheets: a title and a date above the header, blank
rows, several tables on one sheet, one sheet per product line. Each sheet's cells are read as
text (values as Excel shows them: ``7``, not ``7.0``; merged cells hold their text in the first
cell) and its tables are found as in a CSV export (:func:`~ingest.loaders.tables.split_tables`);
the sheet's name is the first level of each row's section.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.document import LoadedDocument, LoadError
from ingest.loaders.tables import sheet_document


def load_xlsx(path: Path) -> LoadedDocument:
    """Every non-empty visible sheet of the workbook at ``path``; a sheet without an error table
    is a warning, a workbook without any a :class:`LoadError`."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoadError(f"unreadable workbook: {exc}") from exc
    doc = LoadedDocument(blocks=[], title=workbook.properties.title or None)
    try:
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows = [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            if not any(any(row) for row in rows):
                continue
            try:
                read = sheet_document(rows, what=f"sheet {sheet.title!r} row", sheet=(sheet.title,))
            except LoadError as exc:
                doc.warnings.append(f"sheet {sheet.title!r}: {exc}")
                continue
            doc.blocks += read.blocks
            doc.warnings += read.warnings
    finally:
        workbook.close()
    if not doc.blocks:
        raise LoadError(
            "no error table in any sheet: " + "; ".join(doc.warnings or ["the workbook is empty"])
        )
    return doc


def _text(value) -> str:
    """A cell as its text: whole numbers without ``.0``, nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())
