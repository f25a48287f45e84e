"""Chroma-backed chunk store, embedded (a folder) or client/server (a URL), through one class.

Embeddings are always computed by :mod:`knowledge.embed` and passed explicitly; the collection
is created without an embedding function. The collection name carries the embedding model id,
so vectors of two models can never be mixed: a model change starts a new collection.
The collection's metadata holds a ``revision`` bumped on every change (readers use it to notice
new content) and the vendor/model :class:`~knowledge.names.Catalog` of the last ingest.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from knowledge.entries import CodeEntry
from knowledge.names import Catalog
from knowledge.schema import Chunk, DocType

SCHEMA_VERSION = "v2"
_ADD_BATCH = 1000


def collection_name(model_id: str) -> str:
    """``chargemedic_v2__all-minilm-l6-v2`` — the schema version and the embedding model."""
    slug = re.sub(r"[^a-z0-9.-]+", "-", model_id.lower()).strip("-")
    return f"chargemedic_{SCHEMA_VERSION}__{slug}"


def open_client(*, path: Path | None = None, url: str | None = None):
    """A Chroma client: HTTP when ``url`` is given, else embedded at ``path``."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise ValueError(f"chroma_url must look like http://host:port, got {url!r}")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings
        )
    if path is None:
        raise ValueError("either a Chroma path or a Chroma URL is required")
    path.mkdir(parents=True, exist_ok=True)
    with _opening(path):
        return chromadb.PersistentClient(path=str(path), settings=settings)


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """One process at a time opens an embedded store: the first opening creates Chroma's tables,
    and two service processes starting together on a new store raced ("table collections
    already exists")."""
    with (path / ".open.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class FileContent:
    """The complete new content of one source file, ready to store."""

    corpus: str
    source: str
    file_hash: str
    chunks: Sequence[Chunk]
    vectors: Sequence
    replaces: bool = True
    """False when the file had no chunks before (skips the stale-chunk lookup)."""


@dataclass(frozen=True)
class StoredChunk:
    id: str
    chunk: Chunk


class KnowledgeStore:
    """Chunks of one embedding model, grouped by source file for incremental replacement."""

    def __init__(self, client, model_id: str) -> None:
        self.client = client
        self.model_id = model_id
        self.name = collection_name(model_id)
        self._collection = client.get_or_create_collection(
            self.name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": model_id, "revision": 0},
            embedding_function=None,
        )

    # ---- writes -------------------------------------------------------------------------
    def replace_files(self, files: Sequence[FileContent]) -> None:
        """Store each file's chunks as its whole content in its corpus, replacing what it had.

        Chunks of all files are upserted in large batches (Chroma's per-call cost dominates
        small writes); then, for files that had content before, chunks no longer present are
        deleted. New chunks are written before stale ones go, so a concurrent reader never sees
        a file vanish. Chunk ids derive from corpus, source path, file hash and position.
        """
        ids: list[str] = []
        chunks: list[Chunk] = []
        metadatas: list[dict] = []
        vectors: list = []
        for file in files:
            prefix = hashlib.sha1(f"{file.corpus}/{file.source}".encode()).hexdigest()[:10]
            ids += [f"{prefix}:{file.file_hash[:12]}:{c.position:05d}" for c in file.chunks]
            chunks += file.chunks
            metadatas += [_to_metadata(c, file.corpus, file.file_hash) for c in file.chunks]
            vectors += list(file.vectors)
        for start in range(0, len(ids), _ADD_BATCH):
            end = start + _ADD_BATCH
            self._collection.upsert(
                ids=ids[start:end],
                embeddings=[list(map(float, v)) for v in vectors[start:end]],
                documents=[c.text for c in chunks[start:end]],
                metadatas=metadatas[start:end],
            )
        keep = set(ids)
        for file in files:
            if not file.replaces:
                continue
            stale = self._collection.get(where=_file_filter(file.corpus, file.source), include=[])["ids"]
            if dropped := [i for i in stale if i not in keep]:
                self._collection.delete(ids=dropped)

    def delete_file(self, corpus: str, source: str) -> None:
        self._collection.delete(where=_file_filter(corpus, source))

    def clear(self) -> None:
        """Drop every chunk (``--rebuild``). The records are deleted before the collection:
        embedded Chroma (1.5) keeps a dropped collection's list-valued metadata and hands it to
        the records of the next collection of the same name."""
        while ids := self._collection.get(limit=_ADD_BATCH, include=[])["ids"]:
            self._collection.delete(ids=ids)
        self.client.delete_collection(self.name)
        self.__init__(self.client, self.model_id)

    def finish_update(
        self,
        catalog: Catalog,
        *,
        reader: str = "",
        coverage: dict[str, dict] | None = None,
        dropped: Sequence[str] = (),
    ) -> int:
        """Merge ``catalog`` into the stored one, record the ``reader`` (the version of ingest's
        document understanding the chunks were read with), merge the ingest ``coverage`` of the
        files read (``corpus/source`` keys; ``dropped`` ones removed) and bump the revision."""
        merged = self.catalog()
        merged.vendors.update(catalog.vendors)
        catalog = merged
        documents = {k: v for k, v in self.coverage().items() if k not in set(dropped)}
        documents.update(coverage or {})
        revision = self.revision() + 1
        self._collection.modify(
            metadata={
                "embedding_model": self.model_id,
                "revision": revision,
                "catalog": json.dumps(catalog.to_dict(), ensure_ascii=False),
                "reader": reader,
                "coverage": json.dumps(documents, ensure_ascii=False),
            }
        )
        return revision

    # ---- reads --------------------------------------------------------------------------
    def revision(self) -> int:
        return int((self._collection.metadata or {}).get("revision", 0))

    def refreshed_revision(self) -> int:
        """The revision as stored now (another process may have ingested meanwhile)."""
        self._collection = self.client.get_collection(self.name)
        return self.revision()

    def reader(self) -> str:
        """The ingest reader version the stored chunks were read with (``""`` before any)."""
        return str((self._collection.metadata or {}).get("reader", ""))

    def catalog(self) -> Catalog:
        raw = (self._collection.metadata or {}).get("catalog") or "{}"
        return Catalog.from_dict(json.loads(raw))

    def coverage(self) -> dict[str, dict]:
        """Ingest coverage per document, ``{"corpus/source": {...}}`` as the last ingest of each
        file reported it: ``codes``, ``with_title``, ``with_remedy``, ``with_remote_step``,
        ``with_safety_flag`` (counts of distinct codes), ``layouts`` (``{layout: codes}``) and
        ``unread`` (lines that looked like code definitions but were not read)."""
        raw = (self._collection.metadata or {}).get("coverage") or "{}"
        return json.loads(raw)

    def count(self) -> int:
        return self._collection.count()

    def file_hashes(self, corpus: str) -> dict[str, str]:
        """``{source: file_hash}`` of every file of ``corpus`` that has chunks in the store."""
        got = self._collection.get(where={"corpus": corpus}, include=["metadatas"])
        metadatas = got["metadatas"] or []
        return {m["source"]: m["file_hash"] for m in metadatas}

    def vectors(self, *, page: int = 2_000, where: dict | None = None) -> list:
        """Every stored chunk's embedding (``where``: of the chunks matching that metadata filter),
        in no particular order, read ``page`` at a time."""
        vectors: list = []
        while True:
            got = self._collection.get(include=["embeddings"], where=where, limit=page, offset=len(vectors))[
                "embeddings"
            ]
            vectors += [] if got is None else list(got)
            if got is None or len(got) < page:
                return vectors

    def all_chunks(self) -> list[StoredChunk]:
        got = self._collection.get(include=["documents", "metadatas"])
        return [
            StoredChunk(id_, _from_metadata(doc, meta))
            for id_, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def entry_chunks(self, where: dict | None = None) -> list[StoredChunk]:
        """Every chunk that carries a code entry (matching ``where`` too), read from metadata
        only: the chunks' texts are not loaded (their ``text`` is empty)."""
        condition = {"has_entry": True} if where is None else {"$and": [{"has_entry": True}, where]}
        got = self._collection.get(where=condition, include=["metadatas"])
        return [
            StoredChunk(id_, _from_metadata("", meta))
            for id_, meta in zip(got["ids"], got["metadatas"], strict=True)
        ]

    def documents(self, where: dict | None = None) -> dict[str, Chunk]:
        """Each stored document (matching ``where``) by source: its first chunk, read from
        metadata only (``text`` empty), for its title, vendor, models and type."""
        got = self._collection.get(where=where, include=["metadatas"])
        first: dict[str, Chunk] = {}
        for meta in got["metadatas"] or []:
            chunk = _from_metadata("", meta)
            if chunk.source not in first or chunk.position < first[chunk.source].position:
                first[chunk.source] = chunk
        return first

    def nearest(self, vector, *, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """``(id, cosine similarity)`` of up to ``n`` nearest chunks matching ``where``, best first."""
        if n <= 0:
            return []
        got = self._collection.query(
            query_embeddings=[list(map(float, vector))], n_results=n, where=where, include=["distances"]
        )
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self.client.heartbeat()


def _file_filter(corpus: str, source: str) -> dict:
    return {"$and": [{"corpus": corpus}, {"source": source}]}


def _to_metadata(chunk: Chunk, corpus: str, file_hash: str) -> dict:
    meta: dict = {
        "corpus": corpus,
        "source": chunk.source,
        "title": chunk.title,
        "vendor": chunk.vendor,
        "doc_type": chunk.doc_type.value,
        "section": chunk.section,
        "content_hash": chunk.content_hash,
        "file_hash": file_hash,
        "position": chunk.position,
        "all_models": not chunk.models,
    }
    # A key with no value is written as None, which an upsert takes as "remove": an upsert
    # otherwise keeps the keys of the record it replaces (a chunk re-read without models or an
    # entry would keep the old ones). Chroma rejects empty lists, hence None for those too.
    meta["page"] = chunk.page
    for key in ("models", "codes", "defines"):
        meta[key] = list(values) if (values := getattr(chunk, key)) else None
    entry = chunk.entry
    meta["entry"] = entry.model_dump_json(exclude_defaults=True) if entry is not None else None
    meta["has_entry"] = True if entry is not None else None  # entries without texts (entry_chunks)
    return meta


def _from_metadata(text: str, meta: dict) -> Chunk:
    return Chunk(
        text=text,
        source=meta["source"],
        title=meta["title"],
        vendor=meta["vendor"],
        models=list(meta.get("models") or []),
        doc_type=DocType(meta["doc_type"]),
        page=meta.get("page"),
        section=meta.get("section", ""),
        codes=list(meta.get("codes") or []),
        defines=list(meta.get("defines") or []),
        content_hash=meta.get("content_hash", ""),
        position=int(meta.get("position", 0)),
        entry=CodeEntry.model_validate_json(meta["entry"]) if meta.get("entry") else None,
    )
