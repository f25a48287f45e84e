"""`make bench`: every benchmark of the project, in sequence, gathered into one table.

Each benchmark runs alone in its own process (``python -m evals.bench_X --json PATH``), so memory,
caches and threads left by one never weigh on the next, exactly as when it is run on its own; it
still prints and writes its detailed report in ``evals/reports/``. Its measures (see
:mod:`evals.measures`) are collected into

* ``evals/reports/bench.json``: ``{"generated_at", "machine", "benchmarks", "measures"}``;
* ``evals/reports/BENCHMARKS.md``: one table (group | measure | value | target | met) and a link
  to each detailed report.

``--only GROUP`` (repeatable) runs a subset; ``--include PATH.json`` (repeatable) merges measures
another harness wrote (``{"measures": [...]}``, the shape ``--json`` writes, or a bare list).
A benchmark that crashes, or an include that cannot be read, is reported in the table as failed
with its error; the others still run and the exit code is 1. A missed target does not change the
exit code: it is a "no" in the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evals.measures import Measure, read_measures

ROOT = Path(__file__).resolve().parent.parent
REPORTS = Path(__file__).resolve().parent / "reports"
JSON_NAME = "bench.json"
MARKDOWN_NAME = "BENCHMARKS.md"


@dataclass(frozen=True)
class Benchmark:
    group: str
    module: str
    """Run as ``python -m <module> --json PATH``."""
    report: Path
    """Its detailed Markdown report."""
    about: str


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        "knowledge",
        "evals.bench",
        REPORTS / "bench.md",
        "ingest throughput vs raw embedding, re-ingest, search latency, retrieval quality",
    ),
    Benchmark(
        "intake",
        "evals.bench_intake",
        REPORTS / "bench_intake.md",
        "events/s through real HTTP, SIGKILL + restart",
    ),
    Benchmark("agent", "evals.bench_agent", REPORTS / "bench_agent.md", "fault → decision latency"),
    Benchmark(
        "chat",
        "evals.bench_chat",
        REPORTS / "bench_chat.md",
        "offline chat latency and grounding, time to first streamed token",
    ),
    Benchmark(
        "eval",
        "evals.bench_eval",
        REPORTS / "eval-holdout.md",
        "recorded faults replayed: accuracy, safety, latency (dev and holdout)",
    ),
    Benchmark(
        "ocpp",
        "evals.bench_gateway",
        REPORTS / "bench_gateway.md",
        "1,000 simulated chargers on one OCPP gateway",
    ),
)


class BenchmarkFailed(Exception):
    """A benchmark ended without measures; the message says why."""


@dataclass
class Outcome:
    """What one benchmark (or one ``--include`` file) produced."""

    source: str
    """The module run, or the file included."""
    group: str
    report: Path | None
    about: str
    measures: list[Measure] = field(default_factory=list)
    error: str | None = None
    seconds: float | None = None


Runner = Callable[[Benchmark], list[Measure]]
"""Runs one benchmark and returns its measures; raises when it crashed."""


def run_subprocess(benchmark: Benchmark) -> list[Measure]:
    """``python -m <module> --json PATH`` with this interpreter; stdout and stderr pass through.

    The measures file, not the exit code, tells success: a benchmark may exit 1 for a missed
    target (bench_gateway does) after writing its measures.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "measures.json"
        process = subprocess.Popen(
            [sys.executable, "-m", benchmark.module, "--json", str(out)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        tail: deque[str] = deque(maxlen=40)

        def echo() -> None:  # show stderr as it comes and keep its end for the error message
            for line in process.stderr:
                sys.stderr.write(line)
                tail.append(line)

        reader = threading.Thread(target=echo, daemon=True)
        reader.start()
        code = process.wait()
        reader.join(timeout=10)  # a grandchild that kept the pipe open must not hang us
        if not out.exists():
            raise BenchmarkFailed(_error_line(code, list(tail)))
        return read_measures(out, default_group=benchmark.group)


def _error_line(code: int, stderr: list[str]) -> str:
    reason = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    last = next((line.strip() for line in reversed(stderr) if line.strip()), "")
    return f"{reason}: {last}" if last else f"{reason}, no measures written"


def collect(benchmarks: Sequence[Benchmark], run: Runner = run_subprocess) -> list[Outcome]:
    """Run each benchmark in turn; one that raises becomes a failed outcome and the rest still run."""
    outcomes = []
    for benchmark in benchmarks:
        print(f"\n=== {benchmark.group}: python -m {benchmark.module}", file=sys.stderr, flush=True)
        outcome = Outcome(benchmark.module, benchmark.group, benchmark.report, benchmark.about)
        started = time.perf_counter()
        try:
            outcome.measures = list(run(benchmark))
        except Exception as exc:  # any crash is reported, never stops the others
            outcome.error = str(exc) if isinstance(exc, BenchmarkFailed) else f"{type(exc).__name__}: {exc}"
            print(f"=== {benchmark.group} FAILED: {outcome.error}", file=sys.stderr, flush=True)
        outcome.seconds = time.perf_counter() - started
        outcomes.append(outcome)
    return outcomes


def include(path: Path) -> Outcome:
    """The measures in another harness's file; a failed outcome when it cannot be read."""
    outcome = Outcome(str(path), path.stem, path, f"included from {path.name}")
    try:
        outcome.measures = read_measures(path, default_group=path.stem)
    except (OSError, ValueError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    else:
        if outcome.measures:
            outcome.group = ", ".join(dict.fromkeys(m.group for m in outcome.measures))
    return outcome


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def document(outcomes: Sequence[Outcome], generated_at: datetime, machine_info: dict) -> dict:
    """The content of ``bench.json``."""
    return {
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "machine": machine_info,
        "benchmarks": [
            {
                "source": o.source,
                "group": o.group,
                "report": _shown(o.report),
                "ok": o.error is None,
                "error": o.error,
                "seconds": None if o.seconds is None else round(o.seconds, 1),
                "measures": len(o.measures),
            }
            for o in outcomes
        ],
        "measures": [m.to_dict() for o in outcomes for m in o.measures],
    }


def markdown(outcomes: Sequence[Outcome], doc: dict, out_dir: Path) -> str:
    """The content of ``BENCHMARKS.md`` (links relative to ``out_dir``)."""
    info = doc["machine"]
    failed = [o for o in outcomes if o.error]
    lines = [
        "# chargemedic benchmarks",
        "",
        f"Generated {doc['generated_at']} by `make bench` (`python -m evals.bench_all`) on "
        f"{info['cpu_count']} CPU cores, Python {info['python']}, {info['platform']}. "
        f"Machine-readable: [{JSON_NAME}]({JSON_NAME}).",
        "",
        "Ran: " + ", ".join(f"{o.group} (`{o.source}`)" for o in outcomes) + ".",
        "",
        "| group | measure | value | target | met |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        if o.error:
            lines.append(f"| {_cell(o.group)} | `{_cell(o.source)}` | — | — | **failed**: {_cell(o.error)} |")
        for m in o.measures:
            met = "—" if m.met is None else ("yes" if m.met else "**no**")
            value = format_value(m.value, m.unit)
            lines.append(
                f"| {_cell(m.group)} | {_cell(m.name)} | {_cell(value)} | {_cell(m.target or '—')} | {met} |"
            )
    missed = sum(1 for o in outcomes for m in o.measures if m.met is False)
    lines += [
        "",
        f"{len(failed)} of {len(outcomes)} benchmarks failed; {missed} targets missed.",
        "",
        "## Detailed reports",
        "",
    ]
    for o in outcomes:
        if o.report is None:
            continue
        link = Path(os.path.relpath(o.report.resolve(), out_dir.resolve())).as_posix()
        stale = " (not updated by this run: it failed)" if o.error else ""
        lines.append(f"* {o.group} — {o.about}: [{o.report.name}]({link}){stale}")
    return "\n".join(lines) + "\n"


def format_value(value: float, unit: str) -> str:
    """``41.9 ms``, ``1100 events/s``, ``94.5 %``, ``0.951``: about three significant digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        text = str(int(value))
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}" if unit else text


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _shown(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def main(
    argv: list[str] | None = None,
    *,
    benchmarks: Sequence[Benchmark] = BENCHMARKS,
    run: Runner = run_subprocess,
) -> int:
    groups = [b.group for b in benchmarks]
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=groups,
        metavar="GROUP",
        help=f"run only GROUP: {', '.join(groups)}",
    )
    parser.add_argument(
        "--include",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="merge the measures in PATH (JSON) into the table",
    )
    parser.add_argument(
        "--output-dir", type=Path, default=REPORTS, help=f"where {JSON_NAME} and {MARKDOWN_NAME} go"
    )
    args = parser.parse_args(argv)
    selected = [b for b in benchmarks if not args.only or b.group in args.only]

    outcomes = collect(selected, run) + [include(path) for path in args.include]
    doc = document(outcomes, datetime.now(UTC), machine())
    args.output_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = args.output_dir / JSON_NAME, args.output_dir / MARKDOWN_NAME
    json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    text = markdown(outcomes, doc, args.output_dir)
    md_path.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"Written: {_shown(json_path)}, {_shown(md_path)}")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
