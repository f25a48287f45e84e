"""JSON request bodies: read strictly, and judged only once the caller is known.

FastAPI parses a JSON body before it resolves a route's dependencies, so a caller without a key
learnt whether its body parsed (422) before being told it had no key (401); a body nested a
thousand levels deep, or one that is not UTF-8, got a 400 "There was an error parsing the body"
that said neither what nor where; and one nested a few hundred levels deep was parsed, then
crashed serialisation (500).

Routes with a body use :class:`JsonRoute`. Its requests read the body with :func:`read_json`,
which refuses (:class:`BodyProblem`, naming the line and column, or the field): text that is not
UTF-8, a JSON syntax error, ``NaN``/``Infinity``, numbers beyond a float's range, integers of
more digits than Python converts (4,300), nesting deeper than
:data:`~app.intake.limits.MAX_JSON_DEPTH`, and text no database can store. A refused body does
not stop the request there: its problem is kept in the request's state and FastAPI is handed a
plain JSON string instead, which no body model accepts (FastAPI validates bodies "from
attributes": an object carrying the problem would pass for a model whose fields all have
defaults). So FastAPI resolves the route's dependencies first — a missing or wrong key is
answered 401, a wrong role 403 — and only then fails validation, which :mod:`app.api.errors`
answers with the body's problem (422). A route whose body is a bare ``str`` would take that
string: there is none (``tests/test_bodies.py``).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.intake.limits import MAX_JSON_DEPTH, TOO_DEEP, Loc, first_unstorable

UNREADABLE = "(the body could not be read)"
"""What FastAPI is handed for an unreadable body: a string, which no body model accepts."""
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
"""A JSON string, escapes included."""
_TOKENS = re.compile(_STRING + r"|[\[\]{}]")
"""A JSON string (skipped whole) or a bracket."""
_RISKY_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")
"""How JSON writes a NUL or a surrogate (half of a pair, or a lone one no database stores)."""


class BodyProblem(ValueError):
    """Why a body cannot be read: ``loc`` is the field (below ``body``); ``where`` the line,
    column and character offset (from 0) of a syntax error."""

    def __init__(self, msg: str, type: str, loc: Loc | None = None, where: dict[str, int] | None = None):
        super().__init__(msg)
        self.msg, self.type, self.loc, self.where = msg, type, loc or [], where or {}

    @property
    def error(self) -> dict[str, Any]:
        """The problem as one error of the API's 422 ``detail`` list."""
        return {"loc": ["body", *self.loc], "msg": self.msg, "type": self.type} | self.where


def read_json(raw: bytes) -> Any:
    """The JSON value of ``raw``; raises :class:`BodyProblem` (see the module docstring)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyProblem(f"not UTF-8 text: byte {exc.start} cannot be decoded", "json_invalid") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise _at(text, exc.pos, f"invalid JSON: {exc.msg}", "json_invalid") from None
    except _Refused as exc:
        raise _at(text, _position(text, exc.token), exc.reason, "json_invalid") from None
    except ValueError:  # an integer of more digits than Python converts
        raise _long_integer(text) from None
    except RecursionError:
        raise _at(text, _too_deep(text), TOO_DEEP, "json_too_deep") from None
    escaped = _RISKY_ESCAPE.search(text) is not None
    brackets = text.count("[") + text.count("{")  # fewer cannot nest too deep: no walk needed
    if (escaped or brackets > MAX_JSON_DEPTH) and (found := first_unstorable(value, text=escaped)):
        loc, why = found
        raise BodyProblem(why, "json_too_deep" if why == TOO_DEEP else "value_error", loc)
    return value


class JsonRequest(Request):
    """A request whose JSON body is read by :func:`read_json`; an unreadable one is kept for
    :func:`body_problem` and stands in as :data:`UNREADABLE` (see the module docstring)."""

    async def json(self) -> Any:
        try:
            return read_json(await self.body())
        except BodyProblem as problem:
            self.state.body_problem = problem
            return UNREADABLE


class JsonRoute(APIRoute):
    """An API route whose requests are :class:`JsonRequest` (``APIRouter(route_class=JsonRoute)``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_json(request: Request) -> Response:
            return await handle(JsonRequest(request.scope, request.receive))

        return handle_json


def body_problem(request: Request) -> BodyProblem | None:
    """Why the body of ``request`` could not be read, if it could not (the state is the
    request's scope's: any ``Request`` of the same request sees it)."""
    return getattr(request.state, "body_problem", None)


# ---- parsing -------------------------------------------------------------------------------------
class _Refused(ValueError):
    def __init__(self, token: str, reason: str) -> None:
        super().__init__(reason)
        self.token, self.reason = token, reason


def _no_constant(name: str) -> float:
    raise _Refused(name, f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(text, f"{text[:20]} is beyond the range of a number")
    return value


def _long_integer(text: str) -> BodyProblem:
    limit = sys.get_int_max_str_digits()
    digits = re.search(rf"\d{{{limit + 1},}}", text)
    pos, count = (digits.start(), len(digits.group())) if digits else (0, "too many")
    return _at(text, pos, f"an integer of {count} digits (at most {limit})", "json_invalid")


def _at(text: str, pos: int, msg: str, kind: str) -> BodyProblem:
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    where = {"line": line, "column": column, "position": pos}
    return BodyProblem(f"{msg} at line {line}, column {column} (character {pos})", kind, [], where)


def _position(text: str, token: str) -> int:
    """Where ``token`` (a literal the parser refused) first stands outside a string."""
    for match in re.finditer(f"{_STRING}|{re.escape(token)}", text):
        if not match.group().startswith('"'):
            return match.start()
    return 0


def _too_deep(text: str) -> int:
    """Where the nesting first goes deeper than :data:`MAX_JSON_DEPTH` (strings skipped)."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return 0
