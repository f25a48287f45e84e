"""What every connected charge point's handlers share, whatever its OCPP version.

:class:`StationServices` is built once by the gateway: it records charger messages through the
same intake as ``POST /v1/events`` (stored and committed before the charger gets its answer),
runs database work off the event loop, and audits what has no table of its own.
:class:`StationMixin` gives the version-specific ``ChargePoint`` classes the raw payload of the
call being handled, reads every frame strictly (:mod:`app.chargers.frames`) and answers what is
not OCPP with the version's CallError (an action no handler takes with ``NotImplemented`` or
``NotSupported``, as OCPP-J defines them), and holds each connection to
``StationServices.messages_per_minute`` (:class:`MessageLimit`).

Everything a station writes names its own charger (``self.id``, the identity the connection
authenticated as); no field of a charger's message can name another station.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from ocpp.exceptions import GenericError, InternalError, OCPPError
from ocpp.messages import Call, CallError
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session
from websockets.exceptions import ConnectionClosed

from app.chargers.frames import format_error, read_frame, unhandled_action
from app.intake.accept import Accepted
from app.intake.envelope import EventIn, PayloadError
from app.intake.limits import implausible_time
from app.intake.writer import IntakeWriter
from app.store import queries
from app.store.db import session_scope

log = logging.getLogger("chargemedic.gateway")
T = TypeVar("T")
POLICY_VIOLATION = 1008
"""WebSocket close code for a charger that keeps sending past its message limit (RFC 6455)."""


class StationServices:
    """``messages_per_minute``: what one connection may send per minute (0 = no limit)."""

    def __init__(
        self,
        *,
        engine: Engine,
        intake: IntakeWriter,
        heartbeat_seconds: int,
        on_accepted: Callable[[Accepted], None] | None = None,
        messages_per_minute: int = 0,
    ) -> None:
        self.engine = engine
        self.intake = intake
        self.heartbeat_seconds = heartbeat_seconds
        self.on_accepted = on_accepted
        self.messages_per_minute = messages_per_minute
        self.seen: dict[str, datetime] = {}
        """When each charger last sent anything (flushed to ``chargers.last_seen_at`` by the gateway)."""

    def touch(self, charger_id: str) -> None:
        self.seen[charger_id] = datetime.now(UTC)

    async def record(
        self, *, charger_id: str, version: str, field: str, payload: Any, unique_id: str
    ) -> Accepted:
        """Store a StatusNotification, NotifyEvent or BootNotification through the intake.

        The event id is the OCPP message id with a digest of the payload: a charger re-sending
        an unanswered call is a duplicate, while a reused message id after a reboot is not.
        Raises :class:`~ocpp.exceptions.OCPPError` (answered as a CallError) for a payload the
        intake cannot read.
        """
        if not isinstance(payload, dict):
            raise format_error(version, f"{field}: the payload must be a JSON object")
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
        try:
            body = EventIn.model_validate(
                {
                    "event_id": f"{unique_id}:{digest}"[:200],
                    "charger_id": charger_id,
                    "ocpp_version": version,
                    field: payload,
                }
            )
            accepted = await self.intake.accept(
                source=f"ocpp:{charger_id}", body=body, actor=f"ocpp:{charger_id}"
            )
        except PayloadError as exc:
            raise format_error(version, str(exc)) from exc
        except ValidationError as exc:  # the envelope refused it (e.g. NUL characters)
            raise format_error(version, "; ".join(e["msg"] for e in exc.errors())) from exc
        if self.on_accepted is not None:
            self.on_accepted(accepted)
        return accepted

    async def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in a transaction, off the event loop."""

        def run() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def audit(self, charger_id: str, kind: str, detail: dict[str, Any]) -> None:
        await self.write(
            lambda s: queries.audit(
                s, actor=f"ocpp:{charger_id}", kind=kind, charger_id=charger_id, detail=detail
            )
        )

    def boot_answer(self) -> dict[str, Any]:
        return {"current_time": now_iso(), "interval": self.heartbeat_seconds, "status": "Accepted"}


class Admission(StrEnum):
    HANDLE = "handle"
    REFUSE = "refuse"
    CLOSE = "close"


class MessageLimit:
    """At most ``per_minute`` messages in each minute of a connection (0 = no limit).

    :meth:`admit` says what becomes of the next message: handled; refused (the minute's messages
    are used up); or the connection is to be closed, once as many messages again were refused
    within the same minute — a charger sending at twice its limit is not a charger having a burst.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.started = -60.0
        self.count = self.refused = 0

    def admit(self) -> Admission:
        if not self.per_minute:
            return Admission.HANDLE
        now = self.clock()
        if now - self.started >= 60:
            self.started, self.count, self.refused = now, 0, 0
        self.count += 1
        if self.count <= self.per_minute:
            return Admission.HANDLE
        self.refused += 1
        return Admission.CLOSE if self.refused > self.per_minute else Admission.REFUSE


class StationLog(logging.LoggerAdapter):
    """``ocpp``'s logger for a station. Its INFO lines copy every frame (id tags included), so they
    go to DEBUG; an OCPP error it logs with a traceback is the charger's mistake, already answered
    with a CallError, so it is a one-line warning, as is an answer to no call. Any other exception
    stays an ERROR with its traceback: that is a bug or an outage. Text a charger sent is logged
    with ``%r`` (quoted, escaped: a newline in it cannot forge a log line)."""

    def info(self, msg, *args, **kwargs) -> None:
        self.debug(msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs) -> None:
        self.warning(msg, *args, **kwargs)

    def exception(self, msg, *args, exc_info=True, **kwargs) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OCPPError):
            self.warning("%s refused a call: %s %r", self.extra["charger"], error.code, _cause(error))
        else:
            self.log(logging.ERROR, msg, *args, exc_info=exc_info, **kwargs)


class StationMixin:
    """For ``ChargePoint`` subclasses: keeps the raw (camelCase) payload of the call being handled
    in ``self.raw`` (calls are handled one at a time per connection), reads frames strictly and
    answers any that is not OCPP with the version's CallError instead of dropping it, and applies
    the connection's :class:`MessageLimit`: over it a call gets a CallError (``GenericError``),
    and a charger that keeps on is disconnected with close code 1008 (policy violation)."""

    services: StationServices
    version: str
    raw: Any = None

    def __init__(self, charger_id: str, connection, services: StationServices, *, response_timeout: float):
        logger = StationLog(logging.getLogger("ocpp"), {"charger": charger_id})
        super().__init__(charger_id, connection, response_timeout=response_timeout, logger=logger)
        self.services = services
        self.limit = MessageLimit(services.messages_per_minute)

    async def _record(self, field: str, unique_id: str) -> None:
        """Store the call being handled (its raw payload) through the intake."""
        await self.services.record(
            charger_id=self.id, version=self.version, field=field, payload=self.raw, unique_id=unique_id
        )

    async def route_message(self, raw_msg):
        """Answer every call (a CallResult or a CallError); hand answers to the call in progress
        — an answer is never refused by the limit, and one to no call is dropped."""
        admission = self.limit.admit()
        if admission is Admission.CLOSE:
            await self._close_for_flooding()
            return
        try:
            msg = read_frame(raw_msg, self.version)
        except OCPPError as error:
            if admission is Admission.HANDLE:
                log.warning("%s sent a malformed frame: %s %r", self.id, error.code, _cause(error))
            refusal = error if admission is Admission.HANDLE else self._over_limit()
            await self._send(frame_error(raw_msg, refusal, self.version))
            return
        if not isinstance(msg, Call):
            self._take_answer(msg)
        elif admission is Admission.REFUSE:
            await self._send(call_error(msg.unique_id, self._over_limit(), self.version))
        else:
            await self._answer(msg)

    async def _answer(self, msg: Call) -> None:
        try:
            await self._handle_call(msg)
        except OCPPError as error:
            log.warning("%s: %r refused: %s %r", self.id, msg.action, error.code, _cause(error))
            await self._send(call_error(msg.unique_id, error, self.version))

    def _take_answer(self, msg) -> None:
        if self._call_lock.locked():
            self._response_queue.put_nowait(msg)
        else:
            log.warning(
                "%s answered message %r, which is no call in progress; ignored", self.id, msg.unique_id
            )

    def _over_limit(self) -> OCPPError:
        if self.limit.refused == 1:
            log.warning("%s sent more than %d messages in a minute: refusing", self.id, self.limit.per_minute)
        return GenericError(
            description=f"rate limit: at most {self.limit.per_minute} messages per minute on one "
            "connection (CHARGEMEDIC_OCPP_MESSAGES_PER_MINUTE); retry later"
        )

    async def _close_for_flooding(self) -> None:
        reason = f"policy violation: over {self.limit.per_minute} messages per minute"
        log.warning("closing %s (%s, %d refused)", self.id, reason, self.limit.refused)
        await self._connection.close(POLICY_VIOLATION, reason)
        try:
            detail = {"messages_per_minute": self.limit.per_minute, "refused": self.limit.refused}
            await self.services.audit(self.id, "ocpp.rate_limit_closed", detail)
        except Exception:  # the connection is closed either way; the log line above says so
            log.exception("auditing the rate-limit close of %s failed", self.id)

    async def _handle_call(self, msg: Call):
        self.raw = msg.payload
        self.services.touch(self.id)
        if "_on_action" not in self.route_map.get(msg.action, {}):
            raise unhandled_action(msg.action, self.version)
        try:
            return await super()._handle_call(msg)
        except OCPPError:
            raise
        except ConnectionClosed:  # it hung up (a reboot) before its answer: what it sent is kept
            log.info("%s closed the connection before its %s was answered", self.id, msg.action)
            raise
        except Exception as exc:  # a bug or the database: a CallError, never a dropped connection
            log.exception("handling %s from %s failed", msg.action, self.id)
            raise InternalError(description=f"{type(exc).__name__}") from exc

    async def _get_specific_response(self, unique_id, timeout):
        self.services.touch(self.id)
        return await super()._get_specific_response(unique_id, timeout)


def call_error(unique_id: str, error: OCPPError, version: str) -> str:
    """The CallError frame answering ``unique_id`` with ``error``: its cause as the description,
    no details (nothing of the charger's own message is echoed back)."""
    code = error.code
    if version == "1.6" and code == "FormatViolation":
        code = "FormationViolation"  # 1.6's (misspelt) name for it
    return CallError(
        unique_id=unique_id, error_code=code, error_description=_cause(error)[:255], error_details={}
    ).to_json()


def frame_error(raw_msg: Any, error: OCPPError, version: str) -> str:
    """A CallError frame for a frame that could not be read (message id ``-1`` if unknown)."""
    unique_id = "-1"
    try:
        parsed = json.loads(raw_msg)
        if isinstance(parsed, list) and len(parsed) > 1 and isinstance(parsed[1], str):
            unique_id = parsed[1][:36]
    except (ValueError, TypeError, RecursionError):
        pass
    return call_error(unique_id, error, version)


def _cause(error: OCPPError) -> str:
    return str((error.details or {}).get("cause") or error.description)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(value: str | None) -> datetime:
    """An OCPP timestamp as aware UTC; now when absent, unreadable or implausible (the intake's
    window: a charger clock far behind or ahead of ours is not used)."""
    now = datetime.now(UTC)
    if value:
        try:
            parsed = datetime.fromisoformat(value)
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except (ValueError, OverflowError):  # unreadable, or beyond what UTC can represent
            return now
        return now if implausible_time(parsed, now) else parsed
    return now
