# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the three PDFs of holdout 6 (written blind).

    .venv/bin/python evals/realworld/render6.py [--check]

* ``alpitronic/hypercharger/hyc-ocpp-error-codes.pdf`` — alpitronic hypercharger OCPP error codes:
  A4 **landscape**, running header and footer ("Page N of M"), an introduction, then one five-column
  table (errorCode | ocppName | Category | Possible cause | Measure) whose cells wrap over several
  lines and in which **one code has several cause/measure rows** (the code cell only on the first
  row), ranges in the code cell (``24 – 29``); then a troubleshooting chapter in prose under numbered
  headings.
* ``siemens/versicharge/versicharge-fault-handling.pdf`` — Siemens VersiCharge fault handling:
  US Letter portrait, running header and footer, a one-column first page, then a **two-column page**
  with numbered headings and prose (no table at all, no codes: the fault is told by the indicators).
* ``ohme/epod/epod-protection-and-lights.pdf`` — Ohme ePod installer notes: A4 portrait, running
  header and footer, numbered sections in prose (RCD, PEN fault, overcurrent, CT clamp), then a small
  lights table.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 6
documents". Output is byte-for-byte deterministic (ReportLab ``invariant=1``, built-in Helvetica,
no host fonts); each PDF is built twice so that the footer can say "of M". ``--check`` writes
nothing and exits 1 when any committed PDF differs.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from pdf_output import (  # sibling module: these run as scripts
    counted,
    ruled_table,
    running_edges,
    template_options,
    write_or_check,
)
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)

HERE = Path(__file__).resolve().parent
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.3, leading=10.4)
CELLB = ParagraphStyle("cellb", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=6)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4)
H2 = ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=9.8, leading=12, spaceBefore=6, spaceAfter=2)
TEXT = ParagraphStyle("text", fontName="Helvetica", fontSize=9, leading=11.8, spaceAfter=4)
NOTE = ParagraphStyle("note", fontName="Helvetica-Oblique", fontSize=8, leading=10, spaceBefore=4)


# --------------------------------------------------------------------------- document build


def _build(
    flow_factory,
    *,
    pagesize,
    margins_mm,
    header: str,
    footer: str,
    title: str,
    author: str,
    two_column_from_page: int | None = None,
    total: int | None = None,
) -> tuple[bytes, int]:
    """Build once; return the bytes and the page count. ``total`` fills "of M" in the footer."""
    buf = io.BytesIO()
    pages: list[int] = []
    decorate = running_edges(pagesize, margins_mm, header, footer, total, pages)

    doc = BaseDocTemplate(buf, **template_options(pagesize, margins_mm, title, author))
    one = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="one")
    gap = 8 * mm
    col = (doc.width - gap) / 2
    left = Frame(doc.leftMargin, doc.bottomMargin, col, doc.height, id="left")
    right = Frame(doc.leftMargin + col + gap, doc.bottomMargin, col, doc.height, id="right")
    doc.addPageTemplates(
        [
            PageTemplate(id="onecol", frames=[one], onPage=decorate),
            PageTemplate(id="twocol", frames=[left, right], onPage=decorate),
        ]
    )
    doc.build(flow_factory())
    return buf.getvalue(), max(pages) if pages else 0


def render_pdf(flow_factory, **kw) -> bytes:
    return counted(_build, flow_factory=flow_factory, **kw)


def p(text: str, style=BODY) -> Paragraph:
    return Paragraph(text, style)


# --------------------------------------------------------------------------- alpitronic

ALPI_OUT = HERE / "corpus/alpitronic/hypercharger/hyc-ocpp-error-codes.pdf"

ALPI_INTRO = [
    "This document lists the error codes that the hypercharger (HYC series) reports to the OCPP back office with "
    "software version 2.2.x. It is meant for charge point operators and service partners.",
    "With OCPP 1.6 the station sends the number of the column <b>errorCode</b> as <i>vendorErrorCode</i> of the "
    "StatusNotification and the text of the column <b>ocppName</b> as <i>info</i>; the standard <i>errorCode</i> "
    "field is usually <i>OtherError</i>. With OCPP 2.0.1 the same number is sent as <i>techCode</i> and the name "
    "as <i>techInfo</i> of the NotifyEvent. Numbers are decimal.",
    "Several numbers share one ocppName; the number tells the detailed cause to alpitronic service. Numbers that "
    "are not listed are reserved. If the station reports a number that is not in this list, note it and contact "
    "alpitronic service; do not try to clear it by repeated resets.",
]

ALPI_HEADER = ["errorCode", "ocppName", "Category", "Possible cause", "Measure"]
# (code, name, category, cause, measure); code "" = continuation row of the code above
ALPI_ROWS = [
    ("0", "No Error", "&#8212;", "No error present.", "None."),
    (
        "1",
        "PLC Error",
        "Vehicle communication",
        "The powerline communication (PLC) with the vehicle could not be set up.",
        "Ask the driver to unplug and start a new session. If many different vehicles are affected, inform service.",
    ),
    (
        "2",
        "SLAC Error",
        "Vehicle communication",
        "SLAC matching between the station and the vehicle modem failed.",
        "As for 1.",
    ),
    (
        "3",
        "SLAC interrupted",
        "Vehicle communication",
        "SLAC matching was interrupted before it completed.",
        "As for 1.",
    ),
    ("4, 5", "Link Error", "Vehicle communication", "The data link to the vehicle was lost.", "As for 1."),
    (
        "6, 7",
        "SDP Error",
        "Vehicle communication",
        "The vehicle did not find the station's service (SDP).",
        "As for 1.",
    ),
    (
        "8 &#8211; 13",
        "TCP Error",
        "Vehicle communication",
        "The TCP connection to the vehicle could not be opened or was closed.",
        "As for 1.",
    ),
    (
        "14",
        "V2G Error",
        "Vehicle communication",
        "An ISO 15118 / DIN 70121 message from the vehicle was missing or invalid.",
        "As for 1.",
    ),
    (
        "15",
        "Lock Fault",
        "Connector lock",
        "The connector lock did not report &#8220;locked&#8221; after the connector was plugged in.",
        "Ask the driver to plug the connector in again firmly.",
    ),
    (
        "",
        "",
        "",
        "The connector lock did not release at the end of the session; the connector is held in the vehicle inlet.",
        "Send an unlock command (UnlockConnector) from the back office. If the connector stays locked, send service.",
    ),
    (
        "16, 17",
        "Lock Fault",
        "Connector lock",
        "Feedback of the connector lock is implausible.",
        "As for 15.",
    ),
    (
        "18",
        "Isolation Fault",
        "Safety",
        "The insulation resistance of the DC output to PE was below the limit during the cable check before charging.",
        "Do not restart the station. Take the charge point out of service and have the cable, the connector and the DC path checked by a qualified electrician.",
    ),
    (
        "",
        "",
        "",
        "Moisture or dirt in the connector or in the vehicle inlet.",
        "Do not charge again with this connector until it has been inspected and dried by service.",
    ),
    (
        "",
        "",
        "",
        "The insulation monitoring device itself reports a fault.",
        "Take the charge point out of service; service replaces the insulation monitoring device.",
    ),
    (
        "19",
        "Stack Error",
        "Controller",
        "The communication stack of the charging controller reported an internal error.",
        "Restart the station (Reset from the back office). If the error returns, contact service.",
    ),
    ("20", "Cable Error", "Charging cable", "The charging cable reports an error.", "Contact service."),
    (
        "23",
        "Authorization Timeout",
        "Authorisation",
        "The session was not authorised within the allowed time after plug-in.",
        "None. The driver starts a new session.",
    ),
    (
        "24 &#8211; 29",
        "Isolation Fault",
        "Safety",
        "Insulation fault of the DC output detected during charging (24&#8211;29 give the detailed measurement).",
        "As for 18: do not restart; take out of service; electrician.",
    ),
    (
        "30 &#8211; 34, 36",
        "Cooler Error",
        "Cooling",
        "The cooling unit of the power electronics reports an error (pump, fan or coolant temperature). Charging power is reduced or charging stops.",
        "None from the back office. The station resumes when the cooling is back in range. If the error stays, service checks the cooling unit.",
    ),
    (
        "39",
        "Surge Arrester Error",
        "Installation protection",
        "The surge protective device has tripped or reached the end of its life.",
        "Have the surge protective device checked and replaced by a qualified electrician.",
    ),
    (
        "40",
        "ISO Selftest Cable Plugged",
        "Information",
        "The periodic insulation self-test could not run because a connector was plugged in.",
        "None. The self-test runs again when the connector is back in its holster.",
    ),
    (
        "41",
        "Meter Pairing Error",
        "Meter",
        "The DC meter could not be paired with the controller.",
        "Contact service.",
    ),
    (
        "42",
        "Meter Eichlog full",
        "Meter",
        "The calibration-law log of the meter is full.",
        "Contact service; the log has to be read out.",
    ),
    (
        "43",
        "Meter communication Error",
        "Meter",
        "No communication with the DC meter.",
        "Restart the station (Reset from the back office). If the error returns after the restart, contact service.",
    ),
    (
        "44",
        "Meter fatal Error",
        "Meter",
        "The DC meter reports a fatal internal error.",
        "A restart does not clear this error. Contact service: the meter must be replaced.",
    ),
    (
        "45 &#8211; 47",
        "Meter &#8230; Error",
        "Meter",
        "45 full charging, 46 no pairing, 47 latest start charge refused.",
        "Contact service.",
    ),
    (
        "50",
        "EV Error voltage present",
        "Safety",
        "Voltage was measured at the connector before the contactors closed (voltage coming from the vehicle side or a stuck contactor).",
        "Do not restart and do not unlock from the back office. Take the charge point out of service; have the contactors and the vehicle checked.",
    ),
    (
        "51",
        "EV Error other",
        "Vehicle",
        "The vehicle stopped the session with an error.",
        "None. Ask the driver to try again; check the vehicle.",
    ),
    (
        "52",
        "EV Wrong voltage requested",
        "Vehicle",
        "The vehicle requested a voltage outside the station's range.",
        "None. Vehicle-side problem.",
    ),
    (
        "53",
        "EV Wrong CP state",
        "Vehicle",
        "The control pilot (CP) state of the vehicle was not the expected one.",
        "None. Ask the driver to unplug and plug in again.",
    ),
    (
        "54",
        "EV Wrong precharge voltage",
        "Vehicle",
        "The vehicle reported an implausible precharge voltage.",
        "None. Vehicle-side problem.",
    ),
    (
        "55",
        "EV No current flow",
        "Vehicle",
        "The vehicle did not draw current after the start.",
        "None. Vehicle-side problem.",
    ),
    (
        "60",
        "Cable communication Error",
        "Charging cable",
        "No communication with the cable's monitoring electronics.",
        "Contact service.",
    ),
    (
        "61",
        "Cable leakage Error",
        "Charging cable",
        "The liquid-cooled charging cable reports a coolant leak.",
        "Do not charge with this cable. Take the charge point out of service; service checks the cable and its cooling circuit.",
    ),
    (
        "62",
        "Cable temphigh Error",
        "Charging cable",
        "The temperature of the charging cable or connector is too high; charging power is reduced or charging stops.",
        "None. Charging resumes when the cable has cooled down.",
    ),
    (
        "63 &#8211; 65",
        "Cable temp&#8230; Error",
        "Charging cable",
        "63 temperature difference, 64 DC temperature sensor, 65 housing temperature sensor.",
        "Contact service if the error stays.",
    ),
    (
        "198",
        "EmergencyStopCP_Unplug",
        "Vehicle",
        "Emergency stop of the session: the control pilot was lost because the connector was pulled out during charging.",
        "None. Start a new session.",
    ),
    (
        "199, 200",
        "EmergencyStopCP_&#8230;",
        "Vehicle",
        "199 CP error, 200 CP lost before the charging loop.",
        "None. Start a new session; check the vehicle if it repeats.",
    ),
]

ALPI_TROUBLE = [
    (
        "1",
        "Isolation faults (18, 24 &#8211; 29)",
        [
            "Before every DC session the station measures the insulation between the DC output and protective earth (cable check). "
            "If the insulation is too low, the station does not close its contactors and reports 18; during charging the insulation "
            "monitoring reports 24 to 29. An insulation fault means that a live DC conductor may be connected to accessible parts.",
            "Never clear an isolation fault with a reset or by re-enabling the charge point from the back office. Set the charge point "
            "out of service and send a qualified electrician. Check the connector for moisture, damage and dirt first.",
        ],
    ),
    (
        "2",
        "Voltage at the connector before charging (50)",
        [
            "The station measures the voltage at the connector before it closes its contactors. Voltage at this moment comes from the "
            "vehicle or from a contactor that did not open. Keep the charge point out of service until the contactors have been checked.",
        ],
    ),
    (
        "3",
        "Cooling and cable temperature (30 &#8211; 36, 61 &#8211; 65)",
        [
            "Cooler errors and high cable temperatures reduce the charging power and clear themselves when the temperature is back in "
            "range; no remote action is needed. A coolant leak of the cable (61) is different: the cable must not be used until it has "
            "been inspected.",
        ],
    ),
    (
        "4",
        "Meter errors (41 &#8211; 47)",
        [
            "A communication error with the DC meter (43) can be cleared with one restart. If it returns after the restart, do not "
            "restart again: the meter or its wiring has to be checked by service. A fatal meter error (44) is never cleared by a restart.",
        ],
    ),
    (
        "5",
        "Lock faults (15 &#8211; 17)",
        [
            "If the connector stays locked in the vehicle after the session, send one UnlockConnector command. If it does not release, "
            "send service; do not repeat the command in a loop.",
        ],
    ),
]


def alpi_story() -> list:
    flow: list = [p("hypercharger HYC &#8212; OCPP error codes, software version 2.2.x", TITLE)]
    flow += [p(t, TEXT) for t in ALPI_INTRO]
    flow.append(p("Table 1: Error codes reported to the back office", H1))
    data = [[p(h, CELLB) for h in ALPI_HEADER]]
    spans = []
    row_index = 0
    start = None
    for code, name, cat, cause, measure in ALPI_ROWS:
        row_index += 1
        if code:
            if start is not None and row_index - 1 > start:
                spans.append((start, row_index - 1))
            start = row_index
        data.append([p(code, CELLB), p(name, CELLB), p(cat), p(cause), p(measure)])
    if start is not None and row_index > start:
        spans.append((start, row_index))
    table = ruled_table(data, [22, 44, 32, 85, 85], padding=(2.5, 3))
    style = []
    for a, b in spans:
        for c in range(3):
            style.append(("SPAN", (c, a), (c, b)))
    table.setStyle(TableStyle(style))
    flow += [table, Spacer(1, 4)]
    flow.append(
        p(
            "A code cell that spans several rows has several possible causes; the measure is on the row of each cause.",
            NOTE,
        )
    )
    flow.append(PageBreak())
    flow.append(p("Troubleshooting", H1))
    for num, head, paras in ALPI_TROUBLE:
        flow.append(p(f"{num}&#160;&#160;{head}", H2))
        flow += [p(t, TEXT) for t in paras]
    return flow


# --------------------------------------------------------------------------- Siemens VersiCharge

SIE_OUT = HERE / "corpus/siemens/versicharge/versicharge-fault-handling.pdf"

SIE_FIRST = [
    "The VersiCharge protects the vehicle, the installation and the user by disconnecting power automatically when it detects a "
    "fault. This chapter describes what the unit does after a fault, how the indicators on the front panel and the halo show it, "
    "and how the unit is reset.",
    "The VersiCharge has no display for error codes. The type of fault is told by the <b>Fault</b> indicator, the delay timer "
    "indicators (<b>2 Hour Delay</b>, <b>4 Hour Delay</b>) and the colour of the <b>halo</b>. Units connected to a charging network "
    "report the fault to the back office in the status notification; the indicator state is given in the message text.",
]

SIE_SECTIONS = [
    (
        "4.3.1",
        "What happens when a fault occurs",
        [
            "If a fault occurs during charging, the VersiCharge disconnects power from the vehicle &#8212; an audible click can be heard "
            "&#8212; and changes to the <i>Fault</i> state.",
            "The unit recovers by itself as soon as all faults have cleared, and returns to normal operation. This applies to every fault "
            "except grounding faults (section 4.3.2).",
        ],
    ),
    (
        "4.3.2",
        "Grounding faults: automatic retry",
        [
            "After a grounding fault the VersiCharge waits 15 minutes and then tries to continue charging. If no fault is present, it "
            "returns to the <i>Charging</i> state.",
            "During the 15-minute wait the <b>Fault</b> indicator blinks, the <b>2 Hour Delay</b> indicator is lit and the halo blinks "
            "red at the same time.",
        ],
    ),
    (
        "4.3.3",
        "Grounding faults: lockout",
        [
            "If the fault is still present immediately after the unit has re-entered the <i>Charging</i> state, the VersiCharge returns "
            "to the <i>Fault</i> state and stays there until it is reset by hand.",
            "In this state the <b>Fault</b> indicator is lit red, the <b>4 Hour Delay</b> indicator is lit and the halo is lit in a "
            "constant red.",
        ],
    ),
    (
        "4.3.4",
        "Resetting the unit",
        [
            "Press the <b>Pause</b> button: the unit goes to the <i>Pause</i> state. Press <b>Pause</b> again: the unit goes to "
            "<i>Ready to Charge</i> and starts charging by itself if the vehicle requests a charge.",
            "The unit can also be reset by switching off the circuit breaker that feeds it and switching it on again.",
            "Some vehicles wait before they start charging again after the <i>Pause</i> state; see the vehicle's manual.",
        ],
    ),
    (
        "4.3.5",
        "If faults keep coming back",
        [
            "If the unit keeps going to the <i>Fault</i> state immediately after a reset, stop using it and contact a qualified person "
            "(licensed electrician) for assistance. A grounding fault that returns means that current may be flowing to earth through the "
            "vehicle, the cable or the installation.",
        ],
    ),
    (
        "4.3.6",
        "Reading the indicators",
        [
            "The delay timer indicators combined with the <b>Fault</b> indicator give more information on the type of fault. "
            "Combinations other than those described in 4.3.2 and 4.3.3 are not listed in this manual: note the indicators that are lit "
            "and call customer support for details.",
        ],
    ),
]


def sie_story() -> list:
    flow: list = [p("4.3 Fault handling", TITLE)]
    flow += [p(t, TEXT) for t in SIE_FIRST]
    flow.append(
        p(
            "<b>WARNING</b> &#8212; Hazardous voltage. Only a licensed electrician may open the unit or work on its supply. "
            "Switch off the circuit breaker feeding the unit before any work.",
            NOTE,
        )
    )
    flow.append(NextPageTemplate("twocol"))
    flow.append(PageBreak())
    for num, head, paras in SIE_SECTIONS:
        flow.append(p(f"{num}&#160;&#160;{head}", H2))
        flow += [p(t, TEXT) for t in paras]
    return flow


# --------------------------------------------------------------------------- Ohme ePod

OHME_OUT = HERE / "corpus/ohme/epod/epod-protection-and-lights.pdf"

OHME_SECTIONS = [
    ("5", "Protection functions", None),
    (
        "5.1",
        "Residual current protection (RCD)",
        [
            "The ePod has a built-in residual current device: Type A 30 mA for AC residual current and 6 mA for smooth DC residual "
            "current. The device is certified as an RCD-DD to IEC 62955.",
            "To avoid blinding of an upstream RCD, any upstream RCD should be at least Type A. Type AC RCDs may saturate and fail to operate "
            "in the presence of smooth DC currents below 6 mA.",
            "When the built-in RCD has operated, the unit is reset by power cycling (switch the supply off, wait 5 seconds, switch it on) or "
            "by unplugging the vehicle and plugging it in again. A residual current that trips the device again after the reset must be "
            "found by an electrician before the charger is used again.",
        ],
    ),
    (
        "5.2",
        "Earthing arrangement and PEN fault detection",
        [
            "The ePod has a built-in PEN fault detection function as described in 722.411.4.1 (iv) of the Wiring Regulations (BS 7671, "
            "18th edition). When the supply voltage is greater than 253 V or less than 207 V, the unit disconnects the vehicle from the live, "
            "neutral and earth conductors. The unit can therefore be connected to the PME earth of TN-C-S single-phase supplies.",
            "A PEN fault (broken combined neutral and earth conductor of the supply) can raise the potential of the vehicle body. The "
            "distribution network operator and an electrician have to be informed.",
        ],
    ),
    (
        "5.3",
        "Overcurrent protection",
        [
            "The ePod provides no overcurrent protection of its own. Separate protection is part of the installation: a 40 A Type B MCB "
            "is recommended.",
        ],
    ),
    (
        "5.4",
        "Load balancing (CT clamp)",
        [
            "A current sensor (CT clamp) measures the demand of the property or sub-board. The unit limits the current available to the "
            "vehicle so that the household demand stays below the set fuse value.",
            "Once load balancing is active, if the CT clamp is removed or faulty the unit reverts to 16 A. Make sure that the spare capacity "
            "of the supply is at least 16 A. Charging continues at 16 A; refit or replace the clamp at the next visit.",
        ],
    ),
    ("6", "Lights and buttons", None),
]

OHME_LIGHTS = [
    ("Green, steady", "Charger ready to be connected."),
    ("Green, moving left to right", "Smart charging session in progress."),
    ("Green, flashing", "Charging complete."),
    ("Blue, steady", "Smart charging session delayed to a later start."),
]


def ohme_story() -> list:
    flow: list = [p("Ohme ePod &#8212; protection functions, lights and buttons", TITLE)]
    flow.append(p("Extract from the installation manual. For installers and service staff.", TEXT))
    for num, head, paras in OHME_SECTIONS:
        flow.append(p(f"{num}&#160;&#160;{head}", H1 if paras is None else H2))
        if paras:
            flow += [p(t, TEXT) for t in paras]
    flow.append(p("6.1&#160;&#160;Buttons", H2))
    flow.append(
        p(
            "The front of the ePod has three buttons: Start, Pause and Stop. Press Start for smart charging, hold Start for 3 "
            "seconds for max charge, press Pause to pause the session, press Stop to cancel the session. Hold Stop for 3 seconds "
            "to restart the charger.",
            TEXT,
        )
    )
    flow.append(p("6.2&#160;&#160;Lights", H2))
    data = [[p("Light", CELLB), p("Meaning", CELLB)]] + [[p(a), p(b)] for a, b in OHME_LIGHTS]
    flow += [ruled_table(data, [60, 100], padding=(2.5, 3)), Spacer(1, 4)]
    flow.append(
        p(
            "The Ohme app (My charger) shows the meaning of every other colour and sequence of the lights.",
            NOTE,
        )
    )
    return flow


def render_all() -> list[tuple[Path, bytes]]:
    author = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"
    documents = [  # (output, story, page size, margins mm, running header, footer, title)
        (
            ALPI_OUT,
            alpi_story,
            landscape(A4),
            (14, 20),
            "alpitronic  |  hypercharger HYC  |  OCPP error codes  |  software 2.2.x",
            "EN-HYC-XX-MAN-OCPP Error Codes",
            "hypercharger OCPP error codes",
        ),
        (
            SIE_OUT,
            sie_story,
            LETTER,
            (18, 22),
            "Siemens VersiCharge  |  Installation and Operations Manual  |  4 Operation",
            "VersiCharge fault handling",
            "VersiCharge fault handling",
        ),
        (
            OHME_OUT,
            ohme_story,
            A4,
            (18, 22),
            "Ohme ePod  |  Installation manual (extract)",
            "ePod protection functions and lights",
            "Ohme ePod protection and lights",
        ),
    ]
    return [
        (
            out,
            render_pdf(
                story,
                pagesize=size,
                margins_mm=margins,
                header=header,
                footer=footer,
                title=title,
                author=author,
            ),
        )
        for out, story, size, margins, header, footer, title in documents
    ]


def main(argv: list[str]) -> int:
    rc = 0
    for out, data in render_all():
        rc |= write_or_check(out, data, argv)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
