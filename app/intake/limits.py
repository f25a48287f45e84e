"""Bounds every value from the wire must respect before it reaches the database.

OCPP integers are 32-bit; a time must stay representable once converted to UTC; no text may
hold a NUL character (PostgreSQL refuses it) or a lone surrogate; JSON nests at most
:data:`MAX_JSON_DEPTH` levels; numbers are finite. Values outside these bounds are a 422, not a 500.

A charger's clock is only trusted within a window around the time its message was received
(:func:`implausible_time`): chargers keep time badly (a real-time clock reset to its epoch, a
firmware's build date, a time zone read as UTC), and an absurd time does lasting harm — a year-9999
report would hold a charger's ``last_seen_at`` for ever, a year-1 report makes time arithmetic
overflow. Outside the window the intake keeps the raw value in the stored payload, reports it as
an issue and uses another time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
UInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""Non-negative, within the 32-bit range (ids, connector and EVSE numbers)."""

MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays in a request body. The deepest event (a NotifyEvent's
EVSE: body → notify_event → eventData → item → component → evse) needs 6; the OCPP gateway allows
16 inside a payload (:mod:`app.chargers.frames`), 17 once wrapped in an event. Serialising is
recursive: far deeper data crashes it (pydantic stops at about 255 levels)."""

CLOCK_AHEAD = timedelta(minutes=15)
"""How far after its receipt a charger's time may lie. A CSMS sets a charger's clock at every
boot and heartbeat, so drift and network delays stay well within minutes; 15 minutes is also
below the smallest time-zone offset (30 minutes), so local time sent as UTC east of Greenwich is
caught. Later than this, the time would move ``last_seen_at`` into the future."""
CLOCK_BEHIND = timedelta(days=30)
"""How long before its receipt a charger's time may lie. A charger that was offline delivers its
queued messages late, with their real times (days, in practice); a time older than a month is
more likely a clock reset to its epoch (1970, 2000) or to the firmware's build date — which
cannot be told apart from it."""


def implausible_time(value: datetime, received_at: datetime) -> str | None:
    """Why ``value`` (aware) cannot be when a message received at ``received_at`` happened —
    more than :data:`CLOCK_AHEAD` after or :data:`CLOCK_BEHIND` before it — or ``None``."""
    if value > received_at + CLOCK_AHEAD:
        return f"more than {CLOCK_AHEAD.seconds // 60} minutes after the message was received"
    if value < received_at - CLOCK_BEHIND:
        return f"more than {CLOCK_BEHIND.days} days before the message was received"
    return None


def wire_text(value: datetime) -> str:
    """``value`` as an ISO 8601 text, UTC as ``Z``, for messages (year 1 and 9999 included)."""
    return value.isoformat().replace("+00:00", "Z")


def _in_utc_range(value: datetime) -> datetime:
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("date and time out of range once converted to UTC") from exc
    return value


def _as_utc(value: datetime) -> datetime:
    value = _in_utc_range(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


WireTime = Annotated[datetime, AfterValidator(_in_utc_range)]
"""A time as sent (a missing offset stays visible to the normaliser), convertible to UTC."""
UtcTime = Annotated[datetime, AfterValidator(_as_utc)]
"""A time normalised to aware UTC (no offset given means UTC)."""
NO_NUL = r"^[^\x00]*$"
"""Pattern for query and path text: anything but NUL."""

TOO_DEEP = f"nested deeper than {MAX_JSON_DEPTH} levels"
Loc = list[str | int]
"""Where a value sits in a JSON document: its keys and list indices from the top."""
_KEY_CHARS = 40
"""Keys longer than this are cut in a :data:`Loc` (a key may be as long as the body)."""


def first_unstorable(value: object, *, text: bool = True) -> tuple[Loc, str] | None:
    """Where in ``value`` (parsed JSON) something lies that cannot be stored, and why: nesting
    deeper than :data:`MAX_JSON_DEPTH`, a key or text no database can store (a NUL character, or a
    lone surrogate — valid JSON, ``"\\ud800"``, but not UTF-8), a number that is not finite.
    ``None`` when there is none. ``text=False`` skips the text checks (for JSON without ``\\u``
    escapes, the only way to write either). Iterative, and allocates only per container: any
    depth and size is safe to check."""
    if not isinstance(value, dict | list):
        return _scalar_problem(value, None, text)
    stack: list[tuple[dict | list, int, _Link]] = [(value, 1, None)]
    while stack:
        container, depth, link = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return _loc(link), TOO_DEEP
        if isinstance(container, dict):
            if text and (key := next((k for k in container if _unstorable(str(k))), None)) is not None:
                return _loc((link, key)), "keys must not contain NUL characters or lone surrogates"
            children = container.items()
        else:
            children = enumerate(container)
        for key, child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, (link, key)))
            elif (text or isinstance(child, float)) and (found := _scalar_problem(child, (link, key), text)):
                return found
    return None


_Link = tuple["_Link", str | int] | None
"""A value's place as a chain of (parent's place, key); a :data:`Loc` is built only when needed."""


def _scalar_problem(value: object, link: _Link, text: bool) -> tuple[Loc, str] | None:
    if text and isinstance(value, str) and _unstorable(value):
        return _loc(link), "text must not contain NUL characters or lone surrogates"
    if isinstance(value, float) and not math.isfinite(value):
        return _loc(link), f"{value} is not a JSON number"
    return None


def _loc(link: _Link) -> Loc:
    loc: Loc = []
    while link is not None:
        link, key = link
        loc.append(_cut(key) if isinstance(key, str) else key)
    return loc[::-1]


def dotted(loc: Loc) -> str:
    """``loc`` as the API writes a field: ``status_notification.info``, ``body`` for the top."""
    return ".".join(str(part) for part in loc) or "body"


def _cut(key: str) -> str:
    return key if len(key) <= _KEY_CHARS else key[: _KEY_CHARS - 1] + "…"


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
