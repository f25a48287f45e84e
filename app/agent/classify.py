"""The playbook (data) and fault classification from codes and the manufacturer's tables.

A fault is classified from, in order: the vendor's error-table row for its vendor code, the
OCPP error code (or a 2.0.1 component/variable name), the standard tables' row for the OCPP
code, and last the embedding similarity between the row (or the fault's text) and each class's
description. Any sign of an electrical safety fault wins outright: a wrong "safety" costs a
technician visit, a wrong "not safety" could leave a dangerous charger in service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.agent.state import FaultClass, FaultFacts
from app.guard.actions import Action
from knowledge.codes import normalise_code
from knowledge.schema import ROW_FIELD_LABELS, STANDARD_VENDOR, Passage

BUNDLED = Path(__file__).with_name("playbook.yaml")
Embed = Callable[[list[str]], np.ndarray]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    action: Action
    escalate: bool = False


class ClassRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str
    ocpp_codes: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    first: Step
    recurring: Step
    busy: Step | None = None
    documented_first_step: bool = False
    safety: list[str] = Field(default_factory=list)


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    classes: dict[FaultClass, ClassRules]
    remote_steps: dict[Action, list[str]]
    confidence: dict[str, float]

    @cached_property
    def by_ocpp_code(self) -> dict[str, FaultClass]:
        return {code.casefold(): c for c, rules in self.classes.items() for code in rules.ocpp_codes}


def load_playbook(path: Path | None = None) -> Playbook:
    """The playbook at ``path`` (default: the bundled one); a bad file names the key at fault."""
    path = path or BUNDLED
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    if set(playbook.classes) != set(FaultClass):
        missing = ", ".join(sorted(set(FaultClass) - set(playbook.classes)))
        raise ValueError(f"{path.name}: classes: every fault class needs rules (missing: {missing})")
    return playbook


@dataclass(frozen=True)
class ErrorRow:
    """A code-table row as the knowledge base returns it: ``Code X — Title. Cause: … Remedy: …``."""

    passage: Passage
    code: str
    title: str
    cause: str
    remedy: str
    name: str = ""
    """The row's symbolic name when it has one (``Code 504 (BACKEND_OFFLINE)``): firmware may
    report either."""

    @property
    def remote_step(self) -> str:
        """The remedy's ``Remote:`` part (what can be done without a visit), or ``""``."""
        match = re.search(r"Remote:\s*(.*?)(?:\s*On site:|$)", self.remedy, re.S)
        return match.group(1).strip() if match else ""


_ROW = re.compile(
    r"(?:^|\n)Code\s+(?P<code>[^\s(]+)(?:\s+\((?P<name>[^)\n]*)\))?\s+—\s+(?P<title>.*?)\.\s+Cause:\s*(?P<cause>.*?)\s*"
    r"(?:Remedy:\s*(?P<remedy>.*))?$",
    re.S,
)


_AFTER_REMEDY = re.compile(
    r"\s+(?:" + "|".join(re.escape(ROW_FIELD_LABELS[k]) for k in ("severity", "ocpp")) + r"):.*$", re.S
)
"""The columns rendered after the remedy (severity, OCPP code): table data, not remedy text."""


def error_row(passage: Passage) -> ErrorRow | None:
    """The passage as a code-table row (``Code X — Title. Cause: … Remedy: …``), else ``None``;
    the remedy stops where the row's next column (``Severity:``, ``OCPP errorCode:``) starts."""
    match = _ROW.search(passage.text.strip())
    if match is None:
        return None
    title, cause = match["title"].strip(), _AFTER_REMEDY.sub("", match["cause"].strip())
    remedy = _AFTER_REMEDY.sub("", (match["remedy"] or "").strip())
    return ErrorRow(passage, match["code"], title, cause, remedy, (match["name"] or "").strip())


def find_row(passages: Sequence[Passage], code: str | None, *, standard: bool) -> ErrorRow | None:
    """The first row defining ``code`` among the vendor's passages (``standard=False``) or the
    vendor-neutral references (``standard=True``).

    A vendor row matches by its code, its numeric alias (``E-06`` is ``6``) or its symbolic name.
    A reference row must match exactly (its scheme included): a vendor's ``0x11`` is not the
    ChargeX ``CX017``, whatever their numbers say."""
    keys = normalise_code(code) if code else None
    if keys is None:
        return None
    wanted = {keys.primary} if standard else set(keys.all())
    for passage in passages:
        if (passage.vendor == STANDARD_VENDOR) != standard:
            continue
        row = error_row(passage)
        if row is not None and wanted & _row_keys(row, standard=standard):
            return row
    return None


def _row_keys(row: ErrorRow, *, standard: bool) -> set[str]:
    keys = set()
    for code in filter(None, (row.code, row.name)):
        if found := normalise_code(code):
            keys |= {found.primary} if standard else set(found.all())
    return keys


@dataclass(frozen=True)
class Classification:
    fault_class: FaultClass
    basis: str
    """What it was recognised from: vendor_table, ocpp_code, standard_table, similarity, unknown."""
    confidence: float


class Classifier:
    """Classifies faults with a playbook; ``embed`` (optional) enables the similarity fallback."""

    def __init__(self, playbook: Playbook, embed: Embed | None = None) -> None:
        self.playbook = playbook
        self._embed = embed
        self._centroids: np.ndarray | None = None

    def classify(self, fault: FaultFacts, vendor_row: ErrorRow | None, standard_row: ErrorRow | None):
        """The fault's class and what it was recognised from (see the module docstring)."""
        signals: list[tuple[FaultClass | None, str]] = [
            (self._from_row(vendor_row), "vendor_table"),
            (self._from_codes(fault), "ocpp_code"),
            (self._from_row(standard_row), "standard_table"),
        ]
        found = [(c, basis) for c, basis in signals if c is not None]
        safety = next((s for s in found if s[0] is FaultClass.ELECTRICAL_SAFETY), None)
        chosen = safety or (found[0] if found else None)
        if chosen is None:
            chosen = (self._by_similarity(fault, vendor_row or standard_row), "similarity")
        if chosen[0] is None:
            chosen = (FaultClass.UNKNOWN, "unknown")
        return Classification(chosen[0], chosen[1], self.playbook.confidence.get(chosen[1], 0.5))

    def documented_step(self, row: ErrorRow | None) -> Action | None:
        """The allowlisted action the row's ``Remote:`` step asks for, if it asks plainly."""
        if row is None or not row.remote_step:
            return None
        clause = re.split(r"[;.]\s|\s—\s", row.remote_step, maxsplit=1)[0].casefold()
        if re.match(r"\s*(if|unless|only if)\b", clause):
            return None
        hits = [
            (clause.find(phrase), action)
            for action, phrases in self.playbook.remote_steps.items()
            for phrase in phrases
            if phrase in f"remote: {clause}"
        ]
        return min(hits, key=lambda hit: hit[0])[1] if hits else None

    def _from_row(self, row: ErrorRow | None) -> FaultClass | None:
        return None if row is None else self._by_keywords(f"{row.title}. {row.title}. {row.cause}")

    def _from_codes(self, fault: FaultFacts) -> FaultClass | None:
        if fault.error_code and (c := self.playbook.by_ocpp_code.get(fault.error_code.casefold())):
            return c
        names = " ".join(filter(None, [fault.component, fault.variable]))
        return self._by_keywords(_words(names)) if names else None

    def _by_keywords(self, text: str) -> FaultClass | None:
        folded = text.casefold()
        scores = {
            c: sum(folded.count(k.casefold()) for k in rules.keywords)
            for c, rules in self.playbook.classes.items()
        }
        best = max(scores.values(), default=0)
        return next((c for c, s in scores.items() if s == best), None) if best else None

    def _by_similarity(self, fault: FaultFacts, row: ErrorRow | None) -> FaultClass | None:
        text = (
            f"{row.title}. {row.cause}"
            if row
            else " ".join(filter(None, [fault.info, fault.vendor_error_code]))
        )
        if self._embed is None or not text.strip():
            return None
        classes = [c for c in self.playbook.classes if c is not FaultClass.UNKNOWN]
        if self._centroids is None:
            self._centroids = self._embed([self.playbook.classes[c].description for c in classes])
        scores = self._centroids @ self._embed([text])[0]
        return classes[int(np.argmax(scores))] if float(np.max(scores)) >= 0.25 else None


def _words(name: str) -> str:
    """``ConnectorPlugRetentionLock Problem`` → ``connector plug retention lock problem``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").casefold()
