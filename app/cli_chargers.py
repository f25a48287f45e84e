"""``chargemedic chargers …`` — register chargers for the OCPP gateway (Basic-auth passwords)."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.console import Console

from app.chargers.credentials import MAX_PASSWORD, CredentialError, register_charger, validate_identity
from app.cli_keys import _engine
from app.settings import Settings

chargers = typer.Typer(help="Register chargers that connect to the OCPP gateway (passwords stored hashed).")
console = Console(stderr=True)


@chargers.command("add")
def add(
    charger_id: Annotated[
        str,
        typer.Argument(
            help="Charge point identity (the last part of its OCPP URL, percent-decoded): "
            "at most 48 characters, no ':' or '/'."
        ),
    ],
    password: Annotated[
        str | None,
        typer.Option(help="16–40 characters; omit to generate one (printed once on stdout)."),
    ] = None,
    site: Annotated[str | None, typer.Option(help="Site id (blast-radius and reporting scope).")] = None,
    vendor: Annotated[str | None, typer.Option(help="Manufacturer, until its BootNotification says.")] = None,
    model: Annotated[str | None, typer.Option(help="Model, until its BootNotification says.")] = None,
) -> None:
    """Register (or update) a charger and its OCPP password."""
    generated = password is None
    password = password or secrets.token_urlsafe(30)[:MAX_PASSWORD]
    try:
        validate_identity(charger_id)  # before the database is opened (or created)
        created = register_charger(
            _engine(Settings()),
            charger_id=charger_id,
            password=password,
            site_id=site,
            vendor=vendor,
            model=model,
        )
    except CredentialError as exc:
        hint = "CHARGER_ID" if exc.field == "charger_id" else "--password"
        raise typer.BadParameter(str(exc), param_hint=hint) from exc
    console.print(f"{'Registered' if created else 'Updated'} charger {charger_id}.")
    if generated:
        console.print("Its OCPP Basic-auth password (store it now; it is not shown again):")
        typer.echo(password)
