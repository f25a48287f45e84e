"""Properties of the guard over any proposal, whoever made it: no unlock reaches a connector in a
session and no reset reaches a charger with any session, unless an operator approves it.

The oracle here is written independently of :mod:`app.guard.reach`: a session is out of an
action's reach only when it is certainly elsewhere (another known connector, or another known
EVSE), and a reset reaches every session of the charger.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.guard.actions import DEVICE_ACTIONS, Action, ActionParams, Proposal
from app.guard.policy import GuardContext, Mode, Policy, PriorAction, Verdict, decide
from app.guard.reach import Place, session_places

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SENT = frozenset({Verdict.EXECUTE})
"""Verdicts under which something reaches the charger without a person (dry run sends nothing)."""

ids = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
places = st.builds(Place, evse_id=ids, connector_id=ids)
params = st.builds(ActionParams, evse_id=ids, connector_id=ids)
proposals = st.builds(
    Proposal,
    action=st.sampled_from(list(Action)),
    params=params,
    escalate=st.booleans(),
    confidence=st.floats(min_value=0, max_value=1),
)
policies = st.sampled_from(
    [
        Policy(),
        Policy(modes=dict.fromkeys(DEVICE_ACTIONS, Mode.AUTO)),
        Policy(modes=dict.fromkeys(DEVICE_ACTIONS, Mode.AUTO), busy_forbidden=frozenset()),
        Policy(modes=dict.fromkeys(DEVICE_ACTIONS, Mode.AUTO), min_confidence=0, require_citations=False),
    ]
)
priors = st.lists(
    st.builds(
        PriorAction,
        action=st.sampled_from(DEVICE_ACTIONS),
        outcome=st.sampled_from([None, "fixed", "not_fixed", "verifying", "rejected"]),
        started_at=st.integers(min_value=0, max_value=200_000).map(lambda s: NOW - timedelta(seconds=s)),
    ),
    max_size=3,
)
contexts = st.builds(
    GuardContext,
    now=st.just(NOW),
    charger_id=st.just("CP-1"),
    site_id=st.sampled_from([None, "S-1"]),
    fault_class=st.sampled_from(["controller", "connector_lock", "unknown", "thermal", "electrical_safety"]),
    fault_place=st.one_of(st.none(), places),
    sessions=st.lists(places, max_size=3),
    actions=priors,
    site_automatic_actions=st.integers(min_value=0, max_value=8),
    grounded=st.booleans(),
)


def certainly_elsewhere(target: ActionParams, session: Place) -> bool:
    """The session is surely not where an unlock with ``target`` lands."""
    if not target.connector_id:  # no connector (or 1.6's connector 0): nowhere in particular
        return False
    other_connector = session.connector_id not in (None, 0) and session.connector_id != target.connector_id
    other_evse = (
        target.evse_id not in (None, 0)
        and session.evse_id not in (None, 0)
        and session.evse_id != target.evse_id
    )
    return other_connector or other_evse


def ends_a_session(proposal: Proposal, sessions: list[Place]) -> bool:
    if proposal.action.is_reset:
        return bool(sessions)
    if proposal.action is Action.UNLOCK_CONNECTOR:
        return any(not certainly_elsewhere(proposal.params, s) for s in sessions)
    return False


@settings(max_examples=3000, deadline=None)
@given(proposal=proposals, context=contexts, policy=policies)
def test_no_session_is_ended_without_an_operator(proposal, context, policy):
    decision = decide(proposal, context, policy)
    if ends_a_session(proposal, context.sessions):
        assert decision.verdict not in SENT, (proposal, context.sessions, decision.reasons)


@settings(max_examples=1000, deadline=None)
@given(proposal=proposals, context=contexts, policy=policies)
def test_an_electrical_safety_fault_ends_isolated_or_escalated(proposal, context, policy):
    context = context.model_copy(update={"fault_class": "electrical_safety"})
    decision = decide(proposal, context, policy)
    assert decision.escalate, decision.reasons


statuses = st.sampled_from(["Available", "Charging", "SuspendedEV", "SuspendedEVSE", "Occupied", "Faulted"])
connector_maps = st.dictionaries(
    st.tuples(st.integers(0, 2), st.integers(0, 3)).map(lambda k: f"{k[0]}/{k[1]}"),
    statuses.map(lambda s: {"status": s}),
    max_size=5,
)


@settings(max_examples=500, deadline=None)
@given(connectors=connector_maps, open_sessions=st.lists(st.tuples(ids, ids), max_size=3))
def test_every_connector_in_a_session_state_and_every_open_transaction_is_a_session_place(
    connectors, open_sessions
):
    found = session_places(connectors, open_sessions)
    for key, state in connectors.items():
        if state["status"] in ("Charging", "SuspendedEV", "SuspendedEVSE", "Occupied"):
            evse, connector = (int(x) for x in key.split("/"))
            assert Place(evse_id=evse or None, connector_id=connector or None) in found
    for evse, connector in open_sessions:
        assert Place(evse_id=evse or None, connector_id=connector or None) in found
