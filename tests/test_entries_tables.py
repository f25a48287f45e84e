"""Code entries from tables of any layout, and from every table of the bundled corpus."""

import re
from pathlib import Path

import pytest

from ingest.entries.steps import remedy_steps
from ingest.loaders import load
from knowledge.entries import Layout
from knowledge.refusals import restart_refused

CORPUS = Path(__file__).resolve().parents[1] / "knowledge" / "corpus"
TABLE_FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in {".csv", ".tsv"})


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _entries(path: Path):
    return [b.entry for b in load(path).blocks if b.entry]


@pytest.mark.parametrize("path", TABLE_FILES, ids=lambda p: p.name)
def test_every_bundled_table_code_has_title_remedy_and_split_steps(path: Path):
    doc = load(path)
    rows = [b for b in doc.blocks if b.row and b.codes]
    entries = [b.entry for b in rows if b.entry]
    assert len(entries) == len(rows) >= 20
    complete = [e for e in entries if e.title and e.steps]
    assert len(complete) / len(rows) >= 0.95
    for entry, block in zip(entries, rows, strict=True):
        remedy = block.text.split("Remedy:", 1)[1]
        remote_part = remedy.split("Remote:", 1)[1].split("On site:", 1)[0].strip()
        assert entry.onsite_steps, entry.code
        taken = [s.text for s in entry.steps[: len(remedy_steps(f"Remote: {remote_part}"))]]
        assert _words(" ".join(taken)) == _words(remote_part), entry.code
        dropped = [t for t in taken if t not in entry.remote_steps]
        assert all(map(restart_refused, dropped)), "a refusal under 'Remote:' is no step to take"
        assert not entry.steps[-1].remote, "remote part first, on-site after"
        assert entry.locator.startswith("row ")


def test_bundled_pdf_tables_yield_entries():
    for pdf in sorted(CORPUS.rglob("*.pdf")):
        entries = _entries(pdf)
        assert len(entries) >= 20, pdf.name
        assert all(e.title and e.onsite_steps for e in entries), pdf.name
        refusing = [e for e in entries if any(restart_refused(s.text) for s in e.steps)]
        assert all(e.remote_steps for e in entries if e not in refusing), pdf.name
        assert all(e.ocpp for e in entries), f"{pdf.name}: the OCPP errorCode column is read"


def test_decimal_codes_in_a_tsv_with_other_headers(tmp_path: Path):
    path = tmp_path / "codes.tsv"
    path.write_text(
        "Err No\tShort text\tPossible reason(s)\tCustomer action\tService action\tis_safety\n"
        "12\tDC leakage\tVehicle OBC fault; wet plug\tRestart the charger via the backend\t"
        "Replace the RCM board\tyes\n"
        "7\tMeter lost\tLoose RS-485 cable\tReset remotely; if it returns, disable the connector\t"
        "Reseat the cable\tno\n"
    )
    e12, e7 = _entries(path)
    assert (e12.code, e12.title, e12.causes) == ("12", "DC leakage", ["Vehicle OBC fault", "wet plug"])
    assert [(s.text, s.remote) for s in e12.steps] == [
        ("Restart the charger via the backend", True),
        ("Replace the RCM board", False),
    ]
    assert e12.safety is True and e7.safety is False
    assert "12" in set(e12.keys())
    assert [s.remote for s in e7.steps] == [True, True, False]


def test_unknown_headers_are_sniffed_from_the_cells(tmp_path: Path):
    path = tmp_path / "liste.csv"
    path.write_text(
        "Kennung,Bedeutung,Abhilfe\n"
        "E-06,Fehlerstrom erkannt,Inspect the socket and replace the RCM board\n"
        "0x1A,Schütz verschweißt,Replace contactor K1 and check the wiring\n"
        "RCM_TRIPPED,Fehlerstrom,Reset the charger remotely\n"
    )
    entries = _entries(path)
    assert [e.code for e in entries] == ["E-06", "0x1A", "RCM_TRIPPED"]
    assert entries[0].title == "Fehlerstrom erkannt"
    assert entries[1].steps[0].text.startswith("Replace contactor K1") and not entries[1].steps[0].remote
    assert entries[2].remote_steps == ["Reset the charger remotely"]
    assert "26" in set(entries[1].keys()), "hex 0x1A is found as 26"


def test_a_table_with_no_code_column_is_still_refused(tmp_path: Path):
    from ingest.document import LoadError

    path = tmp_path / "plain.csv"
    path.write_text("Colour,Meaning\nGreen,Ready\nBlue,Charging\n")
    with pytest.raises(LoadError, match="no error-code column"):
        load(path)


def test_markdown_table_whose_code_column_has_another_header(tmp_path: Path):
    path = tmp_path / "faults.md"
    path.write_text(
        "# Faults\n\n| Status code | Display message | Severity | Category | Responsible | Fix |\n"
        "|---|---|---|---|---|---|\n"
        "| F005 | Isolation fault | critical | electrical safety | installer |"
        " 1. Disable the connector 2. Inspect the cable 3. Measure insulation |\n"
        "| F010 | Fan blocked | minor | thermal | operator | Clean the fan |\n"
    )
    f005, f010 = _entries(path)
    assert (f005.code, f005.title, f005.severity, f005.category, f005.responsible) == (
        "F005",
        "Isolation fault",
        "critical",
        "electrical safety",
        "installer",
    )
    assert f005.safety is True and f010.safety is None  # from the category; "critical" alone says not
    steps = ["Disable the connector", "Inspect the cable", "Measure insulation"]
    assert [s.text for s in f005.steps] == steps
    assert [s.remote for s in f005.steps] == [True, False, False]


def test_led_pattern_column_as_codes(tmp_path: Path):
    path = tmp_path / "leds.csv"
    path.write_text(
        "LED,Meaning,What to do\n"
        "Red LED flashes 3 times,Overtemperature,Let the unit cool down; clean the air inlet\n"
        "red - 5 blinks,Earth fault,Call an electrician to check the earthing\n"
    )
    first, second = _entries(path)
    assert first.layout is Layout.pattern
    assert (first.code, first.title) == ("RED-BLINK-3", "Overtemperature")
    assert "Red LED flashes 3 times" in first.aliases
    assert second.code == "RED-BLINK-5"
    assert first.keys() == {"REDBLINK3"}


def test_remote_steps_from_verbs_and_from_labels():
    unlabelled = remedy_steps("Restart the charger remotely. Replace the fuse; call an electrician.")
    assert [s.remote for s in unlabelled] == [True, False, False]
    labelled = remedy_steps("Remote: none, wait for the unit to cool. On site: clean the filter.")
    assert [(s.remote, s.text) for s in labelled] == [
        (True, "none, wait for the unit to cool."),
        (False, "clean the filter."),
    ]


def test_a_pattern_columns_header_gives_the_colour_its_cells_leave_out(tmp_path: Path):
    path = tmp_path / "lights.csv"
    path.write_text(
        "Red Light,What it Means,What to Do\n"
        "1 flash,Ground fault,Disconnect the handle and try again\n"
        "3 flashes,Input miswired,Consult your electrician\n"
        "Solid,Internal fault,Turn the breaker off and on\n"
    )
    assert [e.code for e in _entries(path)] == ["RED-BLINK-1", "RED-BLINK-3", "RED-STEADY"]


def test_a_name_column_of_single_words_gives_aliases_chargers_send(tmp_path: Path):
    """A firmware's symbolic names may be plain words (``Phase``, ``Overvolt``): a charger that
    sends the name instead of the number still finds the row; a name of several words is a title."""
    path = tmp_path / "codes.csv"
    path.write_text(
        "err,Name,Meaning,What to do\n"
        "3,Phase,A phase of the supply is missing.,Check the upstream breakers.\n"
        "4,Overvolt,Over-voltage of the supply.,Wait for the supply to return to range.\n"
        "5,Lock stuck open,The cable lock stays open.,Re-insert the plug.\n"
    )
    phase, overvolt, lock = _entries(path)
    assert (phase.aliases, overvolt.aliases, lock.aliases) == (["Phase"], ["Overvolt"], [])
    assert lock.title == "Lock stuck open"


def test_a_pdf_table_whose_code_is_not_the_first_column(tmp_path: Path):
    """A portrait table "Fault | Code | LED | Message": the fault's name wraps over two lines and
    comes first; rows start where the code column has a code, the name becomes the title, and a
    footnote under the table ends it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10)
    rows = [
        ["Fault", "Code", "LED behavior", "Message"],
        ["Immediate Ground Fault", "IGF", "Solid red", "Remove and return the charging plug."],
        [
            "Ground Monitor Fault (earth fault) of the station",
            "GMF",
            "Solid blue; solid red after 1 min",
            "Restart your charger by unplugging the cable or using the circuit breaker.",
        ],
        ["Relay Stuck Open", "RSO", "Solid blue", "Restart your charger using the circuit breaker."],
    ]
    table = Table([[Paragraph(c, cell) for c in r] for r in rows], colWidths=[120, 50, 110, 200])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])
    footnote = Paragraph(
        "* The LED changes to solid red when the same fault is still present after 1 minute.", cell
    )
    path = tmp_path / "fault-codes.pdf"
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build([table, footnote])
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [e.code for e in entries] == ["IGF", "GMF", "RSO"]
    assert entries[1].title == "Ground Monitor Fault (earth fault) of the station"
    assert "circuit breaker" in entries[1].remedy


def test_a_bit_table_is_keyed_by_the_register_value_chargers_send(tmp_path: Path):
    """``Bit | Mask | Value | Warning``: the value is the code (bit 12 is reported as 4096), the
    mask and the symbolic name are aliases, and the bit's position is no spelling of it."""
    path = tmp_path / "warnings.md"
    path.write_text(
        "| Bit | Mask | Value | Warning | Meaning | Action |\n|---|---|---|---|---|---|\n"
        "| 0 | 0x00000001 | 1 | WARNING_HUMIDITY | Moisture in the enclosure | Dry it |\n"
        "| 2 | 0x00000004 | 4 | WARNING_TEMPERATURE_ERROR | Sensor unreadable | Restart the charger |\n"
        "| 12 | 0x00001000 | 4096 | WARNING_RCD_6MA | DC residual current | Keep out of service |\n"
        "| 22 | 0x00400000 | 4194304 | WARNING_O_PEN | Open PEN | Isolate the charger |\n"
    )
    entries = _entries(path)
    assert [(e.code, e.aliases) for e in entries] == [
        ("1", ["0x00000001", "WARNING_HUMIDITY"]),
        ("4", ["0x00000004", "WARNING_TEMPERATURE_ERROR"]),
        ("4096", ["0x00001000", "WARNING_RCD_6MA"]),
        ("4194304", ["0x00400000", "WARNING_O_PEN"]),
    ]


def test_a_bit_number_the_document_calls_the_code_stays_the_code_beside_its_mask(tmp_path: Path):
    """``code | mask | name``: the document says the bit number is the code (a firmware reports
    it so), so both it and the mask are spellings."""
    path = tmp_path / "errors.csv"
    path.write_text(
        "code,mask,name,description,action\n"
        "0,0x00000001,RELAY_STICK_L1,Relay contact welded,Isolate the charger\n"
        "5,0x00000020,CP_ERROR,Control pilot signal abnormal,Unplug and plug in again\n"
        "10,0x00000400,LEAKAGE,Residual current protection tripped,Do not restart\n"
    )
    assert [(e.code, e.aliases) for e in _entries(path)] == [
        ("0", ["0x00000001", "RELAY_STICK_L1"]),
        ("5", ["0x00000020", "CP_ERROR"]),
        ("10", ["0x00000400", "LEAKAGE"]),
    ]


def test_a_column_of_firmware_names_under_any_header_gives_aliases(tmp_path: Path):
    """A column of the firmware's names for the states (``Mode3_E``), whatever its header says
    ("Stato"), holds what the charger sends as its code: aliases."""
    path = tmp_path / "stati.csv"
    path.write_text(
        "Codice,Stato,Descrizione,Soluzione\n"
        "0,Unknown,Stato sconosciuto,Attendere un minuto\n"
        "3,Mode1_LockError,Errore di blocco,Sbloccare il connettore\n"
        "4,Mode3_A,Nessun veicolo collegato,Nessuna azione\n"
        "10,Mode3_E,Errore del pilota,NON riavviare\n"
        "11,Mode3_F,Colonnina non disponibile,Riavviare una volta\n"
    )
    assert [(e.code, e.aliases) for e in _entries(path)] == [
        ("0", ["Unknown"]),
        ("3", ["Mode1_LockError"]),
        ("4", ["Mode3_A"]),
        ("10", ["Mode3_E"]),
        ("11", ["Mode3_F"]),
    ]


def _two_column_pdf(path: Path, story: list) -> Path:
    """``story`` typeset on A4 pages of two text columns."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    doc = BaseDocTemplate(str(path), pagesize=A4, invariant=1)
    width, height = A4
    frames = [
        Frame(40, 40, width / 2 - 50, height - 80),
        Frame(width / 2 + 10, 40, width / 2 - 50, height - 80),
    ]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    doc.build(story)
    return path


def test_a_two_column_pdf_page_of_code_led_entries(tmp_path: Path):
    """Codes set apart by spaces in two text columns ("18  Error Protective Earth  The charger …"):
    read in reading order, each code starts its entry (not a numbered heading)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11)
    text = {
        18: "Error Protective Earth&nbsp;&nbsp; The charger has found no protective earth on the supply. "
        "Do not restart the charger: have the earth checked by an electrician.",
        19: "Power-line Fault&nbsp;&nbsp; The supply voltage is outside the permitted range. The charger "
        "continues by itself when the supply is back in range.",
        21: "Error Charging&nbsp;&nbsp; An error in the charging process. Restart the charger once from "
        "the back office.",
        23: "Error Temperature&nbsp;&nbsp; The internal temperature is too high. Keep the openings free.",
    }
    story = [Paragraph(f"{n}&nbsp;&nbsp; {body}", style) for n, body in text.items()] * 3
    path = _two_column_pdf(tmp_path / "states.pdf", story)
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [e.code for e in entries[:4]] == ["18", "19", "21", "23"]
    assert entries[0].title == "Error Protective Earth" and "no protective earth" in entries[0].meaning


def test_a_status_column_of_codes_beside_a_hex_code_column_gives_aliases(tmp_path: Path):
    """``Status | Code (hex)``: "Status" reads like a light column, but its cells are codes (F1):
    the charger sends either spelling."""
    path = tmp_path / "status.csv"
    path.write_text(
        "Status,Code (hex),Description,Measures\n"
        "F1,0xF1,Unintended closed contact (welding),Switch off the supply. Do not restart.\n"
        "F2,0xF2,Internal error of the charge controller,Restart the wallbox.\n"
    )
    assert [(e.code, e.aliases) for e in _entries(path)] == [("0xF1", ["F1"]), ("0xF2", ["F2"])]


def test_a_key_column_of_identifiers_is_the_code_in_a_semicolon_csv(tmp_path: Path):
    path = tmp_path / "states.csv"
    path.write_text(
        "Key;Shown in the app as;Type;Meaning;What to do\n"
        'B_AUTH;Waiting for authentication;state;"Vehicle connected;\nthe charger waits for a card.";'
        '"Authenticate with a card."\n'
        'rcd_error;Error;error flag;"The residual current device tripped.";"Call an electrician."\n'
        'paused;Paused;state;"Paused by the user.";"Resume from the app."\n'
    )
    entries = {e.code: e for e in _entries(path)}
    assert set(entries) == {"B_AUTH", "rcd_error", "paused"}
    assert "residual current" in entries["rcd_error"].meaning
    assert entries["rcd_error"].steps[0].text == "Call an electrician."


def test_a_table_keyed_by_its_messages_makes_each_message_a_code(tmp_path: Path):
    path = tmp_path / "errors.html"
    path.write_text(
        "<table><tr><th>Description of error</th><th>Possible cause</th></tr>"
        "<tr><td>Overcurrent shutdown</td><td>The vehicle draws more current than allowed.</td></tr>"
        "<tr><td>Status D, vehicle rejected</td><td>The vehicle asks for ventilation.</td></tr>"
        "<tr><td>Error input</td><td></td></tr></table>"
    )
    entries = {e.code: e for e in _entries(path)}
    assert set(entries) == {"Overcurrent shutdown", "Status D, vehicle rejected", "Error input"}
    assert entries["Status D, vehicle rejected"].title == "Status D, vehicle rejected"
    assert entries["Overcurrent shutdown"].causes == ["The vehicle draws more current than allowed"]


def test_a_pdf_table_whose_code_cells_list_codes_and_ranges(tmp_path: Path):
    """``errorCode | ocppName | Category | Possible cause | Measure``: code cells that list codes
    (``4, 5``) or give a range (``24 – 29``, ``30 – 34, 36``) start rows like a single code and
    stand for each code; a second cause/measure row without a code belongs to the code above;
    the camel-case ``ocppName`` column of words is the title."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10)
    rows = [
        ["errorCode", "ocppName", "Category", "Possible cause", "Measure"],
        [
            "3",
            "SLAC interrupted",
            "Vehicle",
            "SLAC matching was interrupted.",
            "Ask the driver to plug in again.",
        ],
        ["4, 5", "Link Error", "Vehicle", "The data link to the vehicle was lost.", "As for 3."],
        ["15", "Lock Fault", "Connector lock", "The lock did not report locked.", "Plug in again firmly."],
        ["", "", "", "The lock did not release at the end.", "Send an unlock command from the back office."],
        ["24 – 29", "Isolation Fault", "Safety", "Insulation fault of the DC output.", "Do not restart."],
        ["30 – 34, 36", "Cooler Error", "Cooling", "The cooling unit reports an error.", "None."],
    ]
    table = Table([[Paragraph(c, cell) for c in r] for r in rows], colWidths=[60, 90, 80, 230, 230])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])
    path = tmp_path / "error-codes.pdf"
    SimpleDocTemplate(str(path), pagesize=landscape(A4), invariant=1).build([table])
    entries = {e.code: e for e in _entries(path)}
    assert list(entries) == ["3", "4", "15", "24", "30"]
    assert entries["4"].aliases == ["5"] and entries["24"].aliases == ["25", "26", "27", "28", "29"]
    assert entries["30"].aliases == ["31", "32", "33", "34", "36"]
    assert entries["15"].title == "Lock Fault" and entries["30"].title == "Cooler Error"
    assert "back office" in entries["15"].remedy and "did not release" in " ".join(entries["15"].causes)


def test_a_language_file_of_dotted_keys_is_a_table_of_codes(tmp_path: Path):
    """``charging.status.rcdfault = RCD fault`` lines (a web interface's texts, in two languages):
    the key's last part is the code, the whole key an alias, the English text the title and
    every language's text the meaning."""
    path = tmp_path / "status-messages.txt"
    path.write_text(
        "Status texts of the web interface.\n\n--- Swedish ---\n"
        "charging.status.rcdfault = Skyddbrytare utlöst\n"
        "charging.status.lockingfault = Eluttag kan ej låsas\n"
        "charging.status.overheat = Övertemperatur\n\n--- English ---\n"
        "charging.status.rcdfault = RCD fault\ncharging.status.lockingfault = Lock fault\n"
        "charging.status.overheat = Overtemperature\n",
        encoding="utf-8",
    )
    entries = {e.code: e for e in _entries(path)}
    assert list(entries) == ["rcdfault", "lockingfault", "overheat"]
    assert entries["rcdfault"].aliases == ["charging.status.rcdfault"]
    assert entries["lockingfault"].title == "Lock fault"
    assert entries["overheat"].meaning == "Övertemperatur / Overtemperature"
    assert "rcdfault" in {b.entry.code for b in load(path).blocks if b.entry}
    assert not any("charging.status" in b.text for b in load(path).blocks if not b.entry)


def test_camel_case_headers_are_words():
    from ingest.entries.columns import header_roles

    assert header_roles(["errorCode", "ocppName", "isSafety", "Measure"]) == [
        "code",
        "name",
        "safety",
        "remedy",
    ]


def _pdf_table(path: Path, rows: list[list[str]], widths: list[int]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10)
    table = Table([[Paragraph(c, cell) for c in r] for r in rows], colWidths=widths)
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])
    after = Paragraph("A note under the table that runs right across the page, as manuals print them.", cell)
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build([table, after])
    return path


def test_a_pdf_table_keyed_by_its_messages(tmp_path: Path):
    """``Substate | Describe | What to do``: no code column; each message is a code, a row starts
    where every cell starts anew, wrapped cells continue it, and a paragraph ends the table."""
    rows = [
        ["Substate", "Describe", "What to do"],
        [
            "Leakage",
            "Residual (leakage) current detected during charging.",
            "Safety fault. Do not restart or re-enable remotely; take the pile out of service.",
        ],
        [
            "Relay sticky",
            "The output relay is stuck (welded) closed: the gun may be live.",
            "Safety fault. Do not restart.",
        ],
        [
            "Over temperature",
            "The temperature of the pile is too high.",
            "None. Charging resumes when the pile has cooled down.",
        ],
    ]
    entries = {e.code: e for e in _entries(_pdf_table(tmp_path / "faults.pdf", rows, [90, 170, 210]))}
    assert list(entries) == ["Leakage", "Relay sticky", "Over temperature"]
    assert "welded" in entries["Relay sticky"].meaning
    assert "take the pile out of service" in entries["Leakage"].remedy
    assert "across the page" not in entries["Over temperature"].remedy


def test_a_pdf_table_keyed_by_light_patterns_in_another_column(tmp_path: Path):
    """``What it means | LED ring | What to do``: the pattern column (not the first) keys the rows,
    a colour alone is the ring lit, and one pattern may carry two meanings (two entries)."""
    rows = [
        ["What it means", "LED ring", "What to do"],
        ["The car is fully charged.", "LED ring yellow", "Stop the session, then unplug the charging cable."],
        ["An error has occurred.", "LED ring red", "See Troubleshooting (5.2)."],
        [
            "The charge card is not authorised.",
            "LED ring flashing red",
            "Authorise the user in the user settings.",
        ],
        [
            "A satellite station has become disconnected from the hub station.",
            "LED ring flashing red",
            "Check the pairing.",
        ],
    ]
    entries = _entries(_pdf_table(tmp_path / "ring.pdf", rows, [190, 90, 190]))
    assert [e.code for e in entries] == ["YELLOW-STEADY", "RED-STEADY", "RED-BLINK", "RED-BLINK"]
    assert entries[1].title.startswith("An error has occurred")


def test_a_state_column_of_names_in_capitals_is_the_code(tmp_path: Path):
    """``Animation | Colour | State | What it means | What to do``: the state names a charger sends
    (``FAULT``, ``WAITING FOR VEHICLE``) are the codes; the animation is not a cause."""
    path = tmp_path / "leds.md"
    path.write_text(
        "| Animation | Colour | State | What it means | What to do |\n|---|---|---|---|---|\n"
        "| Breathing | White | IDLE | The charger is idle. | Plug in a vehicle. |\n"
        "| Breathing | Purple | WAITING FOR VEHICLE | The vehicle draws no power. | None. |\n"
        "| Alternating flashing | Red | FAULT | The charger is unable to charge. | Open the app. |\n"
    )
    entries = {e.code: e for e in _entries(path)}
    assert list(entries) == ["IDLE", "WAITING FOR VEHICLE", "FAULT"]
    assert entries["FAULT"].causes == [] and "unable to charge" in entries["FAULT"].meaning


def test_a_protocols_status_list_is_no_code_table(tmp_path: Path):
    path = tmp_path / "statuses.md"
    path.write_text(
        "| Status | Meaning | Next states |\n|---|---|---|\n"
        "| Available | Ready for a new user. | Preparing, Faulted |\n"
        "| Faulted | The connector has a fault. | Available |\n"
    )
    assert _entries(path) == []


def test_a_two_column_pdf_of_bold_headings_over_paragraphs(tmp_path: Path):
    """Plain-mode text keeps no blank lines: a code-led heading after a sentence's end opens an
    entry ("Codes 143, 144 – …" one entry for each listed code), and a short heading without a
    code ends the entry above it (its text is no part of code 131)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11)
    bold = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=9, leading=11)
    filler = "The station keeps a record of it in its log and reports it to the back office. "
    parts = [
        ("Code 131 – Ground fault lockout", "Issued on the fifth ground fault of one cycle. " + filler),
        (
            "Ground fault self-test at power-up",
            "If this self-test fails the station must not be used. " + filler,
        ),
        ("Code 133 – Overcurrent trip", "The controller detected an overcurrent and tripped. " + filler),
        (
            "Codes 143, 144, 151 – Communication controller failure",
            "Cycle the power of the station. " + filler,
        ),
    ]
    story = [p for head, text in parts for p in (Paragraph(head, bold), Paragraph(text * 3, body))] * 5
    path = _two_column_pdf(tmp_path / "trouble.pdf", story)
    blocks = load(path).blocks
    entries = [b.entry for b in blocks if b.entry]
    assert [(e.code, e.aliases) for e in entries[:3]] == [("131", []), ("133", []), ("143", ["144", "151"])]
    assert "self-test" not in entries[0].meaning
    selftest = next(b for b in blocks if "If this self-test fails" in b.text)
    assert selftest.entry is None and selftest.section[-1] == "Ground fault self-test at power-up"


def test_a_fixed_width_sheet_of_code_ranges_ruled_per_column(tmp_path: Path):
    """``-------  ------``: a rule per column; a code cell may hold a range (``18-21``: every code
    in it shares the row) or a negative code (``-1``); its name's lines are joined."""
    path = tmp_path / "codes.txt"
    path.write_text(
        "CODE(S)  NAME                              GROUP       WHAT TO DO\n"
        "-------  --------------------------------  ----------  ------------------------------\n"
        "-1       No communication between board    Controller  Restart the station once (Reset\n"
        "         and display                                   from the back office).\n"
        "18-21    Relay detection is abnormal       SAFETY      Take out of service; the relay\n"
        "         18 = for non-charging, L phase                board is replaced.\n"
        "24       Over Voltage Protection           Supply      Nothing to do remotely.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.aliases) for e in entries] == [("-1", []), ("18", ["19", "20", "21"]), ("24", [])]
    assert entries[1].title.startswith("Relay detection is abnormal") and entries[1].safety is True
    assert "-1" in set(entries[0].keys()) and "1" not in set(entries[0].keys())


def test_a_table_of_several_fields_is_keyed_by_each_fields_values(tmp_path: Path):
    """``err;8;GndInvalid`` beside ``car;2;Charging``: the value column is the code although its
    numbers repeat across the fields, the symbolic name an alias; of a meaning in two marked
    languages the English one is the meaning, the German kept in the row's text."""
    path = tmp_path / "values.csv"
    rows = [
        (
            "err",
            "1",
            "FiAc",
            "Fehlerstrom (AC) erkannt.",
            "AC residual current detected.",
            "Take out of service.",
        ),
        ("err", "2", "FiDc", "Gleichfehlerstrom erkannt.", "DC residual current detected.", "As for err 1."),
        ("err", "3", "Phase", "Phasenfehler.", "Supply phase error.", "Nothing to do remotely."),
        (
            "err",
            "8",
            "GndInvalid",
            "Schutzleiter fehlt.",
            "Protective earth check failed.",
            "Take out of service.",
        ),
        ("car", "1", "Idle", "Kein Fahrzeug.", "No vehicle plugged in.", "None."),
        ("car", "2", "Charging", "Fahrzeug lädt.", "Vehicle is charging.", "None."),
        ("car", "3", "WaitCar", "Warten.", "Waiting for the vehicle.", "None."),
    ]
    header = "Feld / Field;Wert / Value;Name;Bedeutung (DE);Meaning (EN);Action (EN)\n"
    path.write_text(header + "".join(";".join(r) + "\n" for r in rows))
    entries = _entries(path)
    assert [(e.code, e.aliases) for e in entries[:4]] == [
        ("1", ["FiAc"]),
        ("2", ["FiDc"]),
        ("3", ["Phase"]),
        ("8", ["GndInvalid"]),
    ]
    assert entries[3].meaning == "Protective earth check failed."  # the English of the two


def test_a_symptom_table_without_codes_makes_each_symptom_a_message(tmp_path: Path):
    path = tmp_path / "trouble.md"
    path.write_text(
        "| Symptom | Possible cause | Solution |\n|---|---|---|\n"
        "| The unit does not react at all | No power source connected | Switch the circuit breaker on. |\n"
        "| Charging is slower than usual or pauses; the housing is hot | The unit overheats | Wait. |\n"
        "| The Bluetooth pairing button does not light up (private offline mode only) | Bluetooth fault | "
        "Pair again. |\n"
        '| DANGER symbol: "Device error. Warning of electrical voltage." | A serious device fault | '
        "Disconnect the unit from the mains immediately. Do not use it. |\n"
        "| The authentication indicator flashes red | RFID card not configured | Configure the card. |\n"
    )
    entries = _entries(path)
    assert len(entries) == 5 and entries[0].code == "The unit does not react at all"
    assert "Do not use it" in entries[3].remedy


def test_a_pdf_table_of_codes_runs_on_over_the_next_page_without_its_header(tmp_path: Path):
    """A long table broken across pages, its header printed once: the rows at the top of the next
    page are more rows of the same table, not prose."""
    rows = [["Code", "Description", "Remedy"]] + [
        [
            f"E{n:03d}",
            f"Fault number {n} in the power module",
            "Restart the charger; if it returns, call service.",
        ]
        for n in range(1, 91)
    ]
    path = _pdf_table(tmp_path / "long.pdf", rows, [60, 200, 220])
    doc = load(path)
    assert doc.pages >= 2
    entries = {b.entry.code: b for b in doc.blocks if b.entry}
    assert set(entries) == {f"E{n:03d}" for n in range(1, 91)}
    assert {b.page for b in entries.values()} >= {1, 2}
    assert entries["E090"].entry.title == "Fault number 90 in the power module"
    assert all(b.row for b in entries.values())  # read as rows of the table, not as paragraphs


def test_a_pdf_bit_table_with_a_header_over_two_lines_keys_rows_by_the_register_value(tmp_path: Path):
    """``Bit | Value (dec) | Value (hex) | Fault¹ | What it means | What to do``, the header over two
    lines and a footnote mark on it: the value is the code, the hex value an alias, the "Fault"
    column of names the title (its cells are no codes), the bit position no spelling."""
    header = [
        "Bit",
        "Value<br/>(dec)",
        "Value<br/>(hex)",
        "Fault<super>1</super>",
        "What it means",
        "What to do",
    ]
    rows = [
        header,
        [
            "0",
            "1",
            "0x00001",
            "Emergency stop",
            "The emergency stop has been operated.",
            "Release it on site.",
        ],
        [
            "5",
            "32",
            "0x00020",
            "PE grounding",
            "The protective earth connection is missing.",
            "Do not use it.",
        ],
        [
            "10",
            "1024",
            "0x00400",
            "AC contactor",
            "The AC contactor does not switch as commanded.",
            "Take it out.",
        ],
    ]
    path = _pdf_table(tmp_path / "bits.pdf", rows, [30, 45, 55, 80, 150, 120])
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.aliases, e.title) for e in entries] == [
        ("1", ["0x00001"], "Emergency stop"),
        ("32", ["0x00020"], "PE grounding"),
        ("1024", ["0x00400"], "AC contactor"),
    ]


def test_a_bilingual_table_takes_its_english_column_for_the_title(tmp_path: Path):
    """``Code | Fehler | Error (EN) | Maßnahme``: the English error column is the title, the German
    one kept in the row's text (the words the classifier reads are English)."""
    path = tmp_path / "fehler.csv"
    path.write_text(
        "Code;Fehler;Error (EN);Maßnahme\n"
        "2;DC-Fehlerstromsensor ausgelöst;DC residual current sensor tripped;"
        "Nicht aus der Ferne neu starten.\n"
        "3;Ladeanforderung mit Belüftung;Charging request with ventilation;Am Fahrzeug prüfen.\n",
        encoding="utf-8",
    )
    blocks = [b for b in load(path).blocks if b.entry]
    assert [b.entry.title for b in blocks] == [
        "DC residual current sensor tripped",
        "Charging request with ventilation",
    ]
    assert "DC-Fehlerstromsensor ausgelöst" in blocks[0].text
    assert blocks[0].entry.steps[0].text == "Nicht aus der Ferne neu starten."
