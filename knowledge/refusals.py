"""Whether a document says a restart or reset does *not* fix a fault.

"A restart does not help", "resetting will not clear this error", "cannot be reset remotely",
"do not restart": a manufacturer who says so wants no reset, and someone on site. Ingest uses it so
such a sentence is never read as a remote step (it names "restart"); the agent uses it so no reset
is proposed for the code. Generic English, no vendor: the verbs and their negations only.
"""

from __future__ import annotations

import re

_RESTART = r"(?:restart|reboot|reset|power[- ]?cycl|re-?start|re-?boot|re-?initiali[sz])\w*"
_FIX = r"(?:help|fix|clear|solve|resolve|work|cure|remove|recover|rectify|correct|change|restore|repair)\w*"
_NOT = r"(?:not|n't|never|no\s+longer)"

_GAP = r"(?:(?!\b(?:if|when|unless|and|then|or|but)\b)[^.;:]){0,40}?"
"""Up to 40 characters within one clause, not across "if/and/then": "restart it and if the error
does not clear, call support" is a restart followed by a condition, not a refusal."""

_REFUSED = re.compile(
    "|".join(
        [
            # "a restart does not help", "resetting will not clear the error", "a reboot won't fix it"
            rf"\b{_RESTART}\b{_GAP}\b(?:(?:does|do|did|will|would|can|could|is|are)\s*{_NOT}|won't|cannot|can\s+not)\s+(?:\w+\s+)?{_FIX}\b",
            # "do not restart", "must not be reset", "cannot be restarted remotely", "never reset"
            rf"\b(?:(?:do|does|must|should|shall|can|could)\s*{_NOT}|cannot|can\s+not|never)\s+(?:be\s+)?(?:\w+\s+){{0,2}}?{_RESTART}\b",
            # "not fixed by a restart", "not cleared by resetting"
            rf"\bnot\s+(?:be\s+)?(?:fixed|cleared|solved|resolved|recovered|removed)\s+(?:by|with|through)\s+(?:an?\s+)?(?:\w+\s+)?{_RESTART}\b",
            # "only an authorised technician can clear it": nothing remote will
            rf"\bonly\s+(?:an?\s+|the\s+)?(?:\w+\s+){{0,2}}?(?:technician|electrician|installer|engineer|service\s+partner|service)s?\s+(?:can|may|is\s+able\s+to)\s+{_FIX}\b",
            # "no reset will clear this"
            rf"\bno\s+(?:remote\s+)?{_RESTART}\b{_GAP}\b{_FIX}\b",
        ]
    ),
    re.IGNORECASE,
)


def restart_refused(text: str) -> bool:
    """Whether ``text`` says a restart/reset does not fix the fault or must not be done.

    >>> restart_refused("A technician corrects the DIP-switch setting on site; a restart does not help.")
    True
    >>> restart_refused("Restart the charger from the app; if the error returns, call service.")
    False
    """
    return any(_refused(clause) for clause in re.split(r"[.;!?]\s+|\n+", text))


def _refused(clause: str) -> bool:
    if _CONDITIONAL.match(clause):  # "if it recurs within 24 h, do not reset again": a later case
        return False
    return any(not _CONDITION.search(clause[: m.start()]) for m in _REFUSED.finditer(clause))


_CONDITIONAL = re.compile(r"\s*(?:if|when|whenever|unless|should|once|after|in\s+case)\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|when|whenever|unless|should|in\s+case)\b", re.IGNORECASE)
"""A refusal after a condition in its clause is about a later case ("reset once, and if it
recurs do not reset again") or is itself the condition of a further step ("… and if a restart
does not help, call service"): either way a restart is worth trying first."""
