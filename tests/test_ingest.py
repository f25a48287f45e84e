"""Incremental ingest into a real embedded Chroma store with the real embedding model."""

from pathlib import Path

from ingest.runner import IngestOptions, ingest
from knowledge.embed import MODEL_ID
from knowledge.entries import CodeEntry
from knowledge.schema import Chunk, DocType
from knowledge.store import FileContent, KnowledgeStore, collection_name

OPTIONS = IngestOptions(max_tokens=256, overlap_tokens=32, standards=False)
"""The operator corpus alone: the built-in standards are tested in test_standards.py."""


def _sources(store: KnowledgeStore) -> set[str]:
    return {s.chunk.source for s in store.all_chunks()}


def test_first_ingest_stores_every_file_with_metadata(corpus: Path, store: KnowledgeStore, embed):
    report = ingest([corpus], store, embed, OPTIONS)
    assert report.failed == {}
    assert report.added == report.files == 6
    assert report.chunks == store.count() > 20
    assert _sources(store) == {
        "acme/ac-22/ac-22-codes.csv",
        "acme/dc-50/dc-50-fault-codes.tsv",
        "acme/dc-50/acme-dc-50-manual.pdf",
        "acme/SB-2026-01-rfid.md",
        "_standard/ocpp16-errors.md",
        "zephyr/zephyr-guide.txt",
    }
    row = next(s.chunk for s in store.all_chunks() if "F21" in s.chunk.defines)
    assert (row.vendor, row.models, row.doc_type.value, row.source) == (
        "acme",
        ["dc-50"],
        "manual",
        "acme/dc-50/acme-dc-50-manual.pdf",
    )
    assert row.page and row.section == "4 Error codes"
    csv_row = next(s.chunk for s in store.all_chunks() if s.chunk.source.endswith(".csv"))
    assert csv_row.title == "AC-22 error code table" and csv_row.doc_type.value == "error_codes"
    catalog = store.catalog()
    assert catalog.resolve_vendor("ACME Charging GmbH") == "acme"
    assert catalog.resolve_model("acme", "DC50-CCS") == "dc-50"
    assert catalog.resolve_vendor("Zéphyr Bornes") == "zephyr"


def test_unchanged_corpus_does_no_embedding_work(corpus: Path, store: KnowledgeStore, embed):
    ingest([corpus], store, embed, OPTIONS)
    revision, calls = store.revision(), embed.calls
    again = ingest([corpus], store, embed, OPTIONS)
    assert embed.calls == calls, "unchanged files were embedded again"
    assert (again.unchanged, again.added, again.changed, again.chunks) == (6, 0, 0, 0)
    assert store.revision() == revision


def test_changed_file_replaces_its_chunks_and_deleted_file_is_removed(corpus: Path, store, embed):
    ingest([corpus], store, embed, OPTIONS)
    before = store.count()
    csv = corpus / "acme/ac-22/ac-22-codes.csv"
    csv.write_text(csv.read_text() + 'E-30,Meter lost,"No Modbus reply","Remote: soft reset once",fault\n')
    (corpus / "zephyr/zephyr-guide.txt").unlink()
    embed.texts = 0
    report = ingest([corpus], store, embed, OPTIONS)
    assert (report.changed, report.deleted, report.unchanged) == (1, 1, 4)
    assert embed.texts == 5, "only the changed file's chunks are embedded"
    assert "zephyr/zephyr-guide.txt" not in _sources(store)
    codes = [s.chunk for s in store.all_chunks() if s.chunk.source.endswith("ac-22-codes.csv")]
    assert len(codes) == 5 and any("E30" in c.defines for c in codes)
    zephyr_chunks = 2
    assert store.count() == before + 1 - zephyr_chunks


def test_rebuild_starts_clean(corpus: Path, store: KnowledgeStore, embed):
    ingest([corpus], store, embed, OPTIONS)
    report = ingest([corpus], store, embed, IngestOptions(rebuild=True, standards=False))
    assert report.added == 6 and report.unchanged == 0


def test_failures_are_reported_by_name_and_the_rest_is_ingested(corpus: Path, store, embed):
    (corpus / "acme/broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (corpus / "acme/empty.csv").write_text("")
    (corpus / "acme/notes.docx").write_bytes(b"PK")
    (corpus / "acme/wiring.dwg").write_bytes(b"AC1032")
    report = ingest([corpus], store, embed, OPTIONS)
    assert set(report.failed) == {"acme/broken.pdf", "acme/empty.csv", "acme/notes.docx"}
    assert "empty" in report.failed["acme/empty.csv"]
    assert "Word document" in report.failed["acme/notes.docx"]
    assert report.unsupported == ["acme/wiring.dwg"]
    assert report.added == 6 and not report.nothing_ingested


def test_two_corpora_share_a_store_without_deleting_each_other(corpus: Path, tmp_path: Path, store, embed):
    other = tmp_path / "other"
    (other / "acme").mkdir(parents=True)
    (other / "acme" / "tips.md").write_text("# Tips\nWipe the RFID reader window monthly.\n")
    ingest([corpus], store, embed, OPTIONS)
    ingest([other], store, embed, OPTIONS)
    assert "acme/tips.md" in _sources(store)
    assert "acme/ac-22/ac-22-codes.csv" in _sources(store)


def test_collection_name_carries_the_embedding_model():
    assert collection_name(MODEL_ID) == "chargemedic_v2__all-minilm-l6-v2"
    assert collection_name("other/Model-X") != collection_name(MODEL_ID)


def _file(source: str, vendor: str, models: list[str], *, with_entry: bool) -> FileContent:
    entry = CodeEntry(code="E1", title="Relay welded") if with_entry else None
    chunk = Chunk(
        text=f"{source} text",
        source=source,
        title=source,
        vendor=vendor,
        models=models,
        doc_type=DocType.error_codes,
        page=3 if with_entry else None,
        codes=["E1"] if with_entry else [],
        defines=["E1"] if with_entry else [],
        entry=entry,
    )
    return FileContent("c", source, "f" * 40, [chunk], [[1.0] + [0.0] * 383], replaces=False)


def test_a_record_rewritten_without_models_or_entry_keeps_none_of_the_old_ones(store: KnowledgeStore):
    """An upsert keeps the keys of the record it replaces unless told to remove them; embedded
    Chroma hands a dropped collection's list metadata to the next one (a rebuild once gave a
    vendor-wide document the models of another vendor's files, and search then hid it)."""
    store.replace_files([_file("acme/dc-50/a.md", "acme", ["dc-50"], with_entry=True)])
    store.replace_files([_file("acme/dc-50/a.md", "acme", [], with_entry=False)])  # same id
    (again,) = [s.chunk for s in store.all_chunks()]
    assert (again.models, again.entry, again.codes, again.defines, again.page) == ([], None, [], [], None)
    store.replace_files([_file("acme/dc-50/a.md", "acme", ["dc-50"], with_entry=True)])
    store.clear()
    store.replace_files([_file("zephyr/b.md", "zephyr", [], with_entry=False)])  # another id
    (fresh,) = [s.chunk for s in store.all_chunks()]
    assert (fresh.source, fresh.models, fresh.entry, fresh.codes) == ("zephyr/b.md", [], None, [])
