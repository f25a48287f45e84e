"""Builds the knowledge-base collaborators from :class:`~app.settings.Settings` (one place)."""

from __future__ import annotations

from app.settings import Settings
from ingest.runner import IngestOptions
from knowledge.embed import MODEL_ID, get_embedder
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore, open_client


def open_store(settings: Settings) -> KnowledgeStore:
    client = open_client(path=settings.chroma_path, url=settings.chroma_url)
    return KnowledgeStore(client, MODEL_ID)


def embed_function(settings: Settings):
    """``texts -> vectors``; the model loads on the first call, not here."""

    def embed(texts: list[str]):
        return get_embedder(threads=settings.embed_threads, batch_size=settings.embed_batch_size).embed(texts)

    return embed


def build_searcher(settings: Settings, store: KnowledgeStore | None = None) -> Searcher:
    return Searcher(
        store or open_store(settings),
        embed_function(settings),
        refresh_seconds=settings.search_refresh_seconds,
    )


def ingest_options(settings: Settings, *, rebuild: bool = False) -> IngestOptions:
    return IngestOptions(
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        rebuild=rebuild,
    )
