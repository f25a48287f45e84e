"""When a fault counts as recurring: one definition, whichever reasoner diagnosed it.

The playbook reads it to choose between its first and its recurring step; the diagnose node
applies it to every reasoner's diagnosis (an LLM's own opinion on recurrence is not used).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from app.agent.state import FaultClass, FaultFacts, History

NOT_FIXED = frozenset({"not_fixed", "timeout"})
"""Outcomes of an earlier action that make the fault recur: the action did not help."""


class Recurrence(BaseModel):
    """When a fault counts as recurring (from the settings ``recurrence_*``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    count: int = Field(3, ge=1)
    window_seconds: float = Field(86400, gt=0)


class Assessment(BaseModel):
    """Whether the fault recurs, and the history lines that show it (for the diagnosis' evidence)."""

    recurring: bool
    evidence: list[str]


def assess(fault: FaultFacts, history: History, fault_class: FaultClass, rules: Recurrence) -> Assessment:
    """Recurring when, within ``rules.window_seconds`` before the fault was last seen: it was
    reported ``rules.count`` times, or it and earlier faults of the same class (or the same
    signature) number ``rules.count``, or an action for it or its class ended not fixed."""
    since = fault.last_seen_at - timedelta(seconds=rules.window_seconds)
    same = [
        f
        for f in history.faults
        if (f.fault_class == fault_class or f.signature == fault.signature) and f.opened_at >= since
    ]
    failed = [
        a
        for a in history.actions
        if a.outcome in NOT_FIXED
        and a.started_at >= since
        and (a.fault_id == fault.id or a.fault_class == fault_class)
    ]
    hours = rules.window_seconds / 3600
    evidence = []
    if fault.occurrences > 1:
        evidence.append(f"reported {fault.occurrences} times since {fault.opened_at:%Y-%m-%d %H:%M} UTC")
    if same:
        evidence.append(f"{len(same)} earlier {fault_class.value} fault(s) in the last {hours:g} h")
    evidence += [
        f"{a.action} at {a.started_at:%Y-%m-%d %H:%M} UTC did not fix it ({a.outcome})" for a in failed
    ]
    recurring = fault.occurrences >= rules.count or len(same) + 1 >= rules.count or bool(failed)
    return Assessment(recurring=recurring, evidence=evidence)
