"""Render the PDF of holdout 2: the ChargePoint Home Flex fault-code page.

    .venv/bin/python evals/realworld/render2.py [--check]

The text is ours (facts from ChargePoint's Home Flex installation guide, "Fault Codes"; see
SOURCES.md). The layout is unlike the corpus's other PDF: US Letter **portrait**, one table whose
four columns are the fault's name, its letter code, the LED behaviour and the message shown to the
driver, with the footnote under the table. Output is byte-for-byte deterministic (ReportLab
``invariant=1``, built-in Helvetica, no host fonts). ``--check`` writes nothing and exits 1 when the
committed PDF differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pdf_output import pdf_bytes, write_or_check  # sibling module: these run as scripts
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

OUT = Path(__file__).resolve().parent / "corpus/chargepoint/home-flex/cph50-fault-codes.pdf"
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11.5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8, leading=10)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=6)
SUB = ParagraphStyle("sub", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)

RESTART = "Something is wrong. Restart your charger by unplugging the cable or using the circuit breaker."
REPLUG = "Something is wrong. To fix, remove and return the charging plug."
COLUMNS = ["Fault", "Code", "LED behavior", "Message"]
ROWS = [
    ("Immediate Ground Fault", "IGF", "Solid red", REPLUG),
    ("Soft Ground Fault", "GF", "Solid blue; stays solid blue after 15 min", REPLUG),
    ("Ground Monitor Fault (earth fault)", "GMF", "Solid blue; solid red if the fault lasts 1 min*", RESTART),
    ("Relay Stuck Open", "RSO", "Solid blue; solid red if the fault lasts 1 min*", RESTART),
    (
        "Over Current",
        "OVRC",
        "Solid blue",
        "The vehicle is drawing more current than allowed or supported. Unplug the connector from the car,"
        " wait about 15 seconds and plug it in again. If it happens again, call your car manufacturer.",
    ),
    ("Pilot Level Current Exceeded", "PLCE", "Solid blue", "N/A"),
    ("Virtual Breaker detected by the GFCI coil", "VBRGF", "Solid red", REPLUG),
    ("Virtual Breaker detected by the current coil", "VRBI", "Solid red", REPLUG),
    ("Pilot Voltage Error", "PVERR", "Solid blue; solid red after 1 min*", RESTART),
    ("Self-test Time Out", "STTO", "Solid blue; solid red after 1 min*", RESTART),
    ("Frequency Error", "FREQ", "Solid blue; solid red after 1 min*", RESTART),
    ("Ground Monitor Circuit Self-test Error", "GMERR", "Solid blue; solid red after 1 min*", RESTART),
    ("CPU Register Test Error", "CERR", "Solid blue; solid red after 1 min*", RESTART),
]


def story() -> list:
    """One portrait page: title, how to read the table, the table, its footnote and notes."""
    table = Table(
        [[Paragraph(f"<b>{c}</b>", CELL) for c in COLUMNS]]
        + [[Paragraph(v, CELL) for v in row] for row in ROWS],
        colWidths=[52 * mm, 18 * mm, 40 * mm, 76 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8a8a")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7ef")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [
        Paragraph("ChargePoint Home Flex (CPH50) — Fault Codes", HEAD),
        Paragraph(
            "Use this table to troubleshoot a Home Flex that stops charging. The LED ring shows the "
            "behavior in the second-to-last column and the ChargePoint app shows the message. Stations "
            "reporting to a network management system send the code (for example <i>GMF</i>) as the "
            "vendor error code of the fault.",
            BODY,
        ),
        Spacer(1, 6),
        table,
        Spacer(1, 4),
        Paragraph(
            "* The LED changes to solid red when the same fault is still present after 1 minute.", CELL
        ),
        Paragraph("Notes for the installer", SUB),
        Paragraph(
            "IGF, GF, VBRGF and VRBI interrupt charging at once. GMF means the station does not see its "
            "ground (earth) connection; GMERR means the self-test of the ground monitor circuit failed. "
            "Do not keep restarting a station that reports a ground or earth fault: check the ground "
            "conductor, the cable and the vehicle first.",
            BODY,
        ),
        Paragraph(
            "RSO: the relay did not close, so no power reaches the vehicle. CERR and the other self-test "
            "errors come from the station's internal checks at start-up.",
            BODY,
        ),
        Paragraph("For unresolved faults, contact ChargePoint Support.", BODY),
    ]


def render() -> bytes:
    return pdf_bytes(
        story(),
        pagesize=letter,
        margins_mm=(15, 16),
        title="ChargePoint Home Flex — Fault Codes",
        author="chargemedic real-world corpus",
    )


def main(argv: list[str]) -> int:
    return write_or_check(OUT, render(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
