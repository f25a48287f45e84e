"""Error catalogues as firmware and integrations ship them: JSON or YAML lists of records.

An open-source firmware or a home-automation integration often keeps its error codes as data:
``[{"code": 4, "name": "CC_ERROR", "severity": "error", "description": …, "action": …}]``, the
same under a key (``{"errors": [...]}``), or a mapping from code to record
(``{"E01": {"title": …, "remedy": …}}``). Every such list of records in the file is read as a
table — its keys are the header, one row per record, a list of texts joined into one cell — and
goes through the same column reading as a CSV table; the key that leads to it is the rows'
section. Other texts of the file (a comment, a legend of severity levels) become paragraphs.

A file holding no list of records, or none with a code among its keys, is a :class:`LoadError`:
it is not an error catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ingest.document import Block, LoadedDocument, LoadError, plain_characters, read_text
from ingest.loaders.tables import table_blocks

_MIN_RECORDS = 2
"""A list (or mapping) of fewer records is no catalogue."""
_KEY = "code"
"""The header given to the keys of a mapping from code to record."""
_MIN_PROSE_WORDS = 4
"""A text value shorter than this is a label, not a paragraph."""


def load_records(path: Path) -> LoadedDocument:
    """The record lists of the JSON or YAML file at ``path`` as tables (see the module docstring)."""
    text = read_text(path, what="catalogue")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise LoadError(f"not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc
    return records_document(data)


def records_document(data: Any) -> LoadedDocument:
    """The record lists in ``data`` (parsed JSON, YAML or XML) as tables, its other texts as
    paragraphs; a :class:`LoadError` when it holds no list of records with a code key."""
    doc = LoadedDocument(blocks=[], title=_title(data))
    for section, header, rows in _tables(data, ()):
        doc.blocks += table_blocks(header, rows, section)
    if not any(b.row for b in doc.blocks):
        raise LoadError("no list of records (objects with the same keys) in the file")
    if not any(b.entry for b in doc.blocks):
        raise LoadError("no error-code key among the records' keys (code, error, id, number …)")
    doc.blocks = [*_paragraphs(data, ()), *doc.blocks]
    return doc


def _tables(
    data: Any, section: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], list[str], list[list[str]]]]:
    """Every list of records under ``data``, as (section, header, rows); depth first, in file order."""
    if records := _records(data):
        header = list(dict.fromkeys(key for record in records for key in record))
        yield section, header, [[_cell(record.get(key)) for key in header] for record in records]
        return
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        if isinstance(value, dict | list):
            yield from _tables(value, (*section, str(key)) if isinstance(key, str) else section)


def _records(data: Any) -> list[dict[str, Any]]:
    """``data`` as records when it is a list of objects (or a mapping from code to object) whose
    values are texts, numbers or lists of texts; else ``[]``."""
    if isinstance(data, list):
        records = data
    elif isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()):
        records = [{_KEY: key, **value} for key, value in data.items()]
    else:
        return []
    if len(records) < _MIN_RECORDS or not all(isinstance(r, dict) and r for r in records):
        return []
    flat = all(_flat(v) for record in records for v in record.values())
    return [{str(k): v for k, v in record.items()} for record in records] if flat else []


def _flat(value: Any) -> bool:
    return not isinstance(value, dict | list) or all(not isinstance(v, dict | list) for v in value)


def _cell(value: Any) -> str:
    """A record's value as a table cell: ``true``/``false``, numbers as written, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value if v is not None)
    return plain_characters(" ".join(str(value).split()))


def _paragraphs(data: Any, section: tuple[str, ...]) -> Iterator[Block]:
    """The file's texts outside its record lists (a comment, a legend ``critical: …``)."""
    if _records(data) or not isinstance(data, dict):
        return
    for key, value in data.items():
        if isinstance(value, str) and len(value.split()) >= _MIN_PROSE_WORDS:
            yield Block(f"{key}: {_cell(value)}", section)
        elif isinstance(value, dict):
            yield from _paragraphs(value, (*section, str(key)))


def _title(data: Any) -> str | None:
    """A top-level ``title`` or ``name`` text, if the file has one."""
    if isinstance(data, dict):
        for key in ("title", "name", "catalogue"):
            if isinstance(value := data.get(key), str) and value.strip():
                return value.strip()
    return None
