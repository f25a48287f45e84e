"""``chargemedic codes``: the code entries ingest understood, and per-document coverage.

An operator checks here that a new manual was understood (every code, its title, meaning,
causes and steps, which steps are remote) before trusting decisions on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from knowledge.listing import DocumentCoverage, ListedEntry

console = Console(stderr=True)


def codes(
    vendor: Annotated[
        str | None, typer.Option(help="Corpus vendor id, or the vendor name a charger reports.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Corpus model id, or the model name a charger reports.")
    ] = None,
    code: Annotated[str | None, typer.Option(help="A code in any spelling (E-06 finds 6 and E6).")] = None,
    show_coverage: Annotated[
        bool, typer.Option("--coverage", help="Per document: codes read and fields filled.")
    ] = False,
    store: Annotated[Path | None, typer.Option(help="Data folder holding the store.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """List the code entries read from the documents (or, with --coverage, every document with
    the codes read from it and the fields filled); exits 1 when nothing matches."""
    from app.cli import _settings
    from app.knowledge import open_store
    from knowledge.listing import UnknownName, list_entries, select, store_coverage

    knowledge = open_store(_settings(store))
    try:
        selection = select(knowledge.catalog(), vendor=vendor, model=model, code=code)
    except UnknownName as exc:
        raise typer.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
    rows = store_coverage(knowledge, selection) if show_coverage else list_entries(knowledge, selection)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False))
    elif show_coverage:
        Console().print(coverage_table(rows))
    else:
        Console().print(entries_table(rows))
    if not rows:
        console.print("No code entries match." if knowledge.count() else "The knowledge store is empty.")
        raise typer.Exit(1)


def entries_table(listed: list[ListedEntry]) -> Table:
    """One row per entry: code and aliases, what it means, its steps, flags, and where it is from."""
    table = Table(show_lines=True, title=f"{len(listed)} code entries")
    for name in ("code", "title / meaning / causes", "steps", "flags", "source"):
        table.add_column(name, overflow="fold")
    for item in listed:
        entry = item.entry
        code = "\n".join([entry.code, *(f"= {a}" for a in entry.aliases)])
        about = "\n".join(
            part for part in (entry.title, entry.meaning, *(f"cause: {c}" for c in entry.causes)) if part
        )
        steps = "\n".join(
            f"{n}. [{'remote' if s.remote else 'on site'}] {s.text}" for n, s in enumerate(entry.steps, 1)
        )
        cells = (code, about, steps or "—", _flags(item), _cited(item))
        table.add_row(*map(Text, cells))  # document text is shown as written, never as markup
    return table


def coverage_table(documents: list[DocumentCoverage]) -> Table:
    """One row per document: codes read, complete ones, and how many have each field."""
    fields = list(documents[0].filled) if documents else []
    table = Table(title=f"coverage of {len(documents)} documents")
    for name in ("document", "vendor", "type", "layouts", "codes", "title+remedy", *fields, "unread lines"):
        table.add_column(name, overflow="fold")
    for doc in documents:
        named = (doc.source, doc.vendor, doc.doc_type, ", ".join(doc.layouts) or "—")
        counts = (str(doc.codes), str(doc.complete), *(str(doc.filled[f]) for f in fields))
        table.add_row(*map(Text, (*named, *counts, "\n".join(doc.unread) or "—")))
    return table


def _flags(item: ListedEntry) -> str:
    entry = item.entry
    safety = {True: "safety", False: "not safety", None: ""}[entry.safety]
    named = [
        safety,
        f"severity {entry.severity}" if entry.severity else "",
        f"category {entry.category}" if entry.category else "",
        f"responsible {entry.responsible}" if entry.responsible else "",
        f"OCPP {entry.ocpp}" if entry.ocpp else "",
    ]
    return "\n".join(flag for flag in named if flag) or "—"


def _cited(item: ListedEntry) -> str:
    where = item.citation
    models = ", ".join(item.models) or "all models"
    parts = [f"{item.vendor} ({models})", where.source]
    parts += [f"p. {where.page}"] if where.page else []
    parts += [where.section] if where.section else []
    parts += [where.locator] if where.locator else []
    parts.append(f"layout {item.entry.layout.value}")
    return "\n".join(parts)
