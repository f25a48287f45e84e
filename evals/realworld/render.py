"""Render the one PDF of the real-world corpus: the Wall Connector Gen 2 troubleshooting excerpt.

    .venv/bin/python evals/realworld/render.py [--check]

The text is ours (facts from Tesla's Wall Connector Gen 2 installation manual, see SOURCES.md).
The layout is deliberately unlike the bundled corpus's PDFs: US Letter landscape, a light-code
table whose "code" is a pattern of three lights, and a separate procedure page. Output is
byte-for-byte deterministic (ReportLab ``invariant=1``, built-in Helvetica, no host fonts).
``--check`` writes nothing and exits 1 when the committed PDF differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pdf_output import pdf_bytes, write_or_check  # sibling module: these run as scripts
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

OUT = (
    Path(__file__).resolve().parent
    / "corpus/tesla/wall-connector-gen2/wall-connector-gen2-troubleshooting.pdf"
)
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11.5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=6)
SUB = ParagraphStyle("sub", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)

COLUMNS = ["Green Lights", "Yellow Light", "Red Light", "Auto-Retry", "What it Means", "What to Do"]
ROWS = [
    (
        "Off",
        "Off",
        "1 flash",
        "After 15 minutes, up to 4 times",
        "Ground fault. Current is leaking through an unsafe path: a possible line-to-ground or neutral-to-"
        "ground fault.",
        "Disconnect the handle from the car, reconnect and try again. If the problem persists, turn OFF the"
        " circuit "
        "breaker servicing the Wall Connector, wait 10 seconds, turn it ON and try again. If it still "
        "persists, "
        "contact Tesla.",
    ),
    (
        "Off",
        "Off",
        "2 flashes",
        "After 1 minute, up to 4 times",
        "No ground connection detected in the Wall Connector.",
        "Make sure the Wall Connector is properly grounded. If uncertain, consult your electrician for "
        "proper "
        "grounding at the circuit breaker or distribution box and for the connection to the Wall Connector.",
    ),
    (
        "Off",
        "Off",
        "3 flashes",
        "No",
        "Input miswired: Line and Neutral are possibly swapped.",
        "The input wiring between the supply and the Wall Connector was installed incorrectly. Consult your "
        "electrician.",
    ),
    (
        "Off",
        "Off",
        "4 flashes",
        "After 1 minute, up to 4 times",
        "Over- or under-voltage protection: the supply voltage is outside the permitted range.",
        "Consult your electrician to check the voltage on the circuit breaker that supplies the Wall "
        "Connector.",
    ),
    (
        "Off",
        "Off",
        "5 flashes",
        "After 1 minute (no limit on retries)",
        "Over-current protection: the vehicle drew more current than allowed.",
        "Turn down the charge current setting in the vehicle. If the problem persists with a Tesla vehicle,"
        " contact "
        "Tesla; with another vehicle, contact its manufacturer.",
    ),
    (
        "Off",
        "Off",
        "Solid",
        "No",
        "Internal fault of the Wall Connector: contactor not working, failed self-test of the internal "
        "ground fault "
        "monitoring circuit, disconnected thermal sensor or another hardware component.",
        "Disconnect and reconnect the handle. If it persists, turn the circuit breaker OFF, wait 10 seconds"
        " and turn it "
        "ON again. If it still persists, have an electrician check that all wires are connected and "
        "torqued; then the "
        "Wall Connector requires service.",
    ),
]

PROCEDURE = [
    "Disconnect the charge handle from the vehicle.",
    "Turn OFF the circuit breaker that supplies the Wall Connector and wait 10 seconds.",
    "Turn the circuit breaker ON again. All lights come on briefly while the Wall Connector starts.",
    "Reconnect the handle to the vehicle and check that charging starts (green lights chase).",
    "If the same red pattern returns, do not keep cycling the breaker: note the pattern and contact Tesla "
    "or your "
    "electrician.",
]


def story() -> list:
    """The two pages: the light-code table, then the reset procedure and its safety notes."""
    table = Table(
        [[Paragraph(f"<b>{c}</b>", CELL) for c in COLUMNS]]
        + [[Paragraph(v, CELL) for v in row] for row in ROWS],
        colWidths=[22 * mm, 22 * mm, 20 * mm, 30 * mm, 70 * mm, 86 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#777777")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [
        Paragraph("Troubleshooting", HEAD),
        Paragraph(
            "If the Wall Connector does not charge, read its lights: green, yellow and red. The red light "
            "flashes a number of times, pauses, and repeats. Units on a charging network report the red "
            "pattern "
            "as their fault code (for example <i>Red 2</i> for two flashes).",
            BODY,
        ),
        Spacer(1, 6),
        table,
        Spacer(1, 8),
        Paragraph(
            "WARNING: Risk of electric shock. Only a qualified electrician may open the Wall Connector or "
            "work "
            "on its supply circuit.",
            BODY,
        ),
        PageBreak(),
        Paragraph("Resetting the Wall Connector", HEAD),
        Paragraph(
            "Some faults clear by themselves (see Auto-Retry). For the others, reset the Wall Connector:",
            BODY,
        ),
        *[Paragraph(f"{n}. {step}", BODY) for n, step in enumerate(PROCEDURE, start=1)],
        Paragraph("Ground faults and missing ground", SUB),
        Paragraph(
            "A ground fault (1 flash) or a missing ground (2 flashes) means the protection against electric "
            "shock is not assured. Resetting does not repair the cause; have an electrician inspect the "
            "installation, the handle and the cable for damage or water before charging again.",
            BODY,
        ),
    ]


def render() -> bytes:
    return pdf_bytes(
        story(),
        pagesize=landscape(letter),
        margins_mm=(14, 14),
        title="Wall Connector Gen 2 — Troubleshooting",
        author="chargemedic real-world corpus",
    )


def main(argv: list[str]) -> int:
    return write_or_check(OUT, render(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
