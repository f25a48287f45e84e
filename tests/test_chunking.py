import itertools
from pathlib import Path

import pytest

from ingest.chunking import DocMeta, chunk_document
from ingest.document import Block, LoadedDocument
from ingest.manifest import Manifest, ManifestError
from knowledge.embed import count_tokens
from knowledge.schema import DocType

META = DocMeta("acme/ac-22/manual.md", "AC-22 Manual", "acme", ("ac-22",), DocType.manual)


def _chunks(blocks, max_tokens=256, overlap=32):
    return chunk_document(
        LoadedDocument(blocks), META, max_tokens=max_tokens, overlap_tokens=overlap, count_tokens=count_tokens
    )


def test_every_chunk_fits_the_model_with_its_heading_context():
    sentences = [
        f"Step {i}: measure the insulation resistance of conductor {i} at 500 V DC." for i in range(80)
    ]
    blocks = [
        Block(" ".join(sentences[i : i + 8]), ("6 Troubleshooting", "6.1 Isolation")) for i in range(0, 80, 8)
    ]
    chunks = _chunks(blocks)
    assert len(chunks) > 3
    for chunk in chunks:
        assert count_tokens(chunk.indexed_text) <= 256
        assert chunk.section == "6 Troubleshooting > 6.1 Isolation"
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_of_a_section_overlap():
    text = " ".join(f"Sentence number {i} describes check {i}." for i in range(120))
    chunks = _chunks([Block(text, ("1 Checks",))], max_tokens=128, overlap=24)
    assert len(chunks) >= 3
    for first, second in itertools.pairwise(chunks):
        last_sentence = first.text.split(". ")[-1].rstrip(".")
        assert last_sentence in second.text


def test_table_rows_are_never_merged_or_split():
    rows = [
        Block(
            f"Code E-{i:02d} — Fault {i}. Cause: something. Remedy: Remote: none.",
            ("7 Error codes",),
            row=True,
            codes=(f"E-{i:02d}",),
        )
        for i in range(1, 6)
    ]
    chunks = _chunks([Block("Intro paragraph.", ("7 Error codes",)), *rows])
    assert [c.text for c in chunks[1:]] == [r.text for r in rows]
    assert chunks[1].defines == ["E1", "#1"]
    assert "E1" in chunks[1].codes


def test_overlong_row_is_split_keeping_its_code():
    long_row = Block(
        "Code F005 — Isolation. " + "Remedy detail sentence here. " * 80, row=True, codes=("F005",)
    )
    chunks = _chunks([long_row])
    assert len(chunks) > 1
    assert all(c.defines == ["F5", "#5"] for c in chunks)
    assert all(count_tokens(c.indexed_text) <= 256 for c in chunks)


def test_sections_and_pages_are_not_mixed_in_one_chunk():
    chunks = _chunks(
        [Block("A.", ("1 A",), page=1), Block("B.", ("1 A",), page=2), Block("C.", ("2 C",), page=2)]
    )
    assert [(c.text, c.page, c.section) for c in chunks] == [
        ("A.", 1, "1 A"),
        ("B.", 2, "1 A"),
        ("C.", 2, "2 C"),
    ]


def test_folder_convention_and_manifest_overrides(tmp_path: Path):
    (tmp_path / "manifest.yaml").write_text(
        "name: ops\nfiles:\n  acme/notes.md: {doc_type: guide, models: [ac-22], title: Field notes}\n"
    )
    manifest = Manifest.read(tmp_path)
    assert manifest.name == "ops"
    model_doc = manifest.doc_meta("acme/dc-50/x.pdf", fallback_title="DC-50 manual")
    assert (model_doc.vendor, model_doc.models, model_doc.doc_type, model_doc.title) == (
        "acme",
        ("dc-50",),
        DocType.manual,
        "DC-50 manual",
    )
    assert manifest.doc_meta("acme/SB-2026-01-rfid.md", fallback_title=None).doc_type == DocType.bulletin
    assert manifest.doc_meta("acme/dc-50/codes.csv", fallback_title=None).doc_type == DocType.error_codes
    assert manifest.doc_meta("acme/x.md", fallback_title=None).models == ()
    std = manifest.doc_meta("_standard/ocpp.md", fallback_title=None)
    assert (std.vendor, std.doc_type) == ("_standard", DocType.reference)
    override = manifest.doc_meta("acme/notes.md", fallback_title="ignored")
    assert (override.doc_type, override.models, override.title) == (DocType.guide, ("ac-22",), "Field notes")


def test_bad_manifest_names_the_key(tmp_path: Path):
    (tmp_path / "manifest.yaml").write_text("files:\n  a/b.md: {doc_type: novel}\n")
    with pytest.raises(ManifestError, match=r"files\.a/b\.md\.doc_type"):
        Manifest.read(tmp_path).doc_meta("a/b.md", fallback_title=None)
    (tmp_path / "manifest.yaml").write_text("vendors: [not, a, mapping]\n")
    with pytest.raises(ManifestError, match="'vendors' must be a mapping"):
        Manifest.read(tmp_path)


def test_manifest_names_written_as_numbers_are_names(tmp_path: Path):
    """YAML reads an article number alias (``37031110``) or a model called ``2020`` as a number;
    the catalog holds them as text, and a charger reporting one resolves to the model."""
    (tmp_path / "manifest.yaml").write_text(
        "vendors:\n  acme:\n    name: Acme\n    aliases: 4711\n"
        "    models:\n      2020: {name: 2020, aliases: [37031110, AC 22]}\n"
    )
    catalog = Manifest.read(tmp_path).catalog([])
    model = catalog.vendors["acme"].models["2020"]
    assert (model.name, model.aliases) == ("2020", ["37031110", "AC 22"])
    assert catalog.vendors["acme"].aliases == ["4711"]
    assert catalog.resolve_model("acme", "37031110") == "2020"
