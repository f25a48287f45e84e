# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the PDF of holdout 8 (written blind).

    .venv/bin/python evals/realworld/render8.py [--check]

* ``ge/durastation/durastation-wattstation-trouble-shooting.pdf`` — GE DuraStation / WattStation
  trouble-shooting chapter: A4 portrait, running header and footer ("Page N of M"), the text
  **flows in two columns** (two frames per page). No table: every code is a bold run-in heading
  ("Code 153 – Ground fault") followed by a paragraph of prose, and one heading names **a group
  of codes** ("Codes 143, 144, 145, 151, 152 – Communication controller failure"). A first
  section lists the six kinds of fault without codes.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 8
documents". Output is byte-for-byte deterministic (ReportLab ``invariant=1``, built-in Helvetica,
no host fonts); the PDF is built twice so that the footer can say "of M". ``--check`` writes
nothing and exits 1 when the committed PDF differs.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from pdf_output import counted, running_edges, template_options, write_or_check  # sibling module
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

HERE = Path(__file__).resolve().parent
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=14, leading=17, spaceAfter=6)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=10.5, leading=13, spaceBefore=7, spaceAfter=3)
TEXT = ParagraphStyle("text", fontName="Helvetica", fontSize=8.6, leading=11, spaceAfter=4)
ENTRY = ParagraphStyle("entry", parent=TEXT, spaceBefore=2)

GE_OUT = HERE / "corpus/ge/durastation/durastation-wattstation-trouble-shooting.pdf"
GAP_MM = 8


def _build(flow_factory, *, pagesize, margins_mm, header: str, footer: str, title: str, author: str, total: int | None = None) -> tuple[bytes, int]:
    """Build once with two column frames per page; return the bytes and the page count."""
    buf = io.BytesIO()
    pages: list[int] = []
    decorate = running_edges(pagesize, margins_mm, header, footer, total, pages)
    doc = BaseDocTemplate(buf, **template_options(pagesize, margins_mm, title, author))
    width = (doc.width - GAP_MM * mm) / 2
    left = Frame(doc.leftMargin, doc.bottomMargin, width, doc.height, id="left")
    right = Frame(doc.leftMargin + width + GAP_MM * mm, doc.bottomMargin, width, doc.height, id="right")
    doc.addPageTemplates([PageTemplate(id="twocol", frames=[left, right], onPage=decorate)])
    doc.build(flow_factory())
    return buf.getvalue(), max(pages) if pages else 0


def p(text: str, style=TEXT) -> Paragraph:
    return Paragraph(text, style)


def entry(heading: str, body: str) -> Paragraph:
    """A run-in entry: the code and its name in bold, then the prose on the same line."""
    return p(f"<b>{heading}</b><br/>{body}", ENTRY)


INTRO = [
    "This chapter applies to the GE DuraStation (pedestal and wall mount) and to the GE WattStation, networked and "
    "non-networked. When the station detects a fault it stops charging and the fault status indicator turns red. A "
    "networked station also reports the fault to its charging back office: the numeric code below is sent as the vendor "
    "error code and its name as the message text.",
    "Faults are of three kinds. <b>Hard faults</b> lock the station out until the charging plug is removed from the "
    "vehicle or the AC power is cycled. <b>Soft faults</b> clear when their cause is gone. <b>Alarms</b> report a condition "
    "that the controller handles by itself.",
]

KINDS = [
    ("1. Ground fault (self-correcting)", "The station detects ground faults with a threshold of 15 to 20 mA during charging. It stops charging and the fault indicator turns red. After four attempts to restart charging it locks out: no vehicle can be charged until the plug has been disconnected from the vehicle, and the indicator is solid red. If a ground fault is present immediately after charging begins, the station locks out at once. Service personnel should examine the vehicle and the charging cable to find the cause of repeated ground faults before the station is energised again."),
    ("2. Contactor closed when not charging (non-correcting)", "The station monitors that it supplies power to the connector only during a charging cycle. If it finds the connector supplied outside a charging cycle, it locks out until power has been cycled; the fault indicator is solid red. The connector can be live: do not unlock or re-enable the station before a qualified person has checked the contactor."),
    ("3. Self-test fault (non-correcting)", "The station monitors its own operation. If a self-test fails, it locks out and the fault indicator is solid red."),
    ("4. Over-voltage / under-voltage (self-correcting)", "The supply voltage is outside the permitted range. The station resumes by itself when the voltage is back in range."),
    ("5. Overload fault (non-correcting)", "The vehicle drew more current than allowed (see code 133)."),
    ("6. Fan fault (non-correcting)", "The vehicle requires ventilation that the station cannot provide (see code 142)."),
]

HARD = [
    ("Code 131 – Ground fault lockout", "Issued on the fifth ground fault of one charging cycle (see code 153), or when a ground fault is present immediately after charging begins. The station locks out; the charging plug has to be removed from the vehicle to clear the fault. Do not restart the station from the back office to clear it: have the vehicle and the charging cable examined first."),
    ("Ground fault self-test at power-up", "The ground fault protection circuit is also verified by the controller's self-test when power is applied. If this self-test fails, the fault behaves like a hard fault and the AC power has to be cycled to clear it. If the problem persists, check that the leads of the ground fault current transformer are connected to J10 and the self-test wire loop to J19 (polarity does not matter). A station whose ground fault protection cannot be verified must not be used."),
    ("Code 133 – Overcurrent trip", "The charge controller provides a secondary overload protection so that the internal fuses or the upstream branch breaker do not trip when a vehicle is defective. This fault means the controller detected an overcurrent and tripped. The charging plug must be removed from the vehicle to clear it. With the power removed, check the fuses too: some high-level faults are too fast for this secondary protection."),
    ("Code 134 – Pilot diode test failed", "SAE J1772 requires a diode in the vehicle's pilot circuit. Before every charging cycle the controller checks for it; if it is missing, this fault is issued. The charging plug must be removed from the vehicle to clear it."),
    ("Code 135 – Contactor won't close", "Each time the controller closes the contactor it checks that the auxiliary feedback (J11 pin 5) changes state. If it does not, this fault is issued. The charging plug must be removed from the vehicle to clear it."),
    ("Code 142 – Fan required to charge", "Some vehicles have batteries that outgas while charging; they take the pilot to State D (3 V) instead of State C (6 V). Indoors, such vehicles need facility ventilation. The charging plug must be removed from the vehicle to clear this fault."),
    ("Codes 143, 144, 145, 151, 152 – Communication controller failure", "Failure of the station's communication controller. If the fault does not clear by itself or when the connector is removed from the vehicle, cycle the power of the station (a Reset from the back office does the same on networked stations)."),
]

ALARMS = [
    ("Code 153 – Ground fault", "The controller detected a ground fault above the level allowed by UL 2231-2. The station implements CCID 20 protection: a 20 mA ground fault trips in under one second, higher currents faster. The controller recloses by itself after a 15-minute delay, at most four times per charging cycle; on the fifth ground fault it issues code 131 and the plug has to be removed from the vehicle."),
    ("Code 154 – Pilot transition violation", "The controller saw the pilot go from State A (12 V) straight to State C (6 V). Unless the station is configured to allow this transition (Simplified charging in the configuration tool), this alarm is issued. It clears by itself when the pilot returns to State A."),
    ("Code 155 – Pilot 0V feedback", "The controller measured zero volts on the pilot input. The controller cannot take the pilot to 0 V itself, so look for a short in the pilot wiring to J7; measure the resistance from the pilot conductor (J7 pin 1) to chassis ground (J7 pin 2). The problem can also be in the charging cord or on the vehicle side. The alarm clears by itself when the short is removed."),
    ("Code 211 – Overvoltage", "The controller measured an AC line voltage above the permitted range. The station does not charge while the voltage is too high and resumes when it is back in range; nothing is to be done on the station."),
]


def ge_story() -> list:
    flow: list = [p("7&#160;&#160;Trouble-shooting", TITLE)]
    flow += [p(t) for t in INTRO]
    flow.append(p("7.1&#160;&#160;Kinds of fault", H1))
    flow += [entry(h, b) for h, b in KINDS]
    flow.append(p("7.2&#160;&#160;Hard faults and soft faults", H1))
    flow += [entry(h, b) for h, b in HARD]
    flow.append(p("7.3&#160;&#160;Alarms", H1))
    flow += [entry(h, b) for h, b in ALARMS]
    flow.append(p("Codes that are not listed in this chapter are not described here; note the code and the firmware version and contact GE service before restarting the station again."))
    return flow


def render_all() -> list[tuple[Path, bytes]]:
    author = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"
    data = counted(
        _build,
        flow_factory=ge_story,
        pagesize=A4,
        margins_mm=(16, 22),
        header="GE Industrial Solutions  |  DuraStation / WattStation EV charger  |  Operation and maintenance",
        footer="7 Trouble-shooting",
        title="GE DuraStation and WattStation trouble-shooting",
        author=author,
    )
    return [(GE_OUT, data)]


def main(argv: list[str]) -> int:
    rc = 0
    for out, data in render_all():
        rc |= write_or_check(out, data, argv)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
