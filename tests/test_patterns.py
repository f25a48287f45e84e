"""Light and sound patterns in one key form (knowledge.patterns)."""

from __future__ import annotations

import pytest

from knowledge.patterns import charger_pattern, pattern_code


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("The LED stays red (steady, not flashing)", "RED-STEADY"),
        ("The red LED is on and not blinking", "RED-STEADY"),
        ("Red flashing, three pulses per cycle", "RED-BLINK-3"),
        ("The LED pulses red", "RED-BLINK"),
        ("constantly red with warning sounds", "RED-STEADY-BEEP"),
        ("LED ring red", "RED-STEADY"),
        ("Blue light", "BLUE-STEADY"),
    ],
)
def test_a_pattern_is_read_whatever_its_wording(text, key):
    assert pattern_code(text) == key


def test_a_charger_reports_a_pattern_in_its_own_words():
    assert charger_pattern("LED steady red") == "RED-STEADY"
    assert charger_pattern("Red 3") == "RED-BLINK-3"
    assert charger_pattern("nothing to see") is None


def test_a_sentence_naming_a_light_is_no_pattern():
    """Only a light named with its colour and nothing else is that light lit."""
    assert pattern_code("Check the red LED cable of the unit") is None
