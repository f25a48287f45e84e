"""Error catalogues as firmware ships them (JSON, YAML): lists of records read as tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.document import LoadError
from ingest.loaders import load


def _entries(path: Path) -> dict:
    return {b.entry.code: b.entry for b in load(path).blocks if b.entry}


def test_a_json_list_of_error_records_under_a_key_is_a_table(tmp_path: Path):
    path = tmp_path / "errors.json"
    catalogue = {
        "catalogue": "wallbox-errors",
        "comment": "Chargers report the number of the most severe active error as vendorErrorCode.",
        "errors": [
            {
                "code": 4,
                "name": "CC_ERROR",
                "severity": "error",
                "description": "Cable coding invalid.",
                "action": ["Unplug the cable", "try another cable"],
            },
            {
                "code": 10,
                "name": "LEAKAGE",
                "severity": "critical",
                "description": "Residual current tripped.",
                "action": "Do not restart. Isolate the charger.",
                "safety": True,
            },
        ],
    }
    path.write_text(json.dumps(catalogue))
    doc = load(path)
    assert doc.title == "wallbox-errors"
    entries = _entries(path)
    assert set(entries) == {"4", "10"}
    assert entries["4"].aliases == ["CC_ERROR"] and entries["10"].severity == "critical"
    assert [s.text for s in entries["4"].steps] == ["Unplug the cable", "try another cable"]
    assert any("most severe active error" in b.text for b in doc.blocks if not b.entry)


def test_a_yaml_mapping_from_code_to_record_is_a_table_keyed_by_code(tmp_path: Path):
    path = tmp_path / "errors.yaml"
    path.write_text(
        "E01:\n  title: Ground fault\n  remedy: Keep the charger out of service\n"
        "E02:\n  title: Over temperature\n  remedy: Let it cool down\n"
    )
    entries = _entries(path)
    assert {code: e.title for code, e in entries.items()} == {
        "E01": "Ground fault",
        "E02": "Over temperature",
    }


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("notes.yaml", "owner: ops team\nreview: monthly\n", "no list of records"),
        (
            "people.yaml",
            "- name: Ann Meier\n  role: site contact\n- name: Bob Rossi\n  role: electrician\n",
            "no error-code key",
        ),
        ("broken.json", '{"errors": [', "not valid JSON"),
    ],
)
def test_a_file_that_is_no_catalogue_is_refused_with_its_reason(tmp_path: Path, name, text, reason):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_error_definitions_without_numbers_are_keyed_by_their_names(tmp_path: Path):
    path = tmp_path / "errors.yaml"
    path.write_text(
        "description: Errors of the board support module.\n"
        "errors:\n"
        "  - name: evse_board_support/DiodeFault\n    description: The CP diode in the EV is shorted.\n"
        "  - name: evse_board_support/MREC2GroundFailure\n    description: Ground fault.\n"
        "  - name: connector_lock/ConnectorLockFailedLock\n    description: The lock did not lock.\n"
    )
    entries = _entries(path)
    assert {code: e.aliases for code, e in entries.items()} == {
        "DiodeFault": ["evse_board_support/DiodeFault"],
        "MREC2GroundFailure": ["evse_board_support/MREC2GroundFailure"],
        "ConnectorLockFailedLock": ["connector_lock/ConnectorLockFailedLock"],
    }


XML_CATALOGUE = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Exported by the service tool. -->
<errorCatalogue xmlns="urn:example:errors:2" product="DC150">
  <severities>
    <severity level="critical">Stops and locks out until a technician has been on site.</severity>
    <severity level="minor">Information only.</severity>
  </severities>
  <errors>
    <error id="0x13" severity="critical" component="PowerContactor">
      <name>Output contactor weld detected</name>
      <description>Voltage remains on the output after the contactors were commanded open.</description>
      <operatorAction>Do not reset. A technician replaces the contactor.</operatorAction>
      <remoteReset allowed="false"/>
    </error>
    <error id="0x50" severity="major" component="Controller">
      <name>Controller watchdog reset</name>
      <description>The controller stopped responding and was restarted by its watchdog.</description>
      <operatorAction>Send one soft reset. If it recurs, a technician collects the logs.</operatorAction>
      <remoteReset allowed="true"/>
    </error>
  </errors>
</errorCatalogue>
"""


def test_an_xml_catalogue_is_read_like_a_json_one(tmp_path: Path):
    """Elements with attributes and text children are records; namespaces are dropped; what the
    operator does is split into steps, each remote or not by its words ("A technician …" is not)."""
    path = tmp_path / "catalogue.xml"
    path.write_text(XML_CATALOGUE, encoding="utf-8")
    entries = {b.entry.code: b.entry for b in load(path).blocks if b.entry}
    assert set(entries) == {"0x13", "0x50"}
    weld = entries["0x13"]
    assert (weld.title, weld.severity) == ("Output contactor weld detected", "critical")
    assert weld.category == "PowerContactor"
    assert not weld.remote_steps, "a refusal is no remote step"
    assert entries["0x50"].remote_steps == ["Send one soft reset."]
    assert any("locks out until a technician" in b.text for b in load(path).blocks)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]><errors><error>&x;</error></errors>', "entity"),
        ("<errors><error id='1'>unclosed</errors>", "not well-formed"),
    ],
)
def test_xml_with_entities_or_broken_markup_is_refused(tmp_path: Path, text: str, reason: str):
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match=reason):
        load(path)
