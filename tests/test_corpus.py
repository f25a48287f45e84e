"""The bundled corpus: complete, loadable, and its PDFs in step with their Markdown sources."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from ingest.loaders import LOADERS, load
from ingest.manifest import Manifest
from knowledge import render_manuals
from knowledge.names import STANDARD_VENDOR

CORPUS = Path(__file__).resolve().parents[1] / "knowledge" / "corpus"
TABLES = {".csv", ".tsv"}


@pytest.fixture(scope="module")
def loaded() -> dict[str, object]:
    """Every corpus file by its source path, loaded by the production loaders."""
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in LOADERS)
    return {f.relative_to(CORPUS).as_posix(): load(f) for f in files}


def _definitions(loaded) -> dict[str, list]:
    """Error-code rows (blocks that define a code and give its cause), by source — not the rows of
    a table keyed by its symptoms or messages (a field guide's "Symptom | Cause | First action":
    each symptom is read as the message a charger may send, and is its own title)."""
    return {
        source: rows
        for source, doc in loaded.items()
        if (rows := [b for b in doc.blocks if b.row and b.codes and "Cause:" in b.text and not _message(b)])
    }


def _message(block) -> bool:
    return block.entry is not None and block.entry.code == block.entry.title


def test_every_file_loads_with_text(loaded):
    assert len(loaded) >= 20
    for source, doc in loaded.items():
        assert doc.blocks, f"{source} produced no text"
        assert not doc.warnings, f"{source}: {doc.warnings}"


def test_at_least_150_codes_each_with_meaning_cause_and_remedy(loaded):
    codes = set()
    for source, rows in _definitions(loaded).items():
        vendor = source.split("/")[0]
        for row in rows:
            assert " — " in row.text and "Remedy:" in row.text, f"{source}: incomplete row {row.text[:80]}"
            codes.add((vendor, row.codes[0]))
    vendor_codes = {c for c in codes if c[0] != STANDARD_VENDOR}
    assert len(codes) >= 150, len(codes)
    assert len(vendor_codes) >= 150, len(vendor_codes)


def test_every_remedy_separates_remote_steps_from_on_site_work(loaded):
    for source, rows in _definitions(loaded).items():
        for row in rows:
            remedy = row.text.split("Remedy:", 1)[1]
            assert "Remote:" in remedy and "On site:" in remedy, f"{source}: {row.text[:90]}"


def test_four_vendors_each_with_an_ac_and_a_dc_model_documented_by_manual_and_table(loaded):
    manifest = Manifest.read(CORPUS)
    vendors = [v for v in manifest.vendors if v != STANDARD_VENDOR]
    assert len(vendors) >= 4
    for vendor in vendors:
        kinds = set()
        for model in manifest.vendors[vendor]["models"]:
            files = [s for s in loaded if s.startswith(f"{vendor}/{model}/")]
            pdfs = [s for s in files if s.endswith(".pdf")]
            tables = [s for s in files if Path(s).suffix in TABLES]
            assert len(pdfs) == 1 and len(tables) == 1, f"{vendor}/{model}: {files}"
            manual = loaded[pdfs[0]]
            assert manual.pages >= 10, f"{pdfs[0]} has {manual.pages} pages"
            text = " ".join(b.text for b in manual.blocks)
            sections = {s for b in manual.blocks for s in b.section}
            assert any("Troubleshooting" in s for s in sections), pdfs[0]
            assert _definitions(loaded).get(pdfs[0]), f"{pdfs[0]} has no error-code table"
            kinds.add("DC" if ("CCS" in text or "CHAdeMO" in text) else "AC")
        assert kinds == {"AC", "DC"}, f"{vendor}: {kinds}"


def test_standard_references_cover_ocpp16_ocpp201_and_all_26_chargex_codes(loaded):
    standard = {s: d for s, d in loaded.items() if s.startswith(f"{STANDARD_VENDOR}/")}
    codes = {row.codes[0] for rows in _definitions(standard).values() for row in rows}
    assert {f"CX{n:03d}" for n in range(1, 27)} <= codes
    assert {"GroundFailure", "ConnectorLockFailure", "HighTemperature", "OtherError"} <= codes
    ocpp201 = " ".join(b.text for b in standard["_standard/ocpp201-fault-reporting.md"].blocks)
    assert "techCode" in ocpp201 and "NotifyEvent" in ocpp201


def test_vendor_tables_and_manual_tables_agree(loaded):
    """A model's CSV/TSV table and its manual's error-code chapter define the same codes."""
    by_model = defaultdict(dict)
    for source, rows in _definitions(loaded).items():
        parts = source.split("/")
        if len(parts) == 3:
            by_model[(parts[0], parts[1])][Path(source).suffix] = {r.codes[0] for r in rows}
    assert len(by_model) >= 8
    for model, kinds in by_model.items():
        table = kinds.get(".csv") or kinds.get(".tsv")
        assert table == kinds[".pdf"], model


def test_rendered_pdfs_match_their_markdown_sources():
    assert render_manuals.main(["--check"]) == 0
