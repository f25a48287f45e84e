"""The guard's decision: what becomes of one proposal, given the charger's history and the policy.

Pure functions of their arguments; only :func:`load_policy` reads a file. :func:`decide` walks
``RULES`` in order and the first rule that objects sets the verdict. The guard fails closed: a
policy that does not say what to do, or an error while deciding, escalates to a technician.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NamedTuple

import yaml
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from app.agent.state import FaultClass
from app.guard.actions import DEVICE_ACTIONS, Action, ActionParams, Proposal
from app.guard.reach import SESSION_ENDING_ACTIONS, Place, overlaps, reach

BUNDLED_POLICY = Path(__file__).with_name("policy.yaml")
FAILED_OUTCOMES = frozenset({"not_fixed", "unknown", "timeout"})
"""Outcomes of an earlier reset that make another reset a reboot loop."""
VERIFYING = "verifying"
"""An executed action whose effect verification is still waiting for."""
SAFETY_CLASS = "electrical_safety"
"""The electrical-safety fault class."""
ESCALATED_CLASSES = frozenset({SAFETY_CLASS, "emergency_stop"})
"""Fault classes whose decisions always escalate, whoever proposed them (the safety floor): a
hazard, and an emergency stop someone on site must find the reason for and release."""
HELD_FOR_CLASS: dict[str, frozenset[Action]] = {
    cls: frozenset({Action.SOFT_RESET, Action.HARD_RESET, Action.UNLOCK_CONNECTOR, Action.SET_OPERATIVE})
    for cls in ESCALATED_CLASSES
}
"""The floor of ``Policy.approval_for_class``: actions that could bring a hazard back (re-energise
a faulty circuit, release a plug or a block nobody has looked at), never sent for these classes
without a person; a policy file may add to them, never take away."""


class Mode(StrEnum):
    AUTO = "auto"
    APPROVAL = "approval"
    NEVER = "never"


def _device_action(value: object) -> object:
    """Refuse ``none`` and unknown names as policy keys, listing the accepted ones."""
    if value not in DEVICE_ACTIONS:
        raise ValueError(f"{value!r} is not a device action; expected one of {', '.join(DEVICE_ACTIONS)}")
    return value


DeviceAction = Annotated[Action, BeforeValidator(_device_action)]
Seconds = Annotated[float, Field(ge=0)]

_DEFAULT_MODES = dict.fromkeys(DEVICE_ACTIONS, Mode.AUTO)
_DEFAULT_MODES |= {Action.HARD_RESET: Mode.APPROVAL, Action.SET_OPERATIVE: Mode.APPROVAL}
_DEFAULT_COOLDOWNS = dict.fromkeys(DEVICE_ACTIONS, 600.0)
_DEFAULT_COOLDOWNS |= {Action.SOFT_RESET: 1800.0, Action.HARD_RESET: 3600.0, Action.SET_INOPERATIVE: 0.0}


class Policy(BaseModel):
    """How far the guard lets proposals go; ``policy.yaml`` explains every field.

    :func:`decide` does not read ``blast_radius_window_seconds`` (it tells whoever builds the
    :class:`GuardContext` which site actions to count) nor ``approval_ttl_seconds`` (how long an
    approval request stays open).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    modes: dict[DeviceAction, Mode] = Field(default_factory=lambda: dict(_DEFAULT_MODES))
    cooldown_seconds: dict[DeviceAction, Seconds] = Field(default_factory=lambda: dict(_DEFAULT_COOLDOWNS))
    max_attempts: int = Field(3, ge=1)
    attempts_window_seconds: float = Field(86400, gt=0)
    reboot_loop_window_seconds: float = Field(86400, ge=0)
    blast_radius_max: int = Field(5, ge=0)
    blast_radius_window_seconds: float = Field(600, gt=0)
    busy_forbidden: frozenset[DeviceAction] = frozenset({Action.UNLOCK_CONNECTOR, Action.HARD_RESET})
    min_confidence: float = Field(0.5, ge=0, le=1)
    require_citations: bool = True
    dry_run: bool = False
    dry_run_sites: frozenset[str] = frozenset()
    approval_ttl_seconds: float = Field(3600, gt=0)
    approval_for_class: dict[FaultClass, frozenset[DeviceAction]] = Field(default_factory=dict)
    """Per fault class, device actions a person approves first, whoever proposed them (added to
    :data:`HELD_FOR_CLASS`)."""

    def held(self, fault_class: str) -> frozenset[Action]:
        """The device actions never sent automatically for a fault of ``fault_class``."""
        return HELD_FOR_CLASS.get(fault_class, frozenset()) | self.approval_for_class.get(
            fault_class, frozenset()
        )


def load_policy(path: Path | None = None) -> Policy:
    """The policy in the YAML file at ``path``; ``None`` = the bundled ``policy.yaml`` next to this module.

    Missing keys take the defaults of :class:`Policy`; in ``modes`` and ``cooldown_seconds`` each
    action is a key of its own, so a file may tune one action only. An unreadable file, invalid
    YAML, an unknown key or a bad value raises ``ValueError`` naming the file and the key, e.g.
    ``policy.yaml: modes.hard_reset: Input should be 'auto', 'approval' or 'never'``.
    """
    path = BUNDLED_POLICY if path is None else path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the policy: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML: {exc}") from exc
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of policy keys at the top level")
    for key, defaults in (("modes", _DEFAULT_MODES), ("cooldown_seconds", _DEFAULT_COOLDOWNS)):
        if isinstance(data.get(key), dict):
            data[key] = {**defaults, **data[key]}
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = (f"{'.'.join(str(p) for p in e['loc'] if p != '[key]')}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{path}: {'; '.join(problems)}") from exc


class PriorAction(BaseModel):
    """An earlier attempt of a device action on this charger, and how it ended.

    ``outcome``: ``fixed``, ``not_fixed``, ``rejected``, ``timeout``, ``dry_run`` or ``None``
    (pending or unknown). Every attempt counts towards cooldowns and attempt limits.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    action: Action
    outcome: str | None = None
    started_at: AwareDatetime
    automatic: bool = True
    fault_class: str | None = None
    fault_id: int | None = None
    """The fault it was sent for (a sibling report of the same incident, when not this one)."""


class GuardContext(BaseModel):
    """What :func:`decide` knows about the charger and its site at ``now``.

    ``actions``: this charger's earlier attempts, any age (the rules apply the policy's windows).
    ``site_*``: the charger's site within the policy's ``blast_radius_window_seconds``. Unknown
    fields are refused, so a misspelt one cannot silently weaken a rule.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    now: AwareDatetime
    charger_id: str
    site_id: str | None = None
    fault_class: str
    fault_place: Place | None = None
    """Where the fault is; ``None``: the whole charger (connector 0, or no connector named)."""
    sessions: list[Place] = []
    """Every place on the charger where a charging session may be running (see
    :func:`app.guard.reach.session_places`); the rules compare them with the action's real reach."""
    actions: list[PriorAction] = []
    site_automatic_actions: int = Field(0, ge=0)
    site_escalation_raised: bool = False
    grounded: bool = True
    """The diagnosis cites the manufacturer's documents, or a person asked for the action. False when
    no document could be cited (the knowledge store unreachable, or nothing found): rule 2."""


class Verdict(StrEnum):
    EXECUTE = "execute"
    NEEDS_APPROVAL = "needs_approval"
    DRY_RUN = "dry_run"
    ESCALATE = "escalate"
    NO_ACTION = "no_action"


class Decision(BaseModel):
    """What the guard made of a proposal, and why: one line per rule that shaped the verdict.

    ``action`` and ``params`` are always the proposal's own, so the audit shows what was
    proposed. ``escalate``: a technician ticket is raised; ``site_escalation``: also one for the site.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    verdict: Verdict
    action: Action
    params: ActionParams
    escalate: bool
    site_escalation: bool = False
    follows_fault_id: int | None = None
    """Set when the proposal waits for an action in flight for another fault (rule 6): the same
    incident, reported twice; this fault follows that one's outcome."""
    reasons: list[str] = Field(min_length=1)


class _Hit(NamedTuple):
    """A rule's objection: the verdict it imposes and the line explaining it."""

    verdict: Verdict
    reason: str
    site_escalation: bool = False
    follows: int | None = None


Rule = Callable[[Proposal, GuardContext, Policy], _Hit | None]


def _block(reason: str) -> _Hit:
    return _Hit(Verdict.ESCALATE, reason)


def _span(seconds: float) -> str:
    """``5430`` → ``"1 h 30 min 30 s"``; the sign is ignored."""
    hours, rest = divmod(round(abs(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if n]
    return " ".join(parts) or "0 s"


def _age(c: GuardContext, prior: PriorAction) -> float:
    """Seconds since ``prior`` started; negative (its clock ahead) counts as recent in every window."""
    return (c.now - prior.started_at).total_seconds()


def _ago(seconds: float) -> str:
    return f"{_span(seconds)} ago" if seconds >= 0 else f"{_span(seconds)} in the future"


def _no_action(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 1: ``none`` sends nothing; with ``escalate`` set it is an escalation."""
    if p.action != Action.NONE:
        return None
    if p.escalate:
        return _block("no action: nothing to send; the proposal asks for a technician")
    return _Hit(Verdict.NO_ACTION, "no action: nothing to send to the charger")


UNCITED_ALLOWED = frozenset({Action.SET_INOPERATIVE, Action.TRIGGER_STATUS})
"""Actions rule 2 never holds back: the safe state, and asking the charger for its status (read-only)."""


def _uncited(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 2: with ``require_citations``, a device action resting on no cited document (the
    manuals could not be read) is not sent: a technician decides — except :data:`UNCITED_ALLOWED`."""
    if c.grounded or not pol.require_citations or p.action in UNCITED_ALLOWED:
        return None
    return _block(
        f"uncited: the diagnosis cites no manufacturer document (knowledge store unavailable or "
        f"nothing found); {p.action} is not sent without one"
    )


def _confidence(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 3: a proposal less sure than ``min_confidence`` goes to a technician instead."""
    if p.confidence >= pol.min_confidence:
        return None
    return _block(f"confidence: {p.confidence:g} is below the minimum {pol.min_confidence:g}")


def _mode_never(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 4: mode ``never`` escalates, and so does an action with no valid mode."""
    mode = pol.modes.get(p.action)
    if mode in (Mode.AUTO, Mode.APPROVAL):
        return None
    if mode == Mode.NEVER:
        return _block(f"mode: {p.action} is set to never in the policy")
    return _block(f"mode: the policy has no valid mode for {p.action} ({mode!r}); failing closed")


def _sessions_hit(p: Proposal, c: GuardContext) -> list[Place]:
    """The sessions ``p`` really reaches: its connector or EVSE, or every one for a whole-charger action."""
    target = reach(p.action, p.params)
    return [where for where in c.sessions if overlaps(target, where)]


def _where(c: GuardContext, places: list[Place]) -> str:
    return f"{', '.join(p.label() for p in places)} of {c.charger_id}"


def _busy(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 5: actions in ``busy_forbidden`` never reach a charging session: for an action on a
    connector or EVSE, one there; for an action on the whole charger (a reset), one anywhere on
    it — whatever connector the proposal or the fault names."""
    if p.action not in pol.busy_forbidden or not (hit := _sessions_hit(p, c)):
        return None
    return _block(f"busy: {p.action} would reach the session on {_where(c, hit)}; not sent during a session")


def _in_flight(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 6: while the same action, or a reset, is being verified on this charger (e.g. for a
    sibling report of the same incident), wait for its result instead of sending more. Taking a
    connector out of service (``set_inoperative``) never waits."""
    if p.action == Action.SET_INOPERATIVE:
        return None
    waiting = [a for a in c.actions if a.outcome == VERIFYING and (a.action == p.action or a.action.is_reset)]
    if not waiting:
        return None
    last = max(waiting, key=lambda a: a.started_at)
    sent_for = f" for fault {last.fault_id}" if last.fault_id is not None else ""
    return _Hit(
        Verdict.NO_ACTION,
        f"in flight: {last.action}{sent_for} sent to {c.charger_id} {_ago(_age(c, last))} is being "
        f"verified; {p.action} waits for its result",
        follows=last.fault_id,
    )


def _reboot_loop(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 7: after a reset that ended not_fixed, unknown or timeout, no further reset within the window."""
    window = pol.reboot_loop_window_seconds
    failed = [a for a in c.actions if a.action.is_reset and a.outcome in FAILED_OUTCOMES]
    failed = [a for a in failed if _age(c, a) < window]
    if not (p.action.is_reset and failed):
        return None
    last = max(failed, key=lambda a: a.started_at)
    seen = f"{last.action} on {c.charger_id} {_ago(_age(c, last))} ended {last.outcome}"
    return _block(f"reboot loop: {seen}; no further reset within {_span(window)} of a failed one")


def _cooldown(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 8: the same action on this charger less than ``cooldown_seconds`` ago, any outcome."""
    cooldown = pol.cooldown_seconds.get(p.action)
    if cooldown is None:
        return _block(f"cooldown: the policy has no cooldown for {p.action}; failing closed")
    ages = [_age(c, a) for a in c.actions if a.action == p.action]
    if cooldown <= 0 or not ages or min(ages) >= cooldown:
        return None
    return _block(
        f"cooldown: {p.action} ran {_ago(min(ages))} on {c.charger_id}; cooldown is {_span(cooldown)}"
    )


def _max_attempts(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 9: at most ``max_attempts`` attempts of one action per charger in the attempts window."""
    window = pol.attempts_window_seconds
    count = sum(1 for a in c.actions if a.action == p.action and _age(c, a) < window)
    if count < pol.max_attempts:
        return None
    tried = f"{p.action} was tried {count} times on {c.charger_id} in the last {_span(window)}"
    return _block(f"max attempts: {tried}; the limit is {pol.max_attempts}")


def _session_ending(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 10: an action that would end a charging session (a reset, an unlock) never does so
    automatically, whatever the policy lists: an operator decides. Not configurable."""
    if p.action not in SESSION_ENDING_ACTIONS or not (hit := _sessions_hit(p, c)):
        return None
    return _Hit(
        Verdict.NEEDS_APPROVAL,
        f"session: {p.action} would end the session on {_where(c, hit)}; it needs an operator's approval",
    )


def _scope(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 11: an action aimed at another connector or EVSE than the fault's needs approval (it
    acts where nothing was reported)."""
    target = reach(p.action, p.params)
    if target is None or c.fault_place is None or overlaps(target, c.fault_place):
        return None
    return _Hit(
        Verdict.NEEDS_APPROVAL,
        f"scope: {p.action} targets {target.label()}, but the fault is on {c.fault_place.label()}; "
        "an operator decides",
    )


def _blast_radius(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 12: beyond ``blast_radius_max`` automatic actions on a site, approval; the site escalates once."""
    if not c.site_id or c.site_automatic_actions < pol.blast_radius_max:
        return None
    first = not c.site_escalation_raised
    note = "raising one site-level escalation" if first else "the site is already escalated"
    seen = f"{c.site_automatic_actions} automatic actions on site {c.site_id}"
    limit = f"in the last {_span(pol.blast_radius_window_seconds)} (limit {pol.blast_radius_max})"
    reason = f"blast radius: {seen} {limit}; {p.action} needs approval, {note}"
    return _Hit(Verdict.NEEDS_APPROVAL, reason, site_escalation=first)


def _class_held(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 13: an action that could bring the fault's hazard back (``Policy.held``: a reset or a
    re-enabled connector on an electrical-safety fault or an emergency stop) waits for a person,
    whoever proposed it; the technician who repaired it approves it."""
    if p.action not in pol.held(c.fault_class):
        return None
    return _Hit(
        Verdict.NEEDS_APPROVAL,
        f"class: {p.action} is never sent automatically for a {c.fault_class.replace('_', ' ')} fault; "
        "a person who has seen the charger approves it",
    )


def _approval(p: Proposal, c: GuardContext, pol: Policy) -> _Hit | None:
    """Rule 14: mode ``approval`` waits for an operator."""
    if pol.modes.get(p.action) != Mode.APPROVAL:
        return None
    ttl = _span(pol.approval_ttl_seconds)
    return _Hit(
        Verdict.NEEDS_APPROVAL, f"approval: the policy requires approval of {p.action} (expires in {ttl})"
    )


RULES: tuple[Rule, ...] = (
    _no_action,
    _uncited,
    _confidence,
    _mode_never,
    _busy,
    _in_flight,
    _reboot_loop,
    _cooldown,
    _max_attempts,
    _session_ending,
    _scope,
    _blast_radius,
    _class_held,
    _approval,
)
"""Rules 1–14 in the order they are applied; rule 15 (execute) is what remains."""


def _dry_run(hit: _Hit, p: Proposal, c: GuardContext, pol: Policy) -> str | None:
    """Rule 16: in shadow mode an execution or an approval request is only recorded."""
    if hit.verdict not in (Verdict.EXECUTE, Verdict.NEEDS_APPROVAL):
        return None
    if pol.dry_run:
        scope = "the policy is in dry-run mode"
    elif c.site_id is not None and c.site_id in pol.dry_run_sites:
        scope = f"site {c.site_id} is in dry-run mode"
    else:
        return None
    would = "executed" if hit.verdict == Verdict.EXECUTE else "asked for approval of"
    return f"dry run: would have {would} {p.action}; {scope}, nothing is sent"


def _walk(p: Proposal, c: GuardContext, pol: Policy) -> Decision:
    hit = next((h for rule in RULES if (h := rule(p, c, pol)) is not None), None)
    hit = hit or _Hit(Verdict.EXECUTE, f"execute: {p.action} is automatic and no rule held it back")
    verdict, reasons = hit.verdict, [hit.reason]
    if shadow := _dry_run(hit, p, c, pol):
        verdict = Verdict.DRY_RUN
        reasons.append(shadow)
    blocked = hit.verdict == Verdict.ESCALATE
    if p.escalate and not blocked:
        reasons.append("escalate: the proposal also asks for a technician")
    safety = c.fault_class in ESCALATED_CLASSES and not (blocked or p.escalate)
    if safety:
        said = c.fault_class.replace("_", " ")
        article = "an" if said[0] in "aeiou" else "a"
        reasons.append(f"safety: {article} {said} fault always goes to a technician as well")
    return Decision(
        verdict=verdict,
        action=p.action,
        params=p.params,
        escalate=blocked or p.escalate or safety,
        site_escalation=hit.site_escalation,
        follows_fault_id=hit.follows,
        reasons=reasons,
    )


def decide(proposal: Proposal, context: GuardContext, policy: Policy) -> Decision:
    """The verdict on ``proposal`` for this charger at ``context.now``, under ``policy``.

    Pure: equal arguments give an equal decision, and none of them is changed. The first rule in
    ``RULES`` that objects sets the verdict, then dry run may turn an execution or approval into
    ``DRY_RUN``. A rule that blocks the device action raises a ticket (``escalate``); otherwise
    ``escalate`` is the proposal's own, and always set for a fault of :data:`ESCALATED_CLASSES` (the
    safety floor: such a fault never ends without a technician). Any error while deciding escalates.
    """
    try:
        return _walk(proposal, context, policy)
    except Exception as exc:  # fail closed: whatever went wrong, a person looks at it
        reason = f"guard error: {type(exc).__name__}: {exc}; failing closed"
        return Decision(
            verdict=Verdict.ESCALATE,
            action=proposal.action,
            params=proposal.params,
            escalate=True,
            reasons=[reason],
        )
