"""What ingest understood, for an operator to check: the code entries in the store and, per
document, how many codes were read, which of their fields were filled, and the lines that looked
like code definitions but could not be read (as the last ingest reported them).

Entries are read from chunk metadata only (:meth:`KnowledgeStore.entry_chunks`), never from the
chunks' texts. A table row split over several chunks carries the same entry on each: it is listed
once, cited where it starts. Vendors and models are given by corpus id or by the name a charger
reports (:class:`~knowledge.names.Catalog` resolves them); a code in any spelling
(:mod:`knowledge.codes`: ``E-06`` finds ``6`` and ``E6``, ``0x1A`` finds ``26``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from pydantic import BaseModel, Field

from knowledge.codes import index_keys, query_keys
from knowledge.entries import CodeEntry
from knowledge.names import STANDARD_VENDOR, Catalog
from knowledge.schema import Chunk
from knowledge.store import KnowledgeStore, StoredChunk

FIELDS = ("title", "meaning", "causes", "remedy", "remote_step", "safety", "severity")
"""The fields the coverage report counts (:meth:`CodeEntry.filled`)."""


class UnknownName(ValueError):
    """A vendor or model the knowledge base does not know; ``field`` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EntryCitation(BaseModel):
    """Where the entry was read: the document, its page (PDF), heading path and row or line."""

    source: str
    title: str
    page: int | None = None
    section: str = ""
    locator: str = ""


class ListedEntry(BaseModel):
    """One code entry as the store holds it, with the document it applies to and its citation."""

    vendor: str
    models: list[str] = Field(default_factory=list, description="Empty: every model of the vendor.")
    entry: CodeEntry
    citation: EntryCitation


class DocumentCoverage(BaseModel):
    """How much of one document's codes ingest understood."""

    source: str
    title: str
    vendor: str
    models: list[str] = Field(default_factory=list)
    doc_type: str = ""
    layouts: list[str] = Field(default_factory=list, description="Where its entries were read from.")
    codes: int = Field(description="Code entries read from it.")
    complete: int = Field(description="Entries with both a title (or meaning) and a remedy.")
    filled: dict[str, int] = Field(description="Per field, how many of its entries have it.")
    unread: list[str] = Field(
        default_factory=list, description="Lines that looked like a code definition but were not read."
    )


@dataclass(frozen=True)
class Selection:
    """Which entries to list: corpus ids (``None``: any) and a code in any spelling."""

    vendor: str | None = None
    models: frozenset[tuple[str, str]] | None = None
    """``(vendor id, model id)`` pairs; an entry for every model of that vendor matches too."""
    code: str | None = None

    def admits(self, stored: StoredChunk) -> bool:
        return self.admits_chunk(stored.chunk)

    def admits_chunk(self, chunk: Chunk) -> bool:
        if self.vendor is not None and chunk.vendor != self.vendor:
            return False
        if self.models is not None and not any(
            chunk.vendor == v and (not chunk.models or m in chunk.models) for v, m in self.models
        ):
            return False
        if self.code is None or chunk.entry is None:
            return True
        wanted = {key for key, _ in query_keys([self.code])}
        return bool(wanted & set(index_keys(chunk.entry.spellings())))


def select(catalog: Catalog, *, vendor: str | None, model: str | None, code: str | None) -> Selection:
    """The selection for what a caller typed; :class:`UnknownName` for a vendor or model the
    knowledge base does not know (an empty listing would look like "nothing understood")."""
    vendor_id = None
    if vendor:
        vendor_id = catalog.resolve_vendor(vendor)
        if vendor_id is None:
            known = ", ".join(sorted([*catalog.vendors, STANDARD_VENDOR]))
            raise UnknownName("vendor", f"no vendor {vendor!r} in the knowledge base (known: {known})")
    models = None
    if model:
        vendors = [vendor_id] if vendor_id else list(catalog.vendors)
        found = {(v, m) for v in vendors if (m := catalog.resolve_model(v, model))}
        if not found:
            where = f" of vendor {vendor_id!r}" if vendor_id else ""
            raise UnknownName("model", f"no model {model!r}{where} in the knowledge base")
        models = frozenset(found)
    return Selection(vendor_id, models, code.strip() if code and code.strip() else None)


def list_entries(store: KnowledgeStore, selection: Selection = Selection()) -> list[ListedEntry]:
    """Entries matching ``selection``, each once, by vendor, document and position."""
    where = {"vendor": selection.vendor} if selection.vendor else None
    stored = [s for s in store.entry_chunks(where) if selection.admits(s)]
    stored.sort(key=lambda s: (s.chunk.vendor, s.chunk.source, s.chunk.position))
    seen: set[tuple[str, str]] = set()
    listed = []
    for s in stored:
        chunk, entry = s.chunk, s.chunk.entry
        key = (chunk.source, entry.model_dump_json())
        if key in seen:
            continue
        seen.add(key)
        citation = EntryCitation(
            source=chunk.source,
            title=chunk.title,
            page=chunk.page,
            section=chunk.section,
            locator=entry.locator,
        )
        listed.append(ListedEntry(vendor=chunk.vendor, models=chunk.models, entry=entry, citation=citation))
    return listed


def store_coverage(store: KnowledgeStore, selection: Selection = Selection()) -> list[DocumentCoverage]:
    """:func:`coverage` of every document in the store that ``selection`` admits (its code is
    ignored), those from which no entry was read included."""
    selection = Selection(selection.vendor, selection.models)
    where = {"vendor": selection.vendor} if selection.vendor else None
    documents = {s: c for s, c in store.documents(where).items() if selection.admits_chunk(c)}
    report = coverage(list_entries(store, selection), documents)
    unread = {key.split("/", 1)[-1]: found.get("unread") or [] for key, found in store.coverage().items()}
    return [doc.model_copy(update={"unread": list(unread.get(doc.source, []))}) for doc in report]


def coverage(entries: list[ListedEntry], documents: dict[str, Chunk] | None = None) -> list[DocumentCoverage]:
    """Per document (by vendor and source): entries read, complete ones and fields filled;
    ``documents`` (by source) adds those from which no entry was read, with zero codes."""
    by_source: dict[str, list[ListedEntry]] = defaultdict(list)
    for listed in entries:
        by_source[listed.citation.source].append(listed)
    report = [
        DocumentCoverage(
            source=source,
            title=chunk.title,
            vendor=chunk.vendor,
            models=chunk.models,
            doc_type=chunk.doc_type.value,
            codes=0,
            complete=0,
            filled=dict.fromkeys(FIELDS, 0),
        )
        for source, chunk in (documents or {}).items()
        if source not in by_source
    ]
    for source, members in by_source.items():
        filled: Counter = Counter()
        for listed in members:
            filled.update(name for name, present in listed.entry.filled().items() if present)
        first = members[0]
        complete = sum(1 for m in members if (m.entry.title or m.entry.meaning) and m.entry.steps)
        report.append(
            DocumentCoverage(
                source=source,
                title=first.citation.title,
                vendor=first.vendor,
                models=first.models,
                doc_type=documents[source].doc_type.value if documents and source in documents else "",
                layouts=sorted({m.entry.layout.value for m in members}),
                codes=len(members),
                complete=complete,
                filled={name: filled[name] for name in FIELDS},
            )
        )
    return sorted(report, key=lambda d: (d.vendor, d.source))
