"""The agent's steps. Each node reads the typed state and returns the keys it sets.

Nodes get their collaborators from :class:`Agent` (built once at start-up) and the run's
database session from the LangGraph config (``configurable.session``). Only ``execute`` talks
to a charger, and only with the guard's decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from langchain_core.runnables import RunnableConfig
from sqlalchemy import Engine

from app.agent import record
from app.agent.context import load_context
from app.agent.guidance import with_guidance
from app.agent.llm import ReasonerFailure
from app.agent.lookup import (
    blink_counts,
    code_spellings,
    component_codes,
    flag_bits,
    grounded,
    said_codes,
    state_name,
    text_patterns,
)
from app.agent.mentions import mention_query, mentioned_entry
from app.agent.recurrence import Recurrence, assess
from app.agent.state import (
    AgentState,
    ChargerFacts,
    Diagnosis,
    FaultClass,
    FaultFacts,
    Reasoner,
    Reasoning,
)
from app.chargers.executors import SENT_UNCONFIRMED, Executor, Outcome, OutcomeStatus
from app.chargers.verify import verify_until
from app.guard.actions import Action, ActionParams, Proposal
from app.guard.policy import Decision, GuardContext, Policy, PriorAction, Verdict, decide
from app.guard.reach import WHOLE_CHARGER_ACTIONS, fault_place
from app.observability import metrics
from app.observability.logs import bound
from app.store.models import utcnow
from knowledge.names import STANDARD_VENDOR
from knowledge.schema import Passage

log = logging.getLogger("chargemedic.agent")
SearchFn = Callable[..., list[Passage]]
"""``Searcher.search``: ``(query, *, vendor, model, maker, codes, k) -> passages``."""
PASSAGES = 6
MENTIONS = 8
"""How many passages of the vendor's own documents are searched for a mention of its code."""


@dataclass
class Agent:
    """The collaborators of every run (see :func:`app.agent.graph.build_graph`)."""

    search: SearchFn
    reasoner: Reasoner
    fallback: Reasoner
    policy: Policy
    executor: Executor
    engine: Engine
    window_seconds: float
    verify_seconds: float = 300.0
    safety: dict[str, list[str]] = field(default_factory=dict)
    """Safety notes per fault class (the playbook's), carried into escalation tickets."""
    recurrence: Recurrence = field(default_factory=Recurrence)
    """When a fault recurs: applied to every reasoner's diagnosis (:mod:`app.agent.recurrence`)."""

    # ---- nodes -------------------------------------------------------------------------------
    def load_context(self, state: AgentState, config: RunnableConfig) -> AgentState:
        with _job(config).reading() as session:
            context = load_context(
                session,
                fault_id=state["fault_id"],
                now=state["now"],
                window_seconds=self.window_seconds,
                blast_window_seconds=self.policy.blast_radius_window_seconds,
            )
        return {
            "context": context,
            "fault": context.fault,
            "charger": context.charger,
            "history": context.history,
        }

    def retrieve(self, state: AgentState) -> AgentState:
        """The fault's passages (:func:`retrieve`). A failed search (the knowledge store down)
        yields none and ``retrieval_error`` (in the audit trail): the diagnosis goes on from the
        OCPP codes and the history, and the guard sends no device action resting on no citation."""
        try:
            return {"passages": retrieve(self.search, state["fault"], state["charger"])}
        except Exception as exc:  # an outside service failing is a fact of this run, not a crash
            why = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("knowledge search for fault %s failed: %s", state["fault"].id, why)
            return {"passages": [], "retrieval_error": why}

    def diagnose(self, state: AgentState) -> AgentState:
        """The reasoner's diagnosis, with the one recurrence rule applied and on-site guidance added."""
        reasoning = self._reason(state)
        fault_class = reasoning.diagnosis.fault_class
        recurring = assess(state["fault"], state["history"], fault_class, self.recurrence).recurring
        diagnosis = reasoning.diagnosis.model_copy(update={"recurring": recurring})
        diagnosis = with_guidance(diagnosis, state["passages"], self.safety.get(fault_class.value, []))
        return {"reasoning": reasoning.model_copy(update={"diagnosis": diagnosis})}

    def _reason(self, state: AgentState) -> Reasoning:
        args = (state["fault"], state["charger"], state["history"], state["passages"])
        if self.reasoner is self.fallback:
            return self.fallback.reason(*args)
        try:
            answer = self.reasoner.reason(*args)
        except ReasonerFailure as exc:
            why = f"{self.reasoner.name} failed ({exc.kind}: {exc.detail})"
        except Exception as exc:  # any reasoner bug falls back too: the playbook is the floor
            log.exception("reasoner %s failed", self.reasoner.name)
            why = f"{self.reasoner.name} failed (error: {type(exc).__name__}: {exc})"
        else:
            floor = self.fallback.reason(*args)
            if not _misses_safety(answer, floor):
                return answer
            return floor.model_copy(update={"fallback_reason": _overruled(self.reasoner.name, answer, floor)})
        reasoning = self.fallback.reason(*args)
        return reasoning.model_copy(update={"fallback_reason": why})

    def propose_action(self, state: AgentState) -> AgentState:
        """Re-validate the proposal against the allowlist (whatever produced it) and check it
        names where it applies: a whole-charger action (a reset) names no connector, since it has
        none to name; an action that cannot be placed becomes an escalation."""
        proposal = Proposal.model_validate(state["reasoning"].proposal.model_dump())
        if proposal.action in WHOLE_CHARGER_ACTIONS:
            proposal = proposal.model_copy(update={"params": ActionParams()})
        if proposal.action is Action.UNLOCK_CONNECTOR and proposal.params.connector_id is None:
            proposal = Proposal(
                action=Action.NONE,
                escalate=True,
                confidence=proposal.confidence,
                reason="unlock without a connector",
            )
        return {"proposal": proposal}

    def resume(self, state: AgentState, config: RunnableConfig) -> AgentState:
        """Restore the diagnosis and proposal of the fault's approved decision."""
        with _job(config).reading() as session:
            row = record.approved_decision(session, fault_id=state["fault_id"])
        if row is None:
            raise LookupError(f"fault {state['fault_id']} has no approved decision to carry out")
        diagnosis = Diagnosis.model_validate({k: v for k, v in row.diagnosis.items() if k != "text"})
        proposal = Proposal(
            action=row.action,
            params=ActionParams.model_validate(row.params),
            escalate=row.escalate,
            confidence=row.confidence if row.confidence is not None else 1.0,
            reason=f"approved by {row.approved_by}",
        )
        reasoning = Reasoning(diagnosis=diagnosis, proposal=proposal, reasoner=row.reasoner or "playbook")
        return {
            "reasoning": reasoning,
            "proposal": proposal,
            "approved_by": row.approved_by,
            "approved_for": [_rule(reason) for reason in row.reasons[:1]],
        }

    def guard(self, state: AgentState) -> AgentState:
        context, fault = state["context"], state["fault"]
        diagnosis = state["reasoning"].diagnosis
        guard_context = GuardContext(
            now=state["now"],
            charger_id=fault.charger_id,
            site_id=fault.site_id,
            fault_class=state["reasoning"].diagnosis.fault_class.value,
            fault_place=fault_place(fault),
            sessions=state["history"].sessions,
            actions=[_prior(a) for a in state["history"].actions],
            site_automatic_actions=context.site_automatic_actions,
            site_escalation_raised=context.site_escalation_raised,
            grounded=bool(state.get("approved_by")) or grounded(diagnosis, fault, state.get("passages", [])),
        )
        decision = decide(state["proposal"], guard_context, self.policy)
        if (by := state.get("approved_by")) and decision.verdict is Verdict.NEEDS_APPROVAL:
            decision = _approved(decision, by, state.get("approved_for", []))
        return {"decision": decision}

    def execute(self, state: AgentState) -> AgentState:
        """Record the attempt (committed first: a crash mid-call can never lead to a silent
        repeat), then carry the decision's action out."""
        decision: Decision = state["decision"]
        fault = state["fault"]
        dry = decision.verdict is Verdict.DRY_RUN
        executor_name = "dry_run" if dry else self.executor.name
        attempt_id = record.begin_attempt(
            self.engine,
            fault=fault,
            decision=decision,
            executor=executor_name,
            automatic=not state.get("approved_by"),
        )
        if dry:
            outcome = Outcome(status=OutcomeStatus.DRY_RUN, detail="shadow mode: nothing was sent")
        else:
            outcome = _safe_execute(self.executor, fault.charger_id, decision, command_id=str(attempt_id))
        until = verify_until(decision.action, outcome.status, now=utcnow(), window=self.verify_seconds)
        return {"attempt_id": attempt_id, "outcome": outcome, "verify_until": until}

    def await_approval(self, state: AgentState) -> AgentState:
        return {"approval_expires_at": state["now"] + timedelta(seconds=self.policy.approval_ttl_seconds)}

    def escalate(self, state: AgentState) -> AgentState:
        return {"ticket": record.ticket(state)}

    def record(self, state: AgentState, config: RunnableConfig) -> AgentState:
        """Write the run and complete the work item in one transaction."""
        with _job(config).completing() as session:
            record.write_run(session, state)
        return {}

    # ---- routing -----------------------------------------------------------------------------
    @staticmethod
    def after_guard(state: AgentState) -> str:
        verdict = state["decision"].verdict
        if verdict in (Verdict.EXECUTE, Verdict.DRY_RUN):
            return "execute"
        if verdict is Verdict.NEEDS_APPROVAL:
            return "await_approval"
        return "escalate" if state["decision"].escalate or verdict is Verdict.ESCALATE else "record"

    @staticmethod
    def after_action(state: AgentState) -> str:
        outcome = state.get("outcome")
        failed = outcome is not None and outcome.status not in _NOT_FAILED
        return "escalate" if state["decision"].escalate or failed else "record"


_NOT_FAILED = frozenset({OutcomeStatus.ACCEPTED, OutcomeStatus.DRY_RUN, *SENT_UNCONFIRMED})
"""Outcomes that do not escalate at once (an unanswered command is settled by verification)."""


def retrieve(search: SearchFn, fault: FaultFacts, charger: ChargerFacts) -> list[Passage]:
    """The passages about ``fault``: its codes, component, variable and text, searched in its
    vendor's and model's documents and the standards."""
    codes = [*code_spellings(fault.vendor_error_code), *([fault.error_code] if fault.error_code else [])]
    codes += flag_bits(fault.vendor_error_code) + blink_counts(fault.vendor_error_code)  # see lookup
    codes += component_codes(fault)  # a 2.0.1 problem: the device model's entry is found by its name
    codes += text_patterns(fault)  # a light pattern the charger's text describes (caution only)
    codes += state_name(fault)  # a one-word text: a display state's name used as a code ("FAULT")
    codes += said_codes(fault)  # a code the text names where the fault carries none ("err=8")
    terms = [
        fault.error_code,
        fault.vendor_error_code,
        fault.component,
        fault.variable,
        (fault.info or "")[:200],
    ]
    query = " ".join(t for t in terms if t)
    vendor = charger.vendor or STANDARD_VENDOR  # an unknown vendor reads only the standards …
    maker = fault.vendor_id  # … unless the fault's vendorId names a vendor of the corpus (white label)
    found = search(
        query, vendor=vendor, model=charger.model, maker=maker, codes=codes, k=PASSAGES, distinct=False
    )
    return found + _mentioning(search, fault, charger, {p.id for p in found})


def _mentioning(search: SearchFn, fault: FaultFacts, charger: ChargerFacts, seen: set[str]) -> list[Passage]:
    """Passages of the vendor's own documents, not in ``seen``, that mention the fault's vendor
    code: the words around a code no entry defines (see :mod:`app.agent.mentions`)."""
    query = mention_query(fault.vendor_error_code)
    if not query or not charger.vendor:
        return []
    own = search(
        query,
        vendor=charger.vendor,
        model=charger.model,
        maker=fault.vendor_id,
        k=MENTIONS,
        tier="own",
        retrievers=("code", "bm25"),
        distinct=False,
    )
    spellings = code_spellings(fault.vendor_error_code)
    return [p for p in own if p.id not in seen and any(mentioned_entry([p], c) for c in spellings)]


def _safe_execute(executor: Executor, charger_id: str, decision: Decision, *, command_id: str) -> Outcome:
    """The executor's outcome for ``decision`` (an exception becomes an ``error`` outcome), counted
    and logged with the attempt's id (``command_id``)."""
    with bound(attempt_id=int(command_id)):
        try:
            outcome = executor.execute(charger_id, decision.action, decision.params, command_id=command_id)
        except Exception as exc:  # an executor bug is an outcome (escalated), never a retry that resends
            log.exception("executor %s failed", executor.name)
            outcome = Outcome(status=OutcomeStatus.ERROR, detail=f"{type(exc).__name__}: {exc}")
        outcome = outcome if outcome.executor else outcome.model_copy(update={"executor": executor.name})
        metrics.command(decision.action, outcome.status, outcome.executor)
        action, status = decision.action.value, outcome.status.value
        log.info("%s → %s via %s: %s", action, charger_id, outcome.executor, status)
    return outcome


def _misses_safety(answer: Reasoning, floor: Reasoning) -> bool:
    """Whether ``answer`` classes as something harmless a fault the playbook sees signs of an
    electrical-safety fault or an emergency stop in: a model is never trusted to talk one down."""
    guarded = {FaultClass.ELECTRICAL_SAFETY, FaultClass.EMERGENCY_STOP}
    return floor.diagnosis.fault_class in guarded and answer.diagnosis.fault_class not in guarded


def _overruled(name: str, answer: Reasoning, floor: Reasoning) -> str:
    said, seen = answer.diagnosis.fault_class.value, floor.diagnosis.fault_class.value.replace("_", " ")
    return f"{name} overruled (safety: it said {said}; the playbook sees {seen} signs)"


def _rule(reason: str) -> str:
    """The guard rule a decision reason names: ``"session: soft_reset would …"`` → ``"session"``."""
    return reason.partition(":")[0]


def _approved(decision: Decision, by: str, approved_for: list[str]) -> Decision:
    """A person approved the action: what still needed approval may run, and safety blocks still
    hold. A session that would now be ended, where none was when the approval was asked for, is
    not covered by it: escalated (nobody agreed to cut that driver off)."""
    rule = _rule(decision.reasons[0])
    if rule == "session" and rule not in approved_for:
        why = f"approved by {by} before this session started; the approval does not cover ending it"
        reasons = [*decision.reasons, why]
        return decision.model_copy(update={"verdict": Verdict.ESCALATE, "escalate": True, "reasons": reasons})
    reasons = [*decision.reasons, f"approved by {by}"]
    return decision.model_copy(update={"verdict": Verdict.EXECUTE, "reasons": reasons})


def _prior(action) -> PriorAction:
    return PriorAction(
        action=action.action,
        outcome=action.outcome,
        started_at=action.started_at,
        automatic=action.automatic,
        fault_class=action.fault_class.value if action.fault_class else None,
        fault_id=action.fault_id,
    )


def _job(config: RunnableConfig):
    return config["configurable"]["job"]
