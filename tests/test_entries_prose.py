"""Code entries from prose: codes as headings, code-led paragraphs and list items, definition
lists, LED patterns as headings, plain-text service notes and PDF text; unread lines reported."""

from pathlib import Path

from ingest.loaders import load
from knowledge.entries import Layout

HEADINGS = """# Wallbox W1 troubleshooting

Read the code on the display first.

## Error 101 – Over-voltage

The supply voltage is above 253 V.

Possible causes:

- Lost neutral in the installation
- Transformer tap set too high

1. Restart the charger remotely via the backend.
2. Measure the supply voltage at the terminals.
3. Call an electrician if it recurs.

## E12: Ground fault

DANGER: risk of electric shock. Do not touch the charger.

Remote: none. On site: isolate the supply and inspect the cable.

## Error 0x1A – Contactor welded

The contactor did not open. Disable the connector in the backend; replace the contactor.

## Maintenance

Clean the housing once a year.
"""


def _entries(path: Path):
    return [b for b in load(path).blocks if b.entry]


def test_three_codes_as_headings_give_three_entries_with_their_own_steps(tmp_path: Path):
    path = tmp_path / "w1.md"
    path.write_text(HEADINGS)
    blocks = _entries(path)
    assert [b.entry.code for b in blocks] == ["101", "E12", "0x1A"]
    e101, e12, e1a = (b.entry for b in blocks)
    assert e101.layout is Layout.heading and e101.title == "Over-voltage"
    assert e101.meaning == "The supply voltage is above 253 V."
    assert e101.causes == ["Lost neutral in the installation", "Transformer tap set too high"]
    assert [(s.text, s.remote) for s in e101.steps] == [
        ("Restart the charger remotely via the backend.", True),
        ("Measure the supply voltage at the terminals.", False),
        ("Call an electrician if it recurs.", False),
    ]
    assert "1. Restart the charger" in blocks[0].text and "\n" in blocks[0].text, "the document's own lines"
    assert e12.safety is True and e12.steps[0].text == "Do not touch the charger."
    assert [s.remote for s in e12.steps[1:]] == [True, False]
    assert e12.onsite_steps[-1] == "isolate the supply and inspect the cable."
    assert e1a.steps[0].remote and not e1a.steps[1].remote
    assert "26" in set(e1a.keys())
    assert not any("Clean the housing" in b.text for b in blocks), "an entry ends at the next heading"


def test_code_led_paragraphs_list_items_and_definition_lists(tmp_path: Path):
    path = tmp_path / "codes.md"
    path.write_text(
        "# Codes\n\n"
        "Error 101 – Over-voltage on the output. Restart the charger remotely.\n\n"
        "0x1A: Contactor welded. Replace the contactor.\n\n"
        "- **F005** Isolation fault — insulation below limit. Inspect the cable.\n"
        "- E-06 DC residual current: the RCM tripped. Reset the charger remotely.\n\n"
        "E12\n: Overtemperature of the power board\n: Let the unit cool down and clean the air filter.\n"
    )
    entries = {b.entry.code: b.entry for b in _entries(path)}
    assert set(entries) == {"101", "0x1A", "F005", "E-06", "E12"}
    assert entries["101"].title == "Over-voltage on the output" and entries["101"].remote_steps
    assert entries["0x1A"].title == "Contactor welded"
    assert entries["0x1A"].onsite_steps == ["Replace the contactor."]
    assert entries["F005"].title == "Isolation fault" and entries["F005"].layout is Layout.paragraph
    assert entries["E-06"].title == "DC residual current" and entries["E-06"].remote_steps
    e12 = entries["E12"]
    assert e12.layout is Layout.definition and e12.title == "Overtemperature of the power board"
    assert e12.steps and "clean the air filter" in e12.steps[-1].text


def test_led_patterns_as_headings(tmp_path: Path):
    path = tmp_path / "leds.md"
    path.write_text(
        "# LED codes\n\n## The red LED flashes 3 times\n\nOvertemperature. Let the unit cool down.\n\n"
        "## One red blink — ground fault\n\nThe RCD tripped. An electrician must inspect the installation.\n"
    )
    entries = [b.entry for b in _entries(path)]
    assert [e.code for e in entries] == ["RED-BLINK-3", "RED-BLINK-1"]
    assert all(e.layout is Layout.pattern for e in entries)
    assert entries[1].title == "ground fault" and entries[1].steps


def test_plain_text_numbered_headings_with_codes_in_parentheses(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text(
        "SERVICE NOTES\n\n2 SUPPLY MESSAGES\n\n"
        "2.1 ERROR NO SERIAL COM (error flag 2, CT_NOCOMM)\n"
        "    No signal from the meter for 11 seconds.\n"
        "    1. Check the RS485 wiring.\n"
        "    2. Reset the charger remotely.\n\n"
        "2.2 Ground fault (error 12)\n"
        "    Residual current detected. Call an electrician.\n"
    )
    entries = [b.entry for b in _entries(path)]
    assert [(e.code, e.aliases) for e in entries] == [("2", ["CT_NOCOMM"]), ("12", [])]
    assert entries[0].title == "ERROR NO SERIAL COM"
    assert [s.remote for s in entries[0].steps] == [False, True]
    assert entries[1].title == "Ground fault"


def test_a_procedure_step_naming_a_code_is_not_an_entry(tmp_path: Path):
    path = tmp_path / "proc.md"
    path.write_text(
        "# Manual\n\n## Coolant loss\n\n1. Read the code.\n2. 0x2C: send one Reset Soft.\n"
        "3. On site: check the pump.\n"
    )
    doc = load(path)
    assert not any(b.entry for b in doc.blocks)
    assert [b.text for b in doc.blocks][1] == "2. 0x2C: send one Reset Soft."


def test_unread_code_lines_are_reported(tmp_path: Path):
    path = tmp_path / "odd.md"
    path.write_text(
        "# Odd\n\nError 42 happened during the night and nobody knows why\n\nE-77 at start-up only\n"
    )
    doc = load(path)
    assert not any(b.entry for b in doc.blocks)
    assert len(doc.unread) == 2 and doc.unread[0].startswith("section Odd: Error 42")


def test_generated_pdf_prose_codes(corpus: Path):
    doc = load(corpus / "acme/dc-50/acme-dc-50-manual.pdf")
    assert {b.entry.code for b in doc.blocks if b.entry} >= {"F005", "F010", "F021", "F030"}


FAQ = """# Charger FAQ

**Q: All the lights are solid red. What does that mean?**

A: The charger has detected a ground fault. Disconnect the cable and check it for damage.

**Q: The lights are constantly red, without any sound.**

A: A general error. Unplug the cable and plug it in again.

**Q: The lights are constantly red and the charger makes warning sounds.**

A: A broken PEN conductor. Do not use the charger; have an electrician check the installation.

**Q: The lights flash red.**

A: A critical error. The charger **cannot be reset** and has to be replaced.

**Q: How do I pair the app?**

A: Scan the QR code.

* `7` — **Error**: illegal grid type; the detection of the grid type failed.
* `9` — **Error**: communication with the master charger lost.
"""


def test_an_faq_about_lights_and_a_list_of_backticked_codes(tmp_path: Path):
    path = tmp_path / "faq.md"
    path.write_text(FAQ)
    entries = {e.code: e for b in load(path).blocks if (e := b.entry)}
    assert set(entries) == {"RED-STEADY", "RED-STEADY-BEEP", "RED-BLINK", "7", "9"}  # no app question
    pen = entries["RED-STEADY-BEEP"]
    assert pen.layout is Layout.pattern and "PEN" in pen.meaning
    assert "cannot be reset" in entries["RED-BLINK"].remedy
    assert "illegal grid type" in entries["7"].meaning
    faq = [b.entry for b in load(path).blocks if b.entry and b.entry.code == "RED-STEADY"]
    assert [e.title for e in faq] == [
        "All the lights are solid red. What does that mean",
        "The lights are constantly red, without any sound",
    ]


def test_a_code_with_its_spellings_in_brackets_leads_its_entry(tmp_path: Path):
    """``TITLE  [display symbol]  (Modbus code)`` lines with indented advice: CamelCase codes count
    here (the brackets mark a label) and every bracketed spelling is an alias."""
    path = tmp_path / "errors.txt"
    path.write_text(
        "ERROR LIST\n\n"
        "GroundFailure  [B]  (Modbus 3)\n"
        "      The residual current device has tripped. A qualified electrician must check it.\n\n"
        "InternalError  [D]\n"
        "      Error in an internal component. A qualified electrician must check the station.\n\n"
        "OverCurrentFailure  [-]\n"
        "      The vehicle has drawn more current than was set.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.aliases) for e in entries] == [
        ("GroundFailure", ["B", "3"]),
        ("InternalError", ["D"]),
        ("OverCurrentFailure", []),
    ]
    assert "residual current" in entries[0].title and "internal component" not in entries[0].remedy


def test_a_fixed_width_text_table_with_wrapped_cells(tmp_path: Path):
    """A header ruled off with dashes, a pattern column, and rows whose first cell wraps: the
    first short line is the error's name, the wrapped lines its meaning."""
    path = tmp_path / "errors.txt"
    path.write_text(
        "Table 13: Operating errors\n"
        "------------------------------------------------------------\n"
        " Error                                       LEDs bar\n"
        "------------------------------------------------------------\n"
        " Pilot error (E status)                      Red, 2 blink\n"
        "   With the vehicle connected, the Control   sequence\n"
        "   Pilot line may be shorted to earth.\n"
        "\n"
        " DIP switch error                            Red, 5 blink\n"
        "   The current limit set on the DIP          sequence\n"
        "   switches does not match the unit.\n"
        "------------------------------------------------------------\n"
        "Units report the number of red blinks as the vendor error code.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.title) for e in entries] == [
        ("RED-BLINK-2", "Pilot error (E status)"),
        ("RED-BLINK-5", "DIP switch error"),
    ]
    assert "Control Pilot line may be shorted" in entries[0].meaning


def test_a_message_the_display_shows_is_the_code_of_its_section(tmp_path: Path):
    path = tmp_path / "protection.md"
    path.write_text(
        "# Built-in protection\n\n## Loss of protective earth\n\n"
        "The charger measures the earth. If it is disconnected the display shows `PE not connected!`.\n\n"
        "## Welded contact\n\nWhen a welded contact is found the display shows `RLY WELDED!`. Switch off.\n\n"
        "## Notes\n\nA charger reporting `PE not connected!` or `RLY WELDED!` must not be reset remotely.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.title) for e in entries] == [
        ("PE not connected!", "Loss of protective earth"),
        ("RLY WELDED!", "Welded contact"),
    ]


def test_a_heading_that_is_a_code_with_another_spelling_in_brackets(tmp_path: Path):
    """``### ERR_TILT (0x00002000)`` and ``### GroundFailure``: the heading is the code (CamelCase
    too, when it is the whole heading), the bracket an alias, the title the text's lead phrase."""
    path = tmp_path / "codes.md"
    path.write_text(
        "# Error bits\n\n### ERR_TILT (0x00002000)\n\n"
        "The charge point is tilted. Switch it off at the supply.\n\n"
        "### GroundFailure\n\nA residual current was detected. Have an electrician check the installation.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.aliases, e.title) for e in entries] == [
        ("ERR_TILT", ["0x00002000"], "The charge point is tilted"),
        ("GroundFailure", [], "A residual current was detected"),
    ]


def test_an_entry_without_a_code_is_keyed_by_its_message(tmp_path: Path):
    """``(code n/a) Title`` over an indented text: the document gives no code, the message (which
    the charger sends as text) stands in for it; other label lines keep their codes."""
    path = tmp_path / "errors.txt"
    path.write_text(
        "ERROR LIST\n\n"
        "0x0001   AC RCD triggered\n"
        "         The AC residual current protection has tripped.\n\n"
        "(code n/a) EVSE calibration data error\n"
        "         The MCU cannot read the calibration data. Only an authorised technician can clear it.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [(e.code, e.title) for e in entries] == [
        ("0x0001", "AC RCD triggered"),
        ("EVSE calibration data error", "EVSE calibration data error"),
    ]
    assert "calibration data" in entries[1].meaning


def test_a_list_of_error_names_with_their_details_nested_under_each(tmp_path: Path):
    path = tmp_path / "api.md"
    path.write_text(
        "# API\n\n## The errors values\n\n"
        "* `rcm_triggered`\n"
        "  * Bit 4 — value `16`.\n"
        "  * Raised when: the residual current monitor trips.\n"
        "  * What to do: take the charger out of service and call an electrician.\n"
        "* `temperature_high`\n"
        "  * Bit 6 — value `64`.\n"
        "  * Raised when: the temperature is above the threshold.\n"
        "  * What to do: nothing remote; provide shade.\n"
        "* `state` is a field, not an error.\n"
    )
    entries = {b.entry.code: b.entry for b in _entries(path)}
    assert set(entries) == {"rcm_triggered", "temperature_high"}
    assert entries["rcm_triggered"].aliases == ["16"], "the register value a charger sends"
    assert "residual current monitor" in entries["rcm_triggered"].meaning
    assert entries["temperature_high"].steps[0].text.startswith("nothing remote")


def test_message_headings_with_labelled_cause_and_solution(tmp_path: Path):
    """A page of display messages without codes: each ``####`` heading is the message, its
    paragraphs labelled ``Cause / other symptoms:`` and ``Solution / action:`` (a label naming
    two parts opens the first it knows)."""
    path = tmp_path / "messages.md"
    path.write_text(
        "# Display messages\n\nThe station sends the display text in the status notification.\n\n"
        "#### HALTED — GFCI HARD FAULT\n\n"
        "**Cause / other symptoms:** The station detected a ground fault three times.\n\n"
        "**Solution / action:** Return the connector to its holster. If the message stays, call support.\n\n"
        "#### SUSPENDED — WAITING\n\nThe station waits for the vehicle.\n"
    )
    entries = [b.entry for b in load(path).blocks if b.entry]
    assert [e.code for e in entries] == ["HALTED — GFCI HARD FAULT"]
    (halted,) = entries
    assert halted.causes == ["The station detected a ground fault three times"]
    assert halted.steps[0].text.startswith("Return the connector")


def test_a_run_in_title_closed_by_a_period_leads_an_entry_a_mention_does_not(tmp_path: Path):
    path = tmp_path / "notes.md"
    path.write_text(
        "# Notes\n\n"
        "E01 Ground fault. The residual current monitor tripped. Call an electrician.\n\n"
        "F014 at plug-in is shown for a second while the charger checks the vehicle.\n\n"
        "E07 Check the cable and the plug for damage before you restart the session. Then retry.\n",
        encoding="utf-8",
    )
    entries = {b.entry.code: b.entry for b in load(path).blocks if b.entry}
    assert set(entries) == {"E01"}  # the others open with a mention or a long sentence
    assert entries["E01"].title == "Ground fault"
