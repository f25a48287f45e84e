"""One recurrence rule for every reasoner: the fault itself reported N times, N faults of its class
or signature in the window, or an action for it or its class that did not fix it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.agent.recurrence import Recurrence, assess
from app.agent.state import FaultClass, FaultFacts, History, PastAction, PastFault

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
RULES = Recurrence(count=3, window_seconds=86400)
THERMAL = FaultClass.THERMAL


def fault(occurrences: int = 1) -> FaultFacts:
    return FaultFacts(
        id=9,
        charger_id="CP-1",
        signature="CP-1:1:HighTemperature",
        occurrences=occurrences,
        opened_at=NOW - timedelta(hours=1),
        last_seen_at=NOW,
    )


def earlier(hours_ago: float, *, fault_class=THERMAL, signature="CP-1:1:Other") -> PastFault:
    return PastFault(
        id=int(hours_ago * 10),
        signature=signature,
        fault_class=fault_class,
        opened_at=NOW - timedelta(hours=hours_ago),
    )


def test_a_first_fault_is_not_recurring():
    found = assess(fault(), History(), THERMAL, RULES)
    assert not found.recurring and found.evidence == []


def test_reported_n_times_recurs():
    assert assess(fault(occurrences=3), History(), THERMAL, RULES).recurring


@pytest.mark.parametrize(
    ("faults", "recurring"),
    [
        ([earlier(2), earlier(5)], True),  # two earlier of the class + this one
        ([earlier(2)], False),
        ([earlier(2), earlier(30)], False),  # the second is outside the window
        (
            [earlier(2, fault_class=None, signature="CP-1:1:HighTemperature"), earlier(3)],
            True,
        ),  # same signature
        ([earlier(2, fault_class=FaultClass.SUPPLY), earlier(3, fault_class=FaultClass.SUPPLY)], False),
    ],
)
def test_earlier_faults_of_the_class_or_signature_in_the_window_count(faults, recurring):
    assert assess(fault(), History(faults=faults), THERMAL, RULES).recurring is recurring


def test_an_action_that_did_not_fix_it_makes_it_recurring_and_says_so():
    tried = PastAction(
        fault_id=9, action="soft_reset", outcome="not_fixed", started_at=NOW - timedelta(minutes=30)
    )
    found = assess(fault(), History(actions=[tried]), THERMAL, RULES)
    assert found.recurring and any("did not fix it (not_fixed)" in line for line in found.evidence)
