"""Whole sections from their chunks: a procedure cut by a page break or the chunk size is read
back in one piece, in document order (see ``Searcher.search(whole_sections=True)``).

Chunks of one section are consecutive in a document (``Chunk.position``); consecutive chunks of a
page may repeat the previous chunk's last sentences as their first line (the chunking overlap),
which :func:`joined` drops. Table rows that define a code are never joined: each is one entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.schema import Chunk, DocType

MAX_CHUNKS = 8
"""Most chunks one whole section may join (the ones nearest the chunk that was found)."""


def section_index(chunks: Sequence[Chunk]) -> dict[tuple[str, str], list[int]]:
    """Rows of the joinable chunks by ``(source, section)``, in document order."""
    index: dict[tuple[str, str], list[int]] = {}
    for row, chunk in enumerate(chunks):
        if chunk.section and not chunk.defines and chunk.doc_type != DocType.error_codes:
            index.setdefault((chunk.source, chunk.section), []).append(row)
    for rows in index.values():
        rows.sort(key=lambda r: chunks[r].position)
    return index


def section_rows(chunks: Sequence[Chunk], index: dict[tuple[str, str], list[int]], row: int) -> list[int]:
    """The rows of the unbroken run of chunks of ``row``'s section around it, in document order
    (at most :data:`MAX_CHUNKS`); ``[row]`` for a chunk that is not joined."""
    chunk = chunks[row]
    rows = index.get((chunk.source, chunk.section), [])
    if row not in rows:
        return [row]
    at = rows.index(row)
    low = high = at
    while low > 0 and chunks[rows[low - 1]].position == chunks[rows[low]].position - 1:
        low -= 1
    while high + 1 < len(rows) and chunks[rows[high + 1]].position == chunks[rows[high]].position + 1:
        high += 1
    low = max(low, min(at, high + 1 - MAX_CHUNKS))
    return rows[low : min(high + 1, low + MAX_CHUNKS)]


def joined(texts: Sequence[str]) -> str:
    """``texts`` one after the other, each without a first line that only repeats the end of
    the text before it (the chunking overlap)."""
    out = texts[0]
    for text in texts[1:]:
        first, _, rest = text.partition("\n")
        if rest and _normal(out).endswith(_normal(first)):
            text = rest
        out = f"{out.rstrip()}\n{text.lstrip()}"
    return out


def _normal(text: str) -> str:
    return " ".join(text.split())
