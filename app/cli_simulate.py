"""``chargemedic simulate`` — simulated OCPP charge points that follow a scenario."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from app.settings import Settings
from app.simulator.scenario import Scenario

console = Console(stderr=True)


def simulate(
    scenario: Annotated[
        str, typer.Argument(help="Scenario YAML file, or the name of a bundled scenario (demo).")
    ] = "demo",
    url: Annotated[
        str | None,
        typer.Option(
            help="Gateway base URL; each charger connects to URL/<id>. Default: the scenario's url, "
            "else ws://CHARGEMEDIC_OCPP_HOST:CHARGEMEDIC_OCPP_PORT/ocpp."
        ),
    ] = None,
    time_scale: Annotated[
        float, typer.Option(min=0.001, help="Multiply every scenario time (0.1 runs ten times faster).")
    ] = 1.0,
    register: Annotated[
        bool,
        typer.Option(help="Register each charger and its password in the database before connecting."),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the final summary.")] = False,
) -> None:
    """Run simulated OCPP 1.6J / 2.0.1 charge points against the gateway.

    They boot, report faults and sessions on a timeline, and answer commands like firmware.

    Exits 1 if the gateway refused a charger, 2 if the scenario is invalid.
    """
    from app.simulator.firmware import silent
    from app.simulator.runner import ScenarioRun
    from app.simulator.scenario import ScenarioError, load_scenario, scale

    settings = Settings()
    try:
        loaded = scale(load_scenario(scenario), time_scale)
    except (ScenarioError, FileNotFoundError) as error:
        console.print(f"[red]{error}[/]", highlight=False)
        raise typer.Exit(2) from None
    target = url or loaded.url or gateway_url(settings)
    if register:
        from app.store.db import make_engine, upgrade

        engine = make_engine(settings.database)
        upgrade(engine)
        register_chargers(engine, loaded)
        console.print(
            f"Registered {len(loaded.chargers)} charger(s) in {settings.database}.", highlight=False
        )
    console.print(
        f"Simulating {len(loaded.chargers)} charger(s) against {target}: the {loaded.duration:g} s timeline "
        "starts once every charger is connected.",
        highlight=False,
    )
    run = ScenarioRun(loaded, target, reporter=silent if quiet else _printer())
    try:
        summary = asyncio.run(run.run())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    for charger in summary:
        typer.echo(charger.line())
    if any(charger.refused for charger in summary):
        raise typer.Exit(1)


def gateway_url(settings: Settings) -> str:
    """The gateway's base URL from the settings; a wildcard bind address means this machine."""
    host = settings.ocpp_host
    host = "127.0.0.1" if host in {"", "0.0.0.0"} else "[::1]" if host == "::" else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"ws://{host}:{settings.ocpp_port}/ocpp"


def register_chargers(engine: Engine, scenario: Scenario) -> None:
    """Store each charger with its password (hashed), site, vendor and model for the gateway."""
    from app.chargers.credentials import register_charger

    for spec in scenario.chargers:
        register_charger(
            engine,
            charger_id=spec.id,
            password=spec.password,
            site_id=spec.site,
            vendor=spec.vendor,
            model=spec.model,
            actor="simulator",
        )


def _printer():
    """A reporter printing ``seconds  charger  what happened`` lines on stdout."""
    started = time.monotonic()

    def report(charger_id: str, line: str) -> None:
        typer.echo(f"{time.monotonic() - started:6.1f}s  {charger_id:<16} {line}")

    return report
