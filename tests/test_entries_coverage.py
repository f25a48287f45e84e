"""The ingest coverage report: per document, in the report and persisted with the store."""

from pathlib import Path

from ingest.document import LoadedDocument
from ingest.entries.coverage import document_coverage
from ingest.loaders import load
from ingest.runner import IngestOptions, ingest


def _corpus(root: Path) -> Path:
    (root / "w1").mkdir(parents=True)
    (root / "w1" / "codes.csv").write_text(
        "Code,Meaning,Remedy,Safety\n"
        "E1,Overheat,Restart the charger remotely,no\n"
        "E2,Earth fault,Call an electrician,yes\n"
        "E3,Lock stuck,,\n"
    )
    (root / "w1" / "notes.md").write_text(
        "# Notes\n\n## Error 7 – Meter lost\n\nReset the charger remotely.\n\n"
        "## Odd\n\nError 42 happened during the night and nobody knows why\n"
    )
    return root


def test_document_coverage_counts_fields_and_unread_lines(tmp_path: Path):
    root = _corpus(tmp_path / "corpus")
    table = document_coverage(load(root / "w1" / "codes.csv"))
    assert (
        table.codes,
        table.with_title,
        table.with_remedy,
        table.with_remote_step,
        table.with_safety_flag,
    ) == (
        3,
        3,
        2,
        1,
        2,
    )
    assert table.layouts == {"table": 3} and table.unread == []
    notes = document_coverage(load(root / "w1" / "notes.md"))
    assert (notes.codes, notes.with_remedy, notes.with_remote_step) == (1, 1, 1)
    assert notes.unread == ["section Odd: Error 42 happened during the night and nobody knows why"]
    assert document_coverage(LoadedDocument(blocks=[])).codes == 0


def test_coverage_is_reported_and_kept_with_the_store(tmp_path: Path, store, embed):
    root = _corpus(tmp_path / "corpus")
    report = ingest([root], store, embed, IngestOptions())
    name = root.name
    assert report.coverage[f"{name}/w1/codes.csv"]["codes"] == 3
    assert report.to_dict()["coverage"][f"{name}/w1/notes.md"]["unread"]
    assert store.coverage() == report.coverage
    entries = [
        s.chunk.entry for s in store.all_chunks() if s.chunk.entry and s.chunk.source.startswith("w1/")
    ]
    assert {e.code for e in entries} == {"E1", "E2", "E3", "7"}
    (root / "w1" / "notes.md").unlink()
    assert ingest([root], store, embed, IngestOptions()).deleted == 1
    assert f"{name}/w1/notes.md" not in store.coverage() and f"{name}/w1/codes.csv" in store.coverage()
