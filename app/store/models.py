"""Database tables (SQLModel). Schema changes go through Alembic (``app/store/migrations``).

Times are stored as timezone-aware UTC. JSON columns hold raw payloads and small structured
details; anything queried or filtered on has its own column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Table, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC in Python on every backend (SQLite keeps no zone: naive means UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fit_values(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with text cut to the length of ``table``'s columns: the raw payload keeps the
    full value; PostgreSQL refuses over-long values where SQLite would silently keep them."""
    fitted = values
    for key, length in _text_lengths(table).items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > length:
            fitted = fitted if fitted is not values else dict(values)
            fitted[key] = value[:length]
    return fitted


@cache
def _text_lengths(table: Table) -> dict[str, int]:
    return {c.key: c.type.length for c in table.columns if getattr(c.type, "length", None)}


def _when(**kw) -> object:
    return Field(sa_type=UtcDateTime, **kw)


def _json(default) -> object:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Charger(SQLModel, table=True):
    """A charge point, as registered or as last described by BootNotification or the CSMS."""

    __tablename__ = "chargers"
    id: str = Field(primary_key=True, max_length=64)
    vendor: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    firmware: str | None = Field(default=None, max_length=200)
    serial: str | None = Field(default=None, max_length=200)
    site_id: str | None = Field(default=None, max_length=100, index=True)
    ocpp_version: str | None = Field(default=None, max_length=8)
    registered_at: datetime = _when(default_factory=utcnow)
    last_seen_at: datetime | None = _when(default=None)
    last_boot_at: datetime | None = _when(default=None)
    connectors: dict = _json(dict)
    """``{"<evse>/<connector>": {"status", "error_code", "at"}}`` — the latest state of each."""
    password_hash: str | None = Field(default=None, max_length=200)
    """OCPP Basic-auth password (security profile 1/2), hashed with scrypt; never the password."""
    connected_node: str | None = Field(default=None, max_length=100)
    """The service process holding the charger's OCPP websocket (``None``: not connected)."""
    connected_at: datetime | None = _when(default=None)
    disconnected_at: datetime | None = _when(default=None)


class ChargingSession(SQLModel, table=True):
    """A charging transaction (1.6 Start/StopTransaction, 2.0.1 TransactionEvent).

    An open session (``stopped_at`` unset) on a connector makes the guard treat it as busy.
    ``transaction_id`` is ours for 1.6 (the row id, handed to the charger) and the charger's
    for 2.0.1.
    """

    __tablename__ = "charging_sessions"
    __table_args__ = (
        UniqueConstraint("charger_id", "transaction_id", name="uq_charging_sessions_charger_tx"),
        Index("ix_charging_sessions_charger_open", "charger_id", "stopped_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    charger_id: str = Field(max_length=64)
    transaction_id: str = Field(max_length=64)
    connector_id: int | None = None
    evse_id: int | None = None
    id_token: str | None = Field(default=None, max_length=64)
    started_at: datetime = _when()
    stopped_at: datetime | None = _when(default=None)
    stop_reason: str | None = Field(default=None, max_length=50)
    meter_start_wh: float | None = None
    meter_last_wh: float | None = None
    meter_values: int = 0
    """MeterValues samples received (the latest energy reading is ``meter_last_wh``)."""
    updated_at: datetime = _when(default_factory=utcnow)


class Event(SQLModel, table=True):
    """One message as received (raw), with the response it was given (for idempotent replays)."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_events_source_external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    """Who sent it: ``key:<api key id>`` or ``ocpp:<charger id>``; event ids are unique per source."""
    external_id: str = Field(max_length=200)
    charger_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=32)
    ocpp_version: str = Field(max_length=8)
    occurred_at: datetime = _when()
    received_at: datetime = _when(default_factory=utcnow)
    payload: dict = _json(dict)
    issues: list = _json(list)
    result: dict = _json(dict)


class Observation(SQLModel, table=True):
    """A normalised record: one per StatusNotification, one per NotifyEvent EventData."""

    __tablename__ = "observations"
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", index=True)
    charger_id: str = Field(max_length=64, index=True)
    occurred_at: datetime = _when()
    kind: str = Field(max_length=16)
    connector_id: int | None = None
    evse_id: int | None = None
    status: str | None = Field(default=None, max_length=50)
    error_code: str | None = Field(default=None, max_length=50)
    raw_error_code: str | None = Field(default=None, max_length=200)
    vendor_id: str | None = Field(default=None, max_length=255)
    vendor_error_code: str | None = Field(default=None, max_length=200)
    info: str | None = None
    component: str | None = Field(default=None, max_length=200)
    variable: str | None = Field(default=None, max_length=200)
    actual_value: str | None = None
    trigger: str | None = Field(default=None, max_length=50)
    cleared: bool | None = None
    signature: str = Field(default="", max_length=500)
    fault_id: int | None = Field(default=None, foreign_key="faults.id", index=True)
    issues: list = _json(list)


class Fault(SQLModel, table=True):
    """A fault episode on one connector/EVSE: opened by a fault observation, cleared by a recovery.

    ``state`` is where processing stands (queued, processing, awaiting_diagnosis, failed, …);
    ``cleared_at`` is whether the charger has reported the condition gone.
    """

    __tablename__ = "faults"
    __table_args__ = (Index("ix_faults_charger_open", "charger_id", "cleared_at"),)
    id: int | None = Field(default=None, primary_key=True)
    charger_id: str = Field(max_length=64, index=True)
    site_id: str | None = Field(default=None, max_length=100, index=True)
    event_id: int = Field(foreign_key="events.id")
    signature: str = Field(max_length=500)
    connector_id: int | None = None
    evse_id: int | None = None
    error_code: str | None = Field(default=None, max_length=50)
    vendor_id: str | None = Field(default=None, max_length=255)
    """The vendorId the vendor code came with: whose scheme the code is (``com.evgo.mrec``)."""
    vendor_error_code: str | None = Field(default=None, max_length=200)
    component: str | None = Field(default=None, max_length=200)
    variable: str | None = Field(default=None, max_length=200)
    info: str | None = None
    opened_at: datetime = _when(index=True)
    last_seen_at: datetime = _when()
    occurrences: int = 1
    cleared_at: datetime | None = _when(default=None)
    state: str = Field(default="queued", max_length=32, index=True)
    error: str | None = None
    fault_class: str | None = Field(default=None, max_length=32)
    """Set by the diagnosis (electrical_safety, thermal, …); history rules count by class."""
    incident_fault_id: int | None = Field(default=None, index=True)
    """The sibling fault of the same incident whose action this one waits for (state ``following``):
    this fault is resolved or escalated with it."""
    updated_at: datetime = _when(default_factory=utcnow)


_UNFINISHED = text("finished_at IS NULL")


class WorkItem(SQLModel, table=True):
    """The durable queue: a unit of work, leased by one worker at a time."""

    __tablename__ = "work_items"
    __table_args__ = (
        # Only unfinished items are indexed (``finished_at IS NULL`` ⟺ state queued or leased),
        # so claiming stays fast however many items the table has finished.
        Index("ix_work_items_unfinished", "id", sqlite_where=_UNFINISHED, postgresql_where=_UNFINISHED),
        Index(
            "ix_work_items_unfinished_charger",
            "charger_id",
            "id",
            sqlite_where=_UNFINISHED,
            postgresql_where=_UNFINISHED,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    fault_id: int = Field(foreign_key="faults.id", index=True)
    charger_id: str = Field(max_length=64)
    state: str = Field(default="queued", max_length=16)
    attempts: int = 0
    available_at: datetime = _when(default_factory=utcnow)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = _when(default=None)
    last_error: str | None = None
    created_at: datetime = _when(default_factory=utcnow)
    finished_at: datetime | None = _when(default=None)


class Decision(SQLModel, table=True):
    """The guard's verdict on a proposed action (filled by the agent/guard issue)."""

    __tablename__ = "decisions"
    id: int | None = Field(default=None, primary_key=True)
    fault_id: int = Field(foreign_key="faults.id", index=True)
    action: str = Field(max_length=32)
    params: dict = _json(dict)
    escalate: bool = False
    verdict: str = Field(max_length=32)
    reasons: list = _json(list)
    diagnosis: dict = _json(dict)
    reasoner: str = Field(default="", max_length=32)
    confidence: float | None = None
    approval_state: str | None = Field(default=None, max_length=16, index=True)
    """pending, approved, rejected or expired — for a verdict that needs a technician's approval."""
    approval_expires_at: datetime | None = _when(default=None)
    approved_by: str | None = Field(default=None, max_length=100)
    approval_comment: str | None = None
    approval_at: datetime | None = _when(default=None)
    created_at: datetime = _when(default_factory=utcnow)


class ActionAttempt(SQLModel, table=True):
    """One attempt to carry out a device action on a charger, and its outcome."""

    __tablename__ = "action_attempts"
    id: int | None = Field(default=None, primary_key=True)
    fault_id: int = Field(foreign_key="faults.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id")
    charger_id: str = Field(max_length=64, index=True)
    site_id: str | None = Field(default=None, max_length=100, index=True)
    action: str = Field(max_length=32)
    params: dict = _json(dict)
    automatic: bool = True
    """False when a technician approved it (blast-radius counts automatic actions only)."""
    executor: str = Field(max_length=32)
    outcome: str | None = Field(default=None, max_length=32, index=True)
    """``None`` while the command is in flight; ``verifying`` until the charger shows recovery or
    the window ends; then ``fixed``, ``not_fixed`` or ``unknown``. A command that failed keeps its
    status (``rejected``, ``call_error``, ``not_connected``, ``error``, ``dry_run``, …)."""
    command_status: str | None = Field(default=None, max_length=32)
    """What the executor reported: accepted, rejected, timeout, call_error, disconnected, …"""
    detail: dict = _json(dict)
    started_at: datetime = _when(default_factory=utcnow)
    finished_at: datetime | None = _when(default=None)
    verify_until: datetime | None = _when(default=None)
    status_requested_at: datetime | None = _when(default=None)
    """When verification asked the charger for its status (TriggerMessage), at most once."""
    verified_at: datetime | None = _when(default=None)


class Escalation(SQLModel, table=True):
    """A hand-over to a technician, with instructions."""

    __tablename__ = "escalations"
    id: int | None = Field(default=None, primary_key=True)
    fault_id: int = Field(foreign_key="faults.id", index=True)
    charger_id: str | None = Field(default=None, max_length=64, index=True)
    site_id: str | None = Field(default=None, max_length=100, index=True)
    scope: str = Field(default="fault", max_length=16)
    """``fault`` (this charger's fault) or ``site`` (many chargers of a site: blast radius)."""
    state: str = Field(default="open", max_length=16, index=True)
    """open → acknowledged → resolved."""
    severity: str = Field(default="normal", max_length=16)
    """critical (electrical safety), high (site-wide or a failed fix), normal, low."""
    instructions: str = ""
    detail: dict = _json(dict)
    """The ticket: what happened, diagnosis with citations, steps, safety notes, what automation
    tried, recent history (see :mod:`app.escalation`)."""
    version: int = 1
    """Raised by each update; delivery sends every version (the receiver dedupes on id+version)."""
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    acknowledged_at: datetime | None = _when(default=None)
    acknowledged_by: str | None = Field(default=None, max_length=100)
    resolved_at: datetime | None = _when(default=None)
    resolved_by: str | None = Field(default=None, max_length=100)
    resolution_note: str | None = None
    delivery_state: str = Field(default="pending", max_length=16, index=True)
    """pending (to send), delivered, dead_letter (gave up after N tries), disabled (no webhook)."""
    delivery_attempts: int = 0
    next_delivery_at: datetime | None = _when(default=None)
    delivered_version: int | None = None
    delivered_at: datetime | None = _when(default=None)
    last_delivery_error: str | None = None


class AuditEntry(SQLModel, table=True):
    """Append-only trail: every step taken on a fault or charger (never updated or deleted)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    fault_id: int | None = Field(default=None, foreign_key="faults.id", index=True)
    charger_id: str | None = Field(default=None, max_length=64, index=True)
    actor: str = Field(max_length=100)
    kind: str = Field(max_length=64)
    detail: dict = _json(dict)


class ApiKey(SQLModel, table=True):
    """An API key: only its public prefix and the SHA-256 of its secret are stored."""

    __tablename__ = "api_keys"
    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(max_length=32, unique=True)
    secret_hash: str = Field(max_length=64)
    role: str = Field(max_length=16)
    name: str = Field(default="", max_length=200)
    created_at: datetime = _when(default_factory=utcnow)
    last_used_at: datetime | None = _when(default=None)
    revoked_at: datetime | None = _when(default=None)


class Conversation(SQLModel, table=True):
    """A technician's chat: who started it and what it is about (a charger, or a vendor/model)."""

    __tablename__ = "conversations"
    id: str = Field(primary_key=True, max_length=32)
    owner: str = Field(max_length=100)
    """``key:<id>`` of the API key that started it (only it and admins may continue it), or ``cli``."""
    charger_id: str | None = Field(default=None, max_length=64, index=True)
    vendor: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class ChatTurn(SQLModel, table=True):
    """One question and the answer given, as shown (follow-ups read the earlier turns)."""

    __tablename__ = "chat_turns"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", max_length=32, index=True)
    question: str
    answer: str
    citations: list = _json(list)
    grounded: bool
    reasoner: str = Field(max_length=32)
    """``extractive`` (offline) or ``llm``."""
    fallback: str | None = Field(default=None, max_length=500)
    """Why the LLM's answer was not used (then ``reasoner`` is ``extractive``)."""
    latency_ms: float | None = None
    created_at: datetime = _when(default_factory=utcnow)


class GatewayNode(SQLModel, table=True):
    """A service process serving the OCPP gateway; other replicas relay commands to it for the
    chargers whose sockets it holds (``chargers.connected_node``)."""

    __tablename__ = "gateway_nodes"
    id: str = Field(primary_key=True, max_length=100)
    started_at: datetime = _when(default_factory=utcnow)
    heartbeat_at: datetime = _when(default_factory=utcnow)
    """Refreshed while the process runs; a node silent for long is treated as gone."""


class RelayedCommand(SQLModel, table=True):
    """A command one replica asked the replica holding the charger's socket to send."""

    __tablename__ = "relayed_commands"
    __table_args__ = (Index("ix_relayed_commands_node_status", "node", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    command_id: str | None = Field(default=None, max_length=64)
    """The requester's idempotency key (its action attempt's id)."""
    charger_id: str = Field(max_length=64)
    node: str = Field(max_length=100)
    """The replica that holds the charger's socket and is to send the command."""
    requested_by: str = Field(max_length=100)
    action: str = Field(max_length=32)
    params: dict = _json(dict)
    status: str = Field(default="pending", max_length=16)
    """pending → sending → done; or pending → expired (nobody took it: nothing was sent)."""
    outcome_status: str | None = Field(default=None, max_length=32)
    outcome_detail: str | None = None
    created_at: datetime = _when(default_factory=utcnow)
    deadline_at: datetime = _when()
    """After it, a pending command expires and the requester stops waiting."""
    picked_at: datetime | None = _when(default=None)
    done_at: datetime | None = _when(default=None)
