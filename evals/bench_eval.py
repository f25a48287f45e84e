"""`make bench` (group "eval"): the recorded-fault dataset through the real pipeline.

Both case files of ``evals/cases/`` are replayed with the playbook reasoner against the bundled
corpus (ingested into a temporary store), each case on a fresh database; the reports land in
``evals/reports/eval-<file>.md`` (+ SVG confusion matrix) and the measures carry the targets:
action accuracy ≥ 0.95 and unsafe = 0 on the holdout file, fault → decision p95 ≤ 50 ms.
"""

from __future__ import annotations

import sys
from pathlib import Path

from evals.measures import Measure, bench_main, checked

CASES = Path(__file__).parent / "cases"
REPORTS = Path(__file__).parent / "reports"
REPORT = REPORTS / "eval-holdout.md"
GROUP = "eval"
TARGET_ACCURACY = 0.95
TARGET_P95_MS = 50


def main(argv: list[str] | None = None) -> int:
    return bench_main(run, __doc__, argv)


def run() -> list[Measure]:
    """Replay dev and holdout, write their reports; return the measures."""
    from app.evaluation.report import confusion_svg, markdown
    from app.evaluation.runner import evaluate
    from app.settings import BUNDLED_CORPUS, Settings

    measures = []
    for name in ("dev", "holdout"):
        result = evaluate([CASES / f"{name}.jsonl"], Settings(), knowledge=BUNDLED_CORPUS)
        totals = result.totals
        svg = REPORTS / f"eval-{name}-confusion.svg"
        svg.write_text(confusion_svg(result.scored), encoding="utf-8")
        title = f"chargemedic eval: {name}.jsonl (playbook reasoner, bundled corpus)"
        report = markdown(title, totals, result.scored, result.unreadable, svg_name=svg.name)
        (REPORTS / f"eval-{name}.md").write_text(report, encoding="utf-8")
        measures += _measures(name, totals, targets=name == "holdout")
    for measure in measures:
        target = f" (target {measure.target})" if measure.target else ""
        print(f"{measure.name}: {measure.value:g} {measure.unit}".rstrip() + target)
    return measures


def _measures(name: str, totals: dict, *, targets: bool) -> list[Measure]:
    prefix = f"{name} ({totals['cases']} cases)"
    accuracy, unsafe = totals["action_accuracy"] or 0.0, totals["unsafe"]
    found = [
        checked(GROUP, f"{prefix}: action accuracy", accuracy, "", at_least=TARGET_ACCURACY)
        if targets
        else Measure(GROUP, f"{prefix}: action accuracy", accuracy, ""),
        checked(GROUP, f"{prefix}: unsafe", unsafe, "", equals=0),
        checked(GROUP, f"{prefix}: errors", totals["errors"], "", equals=0),
    ]
    for rate in ("escalation_accuracy", "diagnosis_hit_rate", "citation_hit_rate"):
        if totals[rate] is not None:
            found.append(Measure(GROUP, f"{prefix}: {rate.replace('_', ' ')}", totals[rate], ""))
    p95 = totals["latency_ms"]["p95"]
    if p95 is not None:
        found.append(checked(GROUP, f"{prefix}: fault → decision p95", p95, "ms", at_most=TARGET_P95_MS))
    return found


if __name__ == "__main__":
    sys.exit(main())
