"""Recorded-fault cases (JSON Lines) and loading them with line-numbered errors.

The format is documented in ``evals/README.md``. A case names a charger, its recorded history
(OCPP payloads, earlier actions with their outcomes, charging sessions), the event to replay
(the body of ``POST /v1/events`` without ``event_id``/``charger_id``) and what is expected of
the decision. Everything is validated here, including the OCPP payload structure, so a broken
case is reported with its file and line before anything runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.agent.state import FaultClass
from app.guard.actions import Action
from app.intake.envelope import (
    PAYLOAD_FIELDS,
    ChargerInfo,
    EventIn,
    OcppVersion,
    PayloadError,
    parse_payload,
)
from app.intake.limits import UtcTime

Outcome = Literal["fixed", "not_fixed", "rejected", "timeout"]


class CaseCharger(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64, pattern=r"^[^\s/]+$")
    vendor: str | None = Field(None, max_length=200)
    model: str | None = Field(None, max_length=200)
    firmware: str | None = Field(None, max_length=200)
    ocpp_version: OcppVersion = "1.6"
    site_id: str | None = Field(None, max_length=100)


class HistoryEntry(BaseModel):
    """One recorded happening: an OCPP payload, an earlier action and its outcome, or a session
    starting or ending. ``charger_id`` (with optional ``charger`` details) places it on another
    charger of the case's site."""

    model_config = ConfigDict(extra="forbid")
    at: UtcTime
    charger_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[^\s/]+$")
    charger: ChargerInfo | None = None
    ocpp_version: OcppVersion | None = None
    status_notification: dict | None = None
    notify_event: dict | None = None
    boot_notification: dict | None = None
    action: Action | None = None
    outcome: Outcome | None = None
    automatic: bool = True
    """False for an action a technician approved (blast radius counts automatic ones only)."""
    session: Literal["active", "ended"] | None = None
    connector_id: int | None = Field(None, ge=0, le=2**31 - 1)
    evse_id: int | None = Field(None, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _one_kind(self) -> HistoryEntry:
        kinds = [name for name in (*PAYLOAD_FIELDS, "action", "session") if getattr(self, name) is not None]
        if len(kinds) != 1:
            got = ", ".join(kinds) or "none"
            raise ValueError(f"needs exactly one of {', '.join(PAYLOAD_FIELDS)}, action, session; got {got}")
        if self.action is Action.NONE:
            raise ValueError("action: 'none' is not something that was done; leave the entry out")
        if (self.action is None) != (self.outcome is None):
            raise ValueError("action and outcome go together")
        return self

    @property
    def payload_field(self) -> str | None:
        return next((name for name in PAYLOAD_FIELDS if getattr(self, name) is not None), None)


class Expect(BaseModel):
    """What the decision must be; every field is optional and scored only when stated."""

    model_config = ConfigDict(extra="forbid")
    action: list[Action] | None = Field(None, min_length=1)
    escalate: bool | None = None
    fault_class: FaultClass | None = None
    diagnosis_mentions: list[str] | None = Field(None, min_length=1)
    cites: list[str] | None = Field(None, min_length=1)
    forbidden_actions: list[Action] = Field(default_factory=list)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    rationale: str = Field(min_length=1, max_length=1000)
    charger: CaseCharger
    history: list[HistoryEntry] = Field(default_factory=list)
    event: dict
    expect: Expect = Field(default_factory=Expect)
    layout: str | None = Field(None, max_length=50)
    """The layout of the document the case relies on (csv, tsv, markdown_table, html_table,
    led_prose, text_notes, definition_list, prose, pdf, standard, none …): reports break the
    results down by it. A free word, not empty when given."""

    @field_validator("rationale")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value:
            raise ValueError("must be one line")
        return value

    @field_validator("layout")
    @classmethod
    def _layout_word(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty (leave it out when the case relies on no document)")
        return value.strip() if value is not None else None

    @field_validator("event")
    @classmethod
    def _event_shape(cls, value: dict) -> dict:
        if "event_id" in value or "charger_id" in value:
            raise ValueError("event_id and charger_id come from the case, not the event")
        return value

    @model_validator(mode="after")
    def _payloads_parse(self) -> Case:
        """Every OCPP payload must have its message's structure (values may be non-standard)."""
        self.event_body()
        for n, entry in enumerate(self.history):
            if entry.payload_field:
                self.entry_body(entry, where=f"history.{n}")
        return self

    def event_body(self, shift: Shift | None = None) -> EventIn:
        """The event as ``POST /v1/events`` receives it, its times moved by ``shift``;
        ``ValueError`` naming the field when it is not valid."""
        event = shift.payload(self.event) if shift else self.event
        return self._body({**event, "event_id": "event", "charger_id": self.charger.id}, "event")

    def entry_body(self, entry: HistoryEntry, *, where: str = "history", shift: Shift | None = None):
        """A history payload entry as an event body (same contract as :meth:`event_body`)."""
        field = entry.payload_field
        payload = getattr(entry, field)
        body = {
            "event_id": where,
            "charger_id": entry.charger_id or self.charger.id,
            "occurred_at": shift.time(entry.at) if shift else entry.at,
            "ocpp_version": entry.ocpp_version or self.charger.ocpp_version,
            field: shift.payload(payload) if shift else payload,
        }
        return self._body(body, where)

    def _body(self, data: dict, where: str) -> EventIn:
        try:
            body = EventIn.model_validate(data)
        except ValidationError as exc:
            raise ValueError(_first_error(exc, prefix=where)) from None
        version = body.ocpp_version or self.charger.ocpp_version
        try:
            parse_payload(body, version)
        except PayloadError as exc:
            detail = "; ".join(f"{'.'.join(e['loc'][1:])}: {e['msg']}" for e in exc.errors)
            raise ValueError(f"{where}: not a valid OCPP {version} {body.payload_field} — {detail}") from None
        return body


class Shift:
    """Moves a case in time by ``delta``: its times, the event's ``occurred_at`` and the times
    inside its OCPP payloads (``timestamp``, ``generatedAt`` at any depth; a value that is not a
    time stays as sent)."""

    KEYS = frozenset({"occurred_at", "timestamp", "generatedAt"})

    def __init__(self, delta: timedelta) -> None:
        self.delta = delta

    def time(self, at: datetime) -> datetime:
        return at + self.delta

    def payload(self, value):
        if isinstance(value, dict):
            return {k: self._field(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.payload(v) for v in value]
        return value

    def _field(self, key: str, value):
        if key in self.KEYS and isinstance(value, str):
            parsed = parse_time(value)
            return value if parsed is None else (parsed + self.delta).isoformat().replace("+00:00", "Z")
        return self.payload(value)


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 time as aware UTC (no offset means UTC), or ``None`` if it is not one."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(frozen=True)
class CaseError:
    """A case that could not be read: where, and why."""

    path: str
    line: int
    id: str | None
    reason: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class LoadedCase:
    case: Case
    path: str
    line: int


def load_cases(paths: Iterable[Path]) -> tuple[list[LoadedCase], list[CaseError]]:
    """Every readable case of ``paths`` in order, and an error per line that is not one (bad
    JSON, a field that does not validate, an id used before). Blank and ``#`` lines are skipped."""
    cases: list[LoadedCase] = []
    errors: list[CaseError] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = (str(path), number)
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(CaseError(*where, None, f"not JSON: {exc.msg} at column {exc.colno}"))
                continue
            case_id = data.get("id") if isinstance(data, dict) else None
            try:
                case = Case.model_validate(data)
            except ValidationError as exc:
                errors.append(CaseError(*where, _str_or_none(case_id), _first_error(exc)))
                continue
            if case.id in seen:
                errors.append(CaseError(*where, case.id, f"id {case.id!r} already used at {seen[case.id]}"))
                continue
            seen[case.id] = f"{path}:{number}"
            cases.append(LoadedCase(case, str(path), number))
    return cases, errors


def _first_error(exc: ValidationError, prefix: str = "") -> str:
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = ".".join(str(p) for p in [*([prefix] if prefix else []), *first["loc"]])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{loc + ': ' if loc else ''}{message}{more}"


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
