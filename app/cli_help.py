"""Help screens that show a flag as a flag.

Typer ≥ 0.28 prints a value type beside every option in its rich help, flags included
(``--json <bool>``, even ``--help <bool>``), as if a flag took a value. The flags are declared as
flags (``--json``, ``--rebuild/--no-rebuild``) and parse as flags; only their help is wrong.
:func:`flags_without_type` gives every command and group of an app a class that leaves a flag's
type column empty, as Typer did before and as click's plain help does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption


def _untyped(params: Iterable[Any]) -> list[Any]:
    """``params``, each flag given an empty metavar: the rich help shows the metavar as its type."""
    params = list(params)
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class FlagCommand(TyperCommand):
    """A command whose help shows no type beside its flags."""

    def get_params(self, ctx: typer.Context) -> list[Any]:
        return _untyped(super().get_params(ctx))


class FlagGroup(TyperGroup):
    """A group (``chargemedic``, ``chargemedic keys``) whose help shows no type beside its flags."""

    def get_params(self, ctx: typer.Context) -> list[Any]:
        return _untyped(super().get_params(ctx))


def flags_without_type(app: typer.Typer) -> typer.Typer:
    """Give ``app``, its commands and its sub-apps (recursively) the classes above where they
    have Typer's own; call it once every command is registered. Returns ``app``."""
    if not app.info.cls or app.info.cls is TyperGroup:
        app.info.cls = FlagGroup
    for command in app.registered_commands:
        if command.cls is None or command.cls is TyperCommand:
            command.cls = FlagCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            flags_without_type(group.typer_instance)
    return app
