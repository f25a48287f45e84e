"""What became of an action sent to a charger, in the words a technician reads at a glance.

An action attempt's ``outcome`` (:class:`app.store.models.ActionAttempt`) is a status word
(``not_connected``, ``verifying``, …); the console shows it as a short phrase with a tone, and
marks as an *alarm* a failure that leaves a hazard in place: taking a connector out of service
(``set_inoperative``, the guard's safe state) that did not happen, or any failed action on an
electrical-safety fault. An alarm is never colour alone: its text says so ("NOT ISOLATED").

``static/feed.js`` applies the same rule to live rows, from :func:`for_script`.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.agent.state import FaultClass
from app.guard.actions import Action

OUTCOMES: dict[str, tuple[str, str]] = {
    "accepted": ("done: the charger accepted", "ok"),
    "verifying": ("sent: checking it worked", "info"),
    "fixed": ("fixed: the charger recovered", "ok"),
    "not_fixed": ("did not fix it", "bad"),
    "unknown": ("no report since: unknown", "warn"),
    "rejected": ("refused by the charger", "bad"),
    "call_error": ("the charger answered an error", "bad"),
    "timeout": ("no answer: may not have acted", "warn"),
    "disconnected": ("connection lost: may not have acted", "warn"),
    "not_connected": ("not sent: charger not connected", "bad"),
    "error": ("not sent: error", "bad"),
    "dry_run": ("dry run: nothing sent", "muted"),
}
"""Each outcome's phrase and tone (``ok``, ``info``, ``warn``, ``bad``, ``muted``)."""
IN_FLIGHT = ("sending…", "info")
ISOLATING = frozenset({Action.SET_INOPERATIVE.value})
"""Actions that take a connector out of service: failing to, the hazard stays live."""
SAFETY_CLASSES = frozenset({FaultClass.ELECTRICAL_SAFETY.value})
FAILED_TONES = frozenset({"bad", "warn"})
NOT_ISOLATED = "NOT ISOLATED"


@dataclass(frozen=True)
class OutcomeView:
    label: str
    tone: str
    alarm: bool = False


def outcome_view(action: str, outcome: str | None, fault_class: str | None) -> OutcomeView:
    """How the outcome of ``action`` on a fault of ``fault_class`` reads (``None``: in flight)."""
    if outcome is None:
        return OutcomeView(*IN_FLIGHT)
    label, tone = OUTCOMES.get(outcome, (outcome.replace("_", " "), "muted"))
    failed = tone in FAILED_TONES
    if failed and action in ISOLATING:
        label = f"{NOT_ISOLATED}: {label}"
    return OutcomeView(label, tone, alarm=failed and (action in ISOLATING or fault_class in SAFETY_CLASSES))


def outcome_chip(view: OutcomeView) -> Markup:
    """The outcome as a chip; an alarm is a solid red one with a warning sign."""
    tone = "alarm" if view.alarm else view.tone
    return Markup('<span class="chip chip-{} outcome">{}</span>').format(tone, view.label)


def for_script() -> dict:
    """The table and the alarm rule, for ``static/feed.js``."""
    return {
        "outcomes": OUTCOMES,
        "in_flight": IN_FLIGHT,
        "isolating": sorted(ISOLATING),
        "safety_classes": sorted(SAFETY_CLASSES),
        "failed_tones": sorted(FAILED_TONES),
        "not_isolated": NOT_ISOLATED,
    }
