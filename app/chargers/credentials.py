"""Charger credentials for the OCPP gateway: HTTP Basic passwords (security profiles 1 and 2).

Only an scrypt hash is stored (``scrypt$n$r$p$salt$hash``, hex); comparisons are constant-time.
OCPP 1.6 security whitepaper and 2.0.1 A00: the Basic username is the charge point identity and
the password is 16–40 characters; shorter ones are refused when registering.

The charge point identity (the charger id) is held to what OCPP allows (:func:`validate_identity`):
at most 48 characters (1.6 CiString48, 2.0.1 Part 4 ``identifierString`` of at most 48), no ``:``
(2.0.1 Part 4 forbids it: the Basic-auth user-id cannot hold one, RFC 7617). Characters that need
percent-encoding in the URL are allowed (OCPP-J 1.6's own example is ``RDAM 123``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import Engine

from app.store import queries
from app.store.db import session_scope
from app.store.models import Charger

_N, _R, _P = 2**12, 8, 1
MIN_PASSWORD, MAX_PASSWORD = 16, 40
MAX_IDENTITY = 48


class CredentialError(ValueError):
    """A charger id or password that cannot be registered; ``field`` names which
    (``charger_id`` or ``password``), and the message starts with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (a :func:`hash_password` result); False if unset."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def validate_password(password: str) -> str:
    """``password`` if it is 16–40 printable characters (OCPP's rule), else :class:`CredentialError`."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or not password.isprintable():
        raise CredentialError(
            "password",
            f"a charger password must be {MIN_PASSWORD}–{MAX_PASSWORD} printable characters "
            f"(got {len(password)})",
        )
    return password


def validate_identity(charger_id: str) -> str:
    """``charger_id`` if OCPP allows it as a charge point identity (see the module docstring),
    else :class:`CredentialError` saying why. It must also be one segment of the charger's URL
    (no ``/``), printable, and not start or end with whitespace (invisible in every listing)."""
    if len(charger_id) > MAX_IDENTITY:
        problem = f"an OCPP identity is at most {MAX_IDENTITY} characters; got {len(charger_id)}"
        raise CredentialError("charger_id", problem)
    problem = None
    if not charger_id:
        problem = "must not be empty"
    elif ":" in charger_id:
        problem = "must not contain ':' (it separates the user from the password in HTTP Basic auth)"
    elif "/" in charger_id:
        problem = "must not contain '/' (the identity is one segment of the charger's URL)"
    elif not charger_id.isprintable():
        problem = "must be printable characters only (no tabs, line breaks or other control characters)"
    elif charger_id != charger_id.strip():
        problem = "must not start or end with whitespace"
    if problem:
        raise CredentialError("charger_id", f"{problem}; got {charger_id!r}")
    return charger_id


def register_charger(
    engine: Engine,
    *,
    charger_id: str,
    password: str,
    site_id: str | None = None,
    vendor: str | None = None,
    model: str | None = None,
    actor: str = "cli",
) -> bool:
    """Create the charger (or update it) with ``password`` for the gateway; True if it was new.
    Fields left ``None`` keep their stored value. :class:`CredentialError` for an identity or a
    password OCPP does not allow."""
    validate_identity(charger_id)
    hashed = hash_password(validate_password(password))
    with session_scope(engine) as session:
        row = session.get(Charger, charger_id)
        created = row is None
        row = row or Charger(id=charger_id)
        row.password_hash = hashed
        for name, value in (("site_id", site_id), ("vendor", vendor), ("model", model)):
            if value is not None:
                setattr(row, name, value)
        session.add(row)
        kind = "charger.registered" if created else "charger.credentials_changed"
        queries.audit(session, actor=actor, kind=kind, charger_id=charger_id, detail={"site_id": row.site_id})
    return created
