"""Incremental ingest: bring the store in line with corpus folders, embedding only what changed.

Each folder is one *corpus* (named by its manifest, else by the folder). A file's SHA-256 is
kept on its chunks: an unchanged file is skipped without being read further, a changed one is
re-chunked and replaces its old chunks, and a file that disappeared from a folder has its chunks
removed. The embedding model is loaded only when there is something to embed, so re-running on
an unchanged corpus costs a directory walk, hashing and one store query.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.chunking import chunk_document
from ingest.document import LoadError
from ingest.entries.coverage import document_coverage
from ingest.loaders import LOADERS, load, standard_files
from ingest.manifest import MANIFEST, Manifest
from knowledge.embed import count_tokens
from knowledge.names import STANDARDS_CORPUS, Catalog
from knowledge.schema import Chunk
from knowledge.schemes import standard_source
from knowledge.store import FileContent, KnowledgeStore

READER = "entries-14"
"""Version of how documents are read into chunks and code entries. A store read by another
version is rebuilt on the next ingest: unchanged files would otherwise keep the old reading."""
Progress = Callable[[int, int], None]
"""``(chunks_done, chunks_total)``, called as embedding proceeds."""
_EMBED_GROUP = 256
"""Chunks embedded per call: large enough for efficient batching, small enough for progress."""
_WINDOW = 4096
"""Chunks embedded before they are written: bounds memory on large corpora."""


@dataclass
class IngestReport:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)
    builtin: int = 0
    """Of ``files``, the built-in standards (always synced; not the operator's documents)."""
    coverage: dict[str, dict] = field(default_factory=dict)
    """Per file read in this run (``corpus/source``): :class:`~ingest.entries.coverage.DocumentCoverage`
    as a dict — codes found, with title/remedy/remote step/safety flag, layouts, unread lines."""
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def nothing_ingested(self) -> bool:
        """True when none of the operator's files is in the store now (all failed), or none was
        found; the built-in standards do not count."""
        own = self.files - self.builtin
        return own <= 0 or len(self.failed) >= own

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Pending:
    corpus: str
    source: str
    file_hash: str
    chunks: list[Chunk]
    replaces: bool


@dataclass
class IngestOptions:
    max_tokens: int = 256
    overlap_tokens: int = 32
    rebuild: bool = False
    standards: bool = True
    """Also sync the built-in standards (``knowledge/standards/*.yaml``) as the corpus
    :data:`~knowledge.names.STANDARDS_CORPUS`, so standard codes are known without a manual."""


def ingest(
    paths: list[Path],
    store: KnowledgeStore,
    embed: Callable[[list[str]], object],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Sync ``paths`` (corpus folders, or single files within one) into ``store``.

    ``embed`` maps texts to vectors and is only called when a file is new or changed. Unless
    ``options.standards`` is off, the built-in standards are synced too (their files are counted
    in the report like any other).
    """
    started = time.perf_counter()
    report = IngestReport()
    rebuild = options.rebuild or (store.count() > 0 and store.reader() != READER)
    if rebuild:
        store.clear()
    pending: list[_Pending] = []
    dropped: list[str] = []
    catalog = Catalog()
    for path in paths:
        root, files = _corpus_files(path, report)
        manifest = Manifest.read(root)
        stored = store.file_hashes(manifest.name)
        sources = [f.relative_to(root).as_posix() for f in files]
        catalog.vendors.update(manifest.catalog(sources).vendors)
        for file, source in zip(files, sources, strict=True):
            _collect(file, source, manifest, stored.get(source), pending, report, options)
        if path.is_dir():
            for gone in sorted(set(stored) - set(sources)):
                store.delete_file(manifest.name, gone)
                report.deleted += 1
                dropped.append(f"{manifest.name}/{gone}")
    if options.standards:
        _sync_standards(store, pending, report, options)
    _embed_and_write(pending, store, embed, report, progress)
    if pending or report.deleted or rebuild or _catalog_differs(store, catalog):
        store.finish_update(catalog, reader=READER, coverage=report.coverage, dropped=dropped)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _sync_standards(store: KnowledgeStore, pending: list[_Pending], report: IngestReport, options) -> None:
    """Collect new or changed built-in standards files; delete the stored ones no longer shipped."""
    manifest = Manifest(STANDARDS_CORPUS)
    stored = store.file_hashes(manifest.name)
    files = {standard_source(f): f for f in standard_files()}
    report.builtin += len(files)
    for source, file in files.items():
        _collect(file, source, manifest, stored.get(source), pending, report, options)
    for gone in sorted(set(stored) - set(files)):
        store.delete_file(manifest.name, gone)
        report.deleted += 1


def _corpus_files(path: Path, report: IngestReport) -> tuple[Path, list[Path]]:
    if path.is_file():
        return path.parent, [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    files = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path)
        if any(part.startswith(".") for part in rel.parts) or file.name == MANIFEST:
            continue
        if file.suffix.lower() in LOADERS:
            files.append(file)
        else:
            report.unsupported.append(rel.as_posix())
    return path, files


def _collect(
    file: Path,
    source: str,
    manifest: Manifest,
    stored_hash: str | None,
    pending: list[_Pending],
    report: IngestReport,
    options: IngestOptions,
) -> None:
    report.files += 1
    file_hash = hashlib.sha256(file.read_bytes()).hexdigest()
    if stored_hash == file_hash:
        report.unchanged += 1
        return
    try:
        doc = load(file)
    except LoadError as exc:
        report.failed[source] = str(exc)
        return
    meta = manifest.doc_meta(source, fallback_title=doc.title)
    chunks = chunk_document(
        doc,
        meta,
        max_tokens=options.max_tokens,
        overlap_tokens=options.overlap_tokens,
        count_tokens=count_tokens,
    )
    if doc.warnings:
        report.warnings[source] = doc.warnings
    report.coverage[f"{manifest.name}/{source}"] = document_coverage(doc).to_dict()
    report.pages += doc.pages
    report.added += stored_hash is None
    report.changed += stored_hash is not None
    pending.append(_Pending(manifest.name, source, file_hash, chunks, replaces=stored_hash is not None))


def _embed_and_write(
    pending: list[_Pending], store: KnowledgeStore, embed, report: IngestReport, progress: Progress | None
) -> None:
    """Embed and store ``pending`` files in windows of whole files (about ``_WINDOW`` chunks).

    Within a window, texts are embedded longest first in calls of ``_EMBED_GROUP`` so batches
    hold texts of similar length (little padding) while progress is still reported; the whole
    window is then written at once.
    """
    total = sum(len(p.chunks) for p in pending)
    window: list[_Pending] = []
    for index, item in enumerate(pending):
        window.append(item)
        if sum(len(p.chunks) for p in window) >= _WINDOW or index == len(pending) - 1:
            vectors = _embed_window(window, embed, report, progress, total)
            store.replace_files(
                [
                    FileContent(p.corpus, p.source, p.file_hash, p.chunks, v, replaces=p.replaces)
                    for p, v in zip(window, vectors, strict=True)
                ]
            )
            window = []
    report.embed_seconds = round(report.embed_seconds, 3)


def _embed_window(window: list[_Pending], embed, report: IngestReport, progress, total: int) -> list[list]:
    """One list of vectors per file of ``window``, in chunk order."""
    slots = [(f, c) for f, p in enumerate(window) for c in range(len(p.chunks))]
    slots.sort(key=lambda slot: -len(window[slot[0]].chunks[slot[1]].indexed_text))
    vectors: list[list] = [[None] * len(p.chunks) for p in window]
    for start in range(0, len(slots), _EMBED_GROUP):
        group = slots[start : start + _EMBED_GROUP]
        began = time.perf_counter()
        embedded = embed([window[f].chunks[c].indexed_text for f, c in group])
        report.embed_seconds += time.perf_counter() - began
        for (f, c), vector in zip(group, embedded, strict=True):
            vectors[f][c] = vector
        report.chunks += len(group)
        if progress:
            progress(report.chunks, total)
    return vectors


def _catalog_differs(store: KnowledgeStore, catalog: Catalog) -> bool:
    stored = store.catalog().to_dict()
    return any(stored.get(vid) != entry for vid, entry in catalog.to_dict().items())
