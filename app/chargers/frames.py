"""Reading a charger's OCPP-J frames strictly, before any handler sees them.

``ocpp`` parses frames with a plain ``json.loads`` and trusts their shape: a number of more than
4,300 digits or a frame nested a thousand levels deep raises something that is not an OCPP error
and ends the connection; ``NaN`` and ``1e999`` become floats PostgreSQL cannot store; a message id
or action of the wrong type reaches the router. :func:`read_frame` turns every such frame into the
version's OCPP error (answered as a CallError), and holds a call's payload to what OCPP-J allows:
32-bit integers, text without NUL characters, and a nesting no OCPP message comes near.
:func:`unhandled_action` is the error for a call no handler takes.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ocpp.exceptions import (
    FormationViolationError,
    FormatViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, CallError, CallResult
from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

MAX_DEPTH = 16
"""Deepest nesting of objects and arrays in a payload (OCPP's deepest messages need about 6)."""
MAX_ID_LENGTH = 36
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Frame = Call | CallResult | CallError
ACTIONS = {
    "1.6": frozenset(a.value for a in Action16),
    "2.0.1": frozenset(a.value for a in Action201),
}
"""Every action of each version, in either direction (the names of its official JSON schemas)."""


class MessageTypeNotSupportedError(OCPPError):
    """OCPP 2.0.1: the MessageTypeId is not one this endpoint knows."""

    code = "MessageTypeNotSupported"


class UnknownActionError(OCPPError):
    """OCPP-J (1.6 §4.2.3, 2.0.1 Part 4 §4.3): the requested action is not known by the receiver."""

    code = "NotImplemented"


class UnsupportedActionError(OCPPError):
    """OCPP-J: the requested action is recognised but not supported by the receiver."""

    code = "NotSupported"


class RpcFrameworkError(OCPPError):
    """OCPP 2.0.1: the frame is not a valid RPC message (e.g. its message id cannot be read)."""

    code = "RpcFrameworkError"


def read_frame(raw: Any, version: str) -> Frame:
    """The frame as a :class:`Call`, :class:`CallResult` or :class:`CallError`, or the
    :class:`~ocpp.exceptions.OCPPError` a charger is to be answered with for it."""
    data = _parse(raw, version)
    if not isinstance(data, list):
        raise ProtocolError(details={"cause": "an OCPP-J message is a JSON array"})
    if not data:
        raise ProtocolError(details={"cause": "the message has no MessageTypeId"})
    kind = data[0]
    if type(kind) is not int or kind not in _SIZES:
        cls = MessageTypeNotSupportedError if version != "1.6" else PropertyConstraintViolationError
        raise cls(details={"cause": f"MessageTypeId {str(kind)[:20]!r} is not 2, 3 or 4"})
    if len(data) not in _SIZES[kind]:
        raise ProtocolError(details={"cause": f"a message of type {kind} has {max(_SIZES[kind])} elements"})
    if not isinstance(data[1], str) or not 0 < len(data[1]) <= MAX_ID_LENGTH:
        raise _rpc_error(version, f"the message id must be text of 1 to {MAX_ID_LENGTH} characters")
    return _BUILD[kind](data, version)


def unhandled_action(action: str, version: str) -> OCPPError:
    """The error for a call of ``action`` that no handler takes: ``NotSupported`` when the version
    defines the action (e.g. a central-system-to-charger command sent by a charger),
    ``NotImplemented`` when it does not. (``ocpp`` answers the other way round, so its error is
    never let through.) An unknown name is not echoed back."""
    if action in ACTIONS[version]:
        return UnsupportedActionError(
            description=f"{action} is an OCPP {version} action this central system does not accept"
        )
    return UnknownActionError(description=f"the action is not one OCPP {version} defines")


def _parse(raw: Any, version: str) -> Any:
    if not isinstance(raw, str):
        raise format_error(version, "OCPP-J messages are text frames")
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise format_error(version, "the message is nested too deeply") from None
    except ValueError as exc:  # not JSON, NaN/Infinity, or an integer of thousands of digits
        raise format_error(version, f"the message is not valid JSON: {str(exc)[:120]}") from None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def _call(data: list, version: str) -> Call:
    _, unique_id, action, payload = data
    if not isinstance(action, str) or not action:
        raise _rpc_error(version, "the action must be text")
    if not isinstance(payload, dict):
        raise format_error(version, f"the payload of {action[:40]} must be a JSON object")
    check_payload(payload, version)
    return Call(unique_id, action, payload)


def _result(data: list, version: str) -> CallResult:
    _, unique_id, payload = data
    if not isinstance(payload, dict):
        raise format_error(version, "a CallResult's payload must be a JSON object")
    return CallResult(unique_id, payload)


def _error(data: list, version: str) -> CallError:
    """A CallError; a code OCPP does not define is kept in the description as a GenericError."""
    unique_id, code, description, *rest = data[1:]
    details = rest[0] if rest and isinstance(rest[0], dict) else {}
    code, description = str(code)[:50], str(description)[:255]
    if code not in {cls.code for cls in OCPPError.__subclasses__()}:
        code, description = "GenericError", f"[{code}] {description}"[:255]
    return CallError(unique_id, code, description, details)


_SIZES = {2: (4,), 3: (3,), 4: (4, 5)}
_BUILD = {2: _call, 3: _result, 4: _error}


def check_payload(payload: dict, version: str) -> None:
    """Refuse a payload nested deeper than :data:`MAX_DEPTH`, holding text no database can store
    (a NUL character, or a lone surrogate such as ``"\\ud800"``, in a key or a value) or an
    integer beyond 32 bits — without recursion, whatever its shape."""
    stack: list[tuple[Any, int, str]] = [(payload, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise format_error(version, f"{path or 'payload'}: nested more than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and not _storable(key):
                    raise format_error(version, f"{path or 'payload'}: a key holds a NUL or a lone surrogate")
                stack.append((item, depth + 1, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, str) and not _storable(value):
            raise format_error(version, f"{path}: text must not hold a NUL character or a lone surrogate")
        elif type(value) is int and not INT32_MIN <= value <= INT32_MAX:
            raise TypeConstraintViolationError(
                description=f"{path}: {str(value)[:30]} is not a 32-bit integer"[:255]
            )


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def format_error(version: str, description: str) -> OCPPError:
    """The version's error for a message whose form is wrong (1.6 spells it FormationViolation)."""
    cls = FormationViolationError if version == "1.6" else FormatViolationError
    return cls(description=description[:255])


def _rpc_error(version: str, description: str) -> OCPPError:
    return (
        format_error(version, description) if version == "1.6" else RpcFrameworkError(description=description)
    )
