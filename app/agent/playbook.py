"""The playbook reasoner: offline, deterministic, the default.

It finds the fault's code entries among the retrieved passages (:mod:`app.agent.lookup`),
classifies the fault (:mod:`app.agent.classify`), decides whether it recurs from the charger's
history, takes the class's first step — or the manufacturer's documented remote step for that
exact code where the playbook allows it — and writes a diagnosis in which every claim from a
document carries its ``[n]`` citation. Only passages about this fault are cited: its entries and
passages that mention its codes. Text from the charger (``info``) and from documents is only
quoted, never followed: the action comes from the playbook's closed set.
"""

from __future__ import annotations

import re

from app.agent.classify import Classification, Classifier, ClassRules, Step, entry_text
from app.agent.lookup import GENERIC_OCPP_CODES, FaultEntries, Found, fault_entries
from app.agent.recurrence import Recurrence, assess
from app.agent.signals import fold, hits
from app.agent.state import ChargerFacts, Cited, Diagnosis, FaultClass, FaultFacts, History, Reasoning
from app.guard.actions import Action, ActionParams, Proposal
from app.guard.reach import sessions_reached
from knowledge.codes import normalise_code, query_keys
from knowledge.entries import CodeEntry
from knowledge.refusals import repair_needed, restart_named, restart_refused, unlock_refused
from knowledge.schema import STANDARD_VENDOR, Passage

_CHARGER_WIDE = frozenset({Action.SOFT_RESET, Action.HARD_RESET, Action.CLEAR_CACHE, Action.NONE})
_HOLDING = frozenset({Action.NONE, Action.TRIGGER_STATUS, Action.SET_INOPERATIVE})
"""Steps taken even on a guess: they change nothing, or take the connector out of service
(never undone on a guess: isolation is the cautious side)."""
_CHANGES_NOTHING = frozenset({Action.NONE, Action.TRIGGER_STATUS})
_RESETS = frozenset({Action.SOFT_RESET, Action.HARD_RESET})
_GUESSES = {
    "similarity": "the entry's wording",
    "vendor_mention": "the words around a mention of the code, not an entry for it",
    "charger_message": "the charger's text, which repeats a message the manufacturer documents",
}
"""Bases of a class that is only a guess, and what it was guessed from."""
MAX_CITED = 4
TOPICAL = 2
"""At most this many of the manufacturer's pages about the fault's kind are cited."""


class PlaybookReasoner:
    name = "playbook"

    def __init__(self, classifier: Classifier, recurrence: Recurrence | None = None) -> None:
        self.classifier = classifier
        self.playbook = classifier.playbook
        self.recurrence = recurrence or Recurrence()

    def reason(
        self, fault: FaultFacts, charger: ChargerFacts, history: History, passages: list[Passage]
    ) -> Reasoning:
        entries = fault_entries(fault, passages)
        found = self.classifier.classify(fault, entries)
        evidence, recurring = self._history(fault, history, found)
        step, why = self._step(found, recurring, entries, fault, charger, history)
        listing = _listing(fault, entries, passages)
        topical = self._topical(found, entries, fault, passages)
        cited = _citations(entries, passages, _specific_codes(fault), [*filter(None, [listing]), *topical])
        first = entries.quoted
        read = _cause(first, found, cited) if first or not listing else _treated(found)
        cause = f"{_unlisted(fault, listing, cited)} {read}" if listing else read
        diagnosis = Diagnosis(
            fault_class=found.fault_class,
            summary=_summary(fault, charger, first, cited),
            likely_cause=" ".join(filter(None, [cause, _rivals(entries, cited), _hinted(entries, cited)])),
            evidence=evidence,
            remedy=_remedy(first, cited),
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

    def _topical(
        self, found: Classification, entries: FaultEntries, fault: FaultFacts, passages: list[Passage]
    ) -> list[Passage]:
        """The manufacturer's own pages about what the fault was found to be: passages of the
        vendor's documents that define no other code and hold a word of the fault's class that
        the fault itself holds — its entries, codes or text ("grounding fault" in the manual's
        prose for a ``GroundFailure``). At most :data:`TOPICAL` of them, best ranked first."""
        said = ". ".join(
            [
                *(fold(c) for c in [fault.error_code, fault.component, fault.variable] if c),
                fault.info or "",
                *(entry_text(f.entry) for f in entries.all()),
            ]
        )
        words = self.classifier.class_words(found.fault_class, said)
        if not words:
            return []
        prose = [p for p in passages if p.vendor != STANDARD_VENDOR and not p.defines]
        return [p for p in prose if hits(p.text, words)][:TOPICAL]

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
        entries: FaultEntries,
        fault: FaultFacts,
        charger: ChargerFacts,
        history: History,
    ) -> tuple[Step, str]:
        """The class's step; the ``busy`` one instead where the step would reach a charging session."""
        rules = self.playbook.classes[found.fault_class]
        label = f"{found.fault_class.value} fault (from the {found.basis.replace('_', ' ')})"
        if found.why:
            label += f": {'; '.join(found.why[:3])}"
        if recurring and found.basis in _GUESSES and rules.recurring.action not in _CHANGES_NOTHING:
            return Step(
                action=Action.NONE, escalate=True
            ), f"recurring {label}: only a guess, so a technician"
        if recurring:
            return rules.recurring, f"recurring {label}: playbook step for recurrence"
        step, why = self._first_step(found, rules, entries, fault, label)
        step, why = self._cautions(step, why, found, entries, fault, charger.connector_status(fault))
        busy = sessions_reached(step.action, _params(step.action, fault), history.sessions)
        if busy and rules.busy is not None and step.action is not Action.NONE:
            return rules.busy, f"{why}; a session is active, so: {rules.busy.action.value}"
        return step, why

    def _first_step(
        self, found: Classification, rules: ClassRules, entries: FaultEntries, fault: FaultFacts, label: str
    ) -> tuple[Step, str]:
        """The first step: the class's, or the manufacturer's documented one for this code; only a
        hold and a technician when the charger's own code is unread (the class rests on the
        generic OCPP code), the class is a guess with no documented step, or the step is a restart
        the manufacturer's own words for the code (its entry, else its words around the code, else
        its entry for what the charger's text says) do not ask for (its steps are on site)."""
        step, why = rules.first, f"first {label}: playbook first step"
        unread = (
            found.basis in ("ocpp_code", "standard_table")
            and _unread_code(fault, entries)
            and self.classifier.mentioned_class(entries) is not found.fault_class
        )  # a code the manufacturer only mentions is read where its words name the same class
        documented = self.classifier.documented_step(entries.first) if rules.documented_first_step else None
        # the manufacturer's own words for the code; else for what the charger's text says (caution only)
        own = entries.vendor or entries.mentioned or next(iter(entries.hinted), None)
        unasked = own is not None and _restart_unasked(own.entry)
        if documented in _RESETS and unasked and own is not entries.first:
            documented = None  # a standard's restart the manufacturer's words do not ask for
        if unread and step.action not in _HOLDING:
            concern = (
                f"the charger's own code {(fault.vendor_error_code or '').strip()} is in no loaded document"
            )
        elif documented is not None and entries.first is not None:
            isolating = documented is Action.SET_INOPERATIVE  # out of service: someone must know
            step = Step(action=documented, escalate=rules.first.escalate or isolating)
            return step, f"first {label}: the manufacturer's remote step for code {entries.first.entry.code}"
        elif found.basis in _GUESSES and step.action not in _HOLDING:
            concern = f"the class is only a guess from {_GUESSES[found.basis]}"
        elif step.action in _RESETS and own and unasked:
            concern = f"the manufacturer's words for {own.entry.code} ask for no restart"
        else:
            return step, why
        hold = Step(action=Action.TRIGGER_STATUS, escalate=True)
        return hold, f"{why}; {concern}, so nothing is changed on the charger and a technician is told"

    def _cautions(
        self,
        step: Step,
        why: str,
        found: Classification,
        entries: FaultEntries,
        fault: FaultFacts,
        status: str | None,
    ) -> tuple[Step, str]:
        """``step`` made more cautious where the documents ask: no reset and a person for a code
        whose document says a restart does not fix it (unless the fault ends by itself; a unit the
        document calls broken for good always gets a person), no unlock where it says a remote unlock
        does not release the lock; a person for a code no class fits — except a warning: words
        alone, no code, while the connector ``status`` says it still works (OCPP reports an
        error with any status but ``Faulted`` as a warning), which is recorded, not acted on."""
        read = [entries.first, entries.mentioned, *entries.hinted]
        refusing = next((f for f in read if f and _refuses(f.entry, restart_refused)), None)
        lasting = refusing and (self._lasting(found, refusing) or _refuses(refusing.entry, repair_needed))
        if refusing and (step.action in _RESETS or (lasting and not step.escalate)):
            action = Action.NONE if step.action in _RESETS else step.action
            step = Step(action=action, escalate=True)
            why += f"; the document says a restart does not fix {refusing.entry.code}, "
            why += "so a technician is told"
        latched = next((f for f in read if f and _refuses(f.entry, unlock_refused)), None)
        if step.action is Action.UNLOCK_CONNECTOR and latched:
            step = Step(action=Action.NONE, escalate=True)
            why += f"; the document says a remote unlock does not release {latched.entry.code}, "
            why += "so a technician is told"
        if found.fault_class is FaultClass.UNKNOWN and (concern := _unread(fault, entries, self._severe)):
            if _warning(fault, entries, status) and not self._severe(entries.first):
                return Step(action=Action.NONE, escalate=False), (
                    f"{why}; {concern}, but the connector is still {status}: a warning, recorded"
                )
            step = step.model_copy(update={"escalate": True})
            why += f"; {concern}, so a technician is told"
        return step, why

    def _lasting(self, found: Classification, entry: Found) -> bool:
        """Whether the fault stays until someone acts: neither its class's faults nor the entry's
        words say it ends by itself."""
        if self.playbook.classes[found.fault_class].self_clearing:
            return False
        return not hits(" ".join([entry.entry.meaning, entry.entry.remedy]), self.playbook.recovers)

    def _severe(self, found: Found | None) -> bool:
        severity = found.entry.severity.casefold() if found else ""
        return any(word.casefold() in severity for word in self.playbook.severe) if severity else False


def _unread(fault: FaultFacts, entries: FaultEntries, severe) -> str:
    """Why a fault no class fits needs a person (``""`` when it does not): the charger names a
    code no loaded document defines, or whose entry does not say what kind of fault it is, or
    whose text names an entry that does not say it, or the document rates the code severe, or the
    charger describes it in words no document explains.
    (A fault with no code and no words is asked about first.)"""
    if severe(entries.first):
        return f"the document rates it {entries.first.entry.severity!r}"
    if fault.vendor_error_code and not entries.all() and not entries.mentioned:
        return f"code {fault.vendor_error_code.strip()} is in no loaded document"
    if fault.vendor_error_code and (quoted := entries.quoted):
        return f"the document's entry for {quoted.entry.code} does not say what kind of fault it is"
    if entries.hinted:
        named = entries.hinted[0].entry.code
        return f"the charger's text names the document's {named!r}, which does not say what fault it is"
    if section := entries.described:
        title = section.entry.title
        return f"the charger's text matches the manual's \"{title}\", which does not say what fault it is"
    if said := _said(fault.info):
        return f'the charger reports "{said}", which no loaded document explains'
    return ""


_WORKING = frozenset(
    {"Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Occupied"}
)
"""Connector statuses of a connector that still works (OCPP 1.6 and 2.0.1)."""


_IN_SESSION = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE", "Occupied"})
"""Statuses of a connector serving a session."""


def _warning(fault: FaultFacts, entries: FaultEntries, status: str | None) -> bool:
    """Whether the fault is only words — no vendor code; no message or light a document names,
    unless a session is going on — sent while its connector still works."""
    if status not in _WORKING or (fault.vendor_error_code or "").strip():
        return False
    return not entries.hinted or status in _IN_SESSION


def _said(info: str | None) -> str:
    """The charger's text when it says something in words (two or more), else ``""``: a bare
    value ("true", "71") describes no fault."""
    text = " ".join((info or "").split())[:120]
    return text if len(re.findall(r"[^\W\d_]{2,}", text)) >= 2 else ""


_NO_CODE = frozenset({"", "0", "00", "0x0", "0x00", "none", "noerror", "no error", "n/a", "-"})
"""Vendor codes that mean "no vendor code"."""


def _unread_code(fault: FaultFacts, entries: FaultEntries) -> bool:
    """Whether the charger sent a vendor code of its own (code-shaped: ``ERR_0x7E3``, not a
    message such as "charge controller not reachable") that no loaded document defines."""
    code = (fault.vendor_error_code or "").strip()
    keys = normalise_code(code) if code.casefold() not in _NO_CODE else None
    if keys is None or entries.vendor is not None or entries.flags:
        return False
    standard = entries.standard.entry.keys() if entries.standard else set()
    return keys.primary not in standard  # a standard's own code (CX017) is read


def _restart_unasked(entry: CodeEntry) -> bool:
    """Whether the entry's steps name no restart, nor refuse one (a refusal has its own caution):
    the manufacturer's remedy is on site, or there is none (an entry without steps is read whole:
    "Something is wrong. Restart your charger" asks for one)."""
    texts = [s.text for s in entry.steps] or [entry.remedy or entry.meaning]
    return not any(map(restart_named, texts)) and not _refuses(entry, restart_refused)


def _refuses(entry: CodeEntry, refused) -> bool:
    """Whether the entry's meaning, a cause or a step refuses a remote step (``refused``: a
    :mod:`knowledge.refusals` test — a restart, an unlock)."""
    return any(refused(text) for text in [entry.meaning, *entry.causes, *(s.text for s in entry.steps)])


def _params(action: Action, fault: FaultFacts) -> ActionParams:
    if action in _CHARGER_WIDE:
        return ActionParams()
    return ActionParams(connector_id=fault.connector_id, evse_id=fault.evse_id)


def _specific_codes(fault: FaultFacts) -> list[str]:
    """The fault's codes that say what it is (not ``OtherError``: every other fault is one too)."""
    codes = (fault.vendor_error_code, fault.error_code)
    return [c for c in codes if c and c.strip().casefold() not in GENERIC_OCPP_CODES]


def _listing(fault: FaultFacts, entries: FaultEntries, passages: list[Passage]) -> Passage | None:
    """Where the charger's own code is in none of its manufacturer's entries: the best-ranked
    passage of the manufacturer's code list it was looked up in (cited as where it is not)."""
    if not _unread_code(fault, entries) or entries.mentioned:
        return None
    return next((p for p in passages if p.vendor != STANDARD_VENDOR and p.entry is not None), None)


def _citations(
    entries: FaultEntries, passages: list[Passage], codes: list[str], pages: list[Passage]
) -> list[Cited]:
    """The fault's entries first, then ``pages`` (the manufacturer's list a code is missing
    from, its pages about the fault), then other passages about its codes (a bulletin naming the
    code, a troubleshooting page), numbered from 1, one per passage. A passage about other codes
    only, or about none, says nothing about this fault and is not cited."""
    ours = {key for key, _ in query_keys(codes)}
    found = [*entries.all(), *filter(None, [entries.mentioned, entries.described])]
    unique: dict[str, Passage] = {f.passage.id: f.passage for f in found}
    unique.update((p.id, p) for p in pages if p.id not in unique)
    for passage in passages:
        if ours.intersection(passage.codes) and (not passage.defines or ours.intersection(passage.defines)):
            unique.setdefault(passage.id, passage)
    return [Cited.of(n, p) for n, p in enumerate(list(unique.values())[:MAX_CITED], start=1)]


def _ref(cited: list[Cited], found: Found | None) -> str:
    if found is None:
        return ""
    n = next((c.n for c in cited if c.cites(found.passage)), None)
    return f" [{n}]" if n else ""


def _summary(fault: FaultFacts, charger: ChargerFacts, found: Found | None, cited: list[Cited]) -> str:
    what = " ".join(filter(None, [charger.vendor, charger.model])) or "charger"
    codes = " / ".join(filter(None, [fault.error_code, fault.vendor_error_code, fault.component]))
    where = f"connector {fault.connector_id}" if fault.connector_id is not None else "the charger"
    if fault.evse_id is not None:
        where = f"EVSE {fault.evse_id} " + where
    title = (found.entry.title or found.entry.meaning) if found else ""
    meaning = f": {title.rstrip('.')}{_ref(cited, found)}" if title else ""
    when = f"{fault.last_seen_at:%Y-%m-%d %H:%M} UTC"
    return f"{fault.charger_id} ({what}) reported {codes or 'a fault'} on {where} at {when}{meaning}."


def _cause(found: Found | None, result: Classification, cited: list[Cited]) -> str:
    if found is None:
        return f"No code table entry matched. {_treated(result)}"
    entry = found.entry
    meaning = _sentences(entry.meaning, 1) if entry.meaning.rstrip(".") != entry.title.rstrip(".") else ""
    causes = f"Possible causes: {'; '.join(entry.causes[:3])}." if entry.causes else ""
    said = " ".join(filter(None, [meaning, causes])) or entry.title or entry.code
    return said + _ref(cited, found)


def _unlisted(fault: FaultFacts, listing: Passage, cited: list[Cited]) -> str:
    """That the manufacturer's code list does not have the charger's code."""
    n = next((c.n for c in cited if c.cites(listing)), None)
    where = f"{listing.citation.title} [{n}]" if n else listing.citation.title
    code = (fault.vendor_error_code or "").strip()
    return f"Code {code} is not listed in {where}, the manufacturer's document it was looked up in."


def _treated(result: Classification) -> str:
    name = result.fault_class.value
    return f"Treated as {'an' if name[0] in 'aeiou' else 'a'} {name} fault ({result.basis})."


def _rivals(entries: FaultEntries, cited: list[Cited]) -> str:
    """The other meanings the manufacturer's documents give the same code (another hardware
    generation's table), quoted: they weigh in on safety, so the technician must see them."""
    said = [f'"{_sentences(f.entry.meaning, 1) or f.entry.title}"{_ref(cited, f)}' for f in entries.rivals]
    if not said or entries.vendor is None:
        return ""
    code = entries.vendor.entry.code
    return f"The manufacturer's documents also give {code} another meaning: {'; '.join(said)}."


def _hinted(entries: FaultEntries, cited: list[Cited]) -> str:
    """What the manual says about the light pattern or message the charger's text gives (quoted
    for the technician; it never chose the class)."""
    said = [
        f'"{f.entry.title}": {_sentences(f.entry.meaning, 1) or f.entry.title}{_ref(cited, f)}'
        for f in entries.hinted
        if f is not entries.first
    ]
    if said:
        told = "a light pattern, message or code the manual explains"
        return f"The charger's text gives {told} — {'; '.join(said)}"
    if section := entries.described:
        quoted = _sentences(section.entry.meaning, 1)
        title = f'"{section.entry.title}"{_ref(cited, section)}'
        return f"The charger's text matches the manual's {title}: {quoted}"
    return ""


def _remedy(found: Found | None, cited: list[Cited]) -> str:
    if found is not None and found.entry.steps:
        return remedy_text(found.entry) + _ref(cited, found)
    if cited:
        return f"No code-specific remedy found; see {cited[0].title} [{cited[0].n}]."
    return "No documented remedy found for this fault."


def remedy_text(entry: CodeEntry) -> str:
    """The entry's steps in order, remote and on-site parts named when it has both."""
    remote, onsite = entry.remote_steps, entry.onsite_steps
    if not remote or not onsite:
        return entry.remedy
    return f"Remote: {_joined(remote)} On site: {_joined(onsite)}"


def _joined(steps: list[str]) -> str:
    return " ".join(s if s.endswith((".", "!", "?")) else s + "." for s in steps)


def _sentences(text: str, n: int) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:n])
