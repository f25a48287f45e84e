"""Bounds every value from the wire must respect before it reaches the database.

OCPP integers are 32-bit; a time must stay representable once converted to UTC; no text may
hold a NUL character (PostgreSQL refuses it) or a lone surrogate; JSON nests at most
:data:`MAX_JSON_DEPTH` levels; numbers are finite. Values outside these bounds are a 422, not a 500.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
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
