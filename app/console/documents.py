"""The documents a citation can point to, and the text of one page or section of them.

Only a document the knowledge store holds is served, and only from the corpus folder it was
ingested from: ``source`` is looked up in the store (per corpus, named by its manifest), then
resolved under that folder and checked to stay inside it. Nothing else on disk is reachable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from ingest.document import LoadError
from ingest.loaders import load
from ingest.manifest import Manifest, ManifestError
from knowledge.store import KnowledgeStore

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
    ".markdown": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    # A manufacturer's HTML is untrusted: shown as its source text, never rendered in the console.
    ".html": "text/plain; charset=utf-8",
    ".htm": "text/plain; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_WORD = re.compile(r"\w+")
_MIN_OVERLAP = 0.4


@dataclass(frozen=True)
class Document:
    source: str
    path: Path
    title: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.path.suffix.lower()]

    @property
    def paged(self) -> bool:
        return self.path.suffix.lower() == ".pdf"


@dataclass(frozen=True)
class Passage:
    """A piece of a page or document as shown: its text, its section, whether it is the cited one."""

    text: str
    section: str = ""
    cited: bool = False


class DocumentLibrary:
    """Looks documents up by the ``source`` a citation names."""

    def __init__(self, corpus_dirs: list[Path], store: KnowledgeStore) -> None:
        self.corpus_dirs = corpus_dirs
        self.store = store

    def find(self, source: str) -> Document | None:
        """The stored document ``source`` (corpus-relative, '/'-separated), or ``None``."""
        parts = PurePosixPath(source).parts
        if not parts or source.startswith("/") or any(p in ("..", ".", "") for p in source.split("/")):
            return None
        if any(ord(c) < 32 or c == "\\" for c in source) or Path(source).suffix.lower() not in MEDIA_TYPES:
            return None
        for folder in self.corpus_dirs:
            root = folder.resolve()
            try:
                manifest = Manifest.read(root)
            except (ManifestError, OSError):
                continue
            if source not in self.store.file_hashes(manifest.name):
                continue
            path = (root / source).resolve()
            if path.is_relative_to(root) and path.is_file():
                meta = manifest.doc_meta(source, fallback_title=_title(path))
                return Document(source, path, meta.title)
        return None


def page_count(document: Document) -> int:
    return len(_pdf_pages(str(document.path), document.path.stat().st_mtime_ns)) if document.paged else 1


def pdf_page(document: Document, page: int, cited: str = "") -> list[Passage]:
    """Page ``page`` (1-based) of a PDF, laid out as printed, in blank-line separated pieces;
    the piece that best matches ``cited`` (a citation's snippet) is marked."""
    text = _pdf_pages(str(document.path), document.path.stat().st_mtime_ns)[page - 1]
    if not text.strip():  # a scan: what OCR read on it at ingest, read again (cached)
        blocks = _loaded(str(document.path), document.path.stat().st_mtime_ns)
        return _mark([Passage(b.text, " > ".join(b.section)) for b in blocks if b.page == page], cited)
    pieces = [p.rstrip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return _mark([Passage(p.strip("\n")) for p in pieces], cited)


def text_passages(document: Document, cited: str = "", section: str = "") -> list[Passage]:
    """The paragraphs (or table rows) of a text, HTML, spreadsheet or Word document with their sections;
    the one best matching ``cited`` is marked, else the first of ``section``."""
    try:
        loaded = load(document.path)
    except LoadError as exc:
        return [Passage(f"This document cannot be shown: {exc}")]
    passages = [Passage(block.text, " > ".join(block.section)) for block in loaded.blocks]
    marked = _mark(passages, cited)
    if section and not any(p.cited for p in marked):
        first = next((i for i, p in enumerate(marked) if p.section == section), None)
        if first is not None:
            marked[first] = Passage(marked[first].text, marked[first].section, cited=True)
    return marked


def _mark(passages: list[Passage], cited: str) -> list[Passage]:
    """Mark the passage sharing most words with ``cited`` (if it shares enough of them)."""
    words = _words(cited)
    if not words:
        return passages
    scores = [len(words & _words(p.text)) / len(words) for p in passages]
    best = max(range(len(passages)), key=scores.__getitem__, default=None)
    if best is None or scores[best] < _MIN_OVERLAP:
        return passages
    passages = list(passages)
    passages[best] = Passage(passages[best].text, passages[best].section, cited=True)
    return passages


def _words(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) > 3:
        words = words[:-1]  # a snippet is cut off: its last word may be partial
    return {w for w in words if len(w) > 2 or any(c.isdigit() for c in w)}


def _title(path: Path) -> str | None:
    """The title the document gives itself (PDF metadata, a Markdown heading), if any."""
    if path.suffix.lower() == ".pdf":
        return _read_pdf(str(path), path.stat().st_mtime_ns)[0]
    try:
        return load(path).title
    except LoadError:
        return None


def _pdf_pages(path: str, mtime_ns: int) -> tuple[str, ...]:
    return _read_pdf(path, mtime_ns)[1]


@lru_cache(maxsize=8)
def _loaded(path: str, mtime_ns: int) -> tuple:
    """The blocks of a document as ingest reads it (cached by modification time; a scanned PDF
    is read by OCR once); none when it cannot be read any more."""
    try:
        return tuple(load(Path(path)).blocks)
    except LoadError:
        return ()


@lru_cache(maxsize=32)
def _read_pdf(path: str, mtime_ns: int) -> tuple[str | None, tuple[str, ...]]:
    """A PDF's title and every page's text in pypdf's layout mode (cached by modification
    time: a re-rendered manual is read again)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    title = reader.metadata.get("/Title") if reader.metadata else None
    pages = tuple(page.extract_text(extraction_mode="layout") for page in reader.pages)
    return (str(title).strip() or None) if title else None, pages
