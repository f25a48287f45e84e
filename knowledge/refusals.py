"""Whether a document says a restart or reset (or a remote unlock) does *not* fix a fault.

"A restart does not help", "resetting will not clear this error", "cannot be reset remotely",
"do not restart": a manufacturer who says so wants no reset, and someone on site. Ingest uses it so
such a sentence is never read as a remote step (it names "restart"); the agent uses it so no reset
is proposed for the code. Generic English (and the common German and French wordings), no vendor:
the verbs and their negations only.
"""

from __future__ import annotations

import re

_RESTART = (
    r"(?:restart|reboot|reset|power[- ]?cycl|re-?start|re-?boot|re-?initiali[sz]"
    r"|neu\s?start|red[ée]marr|herstart|riavvi|reinici|omstart|starta\s+om|uruchom)\w*"
)
"""A restart in the words of English, German, French, Dutch, Italian, Spanish, Swedish and Polish
manuals."""
_FIX = (
    r"(?:help|fix|clear|solve|resolve|work|cure|remove|recover|rectify|correct|change|restore|repair"
    r"|leave|exit|end)\w*"
)
_NOT = r"(?:not|n't|never|no\s+longer)"

_GAP = r"(?:(?!\b(?:if|when|unless|and|then|or|but)\b)[^.;:]){0,40}?"
"""Up to 40 characters within one clause, not across "if/and/then": "restart it and if the error
does not clear, call support" is a restart followed by a condition, not a refusal."""


def _refusals(verb: str, *, extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The sentences that say the remote step ``verb`` (a regex of its word forms) does not fix
    the fault, and the ``extra`` ones."""
    return re.compile(
        "|".join(
            [
                # "a restart does not help", "resetting will not clear the error", "a reboot won't fix it"
                rf"\b{verb}\b{_GAP}\b(?:(?:does|do|did|will|would|can|could|is|are)\s*{_NOT}|won't|cannot|can\s+not)\s+(?:\w+\s+)?{_FIX}\b",
                # "not fixed by a restart", "not cleared by resetting"
                rf"\bnot\s+(?:be\s+)?(?:fixed|cleared|solved|resolved|recovered|removed)\s+(?:by|with|through)\s+(?:an?\s+)?(?:\w+\s+)?{verb}\b",
                # "no reset will clear this"
                rf"\bno\s+(?:remote\s+)?{verb}\b{_GAP}\b{_FIX}\b",
                *extra,
            ]
        ),
        re.IGNORECASE,
    )


_OTHER_LANGUAGES = (
    # German: "wird durch einen Reset nicht behoben", "ein Neustart hilft nicht", "nicht (aus der
    # Ferne) neu starten", "keinen Reset senden"
    r"\b(?:durch|mit)\s+(?:einen|einem|ein)\s+(?:reset|neustart)\s+nicht\s+(?:behoben|beseitigt|gel[öo]st|quittiert)",
    r"\b(?:reset|neustart)\s+(?:hilft|behebt|l[öo]st|beseitigt)\s+(?:\w+\s+){0,2}?nicht\b",
    r"\bnicht\s+(?:aus\s+der\s+ferne\s+|per\s+fernzugriff\s+)?(?:neu\s+starten|neustarten|zur[üu]cksetzen|resetten)\b",
    r"\bkeinen?\s+(?:reset|neustart)\b",
    # French: "ne pas redémarrer", "un redémarrage ne résout pas"
    r"\bne\s+pas\s+(?:red[ée]marrer|r[ée]initialiser)\b",
    r"\b(?:red[ée]marrage|r[ée]initialisation)\s+ne\s+(?:r[ée]sout|corrige|suffit)\s+pas\b",
    # Italian: "non riavviare", "un riavvio non risolve"; Spanish: "no reiniciar", "un reinicio no
    # soluciona"; Dutch: "niet herstarten", "een herstart lost het niet op"
    r"\bnon\s+(?:riavviare|resettare|ripristinare\s+da\s+remoto)\b",
    r"\b(?:riavvio|reset)\s+non\s+(?:risolve|elimina|basta)\b",
    r"\bno\s+(?:reiniciar|reinicie|resetear)\b",
    r"\b(?:reinicio|reseteo)\s+no\s+(?:soluciona|resuelve|elimina)\b",
    r"\bniet\s+(?:herstarten|resetten|opnieuw\s+opstarten)\b",
    r"\b(?:herstart|reset)\s+lost\s+(?:\w+\s+){0,2}?niet\b",
    # Polish: "nie restartować", "restart nie usuwa tego błędu"; Swedish: "starta inte om",
    # "en omstart tar inte bort koden"
    r"\bnie\s+(?:wykonywać\s+)?(?:restartować|resetować|restart[óo]w|uruchamiać\s+ponownie)",
    r"\b(?:restart|reset)\s+nie\s+(?:usuwa|naprawia|pomaga)\b",
    r"\bstarta\s+inte\s+om\b",
    r"\bomstart\s+(?:tar\s+inte\s+bort|hjälper\s+inte|gör\s+inte)\b",
)
"""The same refusals as German, French, Italian, Spanish, Dutch, Polish and Swedish manuals word them."""

_REPAIRS = (
    # "permanently broken and requires repair", "a permanent fault", "needs to be repaired"
    r"\bpermanent(?:ly)?\s+(?:broken|faulty|defective|damaged|failed)\b",
    r"\bpermanent\s+(?:fault|failure|error|defect)\b",
    r"\b(?:requires?|needs?)\s+(?:a\s+)?repair\b",
    r"\b(?:must|has\s+to|needs\s+to)\s+be\s+repaired\b",
    # German, French, Italian, Spanish, Dutch
    r"\b(?:dauerhaft|permanent)\s+defekt\b",
    r"\b(?:d[ée]faut|panne)\s+permanent",
    r"\bguasto\s+permanente\b",
    r"\b(?:aver[íi]a|fallo)\s+permanente\b",
    r"\bpermanent\s+(?:defect|kapot)\b",
)
"""Sentences saying the unit is broken for good and must be repaired: a person goes, whatever
kind of fault it is."""
_REPAIR = re.compile("|".join(_REPAIRS), re.IGNORECASE)

_REFUSED = _refusals(
    _RESTART,
    extra=(
        # "do not restart", "must not be reset", "cannot be restarted remotely", "never reset"
        rf"\b(?:(?:do|does|must|should|shall|can|could)\s*{_NOT}|cannot|can\s+not|never)\s+(?:be\s+)?(?:\w+\s+){{0,2}}?{_RESTART}\b",
        # "only an authorised technician can clear it": nothing remote will
        rf"\bonly\s+(?:an?\s+|the\s+)?(?:\w+\s+){{0,2}}?(?:technician|electrician|installer|engineer|service\s+partner|service)s?\s+(?:can|may|is\s+able\s+to)\s+{_FIX}\b",
        *_REPAIRS,  # a permanent fault: nothing a restart mends
        *_OTHER_LANGUAGES,
    ),
)
_UNLOCK = r"(?:unlock|releas)\w*(?:\s+(?:requests?|commands?|attempts?))?"
_UNLOCK_REFUSED = _refusals(  # not "cannot unlock": that is what a lock fault is, not a refusal
    _UNLOCK,
    extra=(
        # "the firmware does not move the lock at all, not even to release it"
        rf"\bnot\s+even\s+to\s+{_UNLOCK}",
        rf"\b(?:does|do|will|would)\s*{_NOT}\s+(?:\w+\s+){{0,2}}?(?:move|drive|operate)\s+the\s+(?:lock|actuator)",
    ),
)


def restart_refused(text: str) -> bool:
    """Whether ``text`` says a restart/reset does not fix the fault or must not be done.

    >>> restart_refused("A technician corrects the DIP-switch setting on site; a restart does not help.")
    True
    >>> restart_refused("Restart the charger from the app; if the error returns, call service.")
    False
    """
    return _said(text, _REFUSED)


def repair_needed(text: str) -> bool:
    """Whether ``text`` says the unit is broken for good and must be repaired (a restart is then
    refused too, see :func:`restart_refused`).

    >>> repair_needed("The EVSE is permanently broken and requires repair.")
    True
    >>> repair_needed("If the error persists after a restart, contact service.")
    False
    """
    return _said(text, _REPAIR)


def restart_named(text: str) -> bool:
    """Whether ``text`` names a restart, reset or power cycle (however it is to be done: "Restart
    the charging station", "switch it off and on at the breaker") and does not refuse one.

    >>> restart_named("Restart the charging station; if the meter still does not answer, replace it.")
    True
    >>> restart_named("Check the Modbus wiring. A restart does not help.")
    False
    """
    named = re.search(rf"\b{_RESTART}|\boff\s+and\s+(?:back\s+)?on\b", text, re.IGNORECASE)
    return bool(named) and not restart_refused(text)


def unlock_refused(text: str) -> bool:
    """Whether ``text`` says a remote unlock does not help or the lock is not driven at all.

    >>> unlock_refused("Sending further unlock requests does not help: the lock stays latched.")
    True
    >>> unlock_refused("Unlock the connector from the back office.")
    False
    """
    return _said(text, _UNLOCK_REFUSED)


def _said(text: str, refusals: re.Pattern[str]) -> bool:
    return any(_refused(clause, refusals) for clause in re.split(r"[.;!?]\s+|\n+", text))


def _refused(clause: str, refusals: re.Pattern[str]) -> bool:
    if _CONDITIONAL.match(clause):  # "if it recurs within 24 h, do not reset again": a later case
        return False
    if _REPEAT.search(clause):  # "…; do not reset again": refuses a second try, not the first
        return False
    return any(not _CONDITION.search(clause[: m.start()]) for m in refusals.finditer(clause))


_REPEAT = re.compile(
    r"\b(?:again|a\s+second\s+time|second\s+(?:restart|reset|reboot)|twice|more\s+than\s+once|erneut"
    r"|nochmals|noch\s+einmal|[àa]\s+nouveau|de\s+nouveau|di\s+nuovo|de\s+nuevo|otra\s+vez|więcej|igen)\b",
    re.IGNORECASE,
)
"""Words that make a refusal one of a repeat ("do not reset again", "nie restartować więcej",
"starta inte om igen"): the first try is still the documented step. Not Dutch "opnieuw" nor Polish
"ponownie": "opnieuw opstarten", "uruchamiać ponownie" are the restart itself."""
_CONDITIONAL = re.compile(
    r"\s*(?:if|when|whenever|unless|should|once|after|in\s+case"
    r"|wenn|falls|sobald|si|lorsque|quand|als|indien|se|quando|qualora|cuando|jeżeli|jeśli|gdy|om|ifall|när)\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"\b(?:if|when|whenever|unless|should|in\s+case|wenn|falls|lorsque|quand|indien|quando|qualora|cuando"
    r"|jeżeli|jeśli|ifall)\b",
    re.IGNORECASE,
)
"""A refusal after a condition in its clause is about a later case ("reset once, and if it
recurs do not reset again") or is itself the condition of a further step ("… and if a restart
does not help, call service"): either way a restart is worth trying first. Conditions in the
languages the refusals know; the ambiguous short ones ("si", "se", "als") only opening a clause."""
