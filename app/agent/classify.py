"""The playbook (data) and fault classification from codes and the documents' code entries.

**Safety is a veto.** Any sign of an electrical-safety fault makes the fault one, whatever else
is said: the OCPP code, a document's safety flag or the OCPP code it pairs the entry with,
safety words in an entry's title, meaning, causes or category, a 2.0.1 component/variable name,
or safety words in the charger's own text (``info``/``techInfo``). A wrong "safety" costs a
technician visit; a wrong "not safety" could leave a dangerous charger in service.

Otherwise the class comes from, in order: the manufacturer's entry for the vendor code (keyword
evidence, to which a specific OCPP error code the charger sent adds its weight; then the OCPP
code the entry names), the OCPP error code, the standard entry (not a catch-all "some problem
exists"), the 2.0.1 component/variable name, the manufacturer's entry whose message the
charger's text repeats word for word (a guess, see below), the words of the vendor's document
around a code no entry defines (a mention), and last the embedding similarity between an entry's
text and each class's description (never for an entry that only says an error exists:
"vendor-specific error"). The charger's free text otherwise never chooses a class: it may add the
safety signal (its words, or the vendor's entry for a light pattern it describes), which can only
make the response more cautious; and a class read from its text alone is a guess, on which the
playbook reasoner only ever holds (no restart, no unlock) or tells a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.agent.lookup import FaultEntries, Found, names_code, repeats
from app.agent.signals import fold, hits
from app.agent.state import FaultClass, FaultFacts
from app.guard.actions import Action
from knowledge.entries import CodeEntry

BUNDLED = Path(__file__).with_name("playbook.yaml")
Embed = Callable[[list[str]], np.ndarray]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    action: Action
    escalate: bool = False


class ClassRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str
    ocpp_codes: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    cause_keywords: list[str] = Field(default_factory=list)
    remedy_keywords: list[str] = Field(default_factory=list)
    first: Step
    recurring: Step
    busy: Step | None = None
    documented_first_step: bool = False
    self_clearing: bool = False
    """Faults of the class end without a technician: a refused restart asks for none."""
    safety: list[str] = Field(default_factory=list)
    signal_circuits: list[str] = Field(default_factory=list)
    """electrical_safety: the low-voltage signal circuits between charger and vehicle (pilot,
    proximity, diode): in a sentence naming one, ``signal_hazards`` are signal faults, not hazards."""
    signal_hazards: list[str] = Field(default_factory=list)


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    classes: dict[FaultClass, ClassRules]
    remote_steps: dict[Action, list[str]]
    confidence: dict[str, float]
    recovers: list[str] = Field(default_factory=list)
    """Phrases of an entry saying its fault ends by itself ("continues by itself when cooled")."""
    severe: list[str] = Field(default_factory=list)
    """Severity words (an entry's ``severity``) that escalate a fault no class fits."""
    vague: list[str] = Field(default_factory=list)
    """Phrases of an entry that only says an error exists, not what it is ("vendor-specific
    error"): such an entry is not matched to a class by similarity."""
    catch_all: list[str] = Field(default_factory=list)
    """Phrases of a catch-all entry ("some problem exists on the EVSE (its contactor, metering
    …)"): it names no class, not even by the parts it lists."""
    parties: dict[FaultClass, list[str]] = Field(default_factory=dict)
    """Names of the one party an entry makes responsible ("Error source: Vehicle"), by the class
    a fault of that party is: the manufacturer's own attribution decides the class."""

    @cached_property
    def by_ocpp_code(self) -> dict[str, FaultClass]:
        return {code.casefold(): c for c, rules in self.classes.items() for code in rules.ocpp_codes}


def load_playbook(path: Path | None = None) -> Playbook:
    """The playbook at ``path`` (default: the bundled one); a bad file names the key at fault."""
    path = path or BUNDLED
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    if set(playbook.classes) != set(FaultClass):
        missing = ", ".join(sorted(set(FaultClass) - set(playbook.classes)))
        raise ValueError(f"{path.name}: classes: every fault class needs rules (missing: {missing})")
    return playbook


@dataclass(frozen=True)
class Classification:
    fault_class: FaultClass
    basis: str
    """What it was recognised from: vendor_table, standard_table, ocpp_code, charger_text,
    charger_message (the vendor's entry whose message the charger's text repeats), vendor_mention
    (the vendor's words around a code no entry defines), similarity, unknown."""
    confidence: float
    why: tuple[str, ...] = ()
    """The evidence, in words ("the manual flags it as a safety fault", '"welded" in its title')."""


_SAFE = FaultClass.ELECTRICAL_SAFETY
REPORTED_WEIGHT = 2
"""What a specific OCPP error code sent with the fault weighs against an entry's keyword hits
(as much as one hit in the entry's title)."""


class Classifier:
    """Classifies faults with a playbook; ``embed`` (optional) enables the similarity fallback."""

    def __init__(self, playbook: Playbook, embed: Embed | None = None) -> None:
        self.playbook = playbook
        self._embed = embed
        self._centroids: np.ndarray | None = None

    def classify(self, fault: FaultFacts, entries: FaultEntries) -> Classification:
        """The fault's class, what it was recognised from and why (see the module docstring)."""
        found = self._safety(fault, entries) or self._class(fault, entries)
        if found is None:
            return Classification(FaultClass.UNKNOWN, "unknown", self._confidence("unknown"))
        fault_class, basis, why = found
        return Classification(fault_class, basis, self._confidence(basis), tuple(why))

    def documented_step(self, found: Found | None) -> Action | None:
        """The allowlisted action the entry's first remote step asks for, if it asks plainly
        (only its first clause counts, and not when it is conditional: "if …", "unless …");
        else ``set_inoperative`` when any step plainly says to keep or take it out of service
        (a manufacturer who wants the charger out of service gets it, remotely, at once)."""
        steps = found.entry.steps if found else []
        remote = [s.text for s in steps if s.remote]
        if remote and (action := self._asked(remote[0])):
            return action
        out_of_service = self.playbook.remote_steps.get(Action.SET_INOPERATIVE, [])
        if any(self._plain(s.text) and hits(self._plain(s.text), out_of_service) for s in steps):
            return Action.SET_INOPERATIVE
        return None

    def _asked(self, step: str) -> Action | None:
        clause = self._plain(step)
        found_at = [
            (fold(clause).find(hit.casefold().split()[0]), action)
            for action, phrases in self.playbook.remote_steps.items()
            for hit in hits(clause, phrases)
        ]
        return min(found_at, key=lambda item: item[0])[1] if found_at else None

    @staticmethod
    def _plain(step: str) -> str:
        """The step's first clause, or ``""`` when it is conditional."""
        clause = re.split(r"[;.]\s|\s[—–]\s|,\s(?:then|and)\s", step.strip(), maxsplit=1)[0]
        return "" if re.match(r"\s*(if|unless|only if|when|once|after)\b", clause, re.I) else clause

    def class_words(self, fault_class: FaultClass, text: str) -> list[str]:
        """The keywords of ``fault_class`` (hazards included) that ``text`` holds."""
        rules = self.playbook.classes[fault_class]
        return hits(text, [*rules.keywords, *rules.cause_keywords])

    def _confidence(self, basis: str) -> float:
        return self.playbook.confidence.get(basis, 0.5)

    def _safety(self, fault: FaultFacts, entries: FaultEntries) -> tuple[FaultClass, str, list[str]] | None:
        """The first safety signal found, with every reason seen (see the module docstring)."""
        rules = self.playbook.classes[_SAFE]
        signals: list[tuple[str, str]] = []
        for found in [*entries.all(), *filter(None, [entries.mentioned, entries.described])]:
            basis = "vendor_mention" if found is entries.mentioned else _basis(found)
            basis = "charger_text" if found is entries.described else basis
            signals += [(basis, why) for why in _entry_safety(found.entry, rules)]
        if self._reported(fault) is _SAFE:
            signals.append(("ocpp_code", f"OCPP errorCode {fault.error_code or fault.vendor_error_code}"))
        names = " ".join(filter(None, [fault.component, fault.variable]))
        keywords = [*rules.keywords, *rules.cause_keywords]
        signals += [("ocpp_code", f'"{k}" in the component/variable name') for k in hits(names, keywords)]
        said = safety_hits(" . ".join(filter(None, [fault.vendor_error_code, fault.info])), keywords, rules)
        signals += [("charger_text", f'"{k}" in the charger\'s text') for k in said]
        return (_SAFE, signals[0][0], [why for _, why in signals]) if signals else None

    def _class(self, fault: FaultFacts, entries: FaultEntries) -> tuple[FaultClass, str, list[str]] | None:
        """The non-safety class from the strongest evidence, in the order of the module docstring."""
        reported = self._reported(fault)
        for found in filter(None, [entries.vendor]):
            if result := self._from_entry(found, reported):
                return result
        if reported:
            return reported, "ocpp_code", [f"OCPP errorCode {fault.error_code or fault.vendor_error_code}"]
        for found in filter(None, [entries.standard]):
            if result := self._from_entry(found):
                return result
        names = " ".join(filter(None, [fault.component, fault.variable]))
        if names and (c := self._by_keywords(names, "")):
            return c, "ocpp_code", [f"the component/variable {names}"]
        if named := self._message_class(fault, entries):
            c, entry = named
            return c, "charger_message", [f"the charger's text is the document's message \"{entry.code}\""]
        if c := self.mentioned_class(entries):
            said = entries.mentioned.entry
            return c, "vendor_mention", [f"the document's words around {said.code}: {said.title}"]
        first = entries.first  # not a mention: a sentence around a code is no definition
        if first and not self._vague(first.entry) and (c := self._by_similarity(entry_text(first.entry))):
            return c, "similarity", [f"the entry for {first.entry.code} reads like a {c.value} fault"]
        return None

    def _message_class(self, fault: FaultFacts, entries: FaultEntries) -> tuple[FaultClass, CodeEntry] | None:
        """Where nothing coded names a class: the class of the manufacturer's entry whose message
        the charger's text repeats (a document keyed by messages, a 2.0.1 ``techInfo`` naming
        one) or whose code it names ("err=8"), when every such entry names the same one. Free
        text, so only a guess: it never sends more than a hold (see the playbook reasoner)."""
        said = fault.info or ""
        named = [f for f in entries.hinted if repeats(said, f.entry) or names_code(fault, f.entry)]
        classes = {found[0] if (found := self._from_entry(f)) else None for f in named}
        if len(classes) != 1 or None in classes:
            return None
        return classes.pop(), named[0].entry

    def mentioned_class(self, entries: FaultEntries) -> FaultClass | None:
        """The class the words around a mention of the code name (keywords only: a sentence
        around a code is no definition to compare by similarity)."""
        said = entries.mentioned
        return self._by_keywords(said.entry.title, said.entry.meaning) if said else None

    def _reported(self, fault: FaultFacts) -> FaultClass | None:
        """The class of the OCPP error code the charger sent: its ``errorCode``, or a 2.0.1
        ``techCode`` that is a 1.6 error code name (``HighTemperature``)."""
        for code in (fault.error_code, fault.vendor_error_code if not fault.error_code else None):
            if code and (c := self.playbook.by_ocpp_code.get(code.strip().casefold())):
                return c
        return None

    def _vague(self, entry: CodeEntry) -> bool:
        """Whether the entry only says that an error exists (see :attr:`Playbook.vague`), or says
        nothing but words for "error" ("Error", "fault 11": no word of what kind)."""
        text = f"{entry.title}. {entry.meaning}. {' '.join(entry.causes)}"
        return bool(hits(text, [*self.playbook.vague, *self.playbook.catch_all])) or not _content_words(text)

    def _from_entry(
        self, found: Found, reported: FaultClass | None = None
    ) -> tuple[FaultClass, str, list[str]] | None:
        """The class of the one party the entry makes responsible ("Error source: Vehicle"), else
        the class its words name — its title, the manufacturer's category and responsible weigh
        most; ``reported`` (the class of a
        specific OCPP code the charger sent) adds weight to its class where the entry names any
        ("voltage to the vehicle dropped" sent as ``UnderVoltage`` is a supply fault). A
        catch-all entry names none, whatever parts it lists as possible places."""
        entry = found.entry
        if hits(f"{entry.title}. {entry.meaning}", self.playbook.catch_all):
            return None
        if c := self._party(entry.responsible):
            return (
                c,
                _basis(found),
                [f"the entry for {entry.code} makes the {entry.responsible.lower()} responsible"],
            )
        named = ". ".join(filter(None, [entry.title, entry.category, entry.responsible]))
        if c := self._by_keywords(named, entry_text(entry), reported):
            return c, _basis(found), [f"the entry for {entry.code}: {entry.title or entry.meaning[:80]}"]
        if entry.ocpp and (c := self.playbook.by_ocpp_code.get(entry.ocpp.casefold())):
            return c, _basis(found), [f"the entry for {entry.code} pairs it with {entry.ocpp}"]
        return None

    def _party(self, responsible: str) -> FaultClass | None:
        """The class of the one party ``responsible`` names, all of it (``Vehicle``, not
        ``Vehicle / Charger``)."""
        said = " ".join(re.findall(r"\w+", responsible.casefold()))
        return (
            next((c for c, names in self.playbook.parties.items() if said in names), None) if said else None
        )

    def _by_keywords(self, title: str, body: str, reported: FaultClass | None = None) -> FaultClass | None:
        """The class whose keywords the text holds most (a title hit counts twice, ``reported``
        adds :data:`REPORTED_WEIGHT` once the text names any class); ties go to the class listed
        first. Electrical safety is not scored here: it is a veto."""
        scores = {
            c: 2 * len(hits(title, rules.keywords)) + len(hits(body, rules.keywords))
            for c, rules in self.playbook.classes.items()
            if c is not _SAFE
        }
        if not any(scores.values()):
            return None
        if reported in scores:
            scores[reported] += REPORTED_WEIGHT
        best = max(scores.values())
        return next(c for c, s in scores.items() if s == best)

    def _by_similarity(self, text: str) -> FaultClass | None:
        if self._embed is None or not text.strip():
            return None
        classes = [c for c in self.playbook.classes if c not in (FaultClass.UNKNOWN, _SAFE)]
        if self._centroids is None:
            self._centroids = self._embed([self.playbook.classes[c].description for c in classes])
        scores = self._centroids @ self._embed([text])[0]
        return classes[int(np.argmax(scores))] if float(np.max(scores)) >= 0.25 else None


_EMPTY_WORDS = frozenset(
    {"error", "errors", "fault", "faults", "failure", "code", "status", "state", "general", "the", "an", "a"}
)
"""Words that say a fault exists without saying what it is."""


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]{2,}", text.casefold()) if w not in _EMPTY_WORDS]


def _basis(found: Found) -> str:
    return "standard_table" if found.standard else "vendor_table"


def entry_text(entry: CodeEntry, *, causes: bool = True) -> str:
    """What an entry says a fault is: title, meaning, category and (``causes``) its causes — not
    its remedy: "do not use if the cable is damaged" in a remedy does not make a lock fault a
    damaged cable."""
    listed = entry.causes if causes else []
    title = re.sub(r"\s*:\s+", " ", entry.title)  # a label: "Connector Voltage: High" says "… voltage high"
    return ". ".join(filter(None, [title, entry.meaning, entry.category, *listed]))


def _unconditional(text: str) -> str:
    """``text`` without its conditional sentences ("If it persists, there may be a short circuit
    in the cable"): what might follow is a possible cause, not what the fault is. Hazards still
    veto from anywhere (``cause_keywords``)."""
    return " ".join(s for s in re.split(r"(?<=[.!?])\s+", text) if not _CONDITIONAL.match(s))


_CONDITIONAL = re.compile(r"\s*(?:if|unless|should|in case|when it (?:persists|recurs))\b", re.IGNORECASE)


def _entry_safety(entry: CodeEntry, rules: ClassRules) -> list[str]:
    """Why the entry marks an electrical-safety fault (empty when it does not): the document's
    flag or OCPP code, a safety keyword naming the fault, a hazard anywhere (its causes too), or
    a remedy only a hazard calls for ("do not re-energise")."""
    reasons = ["the document flags it as a safety fault"] if entry.safety else []
    if entry.ocpp and entry.ocpp.casefold() in {c.casefold() for c in rules.ocpp_codes}:
        reasons.append(f"the document pairs it with OCPP {entry.ocpp}")
    named = safety_hits(_unconditional(entry_text(entry, causes=False)), rules.keywords, rules)
    hazards = safety_hits(entry_text(entry), rules.cause_keywords, rules)
    reasons += [f'"{k}" in the entry for {entry.code}' for k in [*named, *hazards]]
    said = hits(entry.remedy, rules.remedy_keywords)
    return reasons + [f'its remedy says "{k}"' for k in said]


def safety_hits(text: str, keywords: list[str], rules: ClassRules) -> list[str]:
    """The safety ``keywords`` in ``text``, sentence by sentence; in a sentence about a signal
    circuit (``rules.signal_circuits``: "the diode of the control pilot circuit is short-circuited")
    its ``signal_hazards`` do not count: a shorted pilot stops the charge, it is no power hazard."""
    found: list[str] = []
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        signal = bool(rules.signal_circuits) and bool(hits(sentence, rules.signal_circuits))
        wanted = [k for k in keywords if not (signal and k in rules.signal_hazards)]
        found += [k for k in hits(sentence, wanted) if k not in found]
    return found
