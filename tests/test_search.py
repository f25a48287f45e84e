"""Hybrid search over a real store built from the test corpus."""

from pathlib import Path

import pytest

from ingest.runner import IngestOptions, ingest
from knowledge.search import Searcher


@pytest.fixture
def searcher(corpus: Path, store, embed) -> Searcher:
    ingest([corpus], store, embed, IngestOptions())
    return Searcher(store, embed, refresh_seconds=0)


def test_vendor_specific_row_for_the_exact_code_outranks_generic_text(searcher: Searcher):
    hits = searcher.search(
        "residual current device tripped, ground fault",
        vendor="ACME Charging GmbH",
        model="AC22-T2",
        codes=["E-06", "GroundFailure"],
    )
    top = hits[0]
    assert top.citation.source == "acme/ac-22/ac-22-codes.csv"
    assert top.text.startswith("Code E-06 — Residual current")
    assert "code" in top.retrievers
    generic = [h.citation.source for h in hits[1:]]
    assert "_standard/ocpp16-errors.md" in generic


def test_model_scope_keeps_a_shared_code_to_the_right_model(searcher: Searcher):
    dc = searcher.search("error", vendor="acme", model="dc-50", codes=["E06"], k=3)
    assert dc[0].text.startswith("Code E-06 — Pre-charge timeout")
    assert all(h.models in ([], ["dc-50"]) or h.vendor == "_standard" for h in dc)
    ac = searcher.search("error", vendor="acme", model="ac-22", codes=["e-6"], k=3)
    assert ac[0].text.startswith("Code E-06 — Residual current")


def test_unknown_model_widens_to_all_models_of_the_vendor(searcher: Searcher):
    hits = searcher.search("error", vendor="ACME", model="XYZ-999", codes=["E-06"], k=4)
    sources = {h.citation.source for h in hits[:2]}
    assert sources == {"acme/ac-22/ac-22-codes.csv", "acme/dc-50/dc-50-fault-codes.tsv"}


def test_unknown_vendor_gets_only_vendor_neutral_references(searcher: Searcher):
    hits = searcher.search("residual current trip", vendor="Nobody Chargers Inc", codes=["E-06"])
    assert hits and {h.vendor for h in hits} == {"_standard"}


def test_vendor_wide_documents_apply_to_every_model(searcher: Searcher):
    hits = searcher.search("card reader stopped reading RFID badges", vendor="acme", model="dc-50", k=3)
    assert hits[0].citation.source == "acme/SB-2026-01-rfid.md"


def test_bare_number_finds_the_prefixed_vendor_code(searcher: Searcher):
    hits = searcher.search("", vendor="acme", model="dc-50", codes=["5"], k=3)
    assert "F005" in hits[0].text


def test_other_vendors_documents_never_leak_into_a_scoped_search(searcher: Searcher):
    hits = searcher.search("residual current monitor self-test failed", vendor="acme", k=10)
    assert all(h.vendor in {"acme", "_standard"} for h in hits)
    unscoped = searcher.search("residual current monitor self-test failed Z-03", k=3)
    assert unscoped[0].citation.source == "zephyr/zephyr-guide.txt"


def test_pdf_passages_cite_page_and_section(searcher: Searcher):
    hits = searcher.search("session aborts during cable check isolation", vendor="acme", model="dc-50", k=3)
    pdf = next(h for h in hits if h.citation.source.endswith(".pdf"))
    assert pdf.citation.page and pdf.citation.page > 1
    assert pdf.citation.section.startswith(("3 Troubleshooting", "4 Error codes"))


def test_single_retrievers_can_be_selected(searcher: Searcher):
    dense = searcher.search("isolation failure", retrievers=["dense"], k=3)
    lexical = searcher.search("isolation failure", retrievers=["bm25"], k=3)
    assert dense and all(h.retrievers == ["dense"] for h in dense)
    assert lexical and all(h.retrievers == ["bm25"] for h in lexical)


def test_a_new_ingest_is_seen_by_a_running_searcher(searcher: Searcher, corpus: Path, store, embed):
    assert not searcher.search("", codes=["E-99"], retrievers=["code"])
    csv = corpus / "acme/ac-22/ac-22-codes.csv"
    csv.write_text(
        csv.read_text() + "E-99,Firmware corrupt,Bad flash,Remote: none. On site: reflash,critical\n"
    )
    ingest([corpus], store, embed, IngestOptions())
    hits = searcher.search("", codes=["E-99"], retrievers=["code"])
    assert hits and hits[0].text.startswith("Code E-99")
