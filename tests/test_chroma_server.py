"""The same store code against a real Chroma server (`chroma run` on a free loopback port)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.runner import IngestOptions, ingest
from knowledge.embed import MODEL_ID
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_url(tmp_path: Path):
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("chroma CLI not installed in this environment")
    port = _free_port()
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                open_client(url=url).heartbeat()
                break
            except Exception:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start within 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
