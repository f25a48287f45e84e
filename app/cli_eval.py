"""``chargemedic eval``: replay recorded faults through the pipeline and score the decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console(stderr=True, soft_wrap=True)


def evaluate_cases(
    cases: Annotated[list[Path], typer.Argument(help="Case files (JSON Lines, see evals/README.md).")],
    knowledge: Annotated[
        Path | None,
        typer.Option(help="Corpus folder to ingest into a temporary store instead of using the service's."),
    ] = None,
    reasoner: Annotated[
        str | None,
        typer.Option(
            help="playbook (offline, deterministic) or llm (the CHARGEMEDIC_LLM_* settings). "
            "Default: CHARGEMEDIC_REASONER."
        ),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the scores as JSON here.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write a Markdown report here (confusion matrix as an SVG beside it).")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write an HTML report here.")] = None,
    floors: Annotated[
        Path | None,
        typer.Option(
            help="YAML of minimum rates per case file name (its stem; `all` for several files); "
            "llm_answer_rate applies to the LLM reasoner."
        ),
    ] = None,
    floors_key: Annotated[
        str | None,
        typer.Option(
            help="The section of --floors to gate against instead of the file's stem (two `dev.jsonl` "
            "in different folders need different sections); it must exist."
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            help="Data folder of a store already filled by `chargemedic ingest --store` to evaluate "
            "against (a corpus ingested once for several case files), instead of the service's."
        ),
    ] = None,
) -> None:
    """Replay each case on a fresh database through the real pipeline (dry-run executor) and
    score action, escalation, diagnosis, citations, safety and latency.

    With the LLM reasoner, the reports and the summary say first who made the decisions: how many
    the LLM answered, and how many fell back to the playbook and why.

    Exits 1 when any case is unsafe, missed safety (an electrical-safety fault ended neither
    isolated nor escalated) or crashed, a line is not a valid case, a rate is below its
    floor, or the LLM reasoner answered no case at all; 2 when the evaluation cannot run.
    """
    from app.evaluation.report import confusion_svg, html_page, markdown
    from app.evaluation.runner import KnowledgeError, evaluate, load_floors
    from app.settings import Settings

    settings = Settings()
    reasoner = reasoner or settings.reasoner
    if reasoner not in ("playbook", "llm"):
        raise typer.BadParameter("must be playbook or llm", param_hint="--reasoner")
    if store and knowledge:
        raise typer.BadParameter("give --knowledge or --store, not both", param_hint="--store")
    if store:
        settings = settings.model_copy(update={"data_dir": store, "chroma_url": None})
    missing = [str(p) for p in cases if not p.is_file()]
    if missing:
        raise typer.BadParameter(f"no such file: {', '.join(missing)}", param_hint="CASES")
    name = floors_key or (cases[0].stem if len(cases) == 1 else "all")
    try:
        gate_floors = load_floors(floors, name, required=floors_key is not None) if floors else {}
        result = evaluate(cases, settings, knowledge=knowledge, reasoner=reasoner, progress=_progress)
    except (KnowledgeError, ValueError) as exc:
        console.print(f"[red]eval: {exc}[/]")
        raise typer.Exit(2) from None
    totals = result.totals
    title = f"chargemedic eval: {', '.join(p.name for p in cases)} ({reasoner} reasoner)"
    if json_out:
        _write(json_out, json.dumps(totals, indent=2, ensure_ascii=False) + "\n")
    if report:
        svg = report.with_name(report.stem + "-confusion.svg")
        _write(svg, confusion_svg(result.scored))
        _write(report, markdown(title, totals, result.scored, result.unreadable, svg_name=svg.name))
    if html_out:
        _write(html_out, html_page(title, totals, result.scored, result.unreadable))
    for error in result.unreadable:
        console.print(f"[red]{error.where}: not a valid case[/] ({error.id or 'no id'}): {error.reason}")
    _print_totals(totals)
    if failures := result.gate(gate_floors):
        console.print("[bold red]eval gate failed:[/] " + "; ".join(failures))
        raise typer.Exit(1)


def _progress(done: int, total: int, scored) -> None:
    if not scored.passed:
        console.print(f"[yellow]{scored.case.id}[/]: " + "; ".join(scored.failures), highlight=False)


def _print_totals(totals: dict) -> None:
    """Who decided (the headline, coloured by how much the LLM answered), then the scores."""
    block = totals["reasoner"]
    console.print(f"[{_style(totals['llm_answer_rate'])}]{escape(block['headline'])}[/]", highlight=False)
    if "llm_requests" in block:
        tokens, ms = block["tokens"], block["llm_ms_per_case"]
        failed = ", ".join(f"{kind} ×{n}" for kind, n in block["llm_request_errors"].items()) or "none"
        console.print(
            f"LLM: {block['llm_requests']} requests (failed: {failed}); tokens {tokens['prompt']} prompt + "
            f"{tokens['completion']} completion = {tokens['total']}; time per case p50 {ms['p50']} ms, "
            f"p95 {ms['p95']} ms",
            highlight=False,
        )
    passed = sum(1 for case in totals["per_case"] if case["passed"])
    rates = ", ".join(
        f"{key} {totals[key]:.3f}" if totals[key] is not None else f"{key} —"
        for key in ("action_accuracy", "escalation_accuracy", "diagnosis_hit_rate", "citation_hit_rate")
    )
    latency = totals["latency_ms"]
    console.print(
        f"[bold]{passed}/{totals['cases']} cases passed[/]; {rates}; unsafe {totals['unsafe']}, "
        f"missed safety {totals['missed_safety']}, errors {totals['errors']}; "
        f"latency p50 {latency['p50']} ms, p95 {latency['p95']} ms",
        highlight=False,
    )


def _style(answer_rate: float | None) -> str:
    """Red when the LLM answered nothing, yellow when it fell back sometimes, green when never."""
    if answer_rate is None:
        return "bold"
    return "bold red" if answer_rate == 0 else "bold yellow" if answer_rate < 1 else "bold green"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
