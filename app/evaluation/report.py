"""Evaluation reports: Markdown (with the confusion matrix as an SVG file beside it) and a
self-contained HTML page (the SVG inline, no external assets). Both open with who made the
decisions (the reasoner's headline): an LLM run that fell back to the playbook says so first.
Results are broken down per fault class, per vendor and per layout of the document relied on."""

from __future__ import annotations

import html
from typing import Any

from app.evaluation.cases import CaseError
from app.evaluation.score import LLM_ANSWER_RATE, RATES, Scored, by_class, confusion

_CELL = 64
_MARGIN = 130


def confusion_svg(scored: list[Scored]) -> str:
    """Expected (rows) vs chosen (columns) actions as a heat map; the diagonal is right."""
    labels, pairs = confusion(scored)
    size = _MARGIN + _CELL * len(labels) + 10
    peak = max(pairs.values(), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 20}" '
        f'viewBox="0 0 {size} {size + 20}" font-family="sans-serif" font-size="12" role="img" '
        'aria-label="Confusion matrix of expected vs chosen action">',
        f'<text x="{_MARGIN}" y="14" font-weight="bold">chosen →</text>',
        f'<text x="4" y="{_MARGIN - 8}" font-weight="bold">expected ↓</text>',
    ]
    for i, label in enumerate(labels):
        x = _MARGIN + i * _CELL + _CELL / 2
        parts.append(
            f'<text x="{x}" y="{_MARGIN - 8}" text-anchor="start" transform="rotate(-40 {x} {_MARGIN - 8})">'
            f"{html.escape(label)}</text>"
        )
        parts.append(
            f'<text x="{_MARGIN - 6}" y="{_MARGIN + i * _CELL + _CELL / 2 + 4}" text-anchor="end">'
            f"{html.escape(label)}</text>"
        )
    for r, expected in enumerate(labels):
        for c, chosen in enumerate(labels):
            count = pairs.get((expected, chosen), 0)
            parts.append(_cell(r, c, count, peak, right=expected == chosen))
    parts.append("</svg>")
    return "\n".join(parts)


def _cell(row: int, col: int, count: int, peak: int, *, right: bool) -> str:
    x, y = _MARGIN + col * _CELL, _MARGIN + row * _CELL
    strength = count / peak if peak else 0
    hue = 140 if right else 5  # green on the diagonal, red off it
    fill = f"hsl({hue}, 60%, {97 - 45 * strength:.0f}%)" if count else "#f6f6f6"
    text = (
        f'<text x="{x + _CELL / 2}" y="{y + _CELL / 2 + 5}" text-anchor="middle">{count}</text>'
        if count
        else ""
    )
    return f'<rect x="{x}" y="{y}" width="{_CELL - 2}" height="{_CELL - 2}" fill="{fill}" />{text}'


def markdown(
    title: str,
    totals: dict[str, Any],
    scored: list[Scored],
    unreadable: list[CaseError],
    *,
    svg_name: str,
) -> str:
    """The Markdown report; the confusion matrix is the image ``svg_name`` (written beside it)."""
    lines = [f"# {title}", "", f"**{totals['reasoner']['headline']}**", "", *_totals_table(totals), ""]
    lines += ["## Who decided", "", *_md_table(_reasoner_rows(totals["reasoner"])), ""]
    lines += ["## Per fault class", "", *_class_table(scored), ""]
    lines += ["## Per vendor", "", *_md_table(_group_rows("vendor", totals["by_vendor"])), ""]
    lines += ["## Per document layout", "", *_md_table(_group_rows("layout", totals["by_layout"])), ""]
    lines += ["## Confusion matrix (expected vs chosen action)", "", f"![confusion matrix]({svg_name})", ""]
    lines += ["## Cases that failed", ""]
    failed = [s for s in scored if not s.passed]
    lines += [f"* `{s.case.id}`: " + "; ".join(s.failures) for s in failed] or ["None."]
    if totals["reasoner"]["configured"] == "llm":
        lines += ["", "## Who decided each case", "", *_md_table(_decider_rows(scored))]
    if unreadable:
        lines += ["", "## Lines that are not valid cases", ""]
        lines += [f"* {e.where}" + (f" (`{e.id}`)" if e.id else "") + f": {e.reason}" for e in unreadable]
    return "\n".join(lines) + "\n"


def html_page(title: str, totals: dict[str, Any], scored: list[Scored], unreadable: list[CaseError]) -> str:
    """The same report as one HTML page (inline style and SVG)."""
    headline = html.escape(totals["reasoner"]["headline"])
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="headline">{headline}</p>']
    body += [_html_table(_totals_rows(totals)), "<h2>Who decided</h2>"]
    body.append(_html_table(_reasoner_rows(totals["reasoner"])))
    body += ["<h2>Per fault class</h2>", _html_table(_class_rows(scored))]
    body += ["<h2>Per vendor</h2>", _html_table(_group_rows("vendor", totals["by_vendor"]))]
    body += ["<h2>Per document layout</h2>", _html_table(_group_rows("layout", totals["by_layout"]))]
    body += ["<h2>Confusion matrix (expected vs chosen action)</h2>", confusion_svg(scored)]
    body += ["<h2>Cases</h2>", _html_table(_case_rows(scored), results=True)]
    if unreadable:
        body += ["<h2>Lines that are not valid cases</h2>", "<ul>"]
        body += [f"<li>{html.escape(e.where)}: {html.escape(e.reason)}</li>" for e in unreadable]
        body.append("</ul>")
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1d2330}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccd;padding:.3rem .6rem;"
        "text-align:left;vertical-align:top}th{background:#eef}.fail{background:#fdecea}.ok{background:#eaf7ee}"
        ".headline{font-weight:bold;font-size:1.1rem}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{style}</style></head>'
        f"<body>{''.join(body)}</body></html>\n"
    )


# ---- tables as rows (shared by both formats) ---------------------------------------------------
def _totals_rows(totals: dict[str, Any]) -> list[list[str]]:
    rows = [["measure", "value"], ["cases", str(totals["cases"])]]
    rows += [[name, _rate(totals[name])] for name in RATES]
    if totals[LLM_ANSWER_RATE] is not None:
        rows.append([LLM_ANSWER_RATE, _rate(totals[LLM_ANSWER_RATE])])
    rows.append(["unsafe", str(totals["unsafe"])])
    missed = ", ".join(totals["missed_safety_ids"])
    rows.append(["missed safety", str(totals["missed_safety"]) + (f" ({missed})" if missed else "")])
    rows.append(["errors", str(totals["errors"])])
    latency = totals["latency_ms"]
    rows.append(["fault → decision latency p50 / p95", f"{_ms(latency['p50'])} / {_ms(latency['p95'])}"])
    passed = sum(1 for c in totals["per_case"] if c["passed"])
    rows.append(["cases passed", f"{passed} / {totals['cases']}"])
    return rows


def _class_rows(scored: list[Scored]) -> list[list[str]]:
    rows = [
        [
            "class",
            "cases",
            "passed",
            "action",
            "escalation",
            "class",
            "diagnosis",
            "citation",
            "unsafe",
            "missed safety",
            "p95",
        ]
    ]
    for name, row in by_class(scored).items():
        rates = [_rate(row[k]) for k in ("action", "escalation", "class", "diagnosis", "citation")]
        counts = [str(row["unsafe"]), str(row["missed_safety"])]
        rows.append([name, str(row["cases"]), str(row["passed"]), *rates, *counts, _ms(row["p95_ms"])])
    return rows


def _group_rows(label: str, table: dict[str, dict[str, Any]]) -> list[list[str]]:
    """A breakdown of the totals (``by_vendor``, ``by_layout``): cases, rates, safety counts."""
    rates = ("action", "escalation", "diagnosis", "citation")
    rows = [[label, "cases", "passed", *rates, "unsafe", "missed safety"]]
    for name, row in table.items():
        counts = [str(row["cases"]), str(row["passed"])]
        rows.append(
            [name, *counts, *(_rate(row[k]) for k in rates), str(row["unsafe"]), str(row["missed_safety"])]
        )
    return rows


def _reasoner_rows(block: dict[str, Any]) -> list[list[str]]:
    """The reasoner block of the totals: who decided, fallbacks by reason, LLM requests and cost."""
    rows = [["measure", "value"], ["reasoner", block["configured"]]]
    rows.append(["diagnosed cases", str(block["diagnosed_cases"])])
    rows += [[f"decided by {by}", str(count)] for by, count in block["decided_by"].items()]
    rows.append(["playbook fallbacks by reason", _counts(block["fallbacks"])])
    if "llm_requests" in block:
        tokens, ms = block["tokens"], block["llm_ms_per_case"]
        rows.append(["LLM requests", str(block["llm_requests"])])
        rows.append(["failed LLM requests by kind", _counts(block["llm_request_errors"])])
        rows.append(
            [
                "tokens prompt / completion / total",
                f"{tokens['prompt']} / {tokens['completion']} / {tokens['total']}",
            ]
        )
        rows.append(["LLM time per case p50 / p95", f"{_ms(ms['p50'])} / {_ms(ms['p95'])}"])
    return rows


def _decider_rows(scored: list[Scored]) -> list[list[str]]:
    """Per case: who decided, and the LLM requests, tokens and time it took."""
    rows = [["case", "decided by", "LLM requests", "tokens", "LLM time"]]
    for s in scored:
        llm = s.run.llm
        rows.append(
            [
                s.case.id,
                _decided_by(s),
                str(llm.calls) if llm else "—",
                str(llm.total_tokens) if llm else "—",
                _ms(llm.seconds * 1000) if llm and llm.calls else "—",
            ]
        )
    return rows


def _case_rows(scored: list[Scored]) -> list[list[str]]:
    rows = [["case", "class", "action", "verdict", "escalate", "decided by", "result"]]
    for s in scored:
        result = "passed" if s.passed else "; ".join(s.failures)
        rows.append(
            [
                s.case.id,
                s.run.fault_class or "—",
                s.run.action or "—",
                s.run.verdict or "—",
                str(s.run.escalate),
                _decided_by(s),
                result,
            ]
        )
    return rows


def _decided_by(s: Scored) -> str:
    """``llm``, ``playbook``, ``playbook-fallback (<kind>)``, or ``—`` when nothing was decided."""
    decider = s.run.decider
    if decider is None:
        return "—"
    return f"{decider.by} ({decider.fallback})" if decider.fallback else decider.by


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} ×{count}" for name, count in counts.items()) or "none"


def _totals_table(totals: dict[str, Any]) -> list[str]:
    return _md_table(_totals_rows(totals))


def _class_table(scored: list[Scored]) -> list[str]:
    return _md_table(_class_rows(scored))


def _md_table(rows: list[list[str]]) -> list[str]:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]


def _html_table(rows: list[list[str]], *, results: bool = False) -> str:
    """``results``: the last column says "passed" or why not; rows are coloured by it."""
    head, *body = rows
    out = ["<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"]
    for row in body:
        css = (' class="ok"' if row[-1] == "passed" else ' class="fail"') if results else ""
        out.append(f"<tr{css}>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    return "".join(out) + "</table>"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"
