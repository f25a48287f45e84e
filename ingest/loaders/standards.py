"""Built-in standards: the YAML files under ``knowledge/standards/`` read into code entries.

Each file holds one standard (OCPP 1.6 error codes, OCPP 2.0.1 device-model problems, ChargeX
MREC, EVgo MREC, EVerest error types) as data with its sources. :func:`load_standard` turns every
entry into one row :class:`~ingest.document.Block` whose ``entry`` is a
:class:`~knowledge.entries.CodeEntry` with ``layout=standard`` and whose text is readable prose
rendered from the entry: that text is what is embedded, searched and cited.

The YAML is validated strictly (unknown keys, missing fields, wrong types and duplicate codes are
errors); a :class:`~ingest.document.LoadError` names the file and the key. Only files in
:data:`~knowledge.schemes.STANDARDS_DIR` are read this way (see :func:`ingest.loaders.load`); a
``.yaml`` in an operator's corpus is never taken for a standard.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.document import Block, LoadedDocument, LoadError, read_text
from knowledge.codes import normalise_code
from knowledge.entries import CodeEntry, Layout, RemedyStep

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (ten times faster), else the Python one."""


_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class _Step(BaseModel):
    model_config = _STRICT
    text: str = Field(min_length=1)
    remote: bool


class _Source(BaseModel):
    model_config = _STRICT
    url: str = ""
    repo: str = ""
    path: str = ""
    commit: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _somewhere(self) -> _Source:
        if not (self.url or self.repo):
            raise ValueError("a source needs a url or a repo")
        return self


class _Entry(BaseModel):
    """One code of a standard, mirroring :class:`CodeEntry` (plus ``safety_note`` and ``related``)."""

    model_config = _STRICT
    code: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    title: str = Field(min_length=1)
    meaning: str = Field(min_length=1)
    causes: list[str] = Field(default_factory=list)
    steps: list[_Step] = Field(default_factory=list)
    safety: bool | None = None
    safety_note: str = ""
    severity: str = ""
    category: str = ""
    responsible: list[str] = Field(default_factory=list)
    ocpp: str = ""
    related: list[str] = Field(default_factory=list, description="Equivalent codes of other schemes.")
    locator: str = ""

    @field_validator("code", "aliases")
    @classmethod
    def _code_shaped(cls, value: str | list[str]):
        for raw in [value] if isinstance(value, str) else value:
            if normalise_code(raw.split("/")[-1]) is None:
                raise ValueError(f"{raw!r} is not code-shaped")
        return value


class StandardFile(BaseModel):
    """One standards YAML file."""

    model_config = _STRICT
    standard: str = Field(min_length=1)
    title: str = Field(min_length=1)
    section: str = Field(default="", description="Where in the standard the list is; prefixes locators.")
    source: list[_Source] = Field(min_length=1)
    licence: str = Field(min_length=1)
    notes: str = ""
    vendor_ids: list[str] = Field(
        default_factory=list,
        description="vendorId values chargers of any brand send its codes with (knowledge.schemes).",
    )
    entries: list[_Entry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> StandardFile:
        seen: dict[str, int] = {}
        for index, entry in enumerate(self.entries):
            for spelling in dict.fromkeys((entry.code, *entry.aliases)):
                key = spelling.casefold()
                if seen.setdefault(key, index) != index:
                    raise ValueError(f"{spelling!r} of entry {index} is already entry {seen[key]}")
        return self


def read_standard(path: Path) -> StandardFile:
    """The validated content of a standards file; :class:`LoadError` names the file and the key."""
    try:
        data = yaml.load(read_text(path, what="standards file"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise LoadError(f"{path.name}: invalid YAML: {exc}") from exc
    try:
        return StandardFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise LoadError(f"{path.name}: {problems}") from exc


def load_standard(path: Path) -> LoadedDocument:
    """One row block per entry of the standards file at ``path`` (see the module docstring),
    after a prose block with the file's ``notes`` when it has any."""
    spec = read_standard(path)
    blocks = [Block(f"About the {spec.title}: {spec.notes}", section=(spec.title,))] if spec.notes else []
    for index, item in enumerate(spec.entries, start=1):
        entry = to_entry(spec, item, index)
        codes = tuple(entry.spellings())
        blocks.append(Block(render(spec, item), section=(spec.title,), row=True, codes=codes, entry=entry))
    return LoadedDocument(blocks=blocks, title=spec.title)


def to_entry(spec: StandardFile, item: _Entry, index: int) -> CodeEntry:
    """The :class:`CodeEntry` of one entry; its locator names the standard's section and code."""
    where = item.locator or f"{spec.section or spec.standard}: {item.code}"
    return CodeEntry(
        code=item.code,
        aliases=item.aliases,
        title=item.title,
        meaning=item.meaning,
        causes=item.causes,
        steps=[RemedyStep(text=s.text, remote=s.remote) for s in item.steps],
        safety=item.safety,
        severity=item.severity,
        category=item.category,
        responsible=", ".join(item.responsible),
        ocpp=item.ocpp,
        layout=Layout.standard,
        locator=f"{where} (entry {index})",
    )


def render(spec: StandardFile, item: _Entry) -> str:
    """Readable prose for one entry, in the order a technician reads it."""
    head = f"{spec.standard} code {item.code}"
    if item.aliases:
        head += f" (also sent as {', '.join(item.aliases)})"
    parts = [f"{head} — {item.title.rstrip('.')}.", item.meaning]
    if item.causes:
        parts.append("Typical causes: " + "; ".join(c.rstrip(".") for c in item.causes) + ".")
    remote = [s.text.rstrip(".") for s in item.steps if s.remote]
    onsite = [s.text.rstrip(".") for s in item.steps if not s.remote]
    if remote:
        parts.append("Remote: " + "; ".join(remote) + ".")
    if onsite:
        parts.append("On site: " + "; ".join(onsite) + ".")
    parts.append(_safety_words(item))
    if item.severity:
        parts.append(f"Severity: {item.severity}.")
    if item.responsible:
        parts.append(f"Responsible for resolving it: {', '.join(item.responsible)}.")
    if item.ocpp:
        parts.append(f"OCPP: {item.ocpp}.")
    if item.related:
        parts.append(f"Equivalent codes: {', '.join(item.related)}.")
    return " ".join(p.strip() for p in parts if p.strip())


def _safety_words(item: _Entry) -> str:
    note = f" {item.safety_note.rstrip('.')}." if item.safety_note else ""
    if item.safety is True:
        return "Electrical safety: yes, treat as a safety fault." + note
    if item.safety is False:
        return "Electrical safety: not a safety fault." + note
    return note
