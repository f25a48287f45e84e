"""The playbook reasoner: offline, deterministic, the default.

It classifies the fault (:mod:`app.agent.classify`), decides whether it recurs from the
charger's history, takes the class's first step — or the manufacturer's documented remote step
for that exact code where the playbook allows it — and writes a diagnosis in which every claim
from a document carries its ``[n]`` citation. Text from the charger (``info``) and from
documents is only quoted, never followed: the action comes from the playbook's closed set.
"""

from __future__ import annotations

import re

from app.agent.classify import Classification, Classifier, ErrorRow, Step, find_row
from app.agent.recurrence import Recurrence, assess
from app.agent.state import ChargerFacts, Cited, Diagnosis, FaultFacts, History, Reasoning
from app.guard.actions import Action, ActionParams, Proposal
from app.guard.reach import sessions_reached
from knowledge.codes import query_keys
from knowledge.schema import Passage

_GENERIC = frozenset({"othererror", "noerror"})
"""OCPP codes that say nothing about the cause: their reference rows do not classify a fault."""
_CHARGER_WIDE = frozenset({Action.SOFT_RESET, Action.HARD_RESET, Action.CLEAR_CACHE, Action.NONE})
MAX_CITED = 4


class PlaybookReasoner:
    name = "playbook"

    def __init__(self, classifier: Classifier, recurrence: Recurrence | None = None) -> None:
        self.classifier = classifier
        self.playbook = classifier.playbook
        self.recurrence = recurrence or Recurrence()

    def reason(
        self, fault: FaultFacts, charger: ChargerFacts, history: History, passages: list[Passage]
    ) -> Reasoning:
        vendor_row = find_row(passages, fault.vendor_error_code, standard=False)
        specific = fault.error_code if (fault.error_code or "").casefold() not in _GENERIC else None
        standard_row = find_row(passages, specific, standard=True) or find_row(
            passages, fault.vendor_error_code, standard=True
        )
        found = self.classifier.classify(fault, vendor_row, standard_row)
        evidence, recurring = self._history(fault, history, found)
        step, why = self._step(found, recurring, vendor_row, fault, history)
        codes = [c for c in (fault.vendor_error_code, fault.error_code) if c]
        cited = _citations([r for r in (vendor_row, standard_row) if r], passages, codes)
        row = vendor_row or standard_row
        diagnosis = Diagnosis(
            fault_class=found.fault_class,
            summary=_summary(fault, charger, row, cited),
            likely_cause=_cause(row, found, cited),
            evidence=evidence,
            remedy=_remedy(row, passages, cited),
            citations=cited,
            recurring=recurring,
        )
        proposal = Proposal(
            action=step.action,
            params=_params(step.action, fault),
            escalate=step.escalate,
            confidence=found.confidence,
            reason=why,
        )
        return Reasoning(diagnosis=diagnosis, proposal=proposal, reasoner=self.name)

    def _history(self, fault: FaultFacts, history: History, found: Classification) -> tuple[list[str], bool]:
        """Evidence lines from the history, and whether the fault counts as recurring."""
        recurrence = assess(fault, history, found.fault_class, self.recurrence)
        evidence = list(recurrence.evidence)
        if history.active_session:
            evidence.append("a charging session is active")
        elif history.sessions:
            elsewhere = ", ".join(place.label() for place in history.sessions)
            evidence.append(f"a charging session may be running on {elsewhere}")
        if fault.info:
            evidence.append(f'the charger\'s own text (quoted, not acted on): "{fault.info[:200]}"')
        return evidence, recurrence.recurring

    def _step(
        self,
        found: Classification,
        recurring: bool,
        row: ErrorRow | None,
        fault: FaultFacts,
        history: History,
    ) -> tuple[Step, str]:
        """The class's step; the ``busy`` one instead where the step would reach a charging session."""
        rules = self.playbook.classes[found.fault_class]
        label = f"{found.fault_class.value} fault (from the {found.basis.replace('_', ' ')})"
        if recurring:
            return rules.recurring, f"recurring {label}: playbook step for recurrence"
        step, why = rules.first, f"first {label}: playbook first step"
        documented = self.classifier.documented_step(row) if rules.documented_first_step else None
        if documented is not None:
            step = Step(action=documented, escalate=rules.first.escalate)
            why = f"first {label}: the manufacturer's remote step for code {row.code}"
        busy = sessions_reached(step.action, _params(step.action, fault), history.sessions)
        if busy and rules.busy is not None and step.action is not Action.NONE:
            return rules.busy, f"{why}; a session is active, so: {rules.busy.action.value}"
        return step, why


def _params(action: Action, fault: FaultFacts) -> ActionParams:
    if action in _CHARGER_WIDE:
        return ActionParams()
    return ActionParams(connector_id=fault.connector_id, evse_id=fault.evse_id)


def _citations(rows: list[ErrorRow], passages: list[Passage], codes: list[str]) -> list[Cited]:
    """The rows first, then the best other passages, numbered from 1, one per passage; a table
    entry for other codes only (none of ``codes``) says nothing about this fault and is left out."""
    ours = {key for key, _ in query_keys(codes)}
    unique: dict[str, Passage] = {}
    for passage in [r.passage for r in rows]:
        unique.setdefault(passage.id, passage)
    for passage in passages:
        if not passage.defines or ours.intersection(passage.defines):
            unique.setdefault(passage.id, passage)
    return [Cited.of(n, p) for n, p in enumerate(list(unique.values())[:MAX_CITED], start=1)]


def _ref(cited: list[Cited], row: ErrorRow | None) -> str:
    if row is None:
        return ""
    n = next((c.n for c in cited if c.cites(row.passage)), None)
    return f" [{n}]" if n else ""


def _summary(fault: FaultFacts, charger: ChargerFacts, row: ErrorRow | None, cited: list[Cited]) -> str:
    what = " ".join(filter(None, [charger.vendor, charger.model])) or "charger"
    codes = " / ".join(filter(None, [fault.error_code, fault.vendor_error_code, fault.component]))
    where = f"connector {fault.connector_id}" if fault.connector_id is not None else "the charger"
    if fault.evse_id is not None:
        where = f"EVSE {fault.evse_id} " + where
    meaning = f": {row.title}{_ref(cited, row)}" if row else ""
    when = f"{fault.last_seen_at:%Y-%m-%d %H:%M} UTC"
    return f"{fault.charger_id} ({what}) reported {codes or 'a fault'} on {where} at {when}{meaning}."


def _cause(row: ErrorRow | None, found: Classification, cited: list[Cited]) -> str:
    if row is None:
        return f"No code table entry matched; treated as a {found.fault_class.value} fault ({found.basis})."
    return _sentences(row.cause, 2) + _ref(cited, row)


def _remedy(row: ErrorRow | None, passages: list[Passage], cited: list[Cited]) -> str:
    if row is not None and row.remedy:
        return row.remedy + _ref(cited, row)
    if passages and cited:
        return f"No code-specific remedy found; see {cited[0].title} [{cited[0].n}]."
    return "No documented remedy found for this fault."


def _sentences(text: str, n: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:n])
