"""Signed webhooks, shared by escalation delivery and the CSMS command executor.

A request carries compact JSON and three headers: ``X-Chargemedic-Timestamp`` (unix seconds),
``X-Chargemedic-Signature: sha256=<hex>`` — the HMAC-SHA256, keyed with the shared secret, of
``"<timestamp>." + body`` — and ``Idempotency-Key``, the same on every retry of one message so
the receiver can drop duplicates. Signing the timestamp with the body lets a receiver refuse
replays of an old request (:func:`verify`'s ``max_age``).

Secrets are arguments, never logged and never part of an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

TIMESTAMP_HEADER = "X-Chargemedic-Timestamp"
SIGNATURE_HEADER = "X-Chargemedic-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_BACKOFF_SECONDS = 3600.0
MAX_RETRY_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class Signed:
    """A request ready to send: the exact body bytes and the headers that sign them."""

    body: bytes
    headers: dict[str, str]


def encode(payload: Any) -> bytes:
    """Compact JSON (UTF-8, no spaces); datetimes as ISO 8601."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign(payload: Any, *, secret: str, idempotency_key: str, now: float | None = None) -> Signed:
    """``payload`` as compact JSON with its signature headers, timestamped ``now`` (unix seconds)."""
    body = encode(payload)
    return sign_body(body, secret=secret, idempotency_key=idempotency_key, now=now)


def sign_body(body: bytes, *, secret: str, idempotency_key: str, now: float | None = None) -> Signed:
    """Sign already-encoded ``body`` (a retry re-signs the same bytes with a fresh timestamp)."""
    timestamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    return Signed(body, headers)


def verify(
    body: bytes, headers: Mapping[str, str], *, secret: str, max_age: float = 300.0, now: float | None = None
) -> bool:
    """Whether ``body`` was signed with ``secret`` no more than ``max_age`` seconds from ``now``
    (either way: clocks drift). Compares in constant time; header names are case-insensitive."""
    lowered = {key.lower(): value for key, value in headers.items()}
    stamp, given = lowered.get(TIMESTAMP_HEADER.lower(), ""), lowered.get(SIGNATURE_HEADER.lower(), "")
    if not stamp.isdigit() or not given:
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > max_age:
        return False
    return hmac.compare_digest(given.encode(), signature(secret, int(stamp), body).encode())


def backoff_delay(attempt: int, base: float, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …): ``base · 2^(attempt-1)``,
    at most ``cap``."""
    return min(cap, base * 2 ** max(0, min(attempt - 1, 30)))


def retryable(status: int) -> bool:
    """Whether an HTTP answer means "try again later": 408, 429 and every 5xx."""
    return status in (408, 429) or status >= 500


def retry_after(
    value: str | None, *, now: datetime | None = None, cap: float = MAX_RETRY_AFTER_SECONDS
) -> float | None:
    """The delay a ``Retry-After`` header asks for (seconds or an HTTP date), at most ``cap``;
    ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(cap, float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(cap, max(0.0, (when - (now or datetime.now(UTC))).total_seconds()))


def excerpt(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters (for error messages)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
