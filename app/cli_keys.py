"""``chargemedic keys …`` — create, list and revoke API keys; first-start bootstrap."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from app.settings import Settings
from app.store.db import exclusive, make_engine, session_scope, upgrade
from app.store.keys import ROLES, active_key_count, create_key, list_keys, revoke_key

keys = typer.Typer(help="Manage API keys (stored hashed; a key is shown once, when created).")
console = Console(stderr=True)


def _engine(settings: Settings):
    engine = make_engine(settings.database)
    upgrade(engine)
    return engine


@keys.command("create")
def create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key (shown in listings).")] = "",
) -> None:
    """Create a key and print it once on stdout."""
    if role not in ROLES:
        raise typer.BadParameter(f"must be one of {', '.join(ROLES)}", param_hint="--role")
    with session_scope(_engine(Settings())) as session:
        row, key = create_key(session, role=role, name=name)
    console.print(
        f"Created key {row.id} ({role}{', ' + name if name else ''}). Store it now; it is not shown again:"
    )
    typer.echo(key)


@keys.command("list")
def list_() -> None:
    """List keys (id, role, name, created, revoked) — never the secrets."""
    with session_scope(_engine(Settings())) as session:
        rows = list_keys(session)
    for row in rows:
        revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        typer.echo(f"{row.id}\t{row.role}\t{row.name or '-'}\tcm_{row.prefix}_…\t{revoked}")


@keys.command("revoke")
def revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")]) -> None:
    """Revoke a key; requests with it are refused from now on."""
    with session_scope(_engine(Settings())) as session:
        done = revoke_key(session, key_id=key_id)
    if not done:
        console.print(f"No active key with id {key_id}.")
        raise typer.Exit(1)
    console.print(f"Key {key_id} revoked.")


def bootstrap_admin_key(settings: Settings) -> str | None:
    """With no active key at all, create an admin key and return it (the service never runs open).
    Replicas starting at once on one empty database create one key between them."""
    with session_scope(_engine(settings)) as session:
        exclusive(session.connection(), "chargemedic:bootstrap-key")  # replicas starting together
        if active_key_count(session):
            return None
        return create_key(session, role="admin", name="bootstrap")[1]
