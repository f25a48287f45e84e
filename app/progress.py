"""Terminal presentation for the CLI: ingest progress and summary, search results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ingest.runner import IngestReport
from knowledge.schema import Passage


@contextmanager
def ingest_progress(console: Console, *, enabled: bool) -> Iterator:
    """A callback ``(done, total)`` that drives a progress bar (a no-op when disabled)."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("embed", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def print_report(console: Console, report: IngestReport) -> None:
    table = Table(title="ingest summary", show_header=False)
    for label, value in (
        ("files", report.files),
        ("pages", report.pages),
        ("chunks written", report.chunks),
        ("added", report.added),
        ("changed", report.changed),
        ("unchanged (skipped)", report.unchanged),
        ("deleted", report.deleted),
        ("failed", len(report.failed)),
        ("seconds", f"{report.seconds:.2f} (embedding {report.embed_seconds:.2f})"),
    ):
        table.add_row(label, str(value))
    console.print(table)
    for source, reason in report.failed.items():
        console.print(f"[red]failed[/] {source}: {reason}")
    for source, warnings in report.warnings.items():
        for warning in warnings:
            console.print(f"[yellow]warning[/] {source}: {warning}")
    if report.unsupported:
        console.print(f"[dim]ignored {len(report.unsupported)} file(s) of unsupported type[/]")


def print_passages(console: Console, passages: list[Passage]) -> None:
    if not passages:
        console.print("no passages found")
    for n, p in enumerate(passages, start=1):
        console.print(
            f"[bold][{n}][/] {p.citation}  [dim]score {p.score:.4f} via {', '.join(p.retrievers)}[/]"
        )
        console.print(p.text, markup=False, highlight=False)
        console.print()
