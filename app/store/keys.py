"""API keys: ``cm_<prefix>_<secret>``; the database keeps the prefix and SHA-256 of the secret.

The secret is 32 random bytes, so a fast hash is enough (no password stretching needed) and
the comparison is constant-time. A key is shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.store.models import ApiKey, utcnow

ROLES = ("csms", "technician", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, role and name (never the secret)."""

    key_id: int
    role: str
    name: str

    @property
    def source(self) -> str:
        """Namespace of the caller's event ids (idempotency is per caller)."""
        return f"key:{self.key_id}"


def create_key(session: Session, *, role: str, name: str = "") -> tuple[ApiKey, str]:
    """A new key row and the full key text (returned only here, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(prefix=prefix, secret_hash=_hash(secret), role=role, name=name)
    session.add(row)
    session.flush()
    return row, f"cm_{prefix}_{secret}"


def authenticate(session: Session, *, key: str, now: datetime | None = None) -> Principal | None:
    """The principal for ``key``, or ``None`` if it is malformed, unknown or revoked."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cm" or not parts[1] or not parts[2]:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _hash(parts[2])):
        return None
    return Principal(row.id, row.role, row.name)


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.id)).all())


def revoke_key(session: Session, *, key_id: int) -> bool:
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    return True


def active_key_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))).one()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
