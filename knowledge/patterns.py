"""LED, light and beeper patterns used as codes, in one key form for documents and chargers alike.

Manuals give some faults as a signal instead of a code ("the red LED flashes 3 times", "3 blinks",
"Status LED: red, blinking fast"); chargers report them in their own words ("Red 3",
"red-blink-3", "DC error (3 blinks)"). :func:`pattern_code` gives every wording of one pattern
the same key (``RED-BLINK-3``), which :func:`knowledge.codes.normalise_code` accepts;
:func:`same_pattern` also lets a key without a colour match one with it (a document whose table
header says "Red light" and a charger that only says "3 blinks").
"""

from __future__ import annotations

import re

COLOURS = (
    "red", "green", "blue", "yellow", "orange", "amber", "white", "purple", "violet", "magenta", "cyan",
    "turquoise",
)  # fmt: skip
_NUMBER_WORDS = {
    "once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip


def pattern_code(text: str) -> str | None:
    """The stable key form of a LED/blink pattern in ``text`` (``RED-BLINK-3``), else ``None``.

    Needs a blink/flash word with a count (``3 blinks``, ``flashes three times``) or a colour
    with a blink/flash/steady state (``red, blinking fast``); a colour of a named light with no
    state is that light lit (``LED ring red``: ``RED-STEADY``). A sound beside a light is part of
    the pattern (``constantly red with warning sounds``: ``RED-STEADY-BEEP``; "without any sound"
    is none).
    """
    low = text.lower()
    colour = next((c for c in COLOURS if re.search(rf"\b{c}\b", low)), None)
    count = _blink_count(low)
    blink = re.search(r"\b(?:blink|flash|puls|flicker)\w*", _NOT_BLINKING.sub(" ", low))
    sound = _SOUND.search(low) and not _SILENT.search(low)
    steady = re.search(
        r"\b(?:steady|solid|lit|on|constant|constantly|continuous|continuously|permanent|permanently|fixed"
        r"|stays|remains)\b",
        low,
    ) or (  # a light named with a colour only is lit: "LED ring red"
        len(low.split()) <= _LIGHT_WORDS
        and re.search(r"\b(?:leds?|lights?|lamps?|rings?|halo|indicators?)\b", low)
    )
    if count is None and not (colour and (blink or sound or steady)):
        return None
    if blink:
        kind = "BLINK"
    elif sound and not (colour and steady):
        kind = "BEEP"
    else:
        kind = "BLINK" if count else "STEADY"
    speed = next((s for s in ("fast", "rapid", "slow", "alternating", "running") if s in low), None)
    tail = str(count) if count else speed or ("BEEP" if sound and kind != "BEEP" else None)
    return "-".join(p.upper() for p in [colour, kind, tail] if p)


_LIGHT_WORDS = 4
"""A light named with a colour and nothing else, in this many words at most, is that light lit
("LED ring red"); a longer text naming a light ("check the red LED") is no pattern."""
_NOT_BLINKING = re.compile(r"\b(?:not|no|never|without)\s+(?:\w+\s+)?(?:blink|flash|puls|flicker)\w*")
"""A negated blink ("stays red (steady, not flashing)") is no blink."""
_SOUND = re.compile(r"\b(?:beep|sound|buzz|tone|alarm sound)\w*")
_SILENT = re.compile(r"\b(?:without|no)\s+(?:any\s+)?(?:beep|sound|buzz|tone)")


def _blink_count(low: str) -> int | None:
    number = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
    m = re.search(
        rf"\b{number}\s*(?:x\s*)?(?:[a-z]+\s+)?(?:times?|blinks?|flash(?:es)?|pulses?|beeps?)\b", low
    ) or re.search(rf"\b(?:blinks?|flash(?:es)?|pulses?|beeps?)\w*\s+{number}\b", low)
    if not m:
        once = re.search(r"\b(once|twice)\b", low) if re.search(r"\b(?:blink|flash|puls|beep)", low) else None
        return _NUMBER_WORDS[once.group(1)] if once else None
    value = m.group(1)
    return int(value) if value.isdigit() else _NUMBER_WORDS[value]


def charger_pattern(code: str) -> str | None:
    """The key of a pattern a charger reports: any :func:`pattern_code` wording, or a colour and a
    count alone ("Red 3" is the red light's third pattern: ``RED-BLINK-3``)."""
    if _parts(code.strip()) is not None:
        return code.strip().upper()
    if re.fullmatch(r"\s*(solid|steady|constant|lit)\s*", code.lower()):
        return "STEADY"
    if key := pattern_code(code):
        return key
    m = re.fullmatch(rf"\s*({'|'.join(COLOURS)})[\s_-]*(\d{{1,2}})\s*", code.lower())
    return f"{m.group(1).upper()}-BLINK-{int(m.group(2))}" if m else None


def same_pattern(one: str, other: str) -> bool:
    """Whether two pattern keys denote one pattern: same kind and count, colours equal or one left out."""
    a, b = _parts(one), _parts(other)
    if a is None or b is None:
        return False
    colour_ok = a[0] == b[0] or not a[0] or not b[0]
    return colour_ok and a[1:] == b[1:]


def _parts(key: str) -> tuple[str, str, str] | None:
    m = re.fullmatch(r"(?:([A-Z]+)-)?(BLINK|BEEP|STEADY)(?:-(\w+))?", key.upper().replace(" ", ""))
    if m is None or (m.group(1) and m.group(1).lower() not in COLOURS):
        return None
    return m.group(1) or "", m.group(2), m.group(3) or ""


def pattern_variants(key: str) -> list[str]:
    """``key`` and, when it names no colour, the same pattern in every colour (to look a
    charger's "3 blinks" up in a document that says "flashes red three times")."""
    parts = _parts(key)
    if parts is None or parts[0]:
        return [key]
    return [key, *(f"{colour.upper()}-{key}" for colour in COLOURS)]
