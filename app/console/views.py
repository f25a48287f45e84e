"""Rendering the console's pages: the Jinja2 environment (autoescaping everything), its filters,
and the security headers every page carries.

Charger-supplied text (a fault's ``info``, the raw event) is data from outside: it is only ever
escaped, never marked safe. The one filter that returns markup, :func:`cite_links`, escapes its
input first and adds nothing but links to the page's own citation anchors.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.responses import Response

from app.console import outcomes

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
VERDICTS = {
    "execute": ("Execute", "info"),
    "needs_approval": ("Needs approval", "warn"),
    "dry_run": ("Dry run", "info"),
    "escalate": ("Escalate", "bad"),
    "no_action": ("No action", "muted"),
}
STATES = {
    "queued": "info",
    "processing": "info",
    "awaiting_diagnosis": "info",
    "awaiting_approval": "warn",
    "approved": "info",
    "action_sent": "info",
    "verifying": "info",
    "dry_run": "muted",
    "monitoring": "info",  # no action taken and the fault still open: watched, not well
    "following": "info",  # waits for a sibling report's action (same incident)
    "resolved": "ok",
    "escalated": "bad",
    "failed": "bad",
    "pending": "warn",
    "rejected": "bad",
    "expired": "bad",
    "open": "bad",
    "acknowledged": "warn",
    "fixed": "ok",
    "not_fixed": "bad",
    "critical": "bad",
    "high": "warn",
    "normal": "info",
    "low": "muted",
    "delivered": "ok",
    "dead_letter": "bad",
    "disabled": "muted",
    # OCPP connector statuses (1.6 and 2.0.1)
    "Available": "ok",
    "Preparing": "info",
    "Charging": "info",
    "SuspendedEV": "info",
    "SuspendedEVSE": "info",
    "Finishing": "info",
    "Reserved": "info",
    "Occupied": "info",
    "Unavailable": "warn",
    "Faulted": "bad",
}
_CITE = re.compile(r"\[(\d{1,3})\]")


def when(value: datetime | str | None) -> Markup:
    """A ``<time>`` in UTC; the page's script shows it in the browser's time zone."""
    if value is None:
        return Markup('<span class="muted">—</span>')
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    iso = value.isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}">{}</time>').format(iso, f"{value:%Y-%m-%d %H:%M:%S} UTC")


def chip(value: str | None, label: str | None = None) -> Markup:
    """A coloured label that says what it means in words (colour is never the only cue)."""
    if not value:
        return Markup('<span class="muted">—</span>')
    tone = STATES.get(value, "muted")
    text = label or value.replace("_", " ")
    return Markup('<span class="chip chip-{}">{}</span>').format(tone, text)


def verdict_chip(verdict: str | None) -> Markup:
    label, tone = VERDICTS.get(verdict or "", (verdict or "—", "muted"))
    return Markup('<span class="chip chip-{}">{}</span>').format(tone, label)


def age(value: datetime | None, now: datetime) -> str:
    """How long before ``now`` ``value`` was, in the two largest units read at a glance:
    ``45 s``, ``12 min``, ``3 h 20 min``, ``2 d 4 h``."""
    if value is None:
        return "—"
    minutes, seconds = divmod(max(int((now - value).total_seconds()), 0), 60)
    if not minutes:
        return f"{seconds} s"
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    big, small = ((days, "d"), (hours, "h")) if days else ((hours, "h"), (minutes, "min"))
    if not big[0]:
        return f"{minutes} min"
    return f"{big[0]} {big[1]} {small[0]} {small[1]}" if small[0] else f"{big[0]} {big[1]}"


def cite_links(text: str | None, prefix: str = "cite") -> Markup:
    """``text`` escaped, each ``[n]`` a link to the anchor ``#<prefix>-<n>`` of this page."""
    escaped = str(escape(text or ""))
    return Markup(_CITE.sub(lambda m: f'<a class="cite" href="#{prefix}-{m[1]}">[{m[1]}]</a>', escaped))


def pretty(value: Any) -> str:
    """JSON, indented, for a ``<pre>`` (escaped by the template like any text)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def document_href(citation: dict[str, Any]) -> str:
    """The document viewer at a citation's page (or section), with its snippet to highlight."""
    params: dict[str, Any] = {}
    if citation.get("page"):
        params["page"] = citation["page"]
    elif citation.get("section"):
        params["section"] = citation["section"]
    if citation.get("snippet"):
        params["hl"] = citation["snippet"][:300]
    query = f"?{urlencode(params)}" if params else ""
    return f"/documents/{quote(str(citation['source']), safe='/')}{query}#cited"


def section_label(title: str, section: str | None) -> str:
    """A citation's heading path without a top heading that merely repeats the title."""
    parts = section.split(" > ") if section else []
    if parts and parts[0].strip().lower() == (title or "").strip().lower():
        parts = parts[1:]
    return " > ".join(parts)


def fault_code(fault: Any) -> str:
    """``InternalError · 0x12``, or the 2.0.1 component/variable when there is no error code."""
    parts = [fault.error_code, fault.vendor_error_code]
    if not any(parts):
        parts = [fault.component, fault.variable]
    return " · ".join(p for p in parts if p) or "—"


def audit_summary(kind: str, detail: dict[str, Any]) -> str:
    """One line saying what an audit entry recorded (the full detail is shown beside it)."""
    if kind.startswith("agent.") and "ms" in detail:
        return f"{kind.removeprefix('agent.').replace('_', ' ')} step, {detail['ms']} ms"
    keys = ("verdict", "action", "outcome", "status", "severity", "version", "by", "comment", "note", "error")
    shown = [f"{k}: {v}" for k in keys if isinstance(v := detail.get(k), str | int | float) and v != ""]
    return "; ".join(shown)[:300]


def _asset_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True)
    env.filters |= {"when": when, "chip": chip, "verdict": verdict_chip, "cite_links": cite_links}
    env.filters |= {"pretty": pretty, "fault_code": fault_code, "age": age}
    env.globals |= {
        "document_href": document_href,
        "audit_summary": audit_summary,
        "section_label": section_label,
    }
    env.globals |= {"tones": STATES, "verdicts": VERDICTS, "asset_version": _asset_version()}
    env.globals |= {"outcome_view": outcomes.outcome_view, "outcome_rules": outcomes.for_script()}
    env.filters |= {"outcome_chip": outcomes.outcome_chip}
    return Jinja2Templates(env=env)


def render(
    templates: Jinja2Templates, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response
