"""What an escalation ticket says: severity, charger and site, what happened, the diagnosis with
its citations (source, page, section), the manufacturer's steps, safety notes, what automation
already tried and with what outcome, and the recent history — as structured ``detail`` for the
API and the webhook, and as plain text for people. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

FAILED = frozenset({"not_fixed", "unknown", "rejected", "timeout", "call_error", "not_connected", "error"})


@dataclass(frozen=True)
class Ticket:
    text: str
    detail: dict[str, Any]
    severity: str


def compose(
    *,
    charger: dict[str, Any],
    fault: dict[str, Any],
    diagnosis: dict[str, Any],
    automation: list[dict[str, Any]],
    history: list[str],
    reason: str,
) -> Ticket:
    """The ticket for ``fault``; ``reason`` says why it is escalated now (one line)."""
    severity = _severity(fault.get("fault_class") or diagnosis.get("fault_class"), automation)
    detail = {
        "severity": severity,
        "reason": reason,
        "charger": {
            k: charger.get(k) for k in ("id", "vendor", "model", "firmware", "site_id", "ocpp_version")
        },
        "fault": {k: _plain(v) for k, v in fault.items()},
        "what_happened": diagnosis.get("summary", ""),
        "diagnosis": {
            "fault_class": diagnosis.get("fault_class"),
            "likely_cause": diagnosis.get("likely_cause", ""),
            "remedy": diagnosis.get("remedy", ""),
            "evidence": diagnosis.get("evidence", []),
            "citations": [_citation(c) for c in diagnosis.get("citations", [])],
        },
        "steps": diagnosis.get("steps") or ([diagnosis["remedy"]] if diagnosis.get("remedy") else []),
        "safety": diagnosis.get("safety", []),
        "automation": [{k: _plain(v) for k, v in a.items()} for a in automation],
        "history": history,
    }
    return Ticket(text=render(detail), detail=detail, severity=severity)


def render(detail: dict[str, Any]) -> str:
    """The ticket as a technician reads it."""
    charger, fault = detail["charger"], detail["fault"]
    what = " ".join(filter(None, [charger.get("vendor"), charger.get("model")])) or "charger"
    where = _where(fault)
    codes = " / ".join(filter(None, [fault.get(k) for k in ("error_code", "vendor_error_code", "component")]))
    site = f", site {charger['site_id']}" if charger.get("site_id") else ""
    lines = [
        f"[{detail['severity'].upper()}] {charger['id']} ({what}{site}) — {where}: {codes or 'fault'}",
        f"Why this reached you: {detail['reason']}",
        "",
        f"What happened: {detail['what_happened']}",
        f"Likely cause: {detail['diagnosis']['likely_cause']}",
    ]
    lines += _section("Safety", [f"- {s}" for s in detail["safety"]])
    lines += _section(
        "Steps (manufacturer's documents)", [f"{i}. {s}" for i, s in enumerate(detail["steps"], 1)]
    )
    lines += _section("What automation already tried", [f"- {_attempt(a)}" for a in detail["automation"]])
    lines += _section("Recent history", [f"- {h}" for h in detail["history"]])
    lines += _section("Sources", [_source(c) for c in detail["diagnosis"]["citations"]])
    return "\n".join(lines)


def _severity(fault_class: str | None, automation: list[dict[str, Any]]) -> str:
    if fault_class == "electrical_safety":
        return "critical"
    if fault_class in ("thermal", "emergency_stop") or any(a.get("outcome") in FAILED for a in automation):
        return "high"
    return "normal"


def _where(fault: dict[str, Any]) -> str:
    where = f"connector {fault['connector_id']}" if fault.get("connector_id") is not None else "the charger"
    return f"EVSE {fault['evse_id']} {where}" if fault.get("evse_id") is not None else where


def _attempt(a: dict[str, Any]) -> str:
    when = str(a.get("at") or "")[:16].replace("T", " ")
    answer = a.get("command_status") or "not sent"
    outcome = a.get("outcome") or "pending"
    text = f"{a['action']} at {when} UTC: charger answered {answer}; outcome {outcome}"
    return f"{text} ({a['detail']})" if a.get("detail") else text


def _citation(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c.get(k) for k in ("n", "source", "title", "page", "section")}


def _source(c: dict[str, Any]) -> str:
    page = f", p. {c['page']}" if c.get("page") else ""
    section = f" — {c['section']}" if c.get("section") else ""
    return f"[{c['n']}] {c['title']}{page}{section} ({c['source']})"


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"{title}:", *lines] if lines else []


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
