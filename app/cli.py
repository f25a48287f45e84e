"""The ``chargemedic`` command line: ingest manuals, search them, serve the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.cli_ask import ask
from app.cli_chargers import chargers
from app.cli_codes import codes
from app.cli_eval import evaluate_cases
from app.cli_help import flags_without_type
from app.cli_keys import keys
from app.cli_simulate import simulate
from app.settings import Settings, settings_table

cli = typer.Typer(
    help="chargemedic — AI-assisted diagnostics for EV charging networks.\n\n"
    "Ingest manufacturers' manuals and error-code tables, search them with citations, "
    "and serve the diagnostics API.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console(stderr=True)


def _settings(store: Path | None = None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"data_dir": store}) if store else settings


@cli.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Corpus folders or files. Default: CHARGEMEDIC_CORPUS_DIRS.")
    ] = None,
    store: Annotated[
        Path | None, typer.Option(help="Data folder holding the store (overrides CHARGEMEDIC_DATA_DIR).")
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Empty the store first and embed everything again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any file failed.")] = False,
) -> None:
    """Add new and changed documents to the knowledge store; remove deleted ones.

    Unchanged files are skipped without embedding. Exits non-zero only when nothing could be
    ingested (or, with --strict, when any file failed).
    """
    from app.knowledge import embed_function, ingest_options, open_store
    from app.progress import ingest_progress
    from ingest.runner import ingest as run_ingest

    settings = _settings(store)
    roots = paths or settings.corpus_dirs
    with ingest_progress(console, enabled=not as_json) as progress:
        report = run_ingest(
            roots,
            open_store(settings),
            embed_function(settings),
            ingest_options(settings, rebuild=rebuild),
            progress,
        )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        from app.progress import print_report

        print_report(console, report)
        _print_coverage(report.coverage)
    if report.nothing_ingested or (strict and report.failed):
        raise typer.Exit(1)


def _print_coverage(coverage: dict[str, dict]) -> None:
    """Per document read: codes found and how many have a title, remedy, remote step, safety flag."""
    for source, c in sorted(coverage.items()):
        if c["codes"] or c["unread"]:
            console.print(
                f"  {source}: {c['codes']} codes, title {c['with_title']}, remedy {c['with_remedy']}, "
                f"remote step {c['with_remote_step']}, safety flag {c['with_safety_flag']}"
                + (f", {len(c['unread'])} unread" if c["unread"] else "")
            )
            for line in c["unread"][:5]:
                console.print(f"    unread: {line}", markup=False)


@cli.command()
def search(
    query: Annotated[str, typer.Argument(help="Question or symptom, in plain words.")],
    vendor: Annotated[
        str | None, typer.Option(help="Charger vendor as it reports itself, or a corpus vendor id.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Charger model as it reports itself, or a corpus model id.")
    ] = None,
    code: Annotated[
        list[str] | None, typer.Option("--code", "-c", help="Error code(s) the charger sent; repeatable.")
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Number of passages.")] = 5,
    store: Annotated[Path | None, typer.Option(help="Data folder holding the store.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print passages as JSON.")] = False,
) -> None:
    """Search the knowledge store; prints passages with their citations."""
    from app.knowledge import build_searcher

    searcher = build_searcher(_settings(store))
    passages = searcher.search(query, vendor=vendor, model=model, codes=tuple(code or ()), k=k)
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in passages], indent=2, ensure_ascii=False))
        return
    from app.progress import print_passages

    print_passages(Console(), passages)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (overrides CHARGEMEDIC_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (overrides CHARGEMEDIC_PORT).")] = None,
) -> None:
    """Serve the HTTP API (event intake, faults, chargers, knowledge search) and queue workers."""
    import uvicorn

    from app.api.limits import uvicorn_options
    from app.cli_keys import bootstrap_admin_key
    from app.main import create_app
    from app.observability.exporter import share_between_processes
    from app.observability.logs import configure_logging, logging_config

    settings = _settings()
    configure_logging(settings)
    if key := bootstrap_admin_key(settings):
        console.print(
            "[bold yellow]No API key existed, so an admin key was created. It is shown only now:[/]\n"
            f"    {key}\n"
            "Use it as 'Authorization: Bearer <key>'; create narrower keys with "
            "`chargemedic keys create --role csms|technician`."
        )
    console.print(
        f"[bold]chargemedic[/] serving on http://{host or settings.host}:{port or settings.port} "
        f"with {settings.processes} process(es) of {settings.workers} queue worker(s), reasoner "
        f"{settings.reasoner}, executor {settings.executor}."
    )
    if settings.gateway:
        scheme = "wss" if settings.ocpp_tls_cert else "ws"
        console.print(
            f"OCPP gateway: {scheme}://{settings.ocpp_host}:{settings.ocpp_port}/ocpp/{{charger_id}} "
            "(register chargers with `chargemedic chargers add`)."
        )
    from app.knowledge import embed_function

    embed_function(settings)(["warm-up"])  # load the model now, not on the first fault
    where = {"host": host or settings.host, "port": port or settings.port, "log_level": settings.log_level}
    where["log_config"] = logging_config(settings)  # applied here and in each worker process
    where |= uvicorn_options(settings)  # header size, keep-alive and concurrency bounds
    if settings.processes == 1:
        uvicorn.run(create_app(settings), **where)
    else:  # each process builds its app from the same environment; their metrics are summed
        share_between_processes(settings)
        uvicorn.run("app.main:create_app", factory=True, workers=settings.processes, **where)


@cli.command("settings")
def show_settings(
    markdown: Annotated[bool, typer.Option(help="Print the README configuration table.")] = False,
) -> None:
    """Show the effective configuration (or the documented table with --markdown)."""
    if markdown:
        typer.echo(settings_table())
        return
    typer.echo(Settings().model_dump_json(indent=2))


cli.add_typer(keys, name="keys")
cli.add_typer(chargers, name="chargers")
cli.command()(simulate)
cli.command()(ask)
cli.command()(codes)
cli.command("eval")(evaluate_cases)
flags_without_type(cli)


def main() -> None:
    cli(prog_name="chargemedic")


if __name__ == "__main__":
    sys.exit(main())
