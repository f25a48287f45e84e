"""What ingest understood of one document: the coverage report an operator checks before trusting
decisions on a new manual (codes found, fields filled, lines that looked like codes but were not
read)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from ingest.document import LoadedDocument


@dataclass
class DocumentCoverage:
    """Counts over the distinct codes of one document (a code read twice, e.g. in a PDF's table
    and again in its prose, counts once, with the fields of its fullest reading)."""

    codes: int = 0
    with_title: int = 0
    with_remedy: int = 0
    with_remote_step: int = 0
    with_safety_flag: int = 0
    layouts: dict[str, int] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)
    """Lines that looked like a code definition but could not be read (where, then the text)."""

    def to_dict(self) -> dict:
        return asdict(self)


def document_coverage(doc: LoadedDocument) -> DocumentCoverage:
    """The coverage of one loaded document (see :class:`DocumentCoverage`)."""
    best: dict[str, tuple[int, dict[str, bool], str]] = {}
    for block in doc.blocks:
        if (entry := block.entry) is None:
            continue
        filled = entry.filled()
        key = entry.code.upper()
        score = sum(filled.values())
        if key not in best or score > best[key][0]:
            best[key] = (score, filled, entry.layout.value)
    found = [filled for _, filled, _ in best.values()]
    return DocumentCoverage(
        codes=len(best),
        with_title=sum(f["title"] for f in found),
        with_remedy=sum(f["remedy"] for f in found),
        with_remote_step=sum(f["remote_step"] for f in found),
        with_safety_flag=sum(f["safety"] for f in found),
        layouts=dict(Counter(layout for _, _, layout in best.values())),
        unread=list(doc.unread),
    )
