"""Built-in standards (knowledge/standards/*.yaml): the data, its loader and its ingest."""

from collections import Counter
from pathlib import Path

import pytest

from ingest.document import LoadError
from ingest.loaders import is_standard, load, standard_files
from ingest.loaders.standards import read_standard
from ingest.runner import IngestOptions, ingest
from knowledge.codes import OCPP16_ERROR_CODES
from knowledge.entries import Layout
from knowledge.names import STANDARD_VENDOR, STANDARDS_CORPUS
from knowledge.schemes import STANDARDS_DIR, standard_source
from knowledge.search import Searcher

OCPP16 = STANDARDS_DIR / "ocpp16-chargepoint-error-codes.yaml"
OCPP16_SAFETY = {"GroundFailure", "OverCurrentFailure", "PowerSwitchFailure"}
"""OCPP 1.6 codes flagged as electrical safety (the reasons are in the file's header comment)."""


def _entries(name: str) -> dict:
    return {e.code: e for e in read_standard(STANDARDS_DIR / name).entries}


def test_every_standards_file_loads_with_entries_and_sources():
    files = standard_files()
    assert {f.name for f in files} >= {"ocpp16-chargepoint-error-codes.yaml"}
    for file in files:
        spec = read_standard(file)
        assert spec.source and spec.licence, file.name
        doc = load(file)
        rows = [b for b in doc.blocks if b.row]
        assert len(rows) == len(spec.entries), file.name
        for block in rows:
            entry = block.entry
            assert entry is not None and entry.layout == Layout.standard
            assert block.codes == (entry.code, *entry.aliases)
            assert entry.locator and entry.title and entry.meaning
            assert entry.title.rstrip(".") in block.text and entry.code in block.text


def test_ocpp16_has_every_error_code_and_the_decided_safety_flags():
    entries = _entries(OCPP16.name)
    assert set(entries) == set(OCPP16_ERROR_CODES) and len(entries) == 16
    assert {c for c, e in entries.items() if e.safety} == OCPP16_SAFETY
    assert all(e.safety is False for c, e in entries.items() if c not in OCPP16_SAFETY)


def test_rendered_text_says_safety_and_steps_in_words():
    block = next(b for b in load(OCPP16).blocks if b.codes and b.codes[0] == "PowerSwitchFailure")
    assert "Electrical safety: yes" in block.text
    assert "Remote: Set the connector Inoperative" in block.text and "On site: Isolate" in block.text
    assert block.entry.remote_steps and block.entry.onsite_steps


def test_only_yaml_in_the_standards_folder_is_a_standard(tmp_path: Path):
    stray = tmp_path / "ocpp16-chargepoint-error-codes.yaml"
    stray.write_text(OCPP16.read_text())
    assert is_standard(OCPP16) and not is_standard(stray)
    with pytest.raises(LoadError, match="no error-code key"):  # read as a catalogue, not a standard
        load(stray)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("standard: X\n", "title"),
        ("entries: [1]\n", "entries.0"),
        ("- just a list\n", "(top level)"),
        ("standard: [unclosed\n", "invalid YAML"),
    ],
)
def test_invalid_files_are_refused_naming_file_and_key(tmp_path: Path, text: str, where: str):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(LoadError) as caught:
        read_standard(bad)
    assert str(caught.value).startswith("bad.yaml:") and where in str(caught.value)


def test_unknown_keys_and_duplicate_codes_are_refused(tmp_path: Path):
    base = OCPP16.read_text()
    extra = base.replace("    safety: true\n", "    safety: true\n    safe: no\n", 1)
    (tmp_path / "extra.yaml").write_text(extra)
    with pytest.raises(LoadError, match=r"extra.yaml: entries\.\d+\.safe: Extra inputs"):
        read_standard(tmp_path / "extra.yaml")
    (tmp_path / "twice.yaml").write_text(base.replace("- code: NoError", "- code: GroundFailure"))
    with pytest.raises(LoadError, match="already"):
        read_standard(tmp_path / "twice.yaml")


def test_ingest_of_an_empty_corpus_yields_searchable_standard_entries(tmp_path: Path, store, embed):
    empty = tmp_path / "empty"
    empty.mkdir()
    report = ingest([empty], store, embed, IngestOptions())
    assert report.failed == {} and report.files == len(standard_files())
    chunks = [s.chunk for s in store.all_chunks()]
    assert chunks and all(c.vendor == STANDARD_VENDOR for c in chunks)
    assert set(store.file_hashes(STANDARDS_CORPUS)) == {standard_source(f) for f in standard_files()}
    rows = Counter((c.source, c.entry.code) for c in chunks if c.entry is not None)
    assert sum(rows.values()) == sum(len(read_standard(f).entries) for f in standard_files())
    assert set(rows.values()) == {1}, "each code is one chunk"
    searcher = Searcher(store, embed, refresh_seconds=0)
    hits = searcher.search("fault", vendor="Nobody Ltd", codes=["GroundFailure"])
    top = hits[0]
    assert top.entry is not None and top.entry.code == "GroundFailure" and top.entry.safety is True
    assert top.citation.source == "_standard/ocpp16-chargepoint-error-codes.yaml"
    again = ingest([empty], store, embed, IngestOptions())
    assert (again.added, again.changed, again.unchanged) == (0, 0, len(standard_files()))


def test_standards_can_be_left_out_of_an_ingest(tmp_path: Path, store, embed):
    empty = tmp_path / "empty"
    empty.mkdir()
    report = ingest([empty], store, embed, IngestOptions(standards=False))
    assert report.files == 0 and store.count() == 0


def test_chargex_has_the_26_codes_with_their_ocpp_mapping():
    entries = _entries("chargex-mrec.yaml")
    assert list(entries) == [f"CX{n:03d}" for n in range(1, 27)]
    names = {"CX001": "ConnectorLockFailure", "CX007": "WeakSignal"}
    assert all(entries[c].ocpp == n for c, n in names.items())
    assert all(e.ocpp == "OtherError" for c, e in entries.items() if c >= "CX008")
    assert {c for c, e in entries.items() if e.safety} >= {"CX002", "CX017", "CX022", "CX024", "CX026"}
    assert all(e.responsible for e in entries.values())


def test_ocpp201_reports_rcd_trips_as_a_safety_problem():
    entries = _entries("ocpp201-components.yaml")
    rcd = entries["RCD/Tripped"]
    assert rcd.safety is True and rcd.aliases == ["RCD"] and rcd.ocpp == "GroundFailure"
    assert entries["TiltSensor/Active"].safety and entries["PowerContactor/Problem"].safety
    assert entries["ConnectorPlugRetentionLock/Problem"].safety is False
    assert "techCode" in read_standard(STANDARDS_DIR / "ocpp201-components.yaml").notes


def test_evgo_lists_only_sourced_codes_in_its_scheme():
    entries = _entries("evgo-mrec.yaml")
    assert set(entries) == {"A000", "A001", "A003", "F000", "F003", "F004", "F006", "F007", "F008", "F009"}
    assert all(c[0] in "AF" and len(c) == 4 for c in entries)


def test_everest_mrec_errors_carry_the_chargex_code_and_safety():
    chargex = _entries("chargex-mrec.yaml")
    everest = _entries("everest-errors.yaml")
    mrec = {c: e for c, e in everest.items() if "/MREC" in c}
    assert len(mrec) == 25 and "evse_board_support/TiltDetected" in everest
    for code, entry in mrec.items():
        cx = next(r for r in entry.related if r.startswith("ChargeX CX")).removeprefix("ChargeX ")
        assert entry.safety == chargex[cx].safety, code
