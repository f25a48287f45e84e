# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the PDF of holdout 4: the ABL eMH1 / eM4 operating-status and error-code table.

    .venv/bin/python evals/realworld/render4.py [--check]

The text is ours (facts: the status byte of ABL's EVCC charge controllers as read by public
integrations, and the error notes of the eMH1 operating manual; see SOURCES.md, section
"Holdout 4 documents"). Layout: A4 **portrait**, a title, a short introduction, then one
**four-column table** (Status | Code (hex) | Description | Measures) that runs over the page width,
followed by a footnote block. The status letter-number (``F1``) is the first column, the status
byte in hex (``0xF1``) the second. Output is byte-for-byte deterministic (ReportLab
``invariant=1``, built-in Helvetica, no host fonts). ``--check`` writes nothing and exits 1 when
the committed PDF differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pdf_output import pdf_bytes, ruled_table, write_or_check  # sibling module: these run as scripts
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

OUT = Path(__file__).resolve().parent / "corpus/abl/emh1/emh1-status-codes.pdf"
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.2, leading=10.2)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceAfter=6)
INTRO = ParagraphStyle("intro", fontName="Helvetica", fontSize=9, leading=11.5, spaceAfter=6)
CELLB = ParagraphStyle("cellb", parent=BODY, fontName="Helvetica-Bold")
NOTE = ParagraphStyle("note", fontName="Helvetica", fontSize=7.8, leading=9.8, spaceBefore=3)

TITLE = "Wallbox eMH1 / eM4 &#8212; Operating status and error codes (EVCC status byte)"
INTRO_TEXT = [
    "The charge controller (EVCC) of every charging point reports its operating status as one byte. The "
    "status is shown in the configuration software, read out over the RS485 bus and, on connected "
    "wallboxes, passed to the back office as the vendor error code of the OCPP status notification "
    "(letter and number, e.g. &#8220;F3&#8221;). Statuses A to C are normal operation, E are service "
    "states, F are errors: in an F status the charging point does not supply energy.",
    "Work inside the housing may only be carried out by a qualified electrician with the supply "
    "switched off. The residual current circuit breaker (RCCB) sits under the lockable cover shield.",
]

HEADER = ["Status", "Code (hex)", "Description", "Measures"]
ROWS = [
    ("A1", "0xA1", "Waiting for EV. No vehicle connected.", "&#8212;"),
    ("B1", "0xB1", "EV is asking for charging; charging not yet enabled.", "&#8212;"),
    ("B2", "0xB2", "EV has the permission to charge.", "&#8212;"),
    ("C2", "0xC2", "EV is charging.", "&#8212;"),
    (
        "C3",
        "0xC3",
        "Charging with reduced current (error F16, F17).",
        "None; charging continues at lower current.",
    ),
    (
        "C4",
        "0xC4",
        "Charging with reduced current (phase imbalance, F15).",
        "None; charging continues at lower current.",
    ),
    ("E0", "0xE0", "Outlet disabled.", "Release the charging point (enable input / back office)."),
    ("E1", "0xE1", "Production test.", "Not used in the field."),
    (
        "E2",
        "0xE2",
        "EVCC setup mode.",
        "Finish the configuration with the configuration software; a restart does not leave setup mode.",
    ),
    ("E3", "0xE3", "Bus idle.", "&#8212;"),
    (
        "F1",
        "0xF1",
        "Unintended closed contact (welding). The contactor did not open when commanded; "
        "the outlet may still be live.",
        "Switch off the supply at the RCCB/MCB. Do not restart. The contactor "
        "must be checked and replaced by an electrician.",
    ),
    (
        "F2",
        "0xF2",
        "Internal error of the charge controller.",
        "Switch the wallbox off and on again (restart). If F2 returns, contact the service partner.",
    ),
    (
        "F3",
        "0xF3",
        "DC residual current detected. The DC fault current monitor has tripped.",
        "Disconnect the "
        "vehicle. Do not switch on again before an electrician has checked the installation and the vehicle. "
        "See note 2.",
    ),
    (
        "F4",
        "0xF4",
        "Upstream communication timeout. The bus master / control unit no longer answers.",
        "Check the RS485 / network connection to the controlling unit; the charging point resumes when "
        "communication returns.",
    ),
    (
        "F5",
        "0xF5",
        "Lock of socket failed. The locking actuator of the socket did not reach its position.",
        "Unplug the charging cable and plug it in again; release the lock from the app or back office if the "
        "plug is held.",
    ),
    (
        "F6",
        "0xF6",
        "CS out of range (cable coding / proximity signal).",
        "Use another charging cable; check the plug.",
    ),
    (
        "F7",
        "0xF7",
        "State D requested by EV (charging with ventilation). Not supported.",
        "Vehicle-side; see note 1.",
    ),
    ("F8", "0xF8", "CP out of range (control pilot signal).", "Vehicle or cable side; see note 1."),
    (
        "F9",
        "0xF9",
        "Overcurrent detected.",
        "Charging stopped for protection. Have the vehicle and installation checked before charging again.",
    ),
    (
        "F10",
        "0xFA",
        "Temperature outside limits.",
        "Charging resumes when the temperature is back in range; provide shade / ventilation.",
    ),
    (
        "F11",
        "0xFB",
        "Unintended opened contact. The contactor opened without command or does not close.",
        "Contact the service partner.",
    ),
]

NOTES = [
    "<b>1</b>&#160; Errors caused by the vehicle (unauthorised demand on the charging procedure, disturbed "
    "communication with the vehicle, DC fault current) are also shown by a repeating flashing sequence of the "
    "indicator LEDs. The wallbox repeats its check of the vehicle every 30 seconds; as long as the error "
    "persists, no charging takes place. If the error remains, contact the service partner of the vehicle.",
    "<b>2</b>&#160; The eMH1 has DC fault current detection and a residual current circuit breaker (RCCB). "
    "Both separate the whole wallbox from the supply to protect persons. Before restoring operation, identify "
    "which of the two has tripped.",
    "Codes not listed in this table are not used by the firmware.",
]


def story() -> list:
    flow: list = [Paragraph(TITLE, HEAD)]
    flow += [Paragraph(t, INTRO) for t in INTRO_TEXT]
    data = [[Paragraph(h, CELLB) for h in HEADER]]
    for status, code, desc, measure in ROWS:
        data.append(
            [Paragraph(status, CELLB), Paragraph(code, BODY), Paragraph(desc, BODY), Paragraph(measure, BODY)]
        )
    table = ruled_table(data, [16, 20, 66, 72], padding=(2, 3))
    flow += [Spacer(1, 4), table, Spacer(1, 6)]
    flow += [Paragraph(t, NOTE) for t in NOTES]
    return flow


def render() -> bytes:
    return pdf_bytes(
        story(),
        pagesize=A4,
        margins_mm=(18, 16),
        title="eMH1 operating status and error codes",
        author="chargemedic real-world corpus (facts: ABL eMH1/eM4; wording ours)",
    )


def main(argv: list[str]) -> int:
    return write_or_check(OUT, render(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
