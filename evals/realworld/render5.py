# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the PDF of holdout 5: the KEBA KeContact P30 error codes (LED bar and report 2 values).

    .venv/bin/python evals/realworld/render5.py [--check]

The text is ours (facts: KEBA's "P30 Diagnostic options" FAQ, the P20/P30 user manual's LED bar
examples and the error texts of a public P30 integration; see SOURCES.md, section "Holdout 5
documents"). Layout: A4 portrait, a title, an introduction that explains how the LED bar gives the
error group, then one **five-column table** (LED bar | Error code | Meaning | Cause | Measures) that
is long enough to **continue on the second page, where its header row is repeated**, followed by a
notes block. Output is byte-for-byte deterministic (ReportLab ``invariant=1``, built-in Helvetica,
no host fonts). ``--check`` writes nothing and exits 1 when the committed PDF differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pdf_output import pdf_bytes, ruled_table, write_or_check  # sibling module: these run as scripts
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

OUT = Path(__file__).resolve().parent / "corpus/keba/kecontact-p30/p30-error-codes-led-bar.pdf"
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.4, leading=10.6)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceAfter=4)
SUB = ParagraphStyle("sub", fontName="Helvetica-Bold", fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=3)
INTRO = ParagraphStyle("intro", fontName="Helvetica", fontSize=9.2, leading=12, spaceAfter=5)
CELLB = ParagraphStyle("cellb", parent=BODY, fontName="Helvetica-Bold")
NOTE = ParagraphStyle("note", fontName="Helvetica", fontSize=8.2, leading=10.4, spaceBefore=3)

TITLE = "KeContact P30 &#8212; Diagnostics: error codes on the LED bar and in report 2"
INTRO_TEXT = [
    "This chapter helps the operator and the service partner to identify an error of a KeContact P30 charging "
    "station (c-series and x-series). An error is shown in two ways: as a colour pattern on the four segments of "
    "the LED bar on the front of the station, and as an error code that the station reports over its interfaces "
    "(UDP command <i>report 2</i>, fields <i>Error 1</i> and <i>Error 2</i>; web interface of the x-series; "
    "OCPP back office).",
    "Stations connected to an OCPP back office send the error code of the table below as the "
    "<i>vendorErrorCode</i> of the status notification, written as in the column &#8220;Error code&#8221;.",
]
LED_TITLE = "Reading the error group from the LED bar"
LED_TEXT = [
    "During an error display the LED bar lights its four segments S1, S2, S3 and S4 (from left to right) in blue, "
    "white or red. Each segment has a significance: S1 = 8, S2 = 4, S3 = 2, S4 = 1. Each colour has a value: "
    "blue = 0, white = 0, red = 1.",
    "To find the error group, multiply the significance of every segment by the value of its colour and add the "
    "four results. Written as one hexadecimal digit, the sum is the error group, which is the last digit of the "
    "error code (0x[xxx]<i>group</i>).",
    "Example: red / red / blue / blue gives 8 + 4 + 0 + 0 = 12 = hexadecimal c, so the error code ends in c "
    "(0x[xxx]c). The pattern blue / blue / red / red gives 3 and belongs to error 0x4003; blue / red / blue / red "
    "gives 5 and belongs to error 0x8005.",
    "Work inside the station may only be carried out by a qualified electrician after the supply has been switched "
    "off at the upstream circuit breaker.",
]

HEADER = ["LED bar (S1 S2 S3 S4)", "Error code", "Meaning", "Cause", "Measures"]
ROWS = [
    (
        "blue blue blue red (group 1)",
        "0x9001",
        "ERROR_SCHUETZ: the switch-on test failed, the contactor could not be switched on.",
        "The current monitoring has not released the contactor for switching on. This function has to be ready before the contactor is switched on.",
        "Restart the charging station (switch the supply off and on again, or send a reset from the back office). If the error returns after the restart, contact the service partner.",
    ),
    (
        "blue blue blue red (group 1)",
        "0xa001",
        "ERROR_SCHUETZ: the switch-on test failed, the contactor could not be switched on.",
        "The charging controller has not released the contactor for switching on. This function has to be ready before the contactor is switched on.",
        "Restart the charging station (switch the supply off and on again, or send a reset from the back office). If the error returns after the restart, contact the service partner.",
    ),
    (
        "blue blue blue red (group 1)",
        "0xc001",
        "ERROR_SCHUETZ: the switch-on test failed, the contactor could not be switched on.",
        "The contactor did not switch on although it was activated. The fault may be in the control of the contactor or in the contactor itself.",
        "Do not clear the error by restarting. Switch the station off at the upstream circuit breaker and have the contactor and its control checked by an electrician.",
    ),
    (
        "blue blue red red (group 3)",
        "0x4003",
        "Overcurrent detected in the vehicle.",
        "The vehicle drew more current than the charging station allowed; charging was switched off to protect the installation.",
        "Unplug the vehicle. Have the vehicle and the charging cable checked before charging again. If the error also appears with other vehicles, have the station checked by the service partner.",
    ),
    (
        "blue red blue red (group 5)",
        "0x8005",
        "Fault current detected in the vehicle.",
        "The fault current monitoring of the station detected a residual current in the connected vehicle circuit and switched charging off.",
        "Do not charge again. Unplug the vehicle, switch the station off at the upstream circuit breaker and have the installation and the vehicle checked by an electrician.",
    ),
    (
        "&#8212; (report 2 only)",
        "1",
        "Plug was disconnected during charging.",
        "The charging cable was pulled out while a charging session was running.",
        "None. Plug in again and start a new session.",
    ),
    (
        "&#8212; (report 2 only)",
        "2",
        "Plug was not recognised.",
        "The station could not detect the charging plug in its socket (cable coding not read).",
        "Insert the plug fully again. If it stays, use another charging cable.",
    ),
    (
        "&#8212; (report 2 only)",
        "3",
        "Temperature cut-off.",
        "The internal temperature of the station was too high; charging was switched off.",
        "None. Charging starts again by itself once the station has cooled down. Avoid direct sunlight on the station.",
    ),
    (
        "&#8212; (report 2 only)",
        "4",
        "Plug could not be locked.",
        "The locking of the charging plug in the socket failed; the plug may not be fully inserted or the locking motor is blocked.",
        "Pull the plug out and insert it fully again. If the plug is held in the socket, release it with the unlock command from the back office or the UDP command <i>unlock</i>.",
    ),
    (
        "&#8212; (report 2 only)",
        "5",
        "Invalid consumer detected.",
        "The device connected to the station is not recognised as an electric vehicle.",
        "Connect an electric vehicle directly; adapters and other consumers are not allowed.",
    ),
    (
        "&#8212; (report 2 only)",
        "8",
        "Plug at charging station has invalid state.",
        "The socket of the station reports a plug state that is not valid.",
        "Check the socket and the plug for damage. If the error stays, contact the service partner.",
    ),
]

NOTES = [
    "<b>Note 1</b>&#160; Report 2 shows a code in <i>Error 1</i> or in <i>Error 2</i>; 0 means no error. "
    "The web interface of the x-series shows the same code as &#8220;Error 0x&#8230;&#8221;.",
    "<b>Note 2</b>&#160; A red LED bar that does not match any of the patterns above, and error codes that are not "
    "listed in this table, are not documented here: note the code and contact the service partner.",
]


def story() -> list:
    flow: list = [Paragraph(TITLE, HEAD)]
    flow += [Paragraph(t, INTRO) for t in INTRO_TEXT]
    flow.append(Paragraph(LED_TITLE, SUB))
    flow += [Paragraph(t, INTRO) for t in LED_TEXT]
    flow.append(Paragraph("Table 4-1: Error codes of the KeContact P30", SUB))
    data = [[Paragraph(h, CELLB) for h in HEADER]]
    for led, code, meaning, cause, measure in ROWS:
        data.append(
            [
                Paragraph(led, BODY),
                Paragraph(code, CELLB),
                Paragraph(meaning, BODY),
                Paragraph(cause, BODY),
                Paragraph(measure, BODY),
            ]
        )
    table = ruled_table(data, [27, 18, 38, 45, 46], padding=(3, 4))
    flow += [Spacer(1, 2), table, Spacer(1, 6)]
    flow += [Paragraph(t, NOTE) for t in NOTES]
    return flow


def render() -> bytes:
    return pdf_bytes(
        story(),
        pagesize=A4,
        margins_mm=(18, 18),
        title="KeContact P30 error codes",
        author="chargemedic real-world corpus (facts: KEBA KeContact P30; wording ours)",
    )


def main(argv: list[str]) -> int:
    return write_or_check(OUT, render(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
