"""File loaders by extension; each returns a :class:`~ingest.document.LoadedDocument`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.document import LoadedDocument, LoadError
from ingest.loaders.markdown import load_markdown, load_plain_text
from ingest.loaders.pdf import load_pdf
from ingest.loaders.tables import load_delimited

LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".pdf": load_pdf,
    ".csv": load_delimited,
    ".tsv": load_delimited,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_plain_text,
}


def load(path: Path) -> LoadedDocument:
    """Load ``path`` with the loader for its extension; raises :class:`LoadError` with a reason."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix!r}")
    return loader(path)
