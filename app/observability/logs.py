"""Structured logs: JSON lines (text on a terminal), correlation ids from the context, secrets redacted.

* **Format** (``log_format``): ``json`` writes ``{"time", "level", "logger", "message",
  "exception"?, "stack"?, <correlation ids>}`` per line; ``text`` is for a human at a terminal;
  ``auto`` (the default) is ``text`` when the log stream is a terminal, ``json`` otherwise (a
  file, a pipe, a container's log collector) — see :func:`chosen_format`.
* **Correlation**: :func:`bound` sets ``request_id``, ``event_id``, ``fault_id``, ``charger_id``
  and ``attempt_id`` for the code it wraps; every record carries the ids bound where it was
  logged. They are contextvars: they follow ``await``, tasks, ``asyncio.to_thread`` and
  ``asyncio.run_coroutine_threadsafe`` (``call_soon_threadsafe`` copies the calling thread's
  context), not a hand-off through a plain thread or a queue — take a :func:`correlation`
  snapshot with the work and bind it again with ``bound(**ids)`` on the other side.
* **Secrets**: :class:`Redactor`, a filter on the handler, rewrites every record's message,
  arguments, exception and stack text, and its correlation ids (a client picks its request id):
  API keys (``cm_<prefix>_<secret>`` keeps its public prefix), ``Bearer``/``Basic``
  credentials, passwords in URLs, and the configured secrets (:func:`configured_secrets`). A
  secret shorter than :data:`MIN_SECRET` characters is not matched literally (it would mask
  ordinary words).

:func:`logging_config` is the ``dictConfig`` that ``chargemedic serve`` applies and hands to
uvicorn, so every worker process and uvicorn's own and access loggers write through it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.config
import re
import sys
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import make_url

from app.settings import Settings

CORRELATION_FIELDS = ("request_id", "event_id", "fault_id", "charger_id", "attempt_id")
MASK = "***"
MIN_SECRET = 4
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_ids: ContextVar[dict[str, Any] | None] = ContextVar("chargemedic_correlation", default=None)


# ---- correlation ---------------------------------------------------------------------------------
def correlation() -> dict[str, Any]:
    """The ids bound here (a copy): what a record logged now would carry."""
    return dict(_ids.get() or {})


def bind(**ids: Any) -> Token:
    """Add ``ids`` (``None`` values are skipped) to the current context; undo with :func:`unbind`.
    Prefer :func:`bound`; this pair is for code that must keep ids bound past an exception."""
    unknown = set(ids) - set(CORRELATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown correlation fields {sorted(unknown)}; known: {CORRELATION_FIELDS}")
    return _ids.set(correlation() | {key: value for key, value in ids.items() if value is not None})


def unbind(token: Token) -> None:
    _ids.reset(token)


@contextlib.contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Bind correlation ids for the code inside (nests; inner values win)."""
    token = bind(**ids)
    try:
        yield
    finally:
        unbind(token)


class Correlate(logging.Filter):
    """Stamps each record with the correlation ids bound where it was logged (``record.correlation``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation"):
            record.correlation = correlation()
        return True


# ---- redaction -----------------------------------------------------------------------------------
_API_KEY = re.compile(r"\bcm_([0-9a-f]{1,32})_[A-Za-z0-9_\-]+")
_CREDENTIALS = re.compile(r"\b(Bearer|Basic|bearer|basic|BEARER|BASIC)(\s+)([A-Za-z0-9._~+/\-]{4,}=*)")
_PLAIN_WORD = re.compile(r"[A-Z]?[a-z]+")
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)[^/\s@]+@")
_FORMATTER = logging.Formatter()


class Redactor(logging.Filter):
    """Removes secrets from every record it sees (see the module docstring); never drops one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        literal = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._literal = re.compile("|".join(map(re.escape, literal))) if literal else None

    def redact(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(MASK, text)
        text = _CREDENTIALS.sub(_masked_credentials, text)
        text = _API_KEY.sub(rf"cm_\1_{MASK}", text)
        return _URL_PASSWORD.sub(rf"\1{MASK}@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break the caller; keep what can be shown
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if ids := getattr(record, "correlation", None):
            record.correlation = {k: self.redact(v) if isinstance(v, str) else v for k, v in ids.items()}
        if record.exc_info:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _masked_credentials(match: re.Match) -> str:
    scheme, space, token = match.groups()
    return match.group(0) if _PLAIN_WORD.fullmatch(token) else f"{scheme}{space}{MASK}"


def configured_secrets(settings: Settings) -> list[str]:
    """The configured secret values: the LLM key, both webhook secrets and the database password
    (as written and URL-encoded)."""
    values = [
        secret.get_secret_value()
        for secret in (settings.llm_api_key, settings.csms_webhook_secret, settings.escalation_webhook_secret)
        if secret is not None
    ]
    try:
        password = make_url(settings.database).password
    except Exception:  # an unparsable URL fails at start-up anyway; its text is masked by pattern
        password = None
    if password:
        values += [str(password), quote(str(password), safe=""), quote_plus(str(password))]
    return values


# ---- formatting ----------------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= getattr(record, "correlation", None) or {}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message [ids]`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(ids)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = getattr(record, "correlation", None) or {}
        record.ids = " [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]" if ids else ""
        return super().format(record)


_FORMATTERS = {"json": f"{__name__}.JsonFormatter", "text": f"{__name__}.TextFormatter"}
_STREAMS = {"ext://sys.stderr": lambda: sys.stderr, "ext://sys.stdout": lambda: sys.stdout}


def chosen_format(log_format: str, stream: Any) -> str:
    """``json`` or ``text``: the setting, or for ``auto`` ``text`` when ``stream`` (an object or
    ``ext://sys.stderr``/``ext://sys.stdout``) is a terminal and ``json`` otherwise."""
    if log_format != "auto":
        return log_format
    target = _STREAMS[stream]() if isinstance(stream, str) else stream
    isatty = getattr(target, "isatty", None)
    try:
        return "text" if isatty is not None and isatty() else "json"
    except ValueError:  # a closed stream: nothing will be read from it by a person
        return "json"


def logging_config(settings: Settings, *, stream: Any = "ext://sys.stderr") -> dict[str, Any]:
    """The ``logging.config.dictConfig`` for the service: one handler on the root logger (format
    ``log_format`` — ``auto`` decided here, by ``stream`` — level ``log_level``, correlated and
    redacted), which uvicorn's loggers propagate to. Plain data (names, not objects) unless
    ``stream`` is an object, so uvicorn can hand it to its worker processes (they write to the
    same stream, so the format decided here holds for them)."""
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "correlate": {"()": f"{__name__}.Correlate"},
            "redact": {"()": f"{__name__}.Redactor", "secrets": configured_secrets(settings)},
        },
        "formatters": {"main": {"()": _FORMATTERS[chosen_format(settings.log_format, stream)]}},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "stream": stream,
                "formatter": "main",
                "filters": ["correlate", "redact"],
            }
        },
        "root": {"level": level, "handlers": ["main"]},
        "loggers": {name: {"level": level, "handlers": [], "propagate": True} for name in UVICORN_LOGGERS},
    }


def configure_logging(settings: Settings) -> None:
    """Apply :func:`logging_config` to this process."""
    logging.config.dictConfig(logging_config(settings))
