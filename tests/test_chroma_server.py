"""The same store code against a real Chroma server (`chroma run` on a free loopback port; the
``chroma_url`` fixture is in conftest)."""

from pathlib import Path

import pytest

from ingest.runner import IngestOptions, ingest
from knowledge.embed import MODEL_ID
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client


def test_ingest_and_search_through_a_chroma_server(chroma_url: str, corpus: Path, embed):
    store = KnowledgeStore(open_client(url=chroma_url), MODEL_ID)
    report = ingest([corpus], store, embed, IngestOptions())
    assert report.failed == {} and store.count() == report.chunks
    hits = Searcher(store, embed).search("isolation fault", vendor="acme", model="dc-50", codes=["F005"])
    assert hits[0].text.startswith("Code F005")
    second = KnowledgeStore(open_client(url=chroma_url), MODEL_ID)
    assert second.count() == store.count(), "a second client sees the same collection"


def test_bad_chroma_url_is_rejected_with_the_setting_named():
    with pytest.raises(ValueError, match="chroma_url"):
        open_client(url="chroma:8000")
