"""What the chat asks of the search on top of the agent's defaults: the charger's own documents or
the references alone, table rows alone or none of them, whole sections, and how related a text is
to the corpus (test corpus, real store and model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.runner import IngestOptions, ingest
from knowledge.search import Searcher

pytestmark = pytest.mark.slow
STEPS = "\n".join(
    f"{n}. Step {n} of the restart: check relay K{n} with the coil de-energised, measure the coil "
    f"resistance of K{n} at its terminals, compare it with the value on the relay label, record it "
    f"in the service log and replace relay K{n} when it differs by more than ten percent."
    for n in range(1, 11)
)


@pytest.fixture
def searcher(corpus: Path, store, embed) -> Searcher:
    (corpus / "acme" / "acme-relay-bulletin.md").write_text(
        f"# Relay bulletin\n\nApplies to every ACME charger.\n\n## Relay check after a weld\n\n{STEPS}\n",
        encoding="utf-8",
    )
    ingest([corpus], store, embed, IngestOptions())
    return Searcher(store, embed, refresh_seconds=0)


def test_the_chargers_own_documents_or_the_references_alone(searcher: Searcher):
    question = {
        "query": "residual current detected, ground fault",
        "vendor": "acme",
        "model": "ac-22",
        "k": 10,
    }
    own = searcher.search(**question, tier="own")
    standard = searcher.search(**question, tier="standard")
    assert own and {h.vendor for h in own} == {"acme"}
    assert standard and {h.vendor for h in standard} == {"_standard"}
    assert searcher.search(**question | {"vendor": "Nobody Chargers Inc"}, tier="own") == []
    assert searcher.search(**question | {"vendor": None}, tier="own") == []
    assert searcher.search(**question) != own, "without a tier both come, as before"


def test_a_white_label_station_reads_the_documents_of_the_maker_its_vendor_id_names(searcher: Searcher):
    """A station sold under another brand sends its maker's codes with the maker as ``vendorId``:
    when its own vendor is not in the corpus, the maker's documents apply; never when it is."""
    question = {"query": "residual current detected, ground fault", "model": "WL-22", "k": 10, "tier": "own"}
    assert searcher.search(**question, vendor="Nobody Chargers Inc") == []
    maker = searcher.search(**question, vendor="Nobody Chargers Inc", maker="acme")
    assert maker and {h.vendor for h in maker} == {"acme"}
    assert searcher.search(**question, vendor="Nobody Chargers Inc", maker="Somebody Else") == []


def test_table_rows_alone_or_everything_but_them(searcher: Searcher):
    rows = searcher.search("plug lock does not engage", vendor="acme", k=20, code_rows="only")
    prose = searcher.search("plug lock does not engage", vendor="acme", k=20, code_rows="without")
    assert rows and all(h.defines for h in rows)
    assert any(h.text.startswith("Code E-12 — Lock motor failure") for h in rows)
    assert prose and not any(h.defines for h in prose)


def test_a_section_split_over_chunks_comes_back_whole(searcher: Searcher):
    split = searcher.search("replace relay K10 coil resistance", vendor="acme", k=3)
    whole = searcher.search("replace relay K10 coil resistance", vendor="acme", k=3, whole_sections=True)
    part = next(h for h in split if "Relay check" in h.citation.section)
    assert not ("1. Step 1" in part.text and "10. Step 10" in part.text), "the section spans several chunks"
    section = next(h for h in whole if "Relay check" in h.citation.section)
    lines = section.text.splitlines()
    assert [line.split(".")[0] for line in lines] == [str(n) for n in range(1, 11)], (
        "each step once, in order"
    )


def test_relatedness_to_the_corpus_and_query_vectors_remembered(searcher: Searcher, embed):
    on_topic = searcher.relatedness("the charger's relay is welded, what do I do?")
    assert on_topic > searcher.relatedness("What is a good recipe for lasagne?") + 0.1
    calls = embed.calls
    for _ in range(2):
        searcher.search("relay welded after a session", vendor="acme", k=3)
    searcher.relatedness("relay welded after a session")
    assert embed.calls == calls + 1, "one question's words are embedded once"
