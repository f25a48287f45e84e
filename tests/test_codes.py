import pytest

from knowledge.codes import (
    codes_in_query,
    codes_in_text,
    normalise_code,
    query_keys,
    split_code_field,
)


@pytest.mark.parametrize(
    ("raw", "primary", "alias"),
    [
        ("0x06", "6", None),
        ("0x1A", "26", None),
        ("6", "6", None),
        ("006", "6", None),
        ("210", "210", None),
        ("E-06", "E6", "6"),
        ("e06", "E6", "6"),
        ("E 6", "E6", "6"),
        ("F005", "F5", "5"),
        ("CX017", "CX17", "17"),
        ("cx-17", "CX17", "17"),
        ("RCM_TRIPPED", "RCMTRIPPED", None),
        ("GroundFailure", "GROUNDFAILURE", None),
        ("  'E-06' ", "E6", "6"),
        ("Error 7", "ERROR7", "7"),  # a word as the prefix: the number is still its alias
        ("fault 03", "FAULT3", "3"),
        ("Status 26", "STATUS26", "26"),
        ("#7", "7", None),
        ("No. #12", "12", None),
    ],
)
def test_every_spelling_reduces_to_the_same_keys(raw, primary, alias):
    keys = normalise_code(raw)
    assert keys is not None
    assert (keys.primary, keys.alias) == (primary, alias)


@pytest.mark.parametrize("raw", ["", "   ", "not a code!", "E-06 / 6"])
def test_non_codes_are_rejected(raw):
    assert normalise_code(raw) is None


def test_prefixed_codes_never_match_other_prefixes_by_number():
    keys = dict(query_keys(["E-06"]))
    assert keys == {"E6": 0, "6": 1}
    assert "CX6" not in keys and "#6" not in keys


def test_a_bare_number_finds_prefixed_codes_through_their_alias():
    assert dict(query_keys(["0x06"])) == {"6": 0, "#6": 1}


def test_compound_vendor_error_codes_are_split():
    assert split_code_field("F001,F003") == ["F001", "F003"]
    assert split_code_field("E-06 / 6") == ["E-06", "6"]


def test_codes_in_text_finds_codes_but_not_ratings():
    found = codes_in_text("E-06 maps to GroundFailure; IP54 enclosure, AC 22 kW, see 0x1A and RCM_TRIPPED")
    assert found == ["E-06", "0x1A", "RCM_TRIPPED", "GroundFailure"]


def test_codes_in_query_accepts_any_case_and_error_numbers():
    assert codes_in_query("screen shows e-06, then cx-17") == ["e-06", "cx-17"]
    assert codes_in_query("display says error 6") == ["6"]


def test_a_range_of_codes_stands_for_each_code():
    assert split_code_field("24 – 29") == ["24", "25", "26", "27", "28", "29"]
    assert split_code_field("30 – 34, 36") == ["30", "31", "32", "33", "34", "36"]
    assert split_code_field("8 to 10") == ["8", "9", "10"]
    assert split_code_field("08 – 10") == ["08", "09", "10"]
    assert split_code_field("8-13") == ["8-13"]  # no spaces: one code
    assert split_code_field("100 – 500") == ["100 – 500"]  # too wide to be a list of codes
