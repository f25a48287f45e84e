"""Who a file belongs to: the folder convention, overridden by the corpus's ``manifest.yaml``.

``<root>/<vendor>/<model>/<file>`` is a document for that model; ``<root>/<vendor>/<file>``
applies to all models of the vendor; ``<root>/_standard/…`` holds vendor-neutral references.
``manifest.yaml`` at the root names the corpus, gives vendors and models their display names
and the aliases chargers use for them, and may override any file's title, vendor, models or
document type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from ingest.chunking import DocMeta
from knowledge.names import STANDARD_VENDOR, Catalog, ModelEntry, VendorEntry
from knowledge.schema import DocType

MANIFEST = "manifest.yaml"


class ManifestError(ValueError):
    """The manifest is malformed; the message names the offending key."""


@dataclass
class Manifest:
    name: str
    vendors: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        data = {}
        if path.exists():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ManifestError(f"{path}: invalid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ManifestError(f"{path}: expected a mapping at the top level")
        for key in ("vendors", "files"):
            if not isinstance(data.get(key) or {}, dict):
                raise ManifestError(f"{path}: '{key}' must be a mapping")
        return cls(
            str(data.get("name") or root.resolve().name), data.get("vendors") or {}, data.get("files") or {}
        )

    def doc_meta(self, source: str, *, fallback_title: str | None) -> DocMeta:
        """Metadata of the file at ``source`` (relative, '/'-separated)."""
        parts = PurePosixPath(source).parts
        vendor = parts[0] if len(parts) > 1 else STANDARD_VENDOR
        models = (parts[1],) if len(parts) > 2 and vendor != STANDARD_VENDOR else ()
        override = self.files.get(source) or {}
        if not isinstance(override, dict):
            raise ManifestError(f"files.{source}: expected a mapping")
        vendor = _text(override.get("vendor", vendor))
        models = tuple(_texts(override.get("models", list(models))))
        try:
            doc_type = DocType(override.get("doc_type") or _guess_doc_type(source, vendor))
        except ValueError as exc:
            raise ManifestError(f"files.{source}.doc_type: {exc}") from exc
        title = override.get("title") or fallback_title or _title_from_name(source)
        return DocMeta(source, title, vendor, models, doc_type)

    def catalog(self, sources: list[str]) -> Catalog:
        """Vendors and models from the manifest and from the folders actually present."""
        catalog = Catalog()
        for vid, v in self.vendors.items():
            v = v or {}
            models = {
                str(mid): ModelEntry(
                    str(mid), _text((m or {}).get("name")) or str(mid), _texts((m or {}).get("aliases"))
                )
                for mid, m in (v.get("models") or {}).items()
            }
            catalog.vendors[str(vid)] = VendorEntry(
                str(vid), _text(v.get("name")) or str(vid), _texts(v.get("aliases")), models
            )
        for source in sources:
            meta = self.doc_meta(source, fallback_title=None)
            if meta.vendor == STANDARD_VENDOR:
                continue
            entry = catalog.vendors.setdefault(meta.vendor, VendorEntry(meta.vendor, meta.vendor))
            for model in meta.models:
                entry.models.setdefault(model, ModelEntry(model, model))
        return catalog


def _text(value) -> str:
    """A name as text: YAML reads ``37031110`` or ``2020`` as numbers, a manifest means the name."""
    return "" if value is None else str(value).strip()


def _texts(values) -> list[str]:
    """Aliases as text (see :func:`_text`); one alias given without a list is a list of one."""
    if values is None:
        return []
    return [t for t in map(_text, values if isinstance(values, list) else [values]) if t]


def _guess_doc_type(source: str, vendor: str) -> DocType:
    name = PurePosixPath(source).name.lower()
    if vendor == STANDARD_VENDOR:
        return DocType.reference
    if name.endswith((".csv", ".tsv")) or re.search(r"(error|fault)[-_ ]?codes?", name):
        return DocType.error_codes
    if "bulletin" in name or re.match(r"sb[-_ ]?\d", name):
        return DocType.bulletin
    if "guide" in name:
        return DocType.guide
    return DocType.manual


def _title_from_name(source: str) -> str:
    stem = PurePosixPath(source).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source
