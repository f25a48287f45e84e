"""The guard's decision layer: each rule fires at its threshold and not just inside it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.guard.actions import DEVICE_ACTIONS, Action, ActionParams, Proposal
from app.guard.policy import (
    BUNDLED_POLICY,
    Decision,
    GuardContext,
    Mode,
    Policy,
    PriorAction,
    Verdict,
    decide,
    load_policy,
)
from app.guard.reach import Place

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY = 86400


def auto_policy(modes: dict[Action, Mode] | None = None, **changes) -> Policy:
    """Every device action automatic except as ``modes`` says; other keys default unless changed."""
    return Policy(modes=dict.fromkeys(DEVICE_ACTIONS, Mode.AUTO) | (modes or {}), **changes)


def prior(action: Action, seconds_ago: float, outcome: str | None = "fixed", **fields) -> PriorAction:
    return PriorAction(
        action=action, outcome=outcome, started_at=NOW - timedelta(seconds=seconds_ago), **fields
    )


def ctx(*actions: PriorAction, **fields) -> GuardContext:
    return GuardContext(now=NOW, charger_id="CP-1", fault_class="controller", actions=list(actions), **fields)


def propose(action: Action = Action.SOFT_RESET, **fields) -> Proposal:
    return Proposal(action=action, **fields)


def rule(decision: Decision) -> str:
    """The rule that set the verdict: the prefix of the first reason."""
    return decision.reasons[0].split(":")[0]


def assert_executes(decision: Decision) -> None:
    assert decision.verdict == Verdict.EXECUTE, decision.reasons
    assert rule(decision) == "execute"


def assert_blocked(decision: Decision, by: str) -> None:
    assert decision.verdict == Verdict.ESCALATE, decision.reasons
    assert rule(decision) == by
    assert decision.escalate


# --- rule 1: action none ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escalate", "verdict"), [(False, Verdict.NO_ACTION), (True, Verdict.ESCALATE)], ids=["quiet", "escalate"]
)
def test_none_sends_nothing(escalate, verdict):
    # confidence 0 would trip rule 3: rule 1 comes first
    decision = decide(propose(Action.NONE, escalate=escalate, confidence=0.0), ctx(), auto_policy())
    assert decision.verdict == verdict
    assert decision.escalate is escalate
    assert rule(decision) == "no action"
    assert decision.action == Action.NONE


# --- rule 2: uncited ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", [a for a in DEVICE_ACTIONS if a not in (Action.SET_INOPERATIVE, Action.TRIGGER_STATUS)]
)
def test_an_action_resting_on_no_citation_escalates(action):
    decision = decide(propose(action), ctx(grounded=False), auto_policy())
    assert_blocked(decision, "uncited")
    assert f"{action} is not sent" in decision.reasons[0]
    assert_executes(decide(propose(action), ctx(grounded=True), auto_policy()))
    assert_executes(decide(propose(action), ctx(grounded=False), auto_policy(require_citations=False)))


@pytest.mark.parametrize("action", [Action.SET_INOPERATIVE, Action.TRIGGER_STATUS])
def test_without_citations_the_safe_state_a_status_request_and_no_action_still_apply(action):
    assert_executes(decide(propose(action), ctx(grounded=False), auto_policy()))
    quiet = decide(propose(Action.NONE), ctx(grounded=False), auto_policy())
    assert quiet.verdict == Verdict.NO_ACTION and not quiet.escalate


# --- rule 3: confidence -------------------------------------------------------------------------


@pytest.mark.parametrize(("confidence", "blocked"), [(0.49, True), (0.5, False), (0.51, False)])
def test_low_confidence_escalates(confidence, blocked):
    decision = decide(propose(confidence=confidence), ctx(), auto_policy(min_confidence=0.5))
    if blocked:
        assert_blocked(decision, "confidence")
        assert "0.49" in decision.reasons[0] and "0.5" in decision.reasons[0]
    else:
        assert_executes(decision)


# --- rule 4: mode never / missing ---------------------------------------------------------------


def test_mode_never_escalates_and_auto_does_not():
    never = auto_policy({Action.SOFT_RESET: Mode.NEVER})
    assert_blocked(decide(propose(), ctx(), never), "mode")
    assert "never" in decide(propose(), ctx(), never).reasons[0]
    assert_executes(decide(propose(Action.CLEAR_CACHE), ctx(), never))


def test_action_missing_from_modes_escalates():
    policy = Policy(modes={Action.CLEAR_CACHE: Mode.AUTO})
    assert_blocked(decide(propose(Action.SOFT_RESET), ctx(), policy), "mode")
    assert_executes(decide(propose(Action.CLEAR_CACHE), ctx(), policy))


def test_unknown_mode_value_escalates():
    policy = Policy.model_construct(
        **(auto_policy().model_dump() | {"modes": {Action.SOFT_RESET: "sometimes"}})
    )
    assert_blocked(decide(propose(), ctx(), policy), "mode")


# --- rule 5: busy -------------------------------------------------------------------------------


HERE = Place(connector_id=1)
ELSEWHERE = Place(connector_id=2)
ON_1 = ActionParams(connector_id=1)


@pytest.mark.parametrize("action", [Action.UNLOCK_CONNECTOR, Action.HARD_RESET])
def test_busy_forbidden_waits_for_the_session(action):
    proposal = propose(action, params=ON_1)
    assert_blocked(decide(proposal, ctx(fault_place=HERE, sessions=[HERE]), auto_policy()), "busy")
    assert_executes(decide(proposal, ctx(fault_place=HERE), auto_policy()))


def test_a_session_on_another_connector_blocks_a_whole_charger_action_only():
    """A reset for a fault on connector 0 would cut off the session charging on connector 1; an
    unlock of the faulted connector would not."""
    elsewhere = ctx(fault_place=ELSEWHERE, sessions=[HERE])
    assert_blocked(decide(propose(Action.HARD_RESET), elsewhere, auto_policy()), "busy")
    unlock = propose(Action.UNLOCK_CONNECTOR, params=ActionParams(connector_id=2))
    assert_executes(decide(unlock, elsewhere, auto_policy()))


def test_the_action_is_judged_where_it_lands_not_where_the_fault_is():
    """The reported hole: a fault on idle connector 1, a car charging on connector 2. An unlock
    aimed at connector 2 reaches that session; a hard reset naming connector 1 or 2 restarts the
    whole charger (OCPP 1.6 Reset has no connector)."""
    context = ctx(fault_place=HERE, sessions=[ELSEWHERE])
    unlock_2 = propose(Action.UNLOCK_CONNECTOR, params=ActionParams(connector_id=2))
    assert_blocked(decide(unlock_2, context, auto_policy()), "busy")
    assert_blocked(decide(unlock_2, context, Policy()), "busy")
    for connector in (1, 2):
        reset = propose(Action.HARD_RESET, params=ActionParams(connector_id=connector))
        assert_blocked(decide(reset, context, auto_policy()), "busy")
        assert_blocked(decide(reset, context, Policy()), "busy")
    # the idle connector the fault is on may be unlocked
    assert_executes(decide(propose(Action.UNLOCK_CONNECTOR, params=ON_1), context, auto_policy()))


def test_a_2_0_1_session_is_matched_by_evse_and_connector():
    context = ctx(fault_place=Place(evse_id=1, connector_id=1), sessions=[Place(evse_id=2, connector_id=1)])
    same_connector_other_evse = ActionParams(evse_id=1, connector_id=1)
    assert_executes(
        decide(propose(Action.UNLOCK_CONNECTOR, params=same_connector_other_evse), context, auto_policy())
    )
    no_evse = ActionParams(connector_id=1)  # which EVSE is not said: assume the busy one
    assert_blocked(decide(propose(Action.UNLOCK_CONNECTOR, params=no_evse), context, auto_policy()), "busy")


def test_a_session_whose_place_is_unknown_blocks_every_unlock():
    context = ctx(fault_place=HERE, sessions=[Place()])
    assert_blocked(decide(propose(Action.UNLOCK_CONNECTOR, params=ON_1), context, auto_policy()), "busy")


@pytest.mark.parametrize(
    "policy", [auto_policy(busy_forbidden=frozenset()), Policy(busy_forbidden=frozenset())]
)
@pytest.mark.parametrize("action", [Action.SOFT_RESET, Action.HARD_RESET, Action.UNLOCK_CONNECTOR])
def test_ending_a_session_always_needs_an_operator_whatever_the_policy_lists(action, policy):
    """busy_forbidden decides between escalating and asking; it can never let a session be cut off."""
    decision = decide(propose(action, params=ON_1), ctx(fault_place=HERE, sessions=[HERE]), policy)
    assert decision.verdict is Verdict.NEEDS_APPROVAL and rule(decision) == "session", decision.reasons
    assert "connector 1" in decision.reasons[0]


def test_busy_forbidden_is_the_policys_list():
    busy = ctx(fault_place=HERE, sessions=[HERE])
    assert rule(decide(propose(Action.SOFT_RESET), busy, auto_policy())) == "session"
    strict = auto_policy(busy_forbidden=frozenset({Action.SOFT_RESET}))
    assert_blocked(decide(propose(Action.SOFT_RESET), busy, strict), "busy")
    # actions that do not end a session pass: a scheduled isolation, a status request
    for action in (Action.SET_INOPERATIVE, Action.TRIGGER_STATUS, Action.CLEAR_CACHE):
        assert_executes(decide(propose(action, params=ON_1), busy, auto_policy()))


# --- rule 11: scope -------------------------------------------------------------------------------
def test_an_action_on_another_connector_than_the_faults_needs_approval():
    context = ctx(fault_place=HERE)
    decision = decide(
        propose(Action.UNLOCK_CONNECTOR, params=ActionParams(connector_id=2)), context, auto_policy()
    )
    assert decision.verdict is Verdict.NEEDS_APPROVAL and rule(decision) == "scope"
    assert "connector 2" in decision.reasons[0] and "connector 1" in decision.reasons[0]
    assert_executes(decide(propose(Action.SET_INOPERATIVE), context, auto_policy()))  # the whole charger


# --- the safety floor -------------------------------------------------------------------------------
@pytest.mark.parametrize("action", list(Action))
def test_an_electrical_safety_fault_always_escalates(action):
    context = ctx(fault_place=HERE).model_copy(update={"fault_class": "electrical_safety"})
    decision = decide(propose(action, params=ON_1, escalate=False), context, auto_policy())
    assert decision.escalate, decision.reasons


@pytest.mark.parametrize("fault_class", ["electrical_safety", "emergency_stop"])
@pytest.mark.parametrize("action", list(Action))
def test_a_safety_class_fault_always_escalates_and_never_gets_a_reset_or_a_release_unapproved(
    fault_class, action
):
    """Whoever proposed it (a model may class the fault right and still ask for a reset), an action
    that could bring the hazard back waits for a person; the safe state and a status request run."""
    context = ctx(fault_place=HERE).model_copy(update={"fault_class": fault_class})
    decision = decide(propose(action, params=ON_1, escalate=False), context, auto_policy())
    assert decision.escalate, decision.reasons
    held = {Action.SOFT_RESET, Action.HARD_RESET, Action.UNLOCK_CONNECTOR, Action.SET_OPERATIVE}
    if action in held:
        assert decision.verdict is Verdict.NEEDS_APPROVAL and rule(decision) == "class", decision.reasons
    elif action in (Action.SET_INOPERATIVE, Action.TRIGGER_STATUS):
        assert decision.verdict is Verdict.EXECUTE


def test_a_policy_may_hold_more_actions_for_a_class_but_never_release_the_built_in_ones():
    policy = auto_policy(approval_for_class={"thermal": [Action.HARD_RESET], "electrical_safety": []})
    thermal = ctx().model_copy(update={"fault_class": "thermal"})
    assert rule(decide(propose(Action.HARD_RESET), thermal, policy)) == "class"
    assert_executes(decide(propose(Action.SOFT_RESET), thermal, policy))
    safety = ctx().model_copy(update={"fault_class": "electrical_safety"})
    assert rule(decide(propose(Action.SOFT_RESET), safety, policy)) == "class"
    with pytest.raises(ValidationError, match="approval_for_class"):
        Policy(approval_for_class={"electrical_saftey": [Action.SOFT_RESET]})


def test_earlier_rules_still_judge_an_action_held_for_its_class():
    """The class rule comes after the session rules: approving a reset of a safety fault cannot
    skip the check that it would end a charging session."""
    context = ctx(fault_place=HERE, sessions=[HERE]).model_copy(update={"fault_class": "electrical_safety"})
    assert_blocked(decide(propose(Action.HARD_RESET, params=ON_1), context, auto_policy()), "busy")


# --- rule 6: in flight --------------------------------------------------------------------------
def test_the_same_action_being_verified_waits_instead_of_resending_or_escalating():
    decision = decide(propose(), ctx(prior(Action.SOFT_RESET, 5, outcome="verifying")), auto_policy())
    assert decision.verdict is Verdict.NO_ACTION and not decision.escalate
    assert rule(decision) == "in flight"
    # another action (here: isolating the connector for safety) is not held up by it
    other = propose(Action.SET_INOPERATIVE, escalate=True)
    decision = decide(other, ctx(prior(Action.SOFT_RESET, 5, outcome="verifying")), auto_policy())
    assert decision.verdict is Verdict.EXECUTE and decision.escalate
    # a reset being verified holds other recovery steps too
    decision = decide(
        propose(Action.TRIGGER_STATUS), ctx(prior(Action.SOFT_RESET, 5, outcome="verifying")), auto_policy()
    )
    assert decision.verdict is Verdict.NO_ACTION and rule(decision) == "in flight"
    # a settled or a crashed (no outcome) attempt is not in flight: the cooldown decides
    for outcome in ("fixed", None):
        decision = decide(propose(), ctx(prior(Action.SOFT_RESET, 5, outcome=outcome)), auto_policy())
        assert_blocked(decision, "cooldown")


# --- rule 7: reboot loop ------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["not_fixed", "timeout"])
@pytest.mark.parametrize("earlier", [Action.SOFT_RESET, Action.HARD_RESET])
@pytest.mark.parametrize("proposed", [Action.SOFT_RESET, Action.HARD_RESET])
def test_failed_reset_in_window_is_a_reboot_loop(outcome, earlier, proposed):
    policy = auto_policy(reboot_loop_window_seconds=DAY)
    inside = decide(propose(proposed), ctx(prior(earlier, DAY - 1, outcome)), policy)
    assert_blocked(inside, "reboot loop")
    assert outcome in inside.reasons[0] and "24 h" in inside.reasons[0]
    assert_executes(decide(propose(proposed), ctx(prior(earlier, DAY + 1, outcome)), policy))


@pytest.mark.parametrize("outcome", ["fixed", "rejected", "dry_run", None])
def test_reset_that_did_not_fail_is_no_reboot_loop(outcome):
    # 2 h ago: past every reset cooldown, inside the reboot-loop window
    assert_executes(
        decide(propose(Action.SOFT_RESET), ctx(prior(Action.HARD_RESET, 7200, outcome)), auto_policy())
    )


def test_reboot_loop_only_stops_resets():
    history = ctx(prior(Action.SOFT_RESET, 7200, "not_fixed"))
    assert_executes(decide(propose(Action.SET_INOPERATIVE), history, auto_policy()))
    assert_blocked(decide(propose(Action.SOFT_RESET), history, auto_policy()), "reboot loop")


# --- rule 8: cooldown ---------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["fixed", "rejected", "timeout", "dry_run", None])
def test_cooldown_counts_every_attempt(outcome):
    policy = auto_policy(cooldown_seconds={Action.CLEAR_CACHE: 1800})
    inside = decide(propose(Action.CLEAR_CACHE), ctx(prior(Action.CLEAR_CACHE, 1799, outcome)), policy)
    assert_blocked(inside, "cooldown")
    assert "29 min 59 s ago" in inside.reasons[0] and "cooldown is 30 min" in inside.reasons[0]
    assert_executes(
        decide(propose(Action.CLEAR_CACHE), ctx(prior(Action.CLEAR_CACHE, 1801, outcome)), policy)
    )


def test_cooldown_is_per_action_and_uses_the_latest_attempt():
    policy = auto_policy()
    other = ctx(prior(Action.CLEAR_CACHE, 1))
    assert_executes(decide(propose(Action.TRIGGER_STATUS), other, policy))
    latest = ctx(prior(Action.SOFT_RESET, 5000), prior(Action.SOFT_RESET, 240))
    assert "ran 4 min ago" in decide(propose(Action.SOFT_RESET), latest, policy).reasons[0]


def test_safe_state_has_no_cooldown_even_with_a_skewed_clock():
    skewed = ctx(prior(Action.SET_INOPERATIVE, -60), prior(Action.SET_INOPERATIVE, 0))
    assert_executes(decide(propose(Action.SET_INOPERATIVE), skewed, Policy()))


def test_cooldown_missing_from_policy_escalates():
    policy = auto_policy(cooldown_seconds={Action.CLEAR_CACHE: 600})
    assert_blocked(decide(propose(Action.SOFT_RESET), ctx(), policy), "cooldown")


def test_attempt_dated_in_the_future_counts_as_recent():
    assert_blocked(
        decide(propose(Action.CLEAR_CACHE), ctx(prior(Action.CLEAR_CACHE, -60)), auto_policy()), "cooldown"
    )


# --- rule 9: max attempts -----------------------------------------------------------------------


def test_max_attempts_in_window():
    policy = auto_policy(max_attempts=3, attempts_window_seconds=DAY)
    recent = [prior(Action.CLEAR_CACHE, 3600), prior(Action.CLEAR_CACHE, 7200)]
    full = decide(propose(Action.CLEAR_CACHE), ctx(*recent, prior(Action.CLEAR_CACHE, DAY - 1)), policy)
    assert_blocked(full, "max attempts")
    assert "3 times" in full.reasons[0] and "24 h" in full.reasons[0] and "limit is 3" in full.reasons[0]
    assert_executes(
        decide(propose(Action.CLEAR_CACHE), ctx(*recent, prior(Action.CLEAR_CACHE, DAY + 1)), policy)
    )


def test_max_attempts_counts_only_that_action():
    others = [prior(Action.TRIGGER_STATUS, 3600 * h) for h in (1, 2, 3)]
    assert_executes(decide(propose(Action.CLEAR_CACHE), ctx(*others), auto_policy(max_attempts=3)))
    assert_blocked(
        decide(propose(Action.TRIGGER_STATUS), ctx(*others), auto_policy(max_attempts=3)), "max attempts"
    )


# --- rule 10: blast radius ----------------------------------------------------------------------


def test_blast_radius_needs_approval_and_escalates_the_site_once():
    policy = auto_policy(blast_radius_max=5)
    first = decide(propose(), ctx(site_id="S-1", site_automatic_actions=5), policy)
    assert first.verdict == Verdict.NEEDS_APPROVAL and rule(first) == "blast radius"
    assert first.site_escalation is True
    assert "5 automatic actions" in first.reasons[0] and "limit 5" in first.reasons[0]
    again = decide(
        propose(), ctx(site_id="S-1", site_automatic_actions=6, site_escalation_raised=True), policy
    )
    assert again.verdict == Verdict.NEEDS_APPROVAL and rule(again) == "blast radius"
    assert again.site_escalation is False
    below = decide(propose(), ctx(site_id="S-1", site_automatic_actions=4), policy)
    assert_executes(below)
    assert below.site_escalation is False


def test_blast_radius_needs_a_site():
    assert_executes(decide(propose(), ctx(site_automatic_actions=99), auto_policy(blast_radius_max=5)))


# --- rule 11 and 12: approval, execute ----------------------------------------------------------


def test_approval_mode_waits_for_an_operator():
    policy = auto_policy({Action.HARD_RESET: Mode.APPROVAL})
    decision = decide(propose(Action.HARD_RESET), ctx(), policy)
    assert decision.verdict == Verdict.NEEDS_APPROVAL and rule(decision) == "approval"
    assert "1 h" in decision.reasons[0]
    assert not decision.escalate and not decision.site_escalation
    assert_executes(decide(propose(Action.SOFT_RESET), ctx(), policy))


def test_rules_apply_in_order():
    """Every rule objects at first; lifting them one by one reveals the next, down to execute."""
    policy_fields = {"modes": dict.fromkeys(DEVICE_ACTIONS, Mode.APPROVAL) | {Action.HARD_RESET: Mode.NEVER}}
    proposal = {"action": Action.HARD_RESET, "confidence": 0.1}
    attempts = [prior(Action.HARD_RESET, 60 + i, "not_fixed") for i in range(3)]
    context = {
        "grounded": False,
        "sessions": [Place()],
        "actions": attempts,
        "site_id": "S-1",
        "site_automatic_actions": 9,
    }
    steps = [
        ("uncited", lambda: context.update(grounded=True)),
        ("confidence", lambda: proposal.update(confidence=0.9)),
        ("mode", lambda: policy_fields.update(modes=dict.fromkeys(DEVICE_ACTIONS, Mode.APPROVAL))),
        ("busy", lambda: context.update(sessions=[])),
        (
            "reboot loop",
            lambda: context.update(actions=[a.model_copy(update={"outcome": "fixed"}) for a in attempts]),
        ),
        ("cooldown", lambda: context.update(actions=[prior(Action.HARD_RESET, 4000 + i) for i in range(3)])),
        ("max attempts", lambda: context.update(actions=[])),
        ("blast radius", lambda: context.update(site_automatic_actions=0)),
        ("approval", lambda: policy_fields.update(modes=dict.fromkeys(DEVICE_ACTIONS, Mode.AUTO))),
        ("execute", lambda: None),
    ]
    seen = []
    for _, lift in steps:
        context_now = GuardContext(now=NOW, charger_id="CP-1", fault_class="controller", **context)
        seen.append(rule(decide(Proposal(**proposal), context_now, Policy(**policy_fields))))
        lift()
    assert seen == [name for name, _ in steps]


# --- escalate flag ------------------------------------------------------------------------------


def test_escalate_flag_follows_the_proposal_unless_a_rule_blocks():
    executed = decide(propose(escalate=True), ctx(), auto_policy())
    assert executed.verdict == Verdict.EXECUTE and executed.escalate
    assert any(r.startswith("escalate:") for r in executed.reasons)
    assert not decide(propose(escalate=False), ctx(), auto_policy()).escalate
    assert decide(propose(escalate=False, confidence=0.0), ctx(), auto_policy()).escalate


# --- rule 13: dry run ---------------------------------------------------------------------------


def test_dry_run_everywhere():
    policy = Policy(dry_run=True)
    executed = decide(propose(Action.SOFT_RESET), ctx(), policy)
    assert executed.verdict == Verdict.DRY_RUN
    assert (
        executed.reasons[0].startswith("execute:") and "would have executed soft_reset" in executed.reasons[1]
    )
    approval = decide(propose(Action.HARD_RESET), ctx(), policy)
    assert approval.verdict == Verdict.DRY_RUN and "would have asked for approval" in approval.reasons[1]
    assert decide(propose(Action.NONE), ctx(), policy).verdict == Verdict.NO_ACTION
    assert decide(propose(confidence=0.0), ctx(), policy).verdict == Verdict.ESCALATE
    assert_executes(decide(propose(Action.SOFT_RESET), ctx(), Policy(dry_run=False)))


def test_dry_run_per_site():
    policy = auto_policy(dry_run_sites=frozenset({"S-1"}))
    shadow = decide(propose(), ctx(site_id="S-1"), policy)
    assert shadow.verdict == Verdict.DRY_RUN and "site S-1" in shadow.reasons[-1]
    assert_executes(decide(propose(), ctx(site_id="S-2"), policy))
    assert_executes(decide(propose(), ctx(), policy))


def test_dry_run_keeps_the_blast_radius_site_escalation():
    decision = decide(propose(), ctx(site_id="S-1", site_automatic_actions=5), Policy(dry_run=True))
    assert decision.verdict == Verdict.DRY_RUN and decision.site_escalation


# --- properties of every decision ---------------------------------------------------------------

SCENARIOS = {  # factories: each test gets contexts no other test has touched
    "clean": lambda: ctx(),
    "busy": lambda: ctx(fault_place=HERE, sessions=[HERE, Place(evse_id=1)]),
    "history": lambda: ctx(*[prior(a, 30 + 100 * i, "not_fixed") for i, a in enumerate(DEVICE_ACTIONS)]),
    "crowded site": lambda: ctx(site_id="S-1", site_automatic_actions=50),
}
POLICIES = {"default": Policy(), "auto": auto_policy(), "dry run": Policy(dry_run=True)}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("escalate", [False, True])
def test_decision_keeps_the_proposal_and_explains_itself(action, scenario, policy, escalate):
    params = ActionParams(connector_id=2) if action == Action.UNLOCK_CONNECTOR else ActionParams(evse_id=1)
    proposal = Proposal(action=action, params=params, escalate=escalate, confidence=0.9)
    decision = decide(proposal, SCENARIOS[scenario](), POLICIES[policy])
    assert decision.action == action and decision.params == params
    assert decision.reasons and all(r.strip() for r in decision.reasons)
    assert decision.escalate or not escalate
    if decision.verdict == Verdict.EXECUTE:
        assert action.is_device_action


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_decide_is_pure(scenario):
    proposal, context, policy = propose(escalate=True), SCENARIOS[scenario](), Policy()
    before = [copy.deepcopy(x) for x in (proposal, context, policy)]
    first = decide(proposal, context, policy)
    assert decide(proposal, context, policy) == first
    assert [proposal, context, policy] == before


def test_unexpected_input_fails_closed():
    naive = PriorAction.model_construct(
        action=Action.CLEAR_CACHE, outcome="fixed", started_at=datetime(2025, 3, 1)
    )
    context = GuardContext.model_construct(**(ctx().model_dump() | {"actions": [naive]}))
    decision = decide(propose(Action.CLEAR_CACHE), context, auto_policy())
    assert_blocked(decision, "guard error")
    assert decision.action == Action.CLEAR_CACHE


@pytest.mark.parametrize(
    "fields",
    [
        {"now": datetime(2025, 3, 1)},  # naive time
        {"active_sessions": True},  # misspelt field
        {"actions": [{"action": "update_firmware", "started_at": NOW}]},  # not allowlisted
    ],
    ids=["naive", "unknown-field", "unknown-action"],
)
def test_context_refuses_malformed_input(fields):
    with pytest.raises(ValidationError):
        GuardContext(**({"now": NOW, "charger_id": "CP-1", "fault_class": "thermal"} | fields))


# --- load_policy --------------------------------------------------------------------------------


def test_bundled_policy_defaults():
    policy = load_policy()
    assert policy == load_policy(BUNDLED_POLICY)
    assert policy.modes[Action.HARD_RESET] == Mode.APPROVAL
    assert policy.modes[Action.SET_OPERATIVE] == Mode.APPROVAL
    assert set(policy.modes) == set(policy.cooldown_seconds) == set(DEVICE_ACTIONS)
    assert policy.cooldown_seconds[Action.SET_INOPERATIVE] == 0
    assert decide(propose(Action.HARD_RESET), ctx(), policy).verdict == Verdict.NEEDS_APPROVAL
    assert decide(propose(Action.SET_OPERATIVE), ctx(), policy).verdict == Verdict.NEEDS_APPROVAL
    just_now = ctx(prior(Action.SET_INOPERATIVE, 1))
    assert_executes(decide(propose(Action.SET_INOPERATIVE), just_now, policy))


def test_bundled_policy_states_the_code_defaults(tmp_path):
    empty = tmp_path / "policy.yaml"
    empty.write_text("# nothing tuned\n")
    assert load_policy() == Policy() == load_policy(empty)


def test_partial_maps_keep_the_other_defaults(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("modes:\n  soft_reset: never\ncooldown_seconds:\n  clear_cache: 60\nbusy_forbidden: []\n")
    policy = load_policy(path)
    assert policy.modes[Action.SOFT_RESET] == Mode.NEVER
    assert policy.modes[Action.HARD_RESET] == Mode.APPROVAL
    assert policy.cooldown_seconds[Action.CLEAR_CACHE] == 60
    assert policy.cooldown_seconds[Action.SOFT_RESET] == 1800
    assert policy.busy_forbidden == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "modes:\n  hard_reset: sometimes\n",
            "modes.hard_reset: Input should be 'auto', 'approval' or 'never'",
        ),
        ("cooldown_minutes: 5\n", "cooldown_minutes: Extra inputs are not permitted"),
        ("modes:\n  update_firmware: auto\n", "modes.update_firmware: Value error, 'update_firmware' is not"),
        ("modes:\n  none: auto\n", "modes.none: Value error, 'none' is not a device action"),
        ("cooldown_seconds:\n  soft_reset: -1\n", "cooldown_seconds.soft_reset: Input should be greater"),
        ("min_confidence: 2\n", "min_confidence: Input should be less than or equal to 1"),
        ("max_attempts: .nan\n", "max_attempts:"),
        ("- soft_reset\n", "expected a mapping"),
        ("modes: [\n", "invalid YAML"),
    ],
)
def test_bad_policy_names_the_key(tmp_path, text, message):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"policy\.yaml") as error:
        load_policy(path)
    assert message in str(error.value)


def test_missing_policy_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")
