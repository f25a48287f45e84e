# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the four binary documents of holdout 10 (written blind).

    .venv/bin/python evals/realworld/render10.py [--check]

* ``obo/ion-basic/ion-basic-modbus-error-register.xlsx`` — OBO Bettermann ION basic charging
  station: a real Excel workbook (openpyxl) with a merged title block above the header, the
  service table of the error code register 40015 (error numbers ``E-01`` …), a notes row under
  the table, and a second sheet with the active state register and the communication registers.
* ``greenmotion/private-one/private-one-soluzione-guasti.docx`` — Green Motion Private One, an
  Italian Word service document (python-docx): headings, a Word table
  ``Codice | Stato | Descrizione | Causa possibile | Soluzione``, a numbered procedure after it.
* ``free2move/eprowallbox/eprowallbox-status-registers.pdf`` — Free2Move eSolutions eProWallbox:
  a PDF with a text layer whose tables have **no ruled lines**, the code in the second column
  (``Description | Code | Register | Action``), multi-line cells, a running header and footer.
* ``walther-werke/basicevo-pro/basicevo-pro-modbus-register-scan.pdf`` — Walther-Werke basicEVO
  PRO: a landscape register table **scanned sideways** into a portrait page (the picture is
  turned by 90°), image only, no text layer, drawn with the scan helpers of ``render9.py``.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 10
documents". Output is byte-for-byte deterministic: the Office files are re-packed with fixed
ZIP timestamps and fixed document properties, the PDFs use ReportLab ``invariant=1`` and the
scan is drawn with seeded randomness. ``--check`` renders everything again in memory, writes
nothing, and exits 1 when any committed file differs.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from pdf_output import counted, running_edges, template_options, write_or_check  # sibling module
from render9 import Sheet, scan_pdf  # sibling module: the scan helpers of holdout 9
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

HERE = Path(__file__).resolve().parent
OBO_OUT = HERE / "corpus/obo/ion-basic/ion-basic-modbus-error-register.xlsx"
GM_OUT = HERE / "corpus/greenmotion/private-one/private-one-soluzione-guasti.docx"
F2M_OUT = HERE / "corpus/free2move/eprowallbox/eprowallbox-status-registers.pdf"
WW_OUT = HERE / "corpus/walther-werke/basicevo-pro/basicevo-pro-modbus-register-scan.pdf"

FIXED = datetime(2026, 12, 7, 9, 0, 0)
ZIP_TIME = (2026, 12, 7, 9, 0, 0)
AUTHOR = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"


def repack(data: bytes) -> bytes:
    """An Office file (a ZIP) with every member's timestamp fixed and the core properties'
    dates pinned, members in their original order: the same input gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = blob.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + "2026-12-07T09:00:00Z" + m.group(3),
                    text,
                )
                blob = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, blob)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# OBO Bettermann ION basic — an Excel workbook
# --------------------------------------------------------------------------------------------

OBO_HEADER = ["Error no.", "Bit", "Value (dec)", "Value (hex)", "Error", "Charging", "Service action"]
OBO_ROWS = [
    ["E-00", "–", 0, "0x0000", "No error", "Possible", "–"],
    [
        "E-01",
        "Bit 1",
        1,
        "0x0001",
        "RCM self test fail – the residual current monitor did not pass its self-test; residual current protection of the charging point is not assured",
        "Blocked",
        "Do not reset or re-enable from remote. Switch the charging point off at its circuit breaker; a qualified electrician must test the RCM and the upstream RCD before the station is used again.",
    ],
    [
        "E-02",
        "Bit 2",
        2,
        "0x0002",
        "DC residual current fault – a DC residual current (6 mA DC or more) was detected in the charging circuit",
        "Blocked",
        "Danger: residual current. Do not restart. An electrician must inspect vehicle, charging cable and installation before the charging point is energised again.",
    ],
    [
        "E-03",
        "Bit 3",
        4,
        "0x0004",
        "Failed diode check – the diode of the control pilot circuit is missing or short-circuited on the vehicle side",
        "Blocked for this vehicle",
        "Vehicle side. Unplug, plug in again; try another vehicle or charging cable. Nothing to do on the charging station.",
    ],
    [
        "–",
        "Bit 4 … Bit 8",
        "8 … 128",
        "0x0008 … 0x0080",
        "Reserved",
        "–",
        "Not assigned. A reserved bit that is set is not described here: note the value and contact OBO service.",
    ],
]
OBO_NOTES = [
    "Notes: Several bits can be set at the same time; the register then holds their sum (example: 3 = E-01 + E-02, 6 = E-02 + E-03).",
    "Register 40015 is read-only (16 bit). An error that has been cleared returns the register to 0. The active state register 40012 shows F while an error blocks charging.",
    "On a networked ION basic the OCPP gateway reports register 40015 as vendorErrorCode (decimal value) and the error text in info.",
]

OBO_STATE_HEADER = ["Register", "Name", "Values", "Default", "Size", "Meaning for the service"]
OBO_STATES = [
    ["40012", "Active state", "0 = A", "N/A", "16-bit", "A: no vehicle connected."],
    ["", "", "1 = B", "", "", "B: vehicle connected, not charging."],
    ["", "", "2 = C", "", "", "C: charging."],
    ["", "", "3 = D", "", "", "D: charging with ventilation requested by the vehicle."],
    [
        "",
        "",
        "4 = F",
        "",
        "",
        "F: charging point not available – an error is active: read register 40015 (sheet 'Error code register').",
    ],
    [
        "40006",
        "Charge disable",
        "0 = disabled, 1 = auto start charging, 2 = start once",
        "–",
        "16-bit",
        "Charging disabled by the master is not a fault.",
    ],
    [
        "40029",
        "Comms time-out",
        "0 = no time-out, 1,000 … 60,000 ms",
        "0",
        "16-bit",
        "If no data is received within the time-out the station advertises the fallback current (40031).",
    ],
    [
        "40031",
        "Fallback current",
        "0 … 32 A",
        "–",
        "16-bit",
        "Current advertised after a communication loss; charging continues at this current. Not an error: check the Modbus master.",
    ],
    [
        "40045",
        "Maximum charging current",
        "6 … 32 A",
        "16",
        "16-bit",
        "Set by the installer from wiring and components.",
    ],
    [
        "40022 / 40023 / 40024",
        "Baud rate / parity / slave address",
        "19,200 / 1 = even / 101",
        "",
        "16-bit",
        "RS485: 8 data bits, 1 stop bit.",
    ],
]


def obo_workbook() -> bytes:
    wb = Workbook()
    wb.properties.creator = "OBO Bettermann service"
    wb.properties.title = "ION basic – Modbus error code register"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="D9D9D9")

    ws = wb.active
    ws.title = "Error code register"
    ws.merge_cells("A1:G1")
    ws["A1"] = "OBO Bettermann – ION basic charging station"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A2:G2")
    ws["A2"] = "Modbus register 40015 'Error code' (16 bit, read only) – service table"
    ws["A2"].font = Font(italic=True, size=11)
    ws.merge_cells("A3:G3")
    ws["A3"] = (
        "Mounting and installation, chapter 6 Modbus register map – status of this table: firmware as delivered"
    )
    for c, h in enumerate(OBO_HEADER, start=1):
        cell = ws.cell(row=5, column=c, value=h)
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.border = box
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(OBO_ROWS, start=6):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = 5 + len(OBO_ROWS)
    for i, note in enumerate(OBO_NOTES):
        r = last + 2 + i
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        ws.cell(row=r, column=1, value=note).alignment = Alignment(wrap_text=True)
    for col, w in zip("ABCDEFG", (10, 14, 11, 16, 48, 16, 60), strict=True):
        ws.column_dimensions[col].width = w

    ws2 = wb.create_sheet("Active state + comms")
    ws2.merge_cells("A1:F1")
    ws2["A1"] = "ION basic – active state and communication registers"
    ws2["A1"].font = Font(bold=True, size=13)
    for c, h in enumerate(OBO_STATE_HEADER, start=1):
        cell = ws2.cell(row=3, column=c, value=h)
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.border = box
    for r, row in enumerate(OBO_STATES, start=4):
        for c, v in enumerate(row, start=1):
            cell = ws2.cell(row=r, column=c, value=v)
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws2.merge_cells("A4:A8")
    ws2.merge_cells("B4:B8")
    r = 4 + len(OBO_STATES) + 1
    ws2.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    ws2.cell(
        row=r,
        column=1,
        value="Note: the ION basic has no display; the LED colour is set by register 40004 (0 = automatic). Use the registers above, not the LED, to diagnose an error.",
    )
    for col, w in zip("ABCDEF", (20, 24, 34, 10, 9, 70), strict=True):
        ws2.column_dimensions[col].width = w

    buf = io.BytesIO()
    wb.save(buf)
    return repack(buf.getvalue())


# --------------------------------------------------------------------------------------------
# Green Motion Private One — Italian Word document
# --------------------------------------------------------------------------------------------

GM_ROWS = [
    (
        "0",
        "Unknown",
        "Stato sconosciuto.",
        "La colonnina non ha ancora determinato lo stato (avvio).",
        "Attendere un minuto e richiedere lo stato. Se resta 0, contattare il supporto Green Motion.",
    ),
    (
        "1",
        "WaitEnabled",
        "In attesa di abilitazione.",
        "Colonnina disattivata (paragrafo 3.5) o in attesa di autorizzazione.",
        "Nessun guasto. Abilitare la colonnina o autorizzare la ricarica.",
    ),
    ("2", "Mode1_On", "Ricarica in Modo 1 attiva.", "–", "Nessuna azione."),
    (
        "3",
        "Mode1_LockError",
        "Errore di blocco in Modo 1.",
        "Il blocco della spina non ha raggiunto la posizione comandata.",
        "Se non c'è una ricarica in corso: sbloccare il connettore una volta (anche da remoto). Se l'errore si ripete: tecnico.",
    ),
    ("4", "Mode3_A", "Modo 3, stato A: nessun veicolo collegato.", "–", "Nessuna azione."),
    (
        "5",
        "Mode3_B_no_pwm",
        "Modo 3, stato B: veicolo collegato, senza PWM.",
        "Ricarica non ancora autorizzata.",
        "Nessun guasto. Autorizzare la ricarica (badge RFID o back office).",
    ),
    (
        "6",
        "Mode3_B_pwm",
        "Modo 3, stato B: veicolo collegato, PWM attivo.",
        "Il veicolo non richiede ancora energia.",
        "Nessuna azione.",
    ),
    ("7", "Mode3_C", "Modo 3, stato C: ricarica in corso.", "–", "Nessuna azione."),
    ("8", "Mode3_D", "Modo 3, stato D: ricarica con ventilazione.", "–", "Nessuna azione."),
    (
        "9",
        "Mode3_CD_to_B",
        "Fine ricarica o sospensione da parte del veicolo.",
        "Batteria carica o ricarica sospesa dal veicolo.",
        "Nessuna azione sulla colonnina.",
    ),
    (
        "10",
        "Mode3_E",
        "Modo 3, stato E: errore del pilota (CP).",
        "Pilota (CP) in cortocircuito verso la terra (PE) o nessuna tensione di pilota: cavo di ricarica o presa danneggiati.",
        "NON riavviare e non rimettere in servizio da remoto. Mettere fuori servizio la colonnina e chiamare un elettricista per controllare cavo, presa e cablaggio.",
    ),
    (
        "11",
        "Mode3_F",
        "Modo 3, stato F: colonnina non disponibile.",
        "Guasto interno del controller GMCU.",
        "Riavviare la colonnina una volta (anche da remoto). Se lo stato F ritorna dopo il riavvio: non riavviare di nuovo, contattare il supporto.",
    ),
    (
        "12",
        "Mode3_PP_Error",
        "Errore di prossimità (PP).",
        "Resistenza PP del cavo non valida: cavo non riconosciuto o difettoso.",
        "Scollegare e ricollegare il cavo; provare un altro cavo. Nessuna azione sulla colonnina.",
    ),
    (
        "13",
        "Mode3_Lock_Error",
        "Errore di blocco del connettore in Modo 3.",
        "Attuatore di blocco bloccato o spina non inserita completamente.",
        "Se non c'è una ricarica in corso: sbloccare il connettore una volta (anche da remoto). Durante una ricarica non sbloccare. Se l'errore si ripete: tecnico.",
    ),
    (
        "14",
        "Mode3_Ventilation_Error",
        "Errore di ventilazione.",
        "Il veicolo richiede la ventilazione (stato D), che la colonnina non fornisce.",
        "Lato veicolo: nessuna azione sulla colonnina. Consultare il manuale del veicolo.",
    ),
]

GM_STEPS = [
    "Leggere il codice: registro Modbus «Charge Status» oppure vendorErrorCode nella notifica inviata al back office.",
    "Codici 0–2 e 4–9: nessun guasto, nessun intervento.",
    "Codice 10 (Mode3_E): non riavviare. Aprire il magnetotermico della colonnina e chiamare un elettricista.",
    "Codici 3 e 13 (errori di blocco): verificare che nessun veicolo stia caricando, poi sbloccare una volta. Se l'errore resta: tecnico.",
    "Codice 11 (Mode3_F): un solo riavviamento. Se ritorna: supporto Green Motion, senza ulteriori riavvii.",
    "Codici 12 e 14: il problema è del cavo o del veicolo; la colonnina è in ordine.",
    "Codice non presente nella tabella: annotare il valore e contattare il supporto; non rimettere in servizio la colonnina.",
]


def gm_docx() -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    cp = doc.core_properties
    cp.author = "Green Motion SA"
    cp.title = "PRIVATE ONE – Soluzione guasti"
    cp.created = FIXED
    cp.modified = FIXED
    cp.last_modified_by = "Green Motion SA"
    cp.revision = 1
    doc.add_heading("PRIVATE ONE – DOCUMENTAZIONE TECNICA", level=0)
    doc.add_paragraph(
        "Green Motion SA · Chemin de Maillefer 61 · 1052 Le Mont-sur-Lausanne · Estratto: capitoli 4.3 e 6"
    )
    doc.add_heading("4.3 Stati della ricarica", level=1)
    doc.add_paragraph(
        "Lo stato della ricarica si legge nel registro Modbus «Charge Status» (lettura, sempre disponibile). "
        "Una colonnina collegata a un back office OCPP invia lo stesso numero come vendorErrorCode e il nome "
        "dello stato (per esempio Mode3_E) nel campo info."
    )
    doc.add_heading("6.1 Riarmo degli interruttori", level=1)
    doc.add_paragraph(
        "La PRIVATE ONE contiene un interruttore differenziale e un interruttore magnetotermico. Se uno dei due è "
        "scattato, la colonnina è spenta e non risponde più (stato della colonnina 15 = NotResponding). Un "
        "differenziale scattato indica una dispersione verso terra: il riarmo è riservato a un elettricista, dopo "
        "aver trovato la causa. Non riarmare e non rimettere in servizio la colonnina da remoto."
    )
    doc.add_heading("6.2 Soluzione guasti", level=1)
    doc.add_paragraph("Tabella 6.2 – Codici del registro Charge Status")
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    hdr = ["Codice", "Stato", "Descrizione", "Causa possibile", "Soluzione"]
    for cell, h in zip(table.rows[0].cells, hdr, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
    for row in GM_ROWS:
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = v
    doc.add_paragraph("")
    doc.add_heading("Procedura in caso di guasto", level=2)
    for step in GM_STEPS:
        doc.add_paragraph(step, style="List Number")
    p = doc.add_paragraph()
    r = p.add_run(
        "Attenzione: qualsiasi intervento all'interno della colonnina deve essere eseguito da un elettricista "
        "qualificato, con la colonnina scollegata dalla rete."
    )
    r.italic = True
    r.font.size = Pt(9)
    doc.add_heading("6.3 Supporto", level=1)
    doc.add_paragraph(
        "Supporto tecnico Green Motion: indicare il numero di serie, il codice e la versione del firmware GMCU."
    )
    buf = io.BytesIO()
    doc.save(buf)
    return repack(buf.getvalue())


# --------------------------------------------------------------------------------------------
# Free2Move eSolutions eProWallbox — a PDF whose tables have no ruled lines
# --------------------------------------------------------------------------------------------

BODY = ParagraphStyle("body10", fontName="Helvetica", fontSize=8.4, leading=10.4)
CELLB = ParagraphStyle("cellb10", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title10", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceAfter=6)
H1 = ParagraphStyle(
    "h110", fontName="Helvetica-Bold", fontSize=10.5, leading=13.5, spaceBefore=9, spaceAfter=4
)
TEXT = ParagraphStyle("text10", fontName="Helvetica", fontSize=9, leading=11.6, spaceAfter=4)

F2M_INTRO = (
    "The eProWallbox reports its state in two holding registers that a Modbus RTU master (an energy manager) "
    "reads at any time: GENERAL_STATUS (40101), the state of the IEC 61851 state machine, and OCPP_STATUS "
    "(40102), the OCPP connector status. ACTUAL_ERROR (40100) holds the active error code. When the wallbox is "
    "connected to a back office it sends GENERAL_STATUS as vendorErrorCode with the state letter in info "
    "(for example 8 / E)."
)

F2M_GENERAL = [
    ("No vehicle connected,\nstation not enabled", "0", "A1", "None."),
    ("No vehicle connected,\nstation ready", "1", "A2", "None."),
    (
        "Vehicle connected,\ncharging not enabled",
        "2",
        "B1",
        "None: enable charging (app, RFID or back office).",
    ),
    ("Vehicle connected,\nstation ready, waiting for the vehicle", "3", "B2", "None."),
    ("Vehicle requests charging,\ncharging not enabled", "4", "C1", "None."),
    ("Charging", "5", "C2", "None."),
    (
        "Charging with ventilation requested,\nnot enabled",
        "6",
        "D1",
        "Vehicle side: the eProWallbox does not supply ventilation. Nothing to do on the wallbox.",
    ),
    ("Charging with ventilation", "7", "D2", "Vehicle side, as D1."),
    (
        "Control pilot error: pilot\nshort-circuited to PE or no pilot\nvoltage (damaged cable or socket)",
        "8",
        "E",
        "Danger. Do not restart or re-enable remotely. Take the wallbox out of service and have the cable, the socket and the wiring checked by an electrician.",
    ),
    (
        "Station not available:\ninternal error of the wallbox",
        "9",
        "F",
        "Restart the wallbox once (remotely or at its breaker). If F returns after the restart, do not restart again: contact Free2Move eSolutions service with ACTUAL_ERROR.",
    ),
]

F2M_OCPP = [
    ("Available", "0", "A", "None."),
    ("Preparing", "1", "B", "None."),
    ("Charging", "2", "C", "None."),
    ("Suspended by the vehicle", "3", "D", "None."),
    (
        "Suspended by the wallbox (limit,\nderating or load management)",
        "4",
        "E",
        "None; see the limiting registers below.",
    ),
    ("Finishing", "5", "F", "None."),
    ("Reserved", "6", "G", "None."),
    ("Unavailable", "7", "H", "Set by the back office or the installer; not a fault."),
    ("Faulted", "8", "I", "Read GENERAL_STATUS: E (8) or F (9) decides what to do."),
]

F2M_LIMITS = [
    (
        "Load unbalance function is\nlimiting the charging current",
        "1",
        "LOAD_UNBALANCE_LIMITING\n40106",
        "None: the wallbox limits itself to keep the phases balanced.",
    ),
    (
        "Dynamic power management\nis limiting the current",
        "1",
        "DPM_LIMITING\n40107",
        "None: the house consumption is high; charging continues at a lower current.",
    ),
    (
        "Temperature derating active",
        "1",
        "TEMP_DERATING_STATUS\n40108",
        "None: the wallbox reduces the current while it is hot and returns to full current when it has cooled down.",
    ),
    (
        "Communication with the energy\nmanager lost, watchdog expired",
        "–",
        "WATCHDOG_TIMER\n40412 / 40413",
        "The wallbox charges with FALLBACK_CURRENT (40409, default 32000 mA) after 600 s without the reset signal (40502). Check the Modbus master; nothing to do on the wallbox.",
    ),
]


def _cell(s: str, style=BODY) -> Paragraph:
    return Paragraph(s.replace("\n", "<br/>"), style)


def unruled(header: list[str], rows: list[tuple], widths_mm: list[float]) -> Table:
    """A table with no lines at all: bold header, cells aligned on a grid only by whitespace."""
    from reportlab.lib.units import mm

    data = [[_cell(h, CELLB) for h in header]] + [[_cell(c) for c in r] for r in rows]
    t = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def f2m_story() -> list:
    head = ["Description", "Code", "Value", "Action"]
    return [
        Paragraph("eProWallbox – status and error registers", TITLE),
        Paragraph(F2M_INTRO, TEXT),
        Paragraph("1  GENERAL_STATUS (40101) – IEC 61851 state", H1),
        unruled(head, F2M_GENERAL, [58, 14, 14, 88]),
        Paragraph("2  OCPP_STATUS (40102)", H1),
        unruled(["Description", "Code", "OCPP status", "Action"], F2M_OCPP, [58, 14, 22, 80]),
        Paragraph("3  Limiting and communication registers", H1),
        unruled(["Description", "Value", "Register", "Action"], F2M_LIMITS, [52, 12, 40, 70]),
        Spacer(1, 6),
        Paragraph(
            "ACTUAL_ERROR (40100) is read together with GENERAL_STATUS. Its values are given to service partners "
            "only; a value other than 0 with GENERAL_STATUS F means the wallbox needs service. Any GENERAL_STATUS "
            "value not listed above is not defined: do not re-enable the wallbox, contact service.",
            TEXT,
        ),
    ]


def _f2m_build(*, total: int | None = None) -> tuple[bytes, int]:
    buf = io.BytesIO()
    pages: list[int] = []
    margins = (18, 22)
    decorate = running_edges(
        A4,
        margins,
        "Free2Move eSolutions  |  eProWallbox Series  |  Modbus RTU configuration guide – extract",
        "Status and errors",
        total,
        pages,
    )
    doc = BaseDocTemplate(
        buf, **template_options(A4, margins, "eProWallbox status and error registers", AUTHOR)
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(f2m_story())
    return buf.getvalue(), max(pages) if pages else 0


# --------------------------------------------------------------------------------------------
# Walther-Werke basicEVO PRO — a landscape table scanned sideways (image only)
# --------------------------------------------------------------------------------------------

WW_ROWS = [
    [
        "Bus-Adr.",
        "R/W",
        "Modbus-Function",
        "Type",
        "Description",
        "Range",
        "Values / examples",
        "Remark (service)",
    ],
    [
        "4",
        "R",
        "04 - read Input Register",
        "uint16",
        "Modbus register layouts version",
        "0…65536",
        "0x100 -> V1.0.0",
        "–",
    ],
    [
        "5",
        "R",
        "04 - read Input Register",
        "uint16",
        "Charging state",
        "1…11",
        "2=A1, 3=A2, 4=B1, 5=B2, 6=C1, 7=C2, 8=derating, 9=E, 10=F, 11=ERR",
        "8: hot, reduced current, no action. 9 (E): CP short to PE – do not restart, electrician. 10 (F): restart once. 11 (ERR): see below.",
    ],
    [
        "6 / 7 / 8",
        "R",
        "04 - read Input Register",
        "uint16",
        "L1 / L2 / L3 current RMS",
        "0…350",
        "1 = 0.1 Arms",
        "–",
    ],
    [
        "9",
        "R",
        "04 - read Input Register",
        "int16",
        "PCB temperature in 0.1 °C",
        "-200 °C / 200 °C",
        "325 = +32.5 °C, -145 = -14.5 °C",
        "Derating above the limit (state 8).",
    ],
    [
        "10 / 11 / 12",
        "R",
        "04 - read Input Register",
        "uint16",
        "Voltage L1/L2/L3 - N rms in Volt",
        "0…65536",
        "238 = 238 Vrms",
        "–",
    ],
    [
        "13",
        "R",
        "04 - read Input Register",
        "uint16",
        "extern lock state",
        "0/1",
        "0 = locked / 1 = unlocked",
        "0: charging blocked by the external release input – not a fault.",
    ],
    [
        "14",
        "R",
        "04 - read Input Register",
        "uint16",
        "Power (L1+L2+L3) in VA",
        "0…65536",
        "1000 -> 1 kVA",
        "–",
    ],
    [
        "100",
        "R",
        "04 - read Input Register",
        "uint16",
        "Hardware configuration maximal current",
        "0…16",
        "10 = 10 A",
        "Set by DIP switches.",
    ],
    [
        "101",
        "R",
        "04 - read Input Register",
        "uint16",
        "Hardware configuration minimal current",
        "",
        "7 = 7 A",
        "–",
    ],
]
WW_NOTES = [
    "11 = ERR: internal error of the charge controller (e.g. relay or RCD-module test). Switch the wallbox off at its circuit breaker,",
    "wait 30 s and switch on again ONCE. If ERR returns: do not switch on again, electrician / Walther-Werke service.",
    "Values of register 5 not listed (0, 12 …) are not defined.",
]


class LandscapeSheet(Sheet):
    """A landscape A4 sheet (297 × 210 mm) drawn with the holdout-9 helpers."""

    def __init__(self) -> None:
        super().__init__()
        from PIL import Image, ImageDraw

        self.w_px, self.h_px = self.h_px, self.w_px
        self.img = Image.new("L", (self.w_px, self.h_px), 255)
        self.draw = ImageDraw.Draw(self.img)


def ww_pages() -> list[tuple[bytes, list]]:
    from PIL import Image

    s = LandscapeSheet()
    s.text(
        12,
        10,
        "WALTHER-WERKE  ·  Wallbox basicEVO PRO  ·  Modbus-Kommunikation (RTU)",
        font="DejaVuSans-Bold.ttf",
        size=12,
    )
    s.text(12, 17, "Table Modbus Register – Wallbox basicEVO PRO (input registers, function code 04)", size=9)
    y, _ = s.table(12, 24, [15, 9, 30, 13, 45, 22, 66, 73], WW_ROWS, size=7.2, leading=3.5)
    y += 5
    for ln in WW_NOTES:
        s.text(12, y, ln, size=8)
        y += 4.4
    s.handwriting(190, y + 4, "ERR 2x -> Elektriker!", seed=31)
    s.text(
        12,
        200,
        "basicEVO PRO · Betriebs- und Installationsanleitung, Auszug Modbus                       Seite 17",
        size=6.8,
    )
    # the landscape sheet was laid sideways on the scanner glass: the page comes out portrait
    s.img = s.img.transpose(Image.Transpose.ROTATE_90)
    s.w_px, s.h_px = s.img.width, s.img.height
    from PIL import ImageDraw

    s.draw = ImageDraw.Draw(s.img)
    return [(s.scanned(seed=1017, angle=0.6), [])]


# --------------------------------------------------------------------------------------------


def render_all() -> list[tuple[Path, bytes]]:
    return [
        (OBO_OUT, obo_workbook()),
        (GM_OUT, gm_docx()),
        (F2M_OUT, counted(_f2m_build)),
        (WW_OUT, scan_pdf(ww_pages(), title="basicEVO PRO Modbus (Scan)", text_layer=False)),
    ]


def main(argv: list[str]) -> int:
    rc = 0
    for out, data in render_all():
        rc |= write_or_check(out, data, argv)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
