"""Every loader, on generated files, edge cases and real third-party PDFs."""

from pathlib import Path

import pytest

from ingest.document import LoadError
from ingest.loaders import load
from ingest.loaders.tables import header_roles
from tests.conftest import FIXTURES, realworld


def test_header_synonyms_map_to_roles():
    assert header_roles(["Error", "Description", "Possible cause", "Solution", "Severity"]) == [
        "code",
        "meaning",
        "cause",
        "remedy",
        "severity",
    ]
    assert header_roles(["Fault", "Message", "Cause", "Action", "Level"]) == [
        "code",
        "title",
        "cause",
        "remedy",
        "severity",
    ]
    assert header_roles(["Error code", "Name", "Meaning", "What to do", "Vendor note"]) == [
        "code",
        "name",
        "meaning",
        "remedy",
        None,
    ]


def test_a_value_column_holds_the_codes_only_beside_a_bit_column():
    """``Register | Bit | Wert | Bezeichnung | Erlauterung`` (a scan's OCR drops the umlaut): the
    value beside the bit is the code; alone, "Value" is a setting's value."""
    assert header_roles(["Register", "Bit", "Wert", "Bezeichnung", "Erlauterung"]) == [
        None,
        None,
        "code",
        "title",
        "meaning",
    ]
    assert header_roles(["Name", "Value"]) == ["name", None]


def test_csv_rows_become_readable_blocks_with_their_code():
    doc = load(FIXTURES / "corpus/acme/ac-22/ac-22-codes.csv")
    first = doc.blocks[0]
    assert first.row and first.codes == ("E-06",)
    assert first.text.startswith("Code E-06 — Residual current. Cause: Residual current above 30 mA")
    assert "Remedy: Remote: none, do not reset remotely." in first.text
    assert len(doc.blocks) == 4


def test_tsv_and_semicolon_tables_with_symbolic_names(tmp_path: Path):
    path = tmp_path / "codes.csv"
    path.write_text(
        "Error code;Name;Meaning;Cause;What to do;Severity\n"
        "210;RCM_TRIPPED;Residual current trip;Leakage to earth;Remote: none;critical\n"
    )
    block = load(path).blocks[0]
    assert block.codes == ("210", "RCM_TRIPPED")
    assert block.text.startswith("Code 210 (RCM_TRIPPED) — Residual current trip.")
    tsv = load(FIXTURES / "corpus/acme/dc-50/dc-50-fault-codes.tsv")
    assert [b.codes for b in tsv.blocks] == [("F005",), ("E-06",)]


def test_malformed_tables_are_reported_not_crashed(tmp_path: Path):
    no_code = tmp_path / "a.csv"
    no_code.write_text("Name,Value\nfoo,bar\n")
    with pytest.raises(LoadError, match="no error-code column"):
        load(no_code)
    empty = tmp_path / "b.csv"
    empty.write_text("")
    with pytest.raises(LoadError, match="empty"):
        load(empty)
    nul = tmp_path / "c.csv"
    nul.write_bytes(b"Code,Meaning\nE1,\x00bad\n")
    with pytest.raises(LoadError, match="malformed"):
        load(nul)
    unclosed = tmp_path / "d.csv"
    unclosed.write_text('Code,Meaning\nE1,"never closed\nE2,fine\n')
    with pytest.raises(LoadError, match="malformed"):
        load(unclosed)


def test_ragged_rows_are_kept_with_a_warning(tmp_path: Path):
    path = tmp_path / "ragged.csv"
    path.write_text('Code,Meaning,Remedy\nE1,Overheat\nE2,"Lock, stuck",Unlock,extra\n')
    doc = load(path)
    assert [b.codes for b in doc.blocks] == [("E1",), ("E2",)]
    assert any("line 2" in w for w in doc.warnings) and any("line 3" in w for w in doc.warnings)


def test_markdown_sections_lists_and_tables():
    doc = load(FIXTURES / "corpus/_standard/ocpp16-errors.md")
    assert doc.title == "OCPP 1.6 ChargePointErrorCode reference"
    rows = [b for b in doc.blocks if b.row]
    assert [b.codes for b in rows] == [("GroundFailure",), ("HighTemperature",), ("ReaderFailure",)]
    assert rows[0].section == ("OCPP 1.6 ChargePointErrorCode reference", "Error codes")
    prose = [b for b in doc.blocks if not b.row]
    assert prose[-1].section[-1] == "Residual current in general"
    bulletin = load(FIXTURES / "corpus/acme/SB-2026-01-rfid.md")
    steps = [b.text for b in bulletin.blocks if b.section[-1] == "Action"]
    assert steps[0].startswith("1. Send a soft reset")


def test_plain_text_uses_numbered_headings():
    doc = load(FIXTURES / "corpus/zephyr/zephyr-guide.txt")
    last = doc.blocks[-1]
    assert last.section == ("2 Troubleshooting", "2.1 Display shows Z-03")
    assert "self-test failed" in last.text


def test_generated_pdf_pages_headers_and_table_rows(corpus: Path):
    doc = load(corpus / "acme/dc-50/acme-dc-50-manual.pdf")
    assert doc.pages >= 5
    assert doc.title == "DC-50 Fast Charger — Service Manual"
    texts = [b.text for b in doc.blocks]
    assert not any("Page " in t and " of " in t for t in texts), "running footer not removed"
    assert sum("ACME-SM-DC50-EN rev" in t for t in texts) <= 1, "running footer not removed"
    rows = {b.codes[0]: b for b in doc.blocks if b.row and b.codes}
    assert set(rows) == {"F005", "F010", "F021", "F030"}
    f005 = rows["F005"]
    assert f005.section == ("4 Error codes",)
    assert "Remote: none, keep the connector inoperative." in f005.text
    assert "replace the cable if below 5 MOhm" in f005.text, "wrapped cell text lost"
    step = next(b for b in doc.blocks if "do not restart the session remotely" in b.text)
    assert step.section == ("3 Troubleshooting", "3.1 Session aborts during cable check")
    assert step.page == f005.page - 1


def test_pdf_without_text_is_reported(tmp_path: Path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "drawing.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.line(50, 50, 500, 700)
    c.rect(100, 100, 200, 150)
    c.showPage()
    c.save()
    with pytest.raises(LoadError, match="no extractable text"):
        load(path)


def test_encrypted_pdf_is_reported(tmp_path: Path, corpus: Path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(corpus / "acme/dc-50/acme-dc-50-manual.pdf"))
    writer.encrypt(user_password="s3cret", algorithm="AES-256")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match="encrypted"):
        load(path)


def test_corrupt_pdf_is_reported(tmp_path: Path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n this is not really a pdf")
    with pytest.raises(LoadError):
        load(path)


def test_realworld_installation_sheet_keeps_its_error_section():
    doc = load(realworld("SmartEVSEv3_install_v3.0.pdf"))
    text = " ".join(b.text for b in doc.blocks)
    assert doc.pages == 2
    assert "LOCK" in text and "Load Balancing" in text
    assert all(b.page in (1, 2) for b in doc.blocks)


def test_realworld_schematic_without_text_is_reported():
    with pytest.raises(LoadError, match="no extractable text"):
        load(realworld("SmartEVSEv3.1_schematic.pdf"))


def test_realworld_flowchart_fault_states_are_extracted():
    text = " ".join(b.text for b in load(realworld("OpenEVSE_flowchart.pdf")).blocks).lower()
    assert "stuck relay" in text or "stuck" in text
    assert "gfci" in text


def test_realworld_developer_guide_pages_are_numbered():
    doc = load(realworld("Developers_Guide_HTTP.pdf"))
    assert doc.pages == 15
    assert {b.page for b in doc.blocks} <= set(range(1, 16))
    assert len({b.page for b in doc.blocks}) >= 12


def test_pdf_words_hyphenated_at_a_line_end_are_made_whole(tmp_path: Path):
    """Typeset manuals break words at line ends ("resid-" / "ual current"): a safety word broken
    so would be missed; rejoined, it is read. A suspended hyphen ("pre- and post-") stays."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13)
    text = (
        "E-21 The charger stopped because a resid-<br/>ual current was detected during charg-<br/>ing. "
        "Check the cable before pre- and post-charge tests."
    )
    path = tmp_path / "manual.pdf"
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build([Paragraph(text, style)])
    body = " ".join(b.text for b in load(path).blocks)
    assert "residual current" in body and "charging." in body
    assert "pre- and post-charge" in body


def test_pdf_typesetting_is_undone():
    from ingest.document import plain_characters
    from ingest.loaders.pdf import joined

    assert plain_characters("\ufb01re \ufb02ash\u00adlight 12\u00a0V") == "fire flashlight 12 V"
    assert joined("insu-", "lation fault") == "insulation fault"
    assert joined("E-", "06") == "E- 06"  # not a word: left as it was
    assert joined("UNDERVOLTAGE_WITHOUT_P", "E_DETECTED") == "UNDERVOLTAGE_WITHOUT_PE_DETECTED"
    assert joined("(CP_SIGNAL_VOLTAGE_ERRO", "R)") == "(CP_SIGNAL_VOLTAGE_ERROR)"
    assert joined("see RCM_TRIPPED", "AND the next") == "see RCM_TRIPPED AND the next"


def test_a_quick_reference_card_of_boxes_gives_one_entry_per_box(tmp_path: Path):
    """A landscape card: columns of boxes, each an icon and a code on one line, a one-line meaning
    under it and "→ what to do" under that; a box of "???" stands for codes not on the card. Each
    coded box is an entry whose remedy is its arrow line, the icons are not text of any entry,
    and the "???" box joins no entry."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    boxes = [
        [
            ("⚡", "001", "Leakage current protection", "→ Do not restart. Electrician checks insulation."),
            ("PE", "002", "Grounding fault (PE missing)", "→ Do not restart. Electrician checks PE."),
        ],
        [
            ("V", "006", "Grid overvoltage on the input", "→ No action. Resumes when grid is in range."),
            ("L", "010", "Electronic lock fault", "→ No session: unlock once. Still locked: service."),
        ],
        [
            ("M", "011", "Meter communication fault", "→ Restart once from the app. Recurs: call installer."),
            ("?", "???", "Code not on this card", "→ Not defined. Keep out of service; call service."),
        ],
    ]
    path = tmp_path / "card.pdf"
    canvas = Canvas(str(path), pagesize=landscape(A4))
    canvas.setFont("DejaVu", 9)
    canvas.drawString(30, 560, "AC charger · Fault code quick reference — keep this card with the charger.")
    for column, stack in enumerate(boxes):
        for row, (icon, code, title, remedy) in enumerate(stack):
            x, y = 30 + column * 270, 480 - row * 120
            canvas.drawString(x, y, icon)
            canvas.drawString(x + 30, y, code)
            canvas.drawString(x, y - 25, title)
            canvas.drawString(x, y - 40, remedy)
    canvas.drawString(30, 60, "Red boxes: electrical safety – never reset remotely.")
    canvas.save()
    doc = load(path)
    entries = {b.entry.code: b.entry for b in doc.blocks if b.entry}
    assert set(entries) == {"001", "002", "006", "010", "011"}
    assert entries["002"].title == "Grounding fault (PE missing)"
    assert [s.text for s in entries["011"].steps] == ["Restart once from the app.", "Recurs: call installer."]
    assert entries["011"].remote_steps == ["Restart once from the app."]
    assert "Keep out of service" not in " ".join(s.text for e in entries.values() for s in e.steps)
    assert not any(b.text.rstrip().endswith(("PE", "L", "M")) for b in doc.blocks if b.entry)


def test_a_word_list_of_codes_with_their_parts_nested_under_them(tmp_path: Path):
    """A Spanish service manual: each code a bullet, its meaning, cause and solution sub-bullets
    (labels in Spanish), the steps one level deeper. Each code's sub-items are its entry's parts."""
    from docx import Document

    document = Document()
    for style, text in [
        ("List Bullet", "ERR04 – Fuga de corriente"),
        ("List Bullet 2", "Significado: El diferencial interno detecta corriente residual."),
        ("List Bullet 2", "Causa posible: Defecto de aislamiento; humedad."),
        ("List Bullet 2", "Solución:"),
        ("List Bullet 3", "No reiniciar ni volver a poner en servicio."),
        ("List Bullet 3", "Un electricista mide el aislamiento."),
        ("List Bullet", "ERR12 – Fallo del medidor"),
        ("List Bullet 2", "Solución:"),
        ("List Bullet 3", "Reiniciar el cargador una vez."),
    ]:
        document.add_paragraph(text, style=style)
    path = tmp_path / "manual.docx"
    document.save(str(path))
    entries = {b.entry.code: b.entry for b in load(path).blocks if b.entry}
    assert set(entries) == {"04", "12"}
    leak = entries["04"]
    assert leak.title == "Fuga de corriente" and "residual" in leak.meaning
    assert leak.causes == ["Defecto de aislamiento", "humedad"]
    assert [s.text for s in leak.steps] == [
        "No reiniciar ni volver a poner en servicio.",
        "Un electricista mide el aislamiento.",
    ]
    assert entries["12"].remote_steps == ["Reiniciar el cargador una vez."]


def test_remedy_labels_in_other_languages_and_with_who_in_brackets(tmp_path: Path):
    """"À distance :" is the remote step and "Sur site (électricien) :" the on-site one, as
    "Remote:" and "On site:" are; a refusal under the remote label is no step to take."""
    path = tmp_path / "codes.md"
    path.write_text(
        "| Code défaut | Signification | Action corrective |\n|---|---|---|\n"
        "| E16 | Tension présente sur la prise au repos | À distance : ne pas redémarrer ; borne hors "
        "service. Sur site (électricien) : rechercher l'origine de la tension. |\n",
        encoding="utf-8",
    )
    entry = next(b.entry for b in load(path).blocks if b.entry)
    assert [(s.text, s.remote) for s in entry.steps] == [
        ("ne pas redémarrer", False),  # a refusal, though under "À distance": no step to take
        ("borne hors service.", True),
        ("rechercher l'origine de la tension.", False),
    ]


def test_a_short_semicolon_file_with_an_apostrophe_keeps_its_columns(tmp_path: Path):
    """One row of French text ("l'origine"): the sniffer takes the apostrophe for a quote mark
    and the semicolons for nothing; the header line's own delimiter is used instead."""
    path = tmp_path / "codes.csv"
    path.write_text(
        "Code défaut;Signification;Action corrective\n"
        "E16;Tension présente au repos;Sur site : rechercher l'origine de la tension.\n",
        encoding="utf-8",
    )
    entry = next(b.entry for b in load(path).blocks if b.entry)
    assert (entry.code, entry.title) == ("E16", "Tension présente au repos")
    assert entry.steps[0].text == "rechercher l'origine de la tension."


def test_part_labels_set_alone_over_their_text_open_the_parts(tmp_path: Path):
    """A guide with one fault per half page: "What happened", "What you can do" and "When to
    call an installer" stand alone over their text; they open meaning, remedy and the steps
    for the installer, and the title stays the heading's."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "guide.pdf"
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    lines = [
        "Fault 12 — Internal communication error",
        "What happened",
        "The main board lost contact with the power board.",
        "What you can do",
        "Restart the charger once from the app.",
        "When to call an installer",
        "If the fault comes back after the restart.",
    ]
    for n, line in enumerate(lines):
        canvas.drawString(60, 780 - 16 * n, line)
    canvas.save()
    entry = next(b.entry for b in load(path).blocks if b.entry)
    assert (entry.code, entry.title) == ("12", "Internal communication error")
    assert entry.meaning == "The main board lost contact with the power board."
    assert entry.remote_steps == ["Restart the charger once from the app."]
    assert [s.text for s in entry.steps][-1] == "If the fault comes back after the restart."
