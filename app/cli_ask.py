"""``chargemedic ask``: the technician chat from the terminal (same answers as ``POST /v1/chat``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.settings import Settings

CLI_OWNER = "cli"
"""Conversations started here belong to the terminal: ``--conversation`` continues them."""


def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    charger: Annotated[
        str | None, typer.Option("--charger", help="Charger id: its manuals and its recent records.")
    ] = None,
    vendor: Annotated[
        str | None, typer.Option(help="Charger vendor, when not asking about one charger.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Charger model, with --vendor.")] = None,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Continue this conversation (id printed after an answer)."),
    ] = None,
    store: Annotated[Path | None, typer.Option(help="Data folder holding the store and database.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the answer as JSON (as the API returns it).")
    ] = False,
) -> None:
    """Ask the manuals (and a charger's records) a question; the answer cites its sources.

    Read-only: it never executes, approves or rejects an action.
    """
    from pydantic import ValidationError

    from app.chat.schema import ChatRequest
    from app.chat.service import ChatError, ChatService
    from app.knowledge import build_searcher, embed_function
    from app.store.db import make_engine, upgrade

    settings = Settings() if store is None else Settings(data_dir=store)
    err = Console(stderr=True)
    try:
        request = ChatRequest(
            question=question, charger_id=charger, vendor=vendor, model=model, conversation_id=conversation
        )
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]{problems}[/]", markup=True, highlight=False)
        raise typer.Exit(2) from None
    engine = make_engine(settings.database)
    upgrade(engine)
    searcher = build_searcher(settings)
    service = ChatService.from_settings(
        settings,
        engine=engine,
        search=searcher.search,
        embed=embed_function(settings),
        relatedness=searcher.relatedness,
    )
    try:
        prepared = service.prepare(request, owner=CLI_OWNER)
    except ChatError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(service.answer(prepared).model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    _print_stream(service, prepared, err)


def _print_stream(service, prepared, err: Console) -> None:
    """The answer as it comes (only ever checked text: the service checks an LLM answer before its
    first token), or a note and the manuals' own text when the model's answer failed its check;
    then sources and links."""
    out = Console(highlight=False)
    for name, data in service.events(prepared):
        if name == "start" and data["reasoner"] == "llm":
            err.print("[dim](asking the model: its answer is shown once its citations are checked)[/]")
        elif name == "token":
            out.print(data["text"], end="", markup=False)
        elif name == "replace":
            err.print("[yellow](the model's answer could not be verified; the manuals' own text instead)[/]")
            out.print(data["text"], markup=False)
        elif name == "citations":
            out.print()
            if not data["grounded"]:
                err.print("[yellow]Not found in the manuals.[/]")
            for c in data["citations"]:
                page = f", p. {c['page']}" if c["page"] else ""
                out.print(f"[{c['n']}] {c['title']} ({c['source']}{page})", markup=False)
            for link in data["links"]:
                out.print(f"→ {link['title']}: {link['href']}", markup=False)
            err.print(f"[dim]conversation {data['conversation_id']} (continue with --conversation)[/]")
