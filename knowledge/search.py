"""Hybrid search: the single entry point the agent and the chat use to read the corpus.

Three retrievers, each scoped to what applies to the charger (its vendor's documents for its
model or all models, plus the vendor-neutral ``_standard`` references):

* ``code``  — exact error-code match on chunk metadata: passages that *define* a code (its table
  row) before passages that merely mention it; within each, the charger's model, then its vendor,
  then the standards; a primary-key match before a bare-number alias;
* ``dense`` — cosine similarity of MiniLM embeddings in Chroma;
* ``bm25``  — lexical BM25 with code-aware tokens.

Their rankings are fused by weighted reciprocal rank fusion. The code retriever weighs most, so a
vendor's own row for the exact code outranks generic text that merely resembles the question.

The defaults serve the agent. The technician chat also asks for one tier at a time (the vendor's
own documents, then the references), for table rows alone or none of them, for whole sections
(a procedure cut by a page break), and how related a question is to the corpus at all.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from knowledge import domain
from knowledge.codes import codes_in_query, query_keys, split_code_field
from knowledge.entries import Layout
from knowledge.lexical import LexicalIndex
from knowledge.names import STANDARD_VENDOR, STANDARDS_CORPUS, Catalog
from knowledge.schema import Chunk, Citation, DocType, Passage
from knowledge.sections import joined, section_index, section_rows
from knowledge.store import KnowledgeStore

RETRIEVERS = ("code", "dense", "bm25")
Embed = Callable[[list[str]], np.ndarray]
Tier = Literal["own", "standard"]
RowFilter = Literal["only", "without"]
_ROWS_DEPTH = 5
_QUERY_CACHE = 512


@dataclass(frozen=True)
class Scope:
    """Which chunks apply: ``vendor``/``model`` are corpus ids; ``standard_only`` when the
    charger's vendor is not in the corpus (another vendor's manual must never be used)."""

    vendor: str | None = None
    model: str | None = None
    standard_only: bool = False
    own_only: bool = False
    """Only the vendor's own documents, without the vendor-neutral references."""

    def allows(self, chunk: Chunk) -> bool:
        if self.standard_only:
            return chunk.vendor == STANDARD_VENDOR
        if self.own_only and chunk.vendor == STANDARD_VENDOR:
            return False
        return chunk.applies_to(self.vendor, self.model)

    def tier(self, chunk: Chunk) -> int:
        """0 model-specific, 1 vendor-wide, 2 standard (lower is closer to the charger)."""
        if chunk.vendor == STANDARD_VENDOR:
            return 2
        return 0 if self.model and self.model in chunk.models else 1

    def chroma_where(self) -> dict | None:
        if self.standard_only:
            return {"vendor": STANDARD_VENDOR}
        if self.vendor is None:
            return None
        vendors = [self.vendor] if self.own_only else [self.vendor, STANDARD_VENDOR]
        vendor = {"vendor": {"$in": vendors}}
        if self.model is None:
            return vendor
        models = {"$or": [{"all_models": True}, {"models": {"$contains": self.model}}]}
        return {"$and": [vendor, models]}


@dataclass
class _Snapshot:
    revision: int
    ids: list[str]
    chunks: list[Chunk]
    catalog: Catalog
    lexical: LexicalIndex
    rows: dict[str, int] = field(default_factory=dict)
    by_code: dict[str, list[int]] = field(default_factory=dict)
    sections: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    defining: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    prose: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """1 for chunks dense and BM25 search may return: all but the built-in standards' code entries,
    which are found by their codes (they would otherwise crowd out the documents' own words)."""
    """1 for the rows that define a code (table rows), else 0."""
    centroid: np.ndarray | None = None
    """The corpus's mean embedding direction, read from the store on first use."""
    masks: dict[Scope, np.ndarray] = field(default_factory=dict)

    def mask(self, scope: Scope) -> np.ndarray:
        """0/1 per row: whether ``scope`` allows the chunk (cached; a snapshot never changes)."""
        if (mask := self.masks.get(scope)) is None:
            mask = np.array([scope.allows(c) for c in self.chunks], dtype=np.float32)
            if len(self.masks) < 1024:  # bounded: one entry per vendor/model actually searched
                self.masks[scope] = mask
        return mask

    @classmethod
    def load(cls, store: KnowledgeStore) -> _Snapshot:
        revision = store.refreshed_revision()
        stored = store.all_chunks()
        chunks = [s.chunk for s in stored]
        builtin = [c.entry is not None and c.entry.layout is Layout.standard for c in chunks]
        snap = cls(
            revision,
            [s.id for s in stored],
            chunks,
            store.catalog(),
            LexicalIndex(["" if b else c.indexed_text for c, b in zip(chunks, builtin, strict=True)]),
        )
        snap.rows = {id_: row for row, id_ in enumerate(snap.ids)}
        for row, chunk in enumerate(chunks):
            for key in chunk.codes:
                snap.by_code.setdefault(key, []).append(row)
        snap.sections = section_index(chunks)
        snap.defining = np.array([bool(c.defines) for c in chunks], dtype=np.float32)
        snap.prose = np.array([not b for b in builtin], dtype=np.float32)
        return snap


class Searcher:
    """Hybrid search over a :class:`KnowledgeStore`; safe to share between threads.

    The in-memory lexical and code indexes are rebuilt when the store's revision changes
    (checked at most every ``refresh_seconds``), so a running service sees a new ingest.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        embed: Embed,
        *,
        refresh_seconds: float = 5.0,
        rrf_k: int = 60,
        weights: dict[str, float] | None = None,
    ) -> None:
        self.store = store
        self._embed = embed
        self._refresh_seconds = refresh_seconds
        self._rrf_k = rrf_k
        self._weights = {"code": 4.0, "code_mention": 1.0, "dense": 1.0, "bm25": 1.0, **(weights or {})}
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0

    def search(
        self,
        query: str,
        *,
        vendor: str | None = None,
        model: str | None = None,
        maker: str | None = None,
        codes: Sequence[str] = (),
        k: int = 5,
        retrievers: Iterable[str] = RETRIEVERS,
        tier: Tier | None = None,
        whole_sections: bool = False,
        code_rows: RowFilter | None = None,
        distinct: bool = True,
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first.

        ``vendor``/``model`` may be corpus ids or the names a charger reports (resolved through
        the catalog); an unknown model widens to the vendor's documents, an unknown vendor
        narrows to the vendor-neutral references — unless ``maker`` (the ``vendorId`` a fault was
        sent with) names a vendor of the corpus: a white-label station sends its maker's codes,
        and its maker's documents apply. ``codes`` are the charger's codes in any spelling; codes
        written in ``query`` are used too.

        ``tier`` narrows the scope further: ``"own"`` to the vendor's own documents (nothing when
        no vendor is given or it is not in the corpus), ``"standard"`` to the vendor-neutral
        references. With ``whole_sections`` a passage that is part of a section split over
        several chunks (a page break, a long procedure) comes back as the whole section, its
        chunks joined in document order; table rows always stay single rows. ``code_rows``
        ``"only"`` returns only table rows that define a code (to match a symptom against what
        each row means), ``"without"`` everything but them. ``distinct`` (default) returns one
        statement printed twice (a code table's row and the manual's copy) once; the agent asks
        for both, to cite the manual's page beside the table.
        """
        snap = self._current()
        scope = _narrowed(self.scope(vendor, model, snap.catalog, maker=maker), tier)
        if scope is None:
            return []
        allowed = snap.mask(scope)
        if code_rows is not None:
            allowed = allowed * (snap.defining if code_rows == "only" else 1.0 - snap.defining)
        wanted = set(retrievers)
        all_codes = [p for c in codes for p in split_code_field(c)] + codes_in_query(query)
        depth = max(k * 6, 30)
        rankings: dict[str, list[int]] = {}
        if "code" in wanted:
            rankings["code"], rankings["code_mention"] = self._by_code(snap, scope, all_codes, depth)
        prose = allowed * snap.prose
        if "dense" in wanted:
            # a filter keeps a fraction of the chunks: look deeper before applying it
            dense_depth = depth * _ROWS_DEPTH if code_rows else depth
            text = query or " ".join(all_codes)
            rankings["dense"] = self._dense(snap, scope, prose, text, dense_depth)[:depth]
        if "bm25" in wanted:
            lexical_query = " ".join([query, *all_codes])
            rankings["bm25"] = [r for r, _ in snap.lexical.top(lexical_query, k=depth, allowed=prose)]
        if code_rows is not None:
            rankings = {name: [r for r in rows if allowed[r]] for name, rows in rankings.items()}
        return self._fuse(snap, rankings, k, whole_sections, distinct)

    def scope(
        self,
        vendor: str | None,
        model: str | None,
        catalog: Catalog | None = None,
        *,
        maker: str | None = None,
    ) -> Scope:
        """Resolve charger-reported names to the corpus scope they select (``maker``: see :meth:`search`)."""
        catalog = catalog or self._current().catalog
        if not vendor:
            return Scope()
        vendor_id = vendor if vendor in catalog.vendors else catalog.resolve_vendor(vendor)
        if vendor_id is None and maker:
            vendor_id = catalog.resolve_vendor(maker)
            model = None  # the station's own model name means nothing in its maker's documents
        if vendor_id is None:
            return Scope(standard_only=True)
        if vendor_id == STANDARD_VENDOR:
            return Scope(standard_only=True)
        models = catalog.vendors[vendor_id].models
        model_id = model if model in models else catalog.resolve_model(vendor_id, model)
        return Scope(vendor_id, model_id)

    def catalog(self) -> Catalog:
        return self._current().catalog

    def relatedness(self, text: str) -> float:
        """How much ``text`` is about what the corpus is about: its cosine similarity to the mean
        embedding of the operator's documents (the built-in standards left out, see
        :mod:`knowledge.domain`); 0.0 for an empty store or text."""
        snap = self._current()
        if snap.centroid is None:
            with self._lock:
                if snap.centroid is None:
                    documents = {"corpus": {"$ne": STANDARDS_CORPUS}}  # what the operator loaded
                    snap.centroid = domain.centroid(self.store.vectors(where=documents))
        if snap.centroid is None or not text.strip():
            return 0.0
        return domain.similarity(self._vector(text), snap.centroid)

    def _vector(self, text: str) -> np.ndarray:
        """``text``'s embedding, remembered for the last :data:`_QUERY_CACHE` texts (one chat
        question searches several times with the same words)."""
        with self._lock:
            if (vector := self._vectors.get(text)) is not None:
                self._vectors.move_to_end(text)
                return vector
        vector = np.asarray(self._embed([text])[0])
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > _QUERY_CACHE:
                self._vectors.popitem(last=False)
        return vector

    # ---- retrievers -----------------------------------------------------------------------
    def _by_code(self, snap: _Snapshot, scope: Scope, codes: list[str], depth: int):
        """Rows defining the codes, and rows only mentioning them, each ranked closest-first."""
        ranked: dict[int, tuple[int, int, int]] = {}
        for key, strength in query_keys(codes):
            for row in snap.by_code.get(key, ()):
                chunk = snap.chunks[row]
                if not scope.allows(chunk):
                    continue
                defines = 0 if key in chunk.defines else 1
                rank = (defines, scope.tier(chunk), strength)
                ranked[row] = min(rank, ranked.get(row, rank))
        order = sorted(ranked, key=lambda row: (ranked[row], snap.chunks[row].position))
        defining = [row for row in order if ranked[row][0] == 0]
        mentioning = [row for row in order if ranked[row][0] == 1]
        return defining[:depth], mentioning[:depth]

    def _dense(self, snap: _Snapshot, scope: Scope, allowed, text: str, depth: int) -> list[int]:
        if not text.strip() or not snap.chunks:
            return []
        vector = self._vector(text)
        hits = self.store.nearest(vector, n=depth, where=scope.chroma_where())
        rows = (snap.rows.get(id_) for id_, _ in hits)
        return [row for row in rows if row is not None and allowed[row]]

    def _fuse(
        self,
        snap: _Snapshot,
        rankings: dict[str, list[int]],
        k: int,
        whole_sections: bool = False,
        distinct: bool = True,
    ) -> list[Passage]:
        scores: dict[int, float] = {}
        found_by: dict[int, list[str]] = {}
        for name, rows in rankings.items():
            weight = self._weights[name]
            for rank, row in enumerate(rows, start=1):
                scores[row] = scores.get(row, 0.0) + weight / (self._rrf_k + rank)
                found_by.setdefault(row, []).append(name.split("_")[0])
        best = sorted(scores, key=lambda row: -scores[row])
        best = _distinct(snap, best) if distinct else best
        if not whole_sections:
            return [_passage(snap.ids[row], snap.chunks[row], scores[row], found_by[row]) for row in best[:k]]
        passages: list[Passage] = []
        taken: set[int] = set()
        for row in best:
            if len(passages) == k:
                break
            if row in taken:
                continue
            rows = section_rows(snap.chunks, snap.sections, row)
            taken.update(rows)
            passage = _passage(snap.ids[row], snap.chunks[row], scores[row], found_by[row])
            passages.append(passage.model_copy(update={"text": joined([snap.chunks[r].text for r in rows])}))
        return passages

    # ---- index lifecycle ----------------------------------------------------------------
    def _current(self) -> _Snapshot:
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked_at < self._refresh_seconds:
            return snap
        with self._lock:
            if self._snapshot is None or self.store.refreshed_revision() != self._snapshot.revision:
                self._snapshot = _Snapshot.load(self.store)
            self._checked_at = time.monotonic()
            return self._snapshot


_SAME_STATEMENT = 120
"""Characters two passages share at their start to count as one statement (as the chat does)."""


def _distinct(snap: _Snapshot, rows: list[int]) -> list[int]:
    """``rows`` without repeats of one statement: a code table's row and the manual's printed copy
    of it (same vendor, same first :data:`_SAME_STATEMENT` characters) take one place — the better
    ranked one's — and the code table's own row is the one kept."""
    kept: dict[tuple[str, str], int] = {}
    for row in rows:
        chunk = snap.chunks[row]
        key = (chunk.vendor, " ".join(chunk.text.split())[:_SAME_STATEMENT])
        table = DocType.error_codes
        if key not in kept or (chunk.doc_type is table and snap.chunks[kept[key]].doc_type is not table):
            kept[key] = row  # a dict keeps the statement's first place
    return list(kept.values())


def _narrowed(scope: Scope, tier: Tier | None) -> Scope | None:
    """``scope`` limited to ``tier``; ``None`` when nothing is left (own documents of no vendor)."""
    if tier == "standard":
        return Scope(standard_only=True)
    if tier == "own":
        return None if scope.standard_only or scope.vendor is None else replace(scope, own_only=True)
    return scope


def _passage(id_: str, chunk: Chunk, score: float, retrievers: list[str]) -> Passage:
    return Passage(
        id=id_,
        text=chunk.text,
        citation=Citation(source=chunk.source, title=chunk.title, page=chunk.page, section=chunk.section),
        score=round(score, 6),
        retrievers=retrievers,
        vendor=chunk.vendor,
        models=chunk.models,
        doc_type=chunk.doc_type,
        codes=chunk.codes,
        defines=chunk.defines,
        entry=chunk.entry,
    )
