"""What every connected charge point's handlers share, whatever its OCPP version.

:class:`StationServices` is built once by the gateway: it records charger messages through the
same intake as ``POST /v1/events`` (stored and committed before the charger gets its answer),
runs database work off the event loop, and audits what has no table of its own.
:class:`StationMixin` gives the version-specific ``ChargePoint`` classes the raw payload of the
call being handled and protocol-correct CallErrors for frames that are not OCPP at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ocpp.exceptions import FormationViolationError, FormatViolationError, InternalError, OCPPError
from ocpp.messages import Call, CallError, unpack
from sqlalchemy import Engine
from sqlmodel import Session

from app.intake.accept import Accepted
from app.intake.envelope import EventIn, PayloadError
from app.intake.writer import IntakeWriter
from app.store import queries
from app.store.db import session_scope

log = logging.getLogger("chargemedic.gateway")
T = TypeVar("T")


class StationServices:
    def __init__(
        self,
        *,
        engine: Engine,
        intake: IntakeWriter,
        heartbeat_seconds: int,
        on_accepted: Callable[[Accepted], None] | None = None,
    ) -> None:
        self.engine = engine
        self.intake = intake
        self.heartbeat_seconds = heartbeat_seconds
        self.on_accepted = on_accepted
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
            raise _format_error(version, f"{field}: the payload must be a JSON object")
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
            raise _format_error(version, str(exc)) from exc
        except ValueError as exc:  # the envelope refused it (e.g. NUL characters)
            raise _format_error(version, str(exc)[:500]) from exc
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


class StationMixin:
    """For ``ChargePoint`` subclasses: keeps the raw (camelCase) payload of the call being handled
    in ``self.raw`` (calls are handled one at a time per connection) and answers frames that
    cannot be parsed with the version's CallError instead of dropping them."""

    services: StationServices
    version: str
    raw: Any = None

    def __init__(self, charger_id: str, connection, services: StationServices, *, response_timeout: float):
        super().__init__(charger_id, connection, response_timeout=response_timeout)
        self.services = services

    async def _record(self, field: str, unique_id: str) -> None:
        """Store the call being handled (its raw payload) through the intake."""
        await self.services.record(
            charger_id=self.id, version=self.version, field=field, payload=self.raw, unique_id=unique_id
        )

    async def route_message(self, raw_msg):
        try:
            unpack(raw_msg)
        except OCPPError as error:
            log.warning("%s sent a malformed frame: %s", self.id, error.details or error.description)
            await self._send(frame_error(raw_msg, error, self._ocpp_version))
            return
        await super().route_message(raw_msg)

    async def _handle_call(self, msg: Call):
        self.raw = msg.payload
        self.services.touch(self.id)
        try:
            return await super()._handle_call(msg)
        except OCPPError:
            raise
        except Exception as exc:  # a bug or the database: a CallError, never a dropped connection
            log.exception("handling %s from %s failed", msg.action, self.id)
            raise InternalError(description=f"{type(exc).__name__}") from exc

    async def _get_specific_response(self, unique_id, timeout):
        self.services.touch(self.id)
        return await super()._get_specific_response(unique_id, timeout)


def frame_error(raw_msg: Any, error: OCPPError, version: str) -> str:
    """A CallError frame for a frame that could not be unpacked (message id ``-1`` if unknown)."""
    unique_id = "-1"
    try:
        parsed = json.loads(raw_msg)
        if isinstance(parsed, list) and len(parsed) > 1 and isinstance(parsed[1], str):
            unique_id = parsed[1][:36]
    except (ValueError, TypeError):
        pass
    code = error.code
    if version == "1.6" and code == "FormatViolation":
        code = "FormationViolation"  # 1.6's (misspelt) name for it
    description = str((error.details or {}).get("cause") or error.description)[:255]
    return CallError(
        unique_id=unique_id, error_code=code, error_description=description, error_details={}
    ).to_json()


def _format_error(version: str, description: str) -> OCPPError:
    cls = FormationViolationError if version == "1.6" else FormatViolationError
    return cls(description=description[:500])


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(value: str | None) -> datetime:
    """An OCPP timestamp as aware UTC; now when absent or unreadable."""
    if value:
        try:
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)
