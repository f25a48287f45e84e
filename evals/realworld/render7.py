# ruff: noqa: E501 — the document text is data: its sentences stay whole, one per line
"""Render the three PDFs of holdout 7 (written blind).

    .venv/bin/python evals/realworld/render7.py [--check]

* ``nrgkick/gen2/nrgkick-gen2-error-and-warning-codes.pdf`` — NRGkick Gen2 (DiniTech) error and
  warning values: A4 portrait, running header and footer ("Page N of M"); an error table
  (Code | Name | Meaning | What to do) long enough to **continue over a page break with its header
  repeated**, then a **second table with other columns** for the warnings (Meaning | Value |
  Warning | Charging — the value column not first), and a small residual-current table.
* ``xcheng/xcheng-ac-charger-lights-and-app-states.pdf`` — X-Cheng AC charging pile: A4
  **landscape**, a **matrix** (state x light board: three light-board columns) followed by a
  second table of fault substates as the app shows them (no light column), and notes.
* ``evbox/elvi/elvi-led-ring-and-troubleshooting.pdf`` — EVBox Elvi: A4 portrait, one table whose
  key column is **not first** (What it means | LED ring | What to do), then a troubleshooting
  paragraph.

The text is ours; the facts and every addition of ours are in SOURCES.md, section "Holdout 7
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
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

HERE = Path(__file__).resolve().parent
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.3, leading=10.4)
CELLB = ParagraphStyle("cellb", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=6)
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4)
TEXT = ParagraphStyle("text", fontName="Helvetica", fontSize=9, leading=11.8, spaceAfter=4)
NOTE = ParagraphStyle("note", fontName="Helvetica-Oblique", fontSize=8, leading=10, spaceBefore=4)


def _build(
    flow_factory,
    *,
    pagesize,
    margins_mm,
    header: str,
    footer: str,
    title: str,
    author: str,
    total: int | None = None,
) -> tuple[bytes, int]:
    """Build once; return the bytes and the page count. ``total`` fills "of M" in the footer."""
    buf = io.BytesIO()
    pages: list[int] = []
    decorate = running_edges(pagesize, margins_mm, header, footer, total, pages)

    doc = BaseDocTemplate(buf, **template_options(pagesize, margins_mm, title, author))
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="one")
    doc.addPageTemplates([PageTemplate(id="onecol", frames=[frame], onPage=decorate)])
    doc.build(flow_factory())
    return buf.getvalue(), max(pages) if pages else 0


def render_pdf(flow_factory, **kw) -> bytes:
    return counted(_build, flow_factory=flow_factory, **kw)


def p(text: str, style=BODY) -> Paragraph:
    return Paragraph(text, style)


def table(header: list[str], rows: list[tuple], widths: list[float]):
    data = [[p(h, CELLB) for h in header]]
    for row in rows:
        data.append([p(row[0], CELLB)] + [p(c) for c in row[1:]])
    return ruled_table(data, widths, padding=(2.5, 3))


# --------------------------------------------------------------------------- NRGkick Gen2

NRG_OUT = HERE / "corpus/nrgkick/gen2/nrgkick-gen2-error-and-warning-codes.pdf"

NRG_INTRO = [
    "The NRGkick Gen2 reports the fault it has detected in three values of its local interface (JSON API and Modbus TCP): "
    "<b>error_code</b> (Modbus register 257), <b>warning_code</b> (register 256) and <b>rcd_trigger</b> (register 255). "
    "While an error is present the charging status is 6 (ERROR) and the vehicle is not charged; a warning does not stop charging "
    "by itself.",
    "When the NRGkick is connected to a charging back office through an OCPP gateway, the number of the error is forwarded as "
    "the vendor error code (OCPP 1.6 <i>vendorErrorCode</i>, OCPP 2.0.1 <i>techCode</i>) and its name as the message text "
    "(<i>info</i> / <i>techInfo</i>). Values are decimal.",
    "Values that are not listed in Table 1 or Table 2 are not assigned. If the unit reports a value that is not listed, note "
    "it together with the firmware version and contact NRGkick support; do not try to clear it by repeated restarts.",
    "<b>Safety.</b> The NRGkick has its own residual current protection (RCD), protective earth (PE) check and relay test. "
    "An error of these functions means that the unit may no longer protect against electric shock: stop using the unit and "
    "the supply socket until both have been checked by a qualified electrician. Do not restart, reset or re-enable it from "
    "the app or the back office.",
]

NRG_ERRORS = [
    ("0", "NO_ERROR", "No error present.", "None."),
    (
        "1",
        "GENERAL_ERROR",
        "General error of the device electronics.",
        "Restart the NRGkick once (restart from the app or the back office, or disconnect it from the supply for 10 seconds). If the error returns after the restart, contact NRGkick support.",
    ),
    (
        "2",
        "32A_ATTACHMENT_ON_16A_UNIT",
        "A 32 A attachment is connected to a unit rated for 16 A.",
        "Use an attachment that matches the rating of the unit. A restart does not clear this error.",
    ),
    (
        "3",
        "VOLTAGE_DROP_DETECTED",
        "The supply voltage dropped strongly while charging (weak supply line, long or thin extension cable, loose socket).",
        "None from the back office. Charging resumes when the supply is stable; check the supply socket and do not use extension cables.",
    ),
    (
        "4",
        "UNPLUG_DETECTION_TRIGGERED",
        "The unit detected that its supply plug or attachment was pulled out while charging.",
        "None. Plug the unit in again and start a new session.",
    ),
    (
        "5",
        "TYPE2_NOT_AUTHORIZED",
        "The Type 2 attachment is not enabled for this unit.",
        "None from the back office. Contact NRGkick support to enable the attachment.",
    ),
    (
        "16",
        "RESIDUAL_CURRENT_DETECTED",
        "The residual current device (RCD) of the NRGkick tripped: a fault current flowed to earth through the vehicle, the cable or the installation. The type and size of the residual current is given in rcd_trigger (Table 3).",
        "Safety fault. Do not restart or re-enable the unit remotely. Take the charging point out of service; the vehicle, the cable and the supply socket must be checked by a qualified electrician before it is used again.",
    ),
    (
        "32",
        "CP_SIGNAL_VOLTAGE_ERROR",
        "The voltage of the control pilot (CP) signal is outside the permitted range.",
        "None from the back office. Unplug the vehicle and plug it in again; if the error only occurs with one vehicle, have the vehicle checked.",
    ),
    (
        "33",
        "CP_SIGNAL_IMPERMISSIBLE",
        "The vehicle answered with a control pilot state that is not permitted.",
        "As for 32.",
    ),
    (
        "34",
        "EV_DIODE_FAULT",
        "The diode of the vehicle in the control pilot circuit is missing or short-circuited.",
        "As for 32: a vehicle-side fault.",
    ),
    (
        "48",
        "PE_SELF_TEST_FAILED",
        "The protective earth (PE) check at start-up failed: no earth or a faulty earth at the supply socket.",
        "Safety fault. Do not charge. Have the socket and its earth conductor checked by a qualified electrician.",
    ),
    (
        "49",
        "RCD_SELF_TEST_FAILED",
        "The self-test of the built-in residual current device failed: residual current protection is not assured.",
        "Safety fault. Do not charge and do not restart to clear the error; the unit must be inspected by NRGkick service.",
    ),
    (
        "50",
        "RELAY_SELF_TEST_FAILED",
        "The relay test failed: a relay did not open or did not close as commanded (a welded relay keeps the vehicle connector live).",
        "Safety fault. Do not charge; do not restart. Disconnect the unit from the supply and send it to NRGkick service.",
    ),
    (
        "51",
        "PE_AND_RCD_SELF_TEST_FAILED",
        "The PE check and the RCD self-test both failed.",
        "Safety fault: as for 48 and 49.",
    ),
    (
        "52",
        "PE_AND_RELAY_SELF_TEST_FAILED",
        "The PE check and the relay test both failed.",
        "Safety fault: as for 48 and 50.",
    ),
    (
        "53",
        "RCD_AND_RELAY_SELF_TEST_FAILED",
        "The RCD self-test and the relay test both failed.",
        "Safety fault: as for 49 and 50.",
    ),
    (
        "54",
        "PE_AND_RCD_AND_RELAY_SELF_TEST_FAILED",
        "All three start-up tests failed (PE, RCD and relay).",
        "Safety fault: as for 48, 49 and 50.",
    ),
    (
        "64",
        "SUPPLY_VOLTAGE_ERROR",
        "The supply voltage is not plausible.",
        "None from the back office. Check the supply; charging starts when the voltage is in range.",
    ),
    (
        "65",
        "PHASE_SHIFT_ERROR",
        "The phase angle between the phases of the supply is not the expected one (phase order or a missing phase).",
        "None from the back office. Have the three-phase socket checked if the error stays.",
    ),
    (
        "66",
        "OVERVOLTAGE_DETECTED",
        "The supply voltage is above the permitted range.",
        "None. The unit waits until the supply voltage is back in range.",
    ),
    (
        "67",
        "UNDERVOLTAGE_DETECTED",
        "The supply voltage is below the permitted range.",
        "None. The unit waits until the supply voltage is back in range.",
    ),
    (
        "68",
        "OVERVOLTAGE_WITHOUT_PE_DETECTED",
        "Over-voltage measured while no protective earth is detected: typical of a broken neutral or a miswired socket.",
        "Safety fault. Do not charge; have the supply socket checked by a qualified electrician.",
    ),
    (
        "69",
        "UNDERVOLTAGE_WITHOUT_PE_DETECTED",
        "Under-voltage measured while no protective earth is detected.",
        "Safety fault: as for 68.",
    ),
    (
        "70",
        "UNDERFREQUENCY_DETECTED",
        "The supply frequency is below the permitted range.",
        "None. The unit waits for the supply frequency to return to range.",
    ),
    ("71", "OVERFREQUENCY_DETECTED", "The supply frequency is above the permitted range.", "As for 70."),
    ("72", "UNKNOWN_FREQUENCY_TYPE", "The supply frequency could not be classified.", "As for 70."),
    (
        "73",
        "UNKNOWN_GRID_TYPE",
        "The type of supply (single-phase, three-phase) could not be recognised.",
        "None from the back office. Check the supply socket and the attachment.",
    ),
    (
        "80",
        "GENERAL_OVERTEMPERATURE",
        "The unit is too hot; charging stops.",
        "None. Charging resumes when the unit has cooled down. Keep it out of direct sun.",
    ),
    (
        "81",
        "HOUSING_OVERTEMPERATURE",
        "The temperature inside the housing is too high; charging stops.",
        "As for 80.",
    ),
    (
        "82",
        "ATTACHMENT_OVERTEMPERATURE",
        "The temperature of the attachment (plug adapter) is too high; charging stops.",
        "As for 80. Check that the attachment is fully inserted.",
    ),
    (
        "83",
        "DOMESTIC_PLUG_OVERTEMPERATURE",
        "The temperature of the domestic (Schuko) plug is too high; charging stops.",
        "As for 80. If it happens repeatedly, have the socket checked.",
    ),
]

NRG_WARNINGS = [  # (meaning, value, warning, charging)
    ("No warning.", "0", "NO_WARNING", "Normal."),
    (
        "No protective earth was detected at the supply.",
        "1",
        "NO_PE",
        "Safety: do not charge until the earth of the socket has been checked by a qualified electrician.",
    ),
    (
        "The load management limits the charging current to protect the house fuse.",
        "2",
        "BLACKOUT_PROTECTION",
        "Continues at reduced current.",
    ),
    (
        "The energy limit set for the session has been reached.",
        "3",
        "ENERGY_LIMIT_REACHED",
        "Stops; no fault.",
    ),
    (
        "The vehicle does not behave as IEC 61851 requires.",
        "4",
        "EV_DOES_NOT_COMPLY_STANDARD",
        "May stop; vehicle-side.",
    ),
    (
        "The vehicle requested a charging mode the unit does not support.",
        "5",
        "UNSUPPORTED_CHARGING_MODE",
        "Does not start; vehicle-side.",
    ),
    (
        "No attachment is connected to the unit.",
        "6",
        "NO_ATTACHMENT_DETECTED",
        "Does not start until an attachment is connected.",
    ),
    (
        "No communication with the Type 2 attachment.",
        "7",
        "NO_COMM_WITH_TYPE2_ATTACHMENT",
        "Does not start. Reconnect the attachment; restart the unit once if it persists.",
    ),
    ("Temperature of the unit increased.", "16", "INCREASED_TEMPERATURE", "Continues at reduced current."),
    (
        "Housing temperature increased.",
        "17",
        "INCREASED_HOUSING_TEMPERATURE",
        "Continues at reduced current.",
    ),
    (
        "Attachment temperature increased.",
        "18",
        "INCREASED_ATTACHMENT_TEMPERATURE",
        "Continues at reduced current.",
    ),
    (
        "Domestic plug temperature increased.",
        "19",
        "INCREASED_DOMESTIC_PLUG_TEMPERATURE",
        "Continues at reduced current.",
    ),
]

NRG_RCD = [
    ("0", "NO_FAULT", "No residual current trip."),
    ("1", "AC_30MA_FAULT", "AC residual current of 30 mA or more."),
    ("2", "AC_60MA_FAULT", "AC residual current of 60 mA or more."),
    ("3", "AC_150MA_FAULT", "AC residual current of 150 mA or more."),
    ("4", "DC_POSITIVE_6MA_FAULT", "Smooth DC residual current of +6 mA or more."),
    ("5", "DC_NEGATIVE_6MA_FAULT", "Smooth DC residual current of -6 mA or more."),
]


def nrg_story() -> list:
    flow: list = [p("NRGkick Gen2 &#8212; error and warning codes", TITLE)]
    flow += [p(t, TEXT) for t in NRG_INTRO]
    flow.append(p("Table 1: Errors (error_code, register 257)", H1))
    flow.append(table(["Code", "Name", "Meaning", "What to do"], NRG_ERRORS, [12, 48, 58, 56]))
    flow.append(Spacer(1, 4))
    flow.append(p("Table 2: Warnings (warning_code, register 256)", H1))
    data = [[p(h, CELLB) for h in ["Meaning", "Value", "Warning", "Charging"]]]
    data += [[p(a), p(b, CELLB), p(c, CELLB), p(d)] for a, b, c, d in NRG_WARNINGS]
    flow.append(ruled_table(data, [58, 15, 53, 48], padding=(2.5, 3)))
    flow.append(p("Table 3: Residual current trip (rcd_trigger, register 255)", H1))
    flow.append(table(["Value", "Name", "Residual current"], NRG_RCD, [14, 50, 110]))
    flow.append(
        p(
            "A value of rcd_trigger other than 0 is always reported together with error 16 (RESIDUAL_CURRENT_DETECTED).",
            NOTE,
        )
    )
    return flow


# --------------------------------------------------------------------------- X-Cheng

XC_OUT = HERE / "corpus/xcheng/xcheng-ac-charger-lights-and-app-states.pdf"

XC_INTRO = [
    "This page summarises what the X-Cheng AC charging pile shows on its light boards and in the app for every state. Units are "
    "built with a double light board (upper and lower board) or a single light board; the light patterns of Chinese/European "
    "standard units and of American standard units differ.",
    "Units connected to an OCPP back office report the app display as the connector status and the substate name as the "
    "message text of the status notification (for example status <i>Faulted</i>, text <i>Relay sticky</i>).",
]

XC_HEADER = [
    "State",
    "Substate",
    "Description",
    "App display",
    "Double light board, upper (CN / EU)",
    "Double lower or single light board (CN / EU)",
    "Single light board (US)",
]
XC_MATRIX = [
    (
        "Idle",
        "With ground wire",
        "Powered, no gun plugged in",
        "Available",
        "Blue light always on",
        "Blue light always on",
        "Blue light always on",
    ),
    (
        "Idle",
        "No ground wire",
        "Powered, no gun plugged in, no protective earth detected",
        "Available",
        "Blue light flashes slowly",
        "Blue light flashes slowly",
        "Red light flashes slowly: charging is not allowed without ground wire (US standard)",
    ),
    (
        "Ready to charge",
        "Gun plugged in",
        "S1 closed",
        "Preparing",
        "Green light always on",
        "Green light always on",
        "Green light always on",
    ),
    (
        "Reserve",
        "Appointment",
        "S1 and S2 closed, the appointment time has not come: the relay is not closed, no current output",
        "Reserved",
        "Green light flashes slowly",
        "Green light flashes slowly",
        "Green light flashes slowly",
    ),
    (
        "Charging",
        "With ground wire",
        "S1 and S2 closed, normal output",
        "Charging",
        "Blue light always on",
        "Green light flashes slowly",
        "Green light flashes slowly",
    ),
    (
        "Charging",
        "No ground wire",
        "S1 and S2 closed, normal output without protective earth",
        "Charging",
        "Green light flashes quickly",
        "Green light flashes quickly",
        "Red light flashes slowly",
    ),
    (
        "Charging completed",
        "Full",
        "Vehicle full, session finished",
        "Finished",
        "Green light always on",
        "Green light always on",
        "Green light always on",
    ),
    (
        "Emergency stop",
        "Button pressed",
        "The emergency stop button of the pile has been pressed",
        "Faulted",
        "Red light flashes slowly",
        "Red light flashes slowly",
        "Red light flashes slowly",
    ),
]

XC_FAULTS = [  # (substate, description, what to do)
    (
        "Leakage",
        "Residual (leakage) current detected during charging.",
        "Safety fault. Do not restart or re-enable remotely; take the pile out of service until an electrician has checked the vehicle, the cable and the installation.",
    ),
    (
        "Overpressure",
        "Supply over-voltage (the app text says overpressure).",
        "None from the back office; the pile resumes when the supply voltage is in range.",
    ),
    ("Undervoltage", "Supply under-voltage.", "As for Overpressure."),
    (
        "Overcurrent",
        "The charging current exceeded the set limit; the output was switched off.",
        "Safety fault. Do not restart remotely; have the vehicle, the cable and the installation checked.",
    ),
    (
        "Over temperature",
        "The temperature of the pile is too high; charging is suspended.",
        "None. Charging resumes when the pile has cooled down.",
    ),
    (
        "Leakage self-test abnormality",
        "The self-test of the leakage (residual current) protection failed.",
        "Safety fault. Do not charge and do not restart to clear it; service must check the protection.",
    ),
    (
        "CP level abnormal",
        "The control pilot level (6 V, 9 V, 12 V) is outside the set threshold.",
        "None from the back office. Unplug the gun and plug it in again; check the vehicle if it repeats.",
    ),
    (
        "Relay abnormality",
        "The output relay did not switch as commanded.",
        "Restart the pile once (remote reset). If it returns, service.",
    ),
    (
        "Relay sticky",
        "The output relay is stuck (welded) closed: the gun may be live.",
        "Safety fault. Do not restart; take the pile out of service immediately and call service.",
    ),
    (
        "Auxiliary processor exception",
        "The auxiliary processor does not respond.",
        "Restart the pile once (remote reset). If it returns, service.",
    ),
    (
        "System 12V abnormality",
        "The internal +12 V supply is out of range.",
        "Restart the pile once. If it returns, service.",
    ),
    ("System -12V abnormal", "The internal -12 V supply is out of range.", "As for System 12V abnormality."),
    (
        "CP-12V Error",
        "There is a negative level during PWM on the control pilot.",
        "None from the back office: check the gun and the vehicle.",
    ),
    (
        "Hardware failure",
        "Internal flash storage abnormality.",
        "Restart the pile once. If it returns, service must replace the control board.",
    ),
]


def xc_story() -> list:
    flow: list = [p("AC charging pile &#8212; light language and app display", TITLE)]
    flow += [p(t, TEXT) for t in XC_INTRO]
    flow.append(p("Table 4.1: States, light boards and app display", H1))
    data = [[p(h, CELLB) for h in XC_HEADER]]
    data += [[p(r[0], CELLB)] + [p(c) for c in r[1:]] for r in XC_MATRIX]
    flow.append(ruled_table(data, [28, 28, 52, 22, 38, 42, 52], padding=(2.5, 3)))
    flow.append(Spacer(1, 4))
    flow.append(
        p(
            "Table 4.2: Fault substates during charging (the app shows the substate; the pile stops the output)",
            H1,
        )
    )
    flow.append(table(["Substate", "Describe", "What to do"], XC_FAULTS, [55, 95, 112]))
    flow.append(
        p(
            "Without a ground wire a Chinese/European standard pile still charges (green light flashes quickly); an American standard "
            "pile refuses to charge. A missing ground wire must be corrected by an electrician in every case.",
            NOTE,
        )
    )
    return flow


# --------------------------------------------------------------------------- EVBox Elvi

ELVI_OUT = HERE / "corpus/evbox/elvi/elvi-led-ring-and-troubleshooting.pdf"

ELVI_ROWS = [  # (what it means, LED ring, what to do)
    (
        "The car is fully charged.",
        "LED ring yellow",
        "Stop the charging session with the authorisation method used to start it (charge card or key fob), then unplug the charging cable.",
    ),
    (
        "The charging session is in the queue (Smart Charging only).",
        "LED ring flashing yellow",
        "None. When power becomes available, charging starts or resumes and the LED ring shows blue.",
    ),
    ("An error has occurred.", "LED ring red", "See Troubleshooting (5.2)."),
    (
        "The charge card or key fob is not authorised.",
        "LED ring flashing red",
        "Authorise the user in the user settings; contact the charge card service operator if necessary.",
    ),
    (
        "A Satellite charging station has become disconnected from the Hub charging station.",
        "LED ring flashing red",
        "Check the Hub-Satellite pairing (Configure a Hub-Satellite installation).",
    ),
    (
        "The Hub charging station is in Bluetooth pairing mode, ready to pair with the EVBox Connect app.",
        "LED ring flashing purple",
        "See Pairing.",
    ),
    (
        "A Satellite charging station is selected in the EVBox Connect app for pairing to the Hub charging station.",
        "LED ring flashing purple",
        "See Configure a Hub-Satellite installation.",
    ),
]


def elvi_story() -> list:
    flow: list = [p("Elvi &#8212; LED ring and troubleshooting", TITLE)]
    flow.append(p("5.1&#160;&#160;LED ring", H1))
    flow.append(
        p(
            "The LED ring around the socket shows the state of the charging station. A networked Elvi reports the same condition to the "
            "back office; the colour of the ring is given in the message text.",
            TEXT,
        )
    )
    data = [[p(h, CELLB) for h in ["What it means", "LED ring", "What to do"]]]
    data += [[p(a), p(b, CELLB), p(c)] for a, b, c in ELVI_ROWS]
    flow.append(ruled_table(data, [66, 36, 72], padding=(2.5, 3)))
    flow.append(p("5.2&#160;&#160;Troubleshooting", H1))
    flow.append(
        p(
            "Troubleshooting must only be done by a qualified electrician unless otherwise stated. Incorrect installation, repairs or "
            "modification can result in danger to the user and may void the warranty.",
            TEXT,
        )
    )
    flow.append(
        p(
            "A red LED ring does not say which error has occurred. Note the time, whether a car was connected, and whether the ring "
            "stays red after the car has been unplugged, and pass this to the installer.",
            TEXT,
        )
    )
    return flow


def render_all() -> list[tuple[Path, bytes]]:
    author = "chargemedic real-world corpus (facts: manufacturer documents; wording ours)"
    documents = [  # (output, story, page size, margins mm, running header, footer, title)
        (
            NRG_OUT,
            nrg_story,
            A4,
            (18, 22),
            "NRGkick Gen2  |  Local API and Modbus  |  error_code / warning_code / rcd_trigger",
            "NRGkick Gen2 error and warning codes",
            "NRGkick Gen2 error and warning codes",
        ),
        (
            XC_OUT,
            xc_story,
            landscape(A4),
            (14, 20),
            "X-Cheng  |  AC charging pile  |  FAQ 4 Hardware issues",
            "4.1 Display screen and light language summary",
            "X-Cheng AC charging pile lights and app states",
        ),
        (
            ELVI_OUT,
            elvi_story,
            A4,
            (18, 22),
            "EVBox Elvi  |  Installation and user manual  |  5 Operation instructions",
            "Elvi LED ring and troubleshooting",
            "EVBox Elvi LED ring and troubleshooting",
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
