"""File loaders by extension; each returns a :class:`~ingest.document.LoadedDocument`.

A ``.yaml`` file is read as a built-in standard only when it sits directly in
:data:`~knowledge.schemes.STANDARDS_DIR` (``knowledge/standards/``); anywhere else it is, like a
``.json`` or ``.xml`` file, an error catalogue as firmware or a service tool ships it
(:mod:`ingest.loaders.records`, :mod:`ingest.loaders.xml`) — never a standard — and the corpus's
``manifest.yaml`` is no document at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.document import LoadedDocument, LoadError
from ingest.loaders.html import load_html
from ingest.loaders.markdown import load_markdown, load_plain_text
from ingest.loaders.pdf import load_pdf
from ingest.loaders.records import load_records
from ingest.loaders.spreadsheet import load_xlsx
from ingest.loaders.standards import load_standard
from ingest.loaders.tables import load_delimited
from ingest.loaders.word import load_docx
from ingest.loaders.xml import load_xml
from knowledge.schemes import STANDARDS_DIR

LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".pdf": load_pdf,
    ".csv": load_delimited,
    ".tsv": load_delimited,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_plain_text,
    ".html": load_html,
    ".htm": load_html,
    ".xlsx": load_xlsx,
    ".docx": load_docx,
    ".json": load_records,
    ".yaml": load_records,
    ".yml": load_records,
    ".xml": load_xml,
}


def load(path: Path) -> LoadedDocument:
    """Load ``path`` with the loader for its extension; raises :class:`LoadError` with a reason."""
    if is_standard(path):
        return load_standard(path)
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix!r}")
    return loader(path)


def is_standard(path: Path) -> bool:
    """True for a built-in standards file: a ``.yaml`` directly in ``knowledge/standards/``."""
    return path.suffix.lower() == ".yaml" and path.resolve().parent == STANDARDS_DIR


def standard_files() -> list[Path]:
    """The built-in standards files, in name order."""
    return sorted(p for p in STANDARDS_DIR.glob("*.yaml") if is_standard(p))
