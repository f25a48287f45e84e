"""What the records say about one charger, for the chat: facts, links, and search terms.

The lines are built from stored rows only (faults, the guard's decisions, action attempts and
their verification, escalations); the fault's ``info`` text is quoted as data. They read for a
technician: places as "EVSE 1 connector 1", the guard's verdict in words, no internal signatures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from app.chat.schema import ChatLink, without_markers
from app.guard.approvals import effective_state
from app.store import chat as store
from app.store.models import ActionAttempt, Charger, Decision, Escalation, Fault

MAX_INFO_CHARS = 200
_VERDICTS = {
    "execute": "The guard let {action} run automatically",
    "needs_approval": "The guard held back {action} until a technician approves it",
    "dry_run": "The guard allowed {action} as a dry run (nothing sent)",
    "escalate": "The guard held back {action} and asked for a technician (no action sent)",
    "no_action": "The guard held back {action} (no action sent)",
}
_NO_PROPOSAL = {
    "escalate": "No action was proposed; the guard asked for a technician",
    "no_action": "No action was proposed (nothing sent)",
}


@dataclass
class ChargerBrief:
    """The charger, its recent record as readable lines, links to act on, and what to search for."""

    charger: Charger
    lines: list[str] = field(default_factory=list)
    links: list[ChatLink] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    news: list[str] | None = None
    """In a follow-up, the lines no earlier answer of the conversation gave (``None`` otherwise)."""


def charger_brief(
    session: Session, charger: Charger, *, now: datetime, limit: int = 5, earlier: Sequence[str] = ()
) -> ChargerBrief:
    """The charger's identity and connection, then its open and latest faults, newest first,
    each with the diagnosis, the guard's decision, attempts, verification and escalation.

    ``earlier`` are the conversation's earlier answers: when one of them gave this charger's
    records, :attr:`ChargerBrief.news` holds what they did not say (the identity is not repeated
    for a newer "last seen")."""
    brief = ChargerBrief(charger, lines=[_identity(charger), *_connectors(charger)])
    records = store.charger_faults(session, charger_id=charger.id, limit=limit)
    if not records:
        brief.lines.append("No faults on record.")
    for record in records:
        brief.lines += _fault_lines(record, now, brief.links)
        if record.fault.cleared_at is None or not brief.terms:
            brief.terms += _terms(record.fault, record.decision)
            brief.codes += [c for c in (record.fault.vendor_error_code, record.fault.error_code) if c]
    if any(_heading_of(charger) in answer for answer in earlier):
        said = {" ".join(line.split()) for answer in earlier for line in answer.splitlines()}
        brief.news = [line for line in brief.lines[1:] if " ".join(line.split()) not in said]
    return brief


def _heading_of(charger: Charger) -> str:
    return f"records of {charger.id}:"


def _identity(charger: Charger) -> str:
    make = " ".join(p for p in (charger.vendor, charger.model) if p) or "vendor/model unknown"
    parts = [make]
    parts += [f"site {charger.site_id}"] if charger.site_id else []
    parts += [f"firmware {charger.firmware}"] if charger.firmware else []
    parts += [f"OCPP {charger.ocpp_version}"] if charger.ocpp_version else []
    link = "connected" if charger.connected_node else "not connected"
    seen = f", last seen {_when(charger.last_seen_at)}" if charger.last_seen_at else ""
    return f"{charger.id}: {', '.join(parts)}; {link}{seen}."


def _connectors(charger: Charger) -> list[str]:
    lines = []
    for key, state in sorted(charger.connectors.items()):
        code = state.get("error_code")
        detail = f" ({code})" if code and code != "NoError" else ""
        at = f" since {_when_text(state.get('at'))}" if state.get("at") else ""
        place = _connector_place(key)
        lines.append(f"{place[:1].upper()}{place[1:]}: {state.get('status', 'unknown')}{detail}{at}.")
    return lines


def _connector_place(key: str) -> str:
    """A connector state's key (``"{evse}/{connector}"``, as the intake stores it) in words."""
    evse, _, connector = key.partition("/")
    if not (evse.isdigit() and connector.isdigit()):
        return f"connector {key}"
    return _place(int(evse), int(connector))


def _place(evse_id: int | None, connector_id: int | None) -> str:
    """``EVSE 1 connector 2`` (2.0.1), ``connector 2`` (1.6), ``the whole charger`` (connector 0)."""
    if evse_id:
        return f"EVSE {evse_id} connector {connector_id}" if connector_id else f"EVSE {evse_id}"
    return f"connector {connector_id}" if connector_id else "the whole charger"


def _fault_lines(record: store.FaultRecord, now: datetime, links: list[ChatLink]) -> list[str]:
    fault = record.fault
    links.append(ChatLink(rel="fault", href=f"/faults/{fault.id}", title=f"Fault #{fault.id}"))
    lines = [_fault_head(fault)]
    if record.decision is not None:
        lines += _decision_lines(record.decision, now, links)
    lines += [_attempt_line(a) for a in record.attempts]
    if record.escalation is not None:
        lines.append(_escalation_line(record.escalation))
        links.append(
            ChatLink(
                rel="escalation",
                href=f"/escalations#escalation-{record.escalation.id}",
                title=f"Escalation #{record.escalation.id} ({record.escalation.state})",
            )
        )
    return lines


def _fault_head(fault: Fault) -> str:
    where = _place(fault.evse_id, fault.connector_id)
    status = "open" if fault.cleared_at is None else f"cleared {_when(fault.cleared_at)}"
    what = [c for c in (fault.error_code, fault.component, fault.variable) if c]
    what += [f"vendor code {fault.vendor_error_code}"] if fault.vendor_error_code else []
    if not what:  # a status without a code: the signature's last part is that status
        what = [fault.signature.rsplit(":", 1)[-1], "no error code"]
    info = f' — charger said: "{fault.info[:MAX_INFO_CHARS]}"' if fault.info else ""
    times = f", reported {fault.occurrences} times" if fault.occurrences > 1 else ""
    return (
        f"Fault #{fault.id} on {where}, opened {_when(fault.opened_at)} "
        f"({status}, {_words(fault.state)}{times}): {', '.join(what)}{info}."
    )


def _decision_lines(decision: Decision, now: datetime, links: list[ChatLink]) -> list[str]:
    diagnosis = decision.diagnosis or {}
    lines = []
    if summary := diagnosis.get("summary"):
        cls = _words(diagnosis.get("fault_class", "unclassified"))
        lines.append(f"  Diagnosis ({cls}): {without_markers(summary)}")
    lines.append(f"  {_guard(decision)}.")
    state = effective_state(decision, now)
    if state == "pending":
        expires = f", expires {_when(decision.approval_expires_at)}" if decision.approval_expires_at else ""
        lines.append(
            f"  Awaiting approval: {decision.action} (decision #{decision.id}{expires}). "
            f"A technician approves or rejects it in the console (/approvals#decision-{decision.id}) or with "
            f"POST /v1/approvals/{decision.id}/approve|reject; this chat cannot."
        )
        links.append(
            ChatLink(
                rel="approval",
                href=f"/approvals#decision-{decision.id}",
                title=f"Approve or reject {decision.action} (decision #{decision.id})",
            )
        )
    elif state:
        by = f" by {decision.approved_by}" if decision.approved_by else ""
        lines.append(f"  Approval {state}{by}.")
    return lines


def _guard(decision: Decision) -> str:
    """The guard's verdict on the proposed action, in words, with its first reason."""
    if decision.action == "none":
        said = _NO_PROPOSAL.get(decision.verdict, "No action was proposed")
    else:
        said = _VERDICTS.get(decision.verdict, "The guard decided {action}: " + _words(decision.verdict))
        said = said.format(action=decision.action)
    return f"{said} — {decision.reasons[0]}" if decision.reasons else said


def _attempt_line(attempt: ActionAttempt) -> str:
    how = " (approved by a technician)" if not attempt.automatic else ""
    status = _words(attempt.command_status or "sent")
    outcome = _words(attempt.outcome or "in flight")
    verified = f", verified {_when(attempt.verified_at)}" if attempt.verified_at else ""
    return (
        f"  {attempt.action}{how} sent via {_words(attempt.executor)}, {_when(attempt.started_at)}: "
        f"the charger answered {status}; outcome {outcome}{verified}."
    )


def _words(label: str) -> str:
    """An internal label (``action_sent``, ``dry_run``) as words."""
    return label.replace("_", " ")


def _escalation_line(escalation: Escalation) -> str:
    return f"  Escalation #{escalation.id}: {escalation.state}, severity {escalation.severity}."


def _terms(fault: Fault, decision: Decision | None) -> list[str]:
    """Words to search the manuals with: the codes, component and the charger's own text."""
    terms = [t for t in (fault.error_code, fault.vendor_error_code, fault.component, fault.variable) if t]
    terms += [fault.info[:MAX_INFO_CHARS]] if fault.info else []
    if decision is not None and (cause := (decision.diagnosis or {}).get("likely_cause")):
        terms.append(without_markers(cause))
    return terms


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "unknown"


def _when_text(value: object) -> str:
    try:
        return _when(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)
