# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the PDF of holdout 3: the Alfen Eve status and error codes page.

    .venv/bin/python evals/realworld/render3.py [--check]

The text is ours (facts: the socket main-state numbers and names of Alfen Eve chargers as read by
public Home Assistant integrations; see SOURCES.md, section "Holdout 3 documents"). The layout is
unlike the corpus's other PDFs: A4 **portrait, two text columns** of running text (no table), each
code a bold run-in heading ("18  Error Protective Earth") followed by a paragraph, with a full-width
title and introduction above the columns. Output is byte-for-byte deterministic (ReportLab
``invariant=1``, built-in Helvetica, no host fonts). ``--check`` writes nothing and exits 1 when the
committed PDF differs.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from pdf_output import write_or_check  # sibling module: these run as scripts
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    FrameBreak,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus.flowables import HRFlowable

OUT = Path(__file__).resolve().parent / "corpus/alfen/eve/eve-status-and-error-codes.pdf"
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.6, leading=11, spaceAfter=5)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceAfter=4)
SUB = ParagraphStyle("sub", fontName="Helvetica-Bold", fontSize=10, leading=13, spaceBefore=6, spaceAfter=3)
INTRO = ParagraphStyle("intro", parent=BODY, fontSize=9, leading=11.5)

TITLE = "Eve Single Pro-line / Eve Double Pro-line &#8212; Status and error codes"
INTRO_TEXT = [
    "Excerpt from the installation manual. Every charging socket of the Eve runs a main state. The state "
    "number is shown on the display of Pro-line chargers (&#8220;Status 18&#8221;), in the Service Installer "
    "app and in the Eve Connect web interface. Chargers connected to a back office send the number of an "
    "error state as the vendor error code of the OCPP status notification; the text after the number is the "
    "name used on the display.",
    "States 0 to 17 are normal operating states. States 18 to 32 are error states: the LED ring turns red "
    "and the socket does not deliver energy. The remedies below are given in the order in which they should "
    "be tried. Work inside the housing may only be done by a qualified electrician with the supply switched off.",
]

# (heading, paragraph) in reading order; the two columns are filled top to bottom, left then right.
SECTIONS = [
    ("Operating states worth knowing", None),
    (
        "3&#160;&#160;Check Mains",
        "After power-up the charger measures the supply before it releases the socket. It stays in this state "
        "only briefly; if it does not leave it, see state 19.",
    ),
    (
        "13&#160;&#160;Suspended Over-Current",
        "The vehicle drew more current than the charger allows. The charger suspends delivery for a moment and "
        "continues at the permitted current. No action unless it repeats with every session.",
    ),
    (
        "34&#160;&#160;In Operative",
        "The socket has been made unavailable by the back office (Change Availability) or by the operator. It "
        "is not an error; it becomes available again when released.",
    ),
    ("Error states", None),
    (
        "18&#160;&#160;Error Protective Earth",
        "The charger has found no protective earth, or a poor one, on the supply. Without a working earth the "
        "vehicle's body can become live in case of a fault. Do not restart the charger: switch the circuit off "
        "and have the earth connection, the supply cable and the earthing system checked by an electrician.",
    ),
    (
        "19&#160;&#160;Power-line Fault",
        "Also shown as &#8220;Error Power Failure&#8221;. The voltage or frequency of the supply is outside the "
        "permitted range, or a phase is missing. The charger continues by itself when the supply is back in "
        "range. If it stays, have the supply checked; the charger itself is not at fault.",
    ),
    (
        "20&#160;&#160;Contactor Fault",
        "The contactor does not follow its command: it does not open (contacts welded) or does not close. With "
        "welded contacts the socket or the cable can carry voltage without a vehicle. Switch the charger off at "
        "its circuit breaker and have the contactor replaced. Do not reset the charger to clear this state.",
    ),
    (
        "21&#160;&#160;Error Charging",
        "An error in the charging process that the controller could not assign to another state. Restart the "
        "charger once &#8212; from the back office (Reset) or with the circuit breaker. If state 21 comes back "
        "after the restart, contact Alfen service with the charger's log.",
    ),
    (
        "22&#160;&#160;Power Failure",
        "The supply was lost during operation. The socket resumes when the supply returns. Check the upstream "
        "breaker and the grid if it does not.",
    ),
    (
        "23&#160;&#160;Error Temperature",
        "The internal temperature is too high. The charger first lowers the charging current; above the limit "
        "it stops. It continues by itself when it has cooled down. Keep the ventilation openings free and avoid "
        "direct sun on the housing. A restart does not help.",
    ),
    (
        "24&#160;&#160;Illegal CP Value",
        "The control pilot voltage is outside the values of IEC 61851-1 (for example a vehicle in state E or a "
        "faulty charging cable). Unplug the vehicle and plug it in again; if it repeats with one vehicle only, "
        "the vehicle or its cable must be checked.",
    ),
    (
        "25&#160;&#160;Illegal PP Value",
        "The proximity resistor of the plug does not have a valid value, so the cable's current rating is "
        "unknown. Use another charging cable.",
    ),
    (
        "26&#160;&#160;Too Many Restarts",
        "The charger has restarted the charging process too many times in a row and has given up. Another "
        "restart will not clear the cause: have the charger and the installation inspected on site and send "
        "the log to Alfen service.",
    ),
    (
        "27&#160;&#160;Error",
        "General error without further detail. Read the log in the Service Installer app before acting.",
    ),
    (
        "28&#160;&#160;Error Message",
        "An error text is shown on the display. Follow the text.",
    ),
    (
        "29&#160;&#160;Not Authorised",
        "The card or the remote start was not accepted by the back office. Not a charger fault.",
    ),
    (
        "30&#160;&#160;Cable Not Supported",
        "The cable plugged into the socket is not suitable (current rating too low for the configuration). Use "
        "a suitable cable.",
    ),
    (
        "31&#160;&#160;S2 Not Opened",
        "At the end of charging the vehicle did not open its switch S2 (it keeps requesting energy although "
        "the charger has stopped). This is a vehicle-side condition; unplug the vehicle. No action on the charger.",
    ),
    (
        "32&#160;&#160;Time-Out",
        "The vehicle did not answer within the time allowed by the charging sequence. Unplug and plug in again.",
    ),
    (
        "Numbers not listed",
        "States 33 and 35 to 43 are load-balancing and solar-charging states, not errors. Any other number is "
        "not defined for this firmware; report it to Alfen service.",
    ),
]


def story() -> list:
    flow: list = [Paragraph(TITLE, HEAD)]
    flow += [Paragraph(t, INTRO) for t in INTRO_TEXT]
    flow.append(HRFlowable(width="100%", thickness=0.6, spaceBefore=2, spaceAfter=4))
    flow.append(NextPageTemplate("columns"))
    flow.append(FrameBreak())
    for heading, text in SECTIONS:
        if text is None:
            flow.append(Paragraph(heading, SUB))
        else:
            flow.append(Paragraph(f"<b>{heading}</b>&#160;&#160;{text}", BODY))
    flow.append(Spacer(1, 4 * mm))
    flow.append(Paragraph("Alfen N.V. &#8212; Eve installation manual (excerpt, rewritten).", BODY))
    return flow


def _templates(doc: BaseDocTemplate) -> list[PageTemplate]:
    width, height = A4
    margin = 18 * mm
    gap = 8 * mm
    top_block = 62 * mm  # title + introduction on the first page
    col_w = (width - 2 * margin - gap) / 2
    first = [
        Frame(margin, height - margin - top_block, width - 2 * margin, top_block, id="top"),
        Frame(margin, margin, col_w, height - 2 * margin - top_block, id="c1"),
        Frame(margin + col_w + gap, margin, col_w, height - 2 * margin - top_block, id="c2"),
    ]
    later = [
        Frame(margin, margin, col_w, height - 2 * margin, id="l1"),
        Frame(margin + col_w + gap, margin, col_w, height - 2 * margin, id="l2"),
    ]
    return [PageTemplate(id="first", frames=first), PageTemplate(id="columns", frames=later)]


def render() -> bytes:
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        title="Eve status and error codes",
        author="chargemedic real-world corpus (facts: Alfen Eve; wording ours)",
    )
    doc.addPageTemplates(_templates(doc))
    doc.build(story())
    return buf.getvalue()


def main(argv: list[str]) -> int:
    return write_or_check(OUT, render(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
