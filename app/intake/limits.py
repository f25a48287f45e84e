"""Bounds every value from the wire must respect before it reaches the database.

OCPP integers are 32-bit; a time must stay representable once converted to UTC; no text may
hold a NUL character (PostgreSQL refuses it). Values outside these bounds are a 422, not a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
UInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""Non-negative, within the 32-bit range (ids, connector and EVSE numbers)."""


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


def unstorable_path(value: object, path: str = "body") -> str | None:
    """The dotted path of the first key or string no database can store — one holding a NUL
    character or a lone surrogate (valid JSON, ``"\\ud800"``, but not UTF-8) — if any."""
    if isinstance(value, str):
        return path if _unstorable(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}.{key}"
        if _unstorable(str(key)):
            return where
        if found := unstorable_path(item, where):
            return found
    return None


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
