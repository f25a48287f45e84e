"""Accepting events: validate, normalise, persist, open or clear faults, enqueue — on one
transaction that is committed before any caller is answered.

A fault observation whose signature matches a fault still open on the charger counts as a
recurrence of that fault instead of opening a new one (chargers repeat themselves). A recovery
observation clears the open faults it covers. Each newly opened fault gets one work item.

Events are recorded in groups (:mod:`app.intake.writer` batches concurrent requests): the
group's existing state is read in three queries, every event is applied in order to that state
in memory — exactly as if they had been recorded one by one — and the changes are written with
one multi-row statement per table. The statement count per group is constant, which is what
keeps intake fast on PostgreSQL, where each statement is a round trip.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app.intake import normalise
from app.intake.envelope import EventAccepted, EventIn, PayloadError, parse_payload
from app.intake.limits import implausible_time, wire_text
from app.intake.payloads import StatusNotification16
from app.observability import metrics
from app.store import queries
from app.store.models import utcnow
from app.store.queue import PROCESS_FAULT, enqueue

_DECISION_PENDING = frozenset({"queued", "awaiting_approval", "approved"})


@dataclass(frozen=True)
class Submission:
    """One event to record: who sent it (idempotency is per source) and who to audit it as."""

    source: str
    body: EventIn
    actor: str


@dataclass(frozen=True)
class Accepted:
    result: EventAccepted
    created: bool
    """False when the event id had been received before (the original result is replayed)."""


def accept_event(
    engine: Engine, *, source: str, body: EventIn, actor: str, reprocess_at: int | None = None
) -> Accepted:
    """Persist one event in its own transaction (idempotent on ``(source, event_id)``).

    Raises :class:`~app.intake.envelope.PayloadError` when the payload's structure is wrong.
    """
    (result,) = accept_events(engine, [Submission(source, body, actor)], reprocess_at=reprocess_at)
    if isinstance(result, PayloadError):
        raise result
    return result


def accept_events(
    engine: Engine, submissions: Sequence[Submission], *, reprocess_at: int | None = None
) -> list[Accepted | PayloadError]:
    """Record ``submissions`` in one transaction; each answer in order (see :func:`record_events`)."""
    try:
        with engine.begin() as connection:
            return record_events(connection, submissions, reprocess_at=reprocess_at)
    except IntegrityError:
        # Another writer (a replica on PostgreSQL) stored one of these event ids or new chargers
        # first; run again: such events are then replayed and such chargers updated.
        with engine.begin() as connection:
            return record_events(connection, submissions, reprocess_at=reprocess_at)


def record_events(
    connection: Connection, submissions: Sequence[Submission], *, reprocess_at: int | None = None
) -> list[Accepted | PayloadError]:
    """Record ``submissions`` on ``connection``, in order; the caller commits.

    Each answer is an :class:`Accepted` (``created=False`` for an event id received before,
    even earlier in the same group) or the :class:`PayloadError` of a malformed payload, of which
    nothing is written. An open fault whose occurrences reach ``reprocess_at`` is queued for
    diagnosis again (it now counts as recurring).
    """
    group = _Group(connection, submissions, reprocess_at)
    plans = [group.apply(submission) for submission in submissions]
    group.write()
    answers = [plan if isinstance(plan, PayloadError) else plan.answer() for plan in plans]
    for submission, answer in zip(submissions, answers, strict=True):
        _count(submission, answer)
    return answers


def _count(submission: Submission, answer: Accepted | PayloadError) -> None:
    """The intake metrics (counted when the group is written: a commit that then fails and is
    retried counts its events twice)."""
    if isinstance(answer, PayloadError):
        metrics.event_received(submission.source, "rejected")
    else:
        outcome = "accepted" if answer.created else "duplicate"
        opened = len(answer.result.faults_opened) if answer.created else 0
        metrics.event_received(submission.source, outcome, faults_opened=opened)


@dataclass(eq=False)
class _Fault:
    """An open fault as the group sees it: loaded from the database or opened by the group."""

    charger_id: str
    signature: str
    last_seen_at: datetime
    id: int | None = None
    row: dict[str, Any] | None = None
    """The row to insert, for a fault the group opens."""
    recurrences: int = 0
    occurrences: int = 0
    """Occurrences stored before this group (loaded faults)."""
    state: str = "queued"
    cleared_at: datetime | None = None
    event: _Event | None = None
    """The event that opened it, for a fault the group opens."""


@dataclass(eq=False)
class _Event:
    """One recorded event: its row and what it did; ids are filled in when the group is written."""

    body: EventIn
    row: dict[str, Any]
    observations: list[tuple[dict[str, Any], _Fault | None]]
    issues: list[str]
    id: int | None = None
    opened: list[_Fault] = field(default_factory=list)
    recurring: list[_Fault] = field(default_factory=list)
    cleared: list[_Fault] = field(default_factory=list)
    first: _Event | None = None
    """For a repeat of an event id received earlier in the same group: that event."""

    def result(self) -> EventAccepted:
        charger = self.body.charger_id
        links = {"event": f"/v1/events/{self.id}", "charger": f"/v1/chargers/{charger}"}
        for fault in self.opened[:1] or self.recurring[:1]:
            links["fault"] = f"/v1/faults/{fault.id}"
        return EventAccepted(
            id=self.id,
            event_id=self.body.event_id,
            charger_id=charger,
            opened_fault=bool(self.opened),
            faults_opened=[f.id for f in self.opened],
            faults_recurring=[f.id for f in self.recurring],
            faults_cleared=[f.id for f in self.cleared],
            observations=len(self.observations),
            issues=self.issues,
            links=links,
        )

    def answer(self) -> Accepted:
        if self.first is not None:
            return Accepted(self.first.result().model_copy(update={"duplicate": True}), created=False)
        return Accepted(self.result(), created=True)


@dataclass(frozen=True)
class _Replay:
    """A repeat of an event id stored by an earlier transaction: its original answer."""

    result: dict[str, Any]

    def answer(self) -> Accepted:
        return Accepted(EventAccepted.model_validate({**self.result, "duplicate": True}), created=False)


class _Group:
    """The state a group of events reads and changes, and the rows it will write."""

    def __init__(
        self, connection: Connection, submissions: Sequence[Submission], reprocess_at: int | None
    ) -> None:
        self.connection = connection
        self.reprocess_at = reprocess_at
        keys = [(s.source, s.body.event_id) for s in submissions]
        charger_ids = [s.body.charger_id for s in submissions]
        self.stored = queries.event_results(connection, keys=keys)
        lock = connection.dialect.name == "postgresql"
        self.chargers = queries.charger_states(connection, charger_ids=charger_ids, lock=lock)
        self.new_chargers: set[str] = set()
        self.changed_chargers: set[str] = set()
        self.open: dict[str, list[_Fault]] = defaultdict(list)
        for row in queries.open_fault_heads(connection, charger_ids=charger_ids):
            self.open[row["charger_id"]].append(
                _Fault(
                    row["charger_id"],
                    row["signature"],
                    row["last_seen_at"],
                    id=row["id"],
                    occurrences=row["occurrences"],
                    state=row["state"],
                )
            )
        self.loaded = [f for faults in self.open.values() for f in faults]
        self.events: list[_Event] = []
        self.seen: dict[tuple[str, str], _Event] = {}
        self.audit: list[tuple[dict[str, Any], _Fault]] = []

    # ---- applying one event ------------------------------------------------------------------
    def apply(self, submission: Submission) -> _Event | _Replay | PayloadError:
        body = submission.body
        key = (submission.source, body.event_id)
        if key in self.seen:
            return _Event(body, {}, [], [], first=self.seen[key])
        if key in self.stored:
            return _Replay(self.stored[key])
        received_at = utcnow()
        charger = self.chargers.get(body.charger_id) or {
            "id": body.charger_id,
            "connectors": {},
            "registered_at": received_at,
        }
        version = body.ocpp_version or charger.get("ocpp_version") or "1.6"
        try:
            payload = parse_payload(body, version)
        except PayloadError as exc:
            return exc
        observations, issues, identity = _observe(body.payload_field, payload, received_at)
        first_time = next((o.occurred_at for o in observations if o.occurred_at), received_at)
        occurred_at = _envelope_time(body, received_at, issues) or first_time
        self._register(charger, _charger_changes(charger, body, version, identity, occurred_at))
        event = _Event(
            body,
            {
                "source": submission.source,
                "external_id": body.event_id,
                "charger_id": body.charger_id,
                "kind": body.payload_field,
                "ocpp_version": version,
                "occurred_at": occurred_at,
                "received_at": received_at,
                "payload": body.model_dump(mode="json", exclude_none=True),
                "issues": issues,
            },
            [],
            issues,
        )
        for item in observations:
            self._apply_observation(event, charger, item, item.occurred_at or occurred_at, submission.actor)
        self.events.append(event)
        self.seen[key] = event
        return event

    def _register(self, charger: dict[str, Any], changes: dict[str, Any]) -> None:
        charger_id = charger["id"]
        if charger_id not in self.chargers:
            self.chargers[charger_id] = charger
            self.new_chargers.add(charger_id)
        if changes:
            charger.update(changes)
            self.changed_chargers.add(charger_id)

    def _apply_observation(
        self, event: _Event, charger: dict, item: normalise.Observation, at: datetime, actor: str
    ) -> None:
        fault = None
        if item.kind == normalise.FAULT:
            fault = self._open_or_recur(event, charger, item, at, actor)
        elif item.kind == normalise.RECOVERY:
            self._clear(event, charger["id"], item, at, actor)
        if item.connector_id is not None and item.status:
            key = f"{item.evse_id or 0}/{item.connector_id}"
            state = {"status": item.status, "error_code": item.error_code, "at": at.isoformat()}
            charger["connectors"] = {**charger["connectors"], key: state}
            self.changed_chargers.add(charger["id"])
        row = {name: getattr(item, name) for name in _OBSERVATION_FIELDS}
        row |= {"charger_id": charger["id"], "occurred_at": at, "issues": list(item.issues)}
        event.observations.append((row, fault))

    def _open_or_recur(
        self, event: _Event, charger: dict, item: normalise.Observation, at: datetime, actor: str
    ):
        for fault in self.open[charger["id"]]:
            if fault.signature == item.signature:
                fault.recurrences += 1
                fault.last_seen_at = max(fault.last_seen_at, at)
                event.recurring.append(fault)
                return fault
        fault = _Fault(charger["id"], item.signature, at)
        fault.row = {
            "charger_id": charger["id"],
            "site_id": charger.get("site_id"),
            "signature": item.signature,
            "connector_id": item.connector_id,
            "evse_id": item.evse_id,
            "error_code": item.error_code,
            "vendor_id": item.vendor_id,
            "vendor_error_code": item.vendor_error_code,
            "component": item.component,
            "variable": item.variable,
            "info": item.info,
            "opened_at": at,
        }
        fault.event = event
        self.open[charger["id"]].append(fault)
        event.opened.append(fault)
        detail = {"signature": item.signature, "issues": list(item.issues)}
        self._audit(actor, "fault.opened", fault, detail, event)
        return fault

    def _clear(
        self, event: _Event, charger_id: str, item: normalise.Observation, at: datetime, actor: str
    ) -> None:
        still_open = []
        for fault in self.open[charger_id]:
            if not normalise.clears(item, fault.signature):
                still_open.append(fault)
                continue
            fault.cleared_at = at
            event.cleared.append(fault)
            self._audit(actor, "fault.cleared", fault, {"signature": item.signature, "status": item.status})
        self.open[charger_id] = still_open

    def _audit(self, actor: str, kind: str, fault: _Fault, detail: dict, event: _Event | None = None) -> None:
        row = {"at": utcnow(), "actor": actor, "kind": kind, "charger_id": fault.charger_id, "detail": detail}
        self.audit.append((row, fault, event))

    # ---- writing the group -------------------------------------------------------------------
    def write(self) -> None:
        """Write the group's rows: a constant number of statements, whatever its size."""
        db = self.connection
        for event, id_ in zip(
            self.events, queries.insert_events(db, rows=[e.row for e in self.events]), strict=True
        ):
            event.id = id_
        opened = [f for e in self.events for f in e.opened]
        rows = [f.row | self._fault_outcome(f) | {"event_id": f.event.id} for f in opened]
        for fault, id_ in zip(opened, queries.insert_faults(db, rows=rows), strict=True):
            fault.id = id_
        changed = sorted((f for f in self.loaded if f.recurrences or f.cleared_at), key=lambda f: f.id)
        queries.update_open_faults(db, rows=[{"id": f.id, **self._fault_outcome(f)} for f in changed])
        queries.insert_observations(
            db,
            rows=[
                row | {"event_id": e.id, "fault_id": fault.id if fault else None}
                for e in self.events
                for row, fault in e.observations
            ],
        )
        enqueue(
            db,
            kind=PROCESS_FAULT,
            items=[(f.id, f.charger_id) for f in opened + self._now_recurring(changed)],
        )
        audit_rows = []
        for row, fault, event in self.audit:
            detail = row["detail"] | ({"event_id": event.id} if event is not None else {})
            audit_rows.append(row | {"fault_id": fault.id, "detail": detail})
        queries.insert_audit(db, rows=audit_rows)
        queries.insert_chargers(db, rows=[self.chargers[c] for c in sorted(self.new_chargers)])
        changed_chargers = sorted(self.changed_chargers - self.new_chargers)
        queries.update_chargers(db, rows=[self.chargers[c] for c in changed_chargers])
        queries.set_event_results(db, results={e.id: e.result().model_dump(mode="json") for e in self.events})

    def _now_recurring(self, loaded: list[_Fault]) -> list[_Fault]:
        """Open faults whose occurrences reach the recurrence threshold with this group — unless a
        run is still due (queued) or a technician holds the decision (approval)."""
        n = self.reprocess_at
        if n is None:
            return []
        return [
            f
            for f in loaded
            if not f.cleared_at
            and f.state not in _DECISION_PENDING
            and f.occurrences < n <= f.occurrences + f.recurrences
        ]

    @staticmethod
    def _fault_outcome(fault: _Fault) -> dict[str, Any]:
        loaded = fault.row is None
        return {
            "recurrences" if loaded else "occurrences": fault.recurrences + (0 if loaded else 1),
            "last_seen_at": fault.last_seen_at,
            "cleared_at": fault.cleared_at,
        }


def _observe(
    field: str, payload, received_at: datetime
) -> tuple[list[normalise.Observation], list[str], dict[str, str]]:
    """The observations in ``payload``, their issues (deduplicated), and the charger identity a
    BootNotification reports; the charger's times are bounded by ``received_at``."""
    identity: dict[str, str] = {}
    if field == "boot_notification":
        observation, identity = normalise.from_boot_notification(payload)
        observations = [observation]
    elif field == "notify_event":
        observations = normalise.from_notify_event(payload, received_at=received_at)
    elif isinstance(payload, StatusNotification16):
        observations = normalise.from_status_notification_16(payload, received_at=received_at)
    else:
        observations = normalise.from_status_notification_201(payload, received_at=received_at)
    issues = [issue for o in observations for issue in o.issues]
    return observations, list(dict.fromkeys(issues)), identity


def _envelope_time(body: EventIn, received_at: datetime, issues: list[str]) -> datetime | None:
    """The envelope's ``occurred_at`` if it lies in the window around ``received_at``; else
    ``None``, with an issue (the raw value stays in the stored payload)."""
    if body.occurred_at is None:
        return None
    if why := implausible_time(body.occurred_at, received_at):
        issues.append(f"occurred_at: {wire_text(body.occurred_at)} is {why}; not used")
        return None
    return body.occurred_at


def _charger_changes(
    charger: dict[str, Any], body: EventIn, version: str, identity: dict[str, str], seen_at: datetime
) -> dict[str, Any]:
    """Registry columns this event changes: CSMS-given details, BootNotification identity, the
    OCPP version, and ``last_seen_at`` (which never moves backwards)."""
    changes: dict[str, Any] = {}
    if body.charger is not None:
        changes |= body.charger.model_dump(exclude_none=True)
    changes |= {key: identity[key] for key in ("vendor", "model", "firmware", "serial") if identity.get(key)}
    if body.payload_field == "boot_notification":
        changes["last_boot_at"] = utcnow()
    if body.ocpp_version or charger.get("ocpp_version") is None:
        changes["ocpp_version"] = version
    last_seen = charger.get("last_seen_at")
    if last_seen is None or seen_at > last_seen:
        changes["last_seen_at"] = seen_at
    return {key: value for key, value in changes.items() if charger.get(key) != value}


_OBSERVATION_FIELDS = (
    "kind",
    "connector_id",
    "evse_id",
    "status",
    "error_code",
    "raw_error_code",
    "vendor_id",
    "vendor_error_code",
    "info",
    "component",
    "variable",
    "actual_value",
    "trigger",
    "cleared",
    "signature",
)
