"""Token-aware chunking: blocks packed into chunks that fit the embedding model.

Each chunk, *with* its title and heading path prepended (that is what gets embedded), stays
within ``max_tokens`` of the model's own tokenizer. Paragraphs are packed greedily within one
section of one page; consecutive chunks of a section overlap by about ``overlap_tokens``. A table
row, like a prose block carrying a code entry, is always a chunk of its own and is never split unless
it alone exceeds the limit (every piece then carries the entry).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.document import Block, LoadedDocument
from knowledge.codes import code_keys, codes_in_text, index_keys
from knowledge.schema import Chunk, DocType, context_line

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9•(\"'])")


@dataclass(frozen=True)
class DocMeta:
    """What the folder convention and the manifest say about one file."""

    source: str
    title: str
    vendor: str
    models: tuple[str, ...]
    doc_type: DocType


def chunk_document(
    doc: LoadedDocument,
    meta: DocMeta,
    *,
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: Callable[[str], int],
) -> list[Chunk]:
    """Chunks of ``doc`` in document order, positions numbered from 0."""
    size = _Sizer(count_tokens)
    drafts: list[tuple[str, Block]] = []
    for group in _groups(doc.blocks):
        head = group[0]
        context = context_line(meta.title, " > ".join(head.section))
        budget = max(32, max_tokens - size.of(context + "\n") + size.special)
        if _alone(head):
            drafts += [(t, head) for t in _split(head.text, budget, size)]
        else:
            texts = [b.text for b in group]
            drafts += [(t, head) for t in _pack(texts, budget, overlap_tokens, size)]
    return [_chunk(text, block, meta, position) for position, (text, block) in enumerate(drafts)]


class _Sizer:
    """Token counts of text pieces, each piece tokenised once.

    The model's tokenizer splits on whitespace before anything else, so pieces joined by a space
    or newline count as the sum of their contents plus the fixed special tokens once
    ([CLS]/[SEP]; whatever ``count("")`` gives for another counter).
    """

    def __init__(self, count: Callable[[str], int]) -> None:
        self._count = count
        self._content: dict[str, int] = {}
        self.special = count("")

    def content(self, piece: str) -> int:
        if (n := self._content.get(piece)) is None:
            n = self._content[piece] = self._count(piece) - self.special
        return n

    def of(self, *pieces: str) -> int:
        """Tokens of ``pieces`` joined by whitespace, special tokens included."""
        return self.special + sum(self.content(p) for p in pieces)


def _groups(blocks: list[Block]) -> Iterator[list[Block]]:
    """Runs of prose blocks sharing section and page; every row block and code entry alone."""
    run: list[Block] = []
    for block in blocks:
        if run and (
            _alone(block) or _alone(run[0]) or (block.section, block.page) != (run[0].section, run[0].page)
        ):
            yield run
            run = []
        run.append(block)
    if run:
        yield run


def _alone(block: Block) -> bool:
    """A table row or a code's entry is a chunk of its own (split only if it alone is too long)."""
    return block.row or block.entry is not None


def _pack(texts: list[str], budget: int, overlap: int, size: _Sizer) -> list[str]:
    overlap = min(overlap, budget // 3)
    pieces = [p for t in texts for p in _split(t, budget - overlap, size)]
    chunks: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and size.of(*current, piece) > budget:
            chunks.append("\n".join(current))
            current = _tail(current, overlap, size)
            if size.of(*current, piece) > budget:
                current = []
        current.append(piece)
    if current:
        chunks.append("\n".join(current))
    return chunks


def _tail(pieces: list[str], overlap: int, size: _Sizer) -> list[str]:
    """The last sentences of ``pieces`` that fit in ``overlap`` tokens (the overlap carried on)."""
    sentences = [s for p in pieces for s in _SENTENCE_END.split(p)]
    tail: list[str] = []
    for sentence in reversed(sentences):
        if size.of(sentence, *tail) > overlap:
            break
        tail.insert(0, sentence)
    return [" ".join(tail)] if tail else []


def _split(text: str, budget: int, size: _Sizer) -> list[str]:
    """``text`` whole if it fits, else cut at sentence and then word boundaries."""
    if size.of(text) <= budget:
        return [text]
    out: list[str] = []
    current: list[str] = []
    units = _SENTENCE_END.split(text)
    if len(units) == 1:
        units = text.split(" ")
    for unit in units:
        if current and size.of(*current, unit) > budget:
            out.append(" ".join(current))
            current = []
        current.append(unit)
    if current:
        out.append(" ".join(current))
    return [p for piece in out for p in (_split(piece, budget, size) if piece != text else [piece])]


def _chunk(text: str, block: Block, meta: DocMeta, position: int) -> Chunk:
    defines = index_keys(block.codes or (block.entry.spellings() if block.entry else ()))
    mentioned, _ = code_keys(codes_in_text(text))
    return Chunk(
        text=text,
        source=meta.source,
        title=meta.title,
        vendor=meta.vendor,
        models=list(meta.models),
        doc_type=meta.doc_type,
        page=block.page,
        section=" > ".join(block.section),
        codes=list(dict.fromkeys(defines + mentioned)),
        defines=defines,
        position=position,
        entry=block.entry,
    )
