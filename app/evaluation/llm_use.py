"""Who decided each case, and what the LLM did: read back from the service's own records.

* **Who decided** comes from the case's database, as the service recorded it: the decision's
  ``reasoner`` and the ``agent.diagnose`` audit entry, whose ``fallback_reason`` says why the
  configured reasoner was not used (``"llm failed (<kind>: <detail>)"``, written by
  :meth:`app.agent.nodes.Agent._reason`).
* **What the LLM did** (requests, failures by kind, tokens, time in requests) is the change of
  this process's ``chargemedic_llm_*{component="diagnosis"}`` metrics while the case ran: the
  figures ``/metrics`` reports, counted where the requests are made. Cases run one at a time, so
  the change is the case's own. Failed requests count too: a retried ``invalid_json`` answer
  used tokens and time although the decision came from the playbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.agent.llm import FAILURE_KINDS
from app.observability.metrics import REGISTRY
from app.store.models import AuditEntry

COMPONENT = "diagnosis"
LLM = "llm"
FALLBACK = "playbook-fallback"
OTHER_FAILURE = "error"
"""The kind of a fallback caused by a reasoner bug rather than a :class:`ReasonerFailure`."""
OVERRULED = "safety_overruled"
"""The LLM answered, but classed a fault the playbook sees electrical-safety signs in as something
else: the playbook decided (``"llm overruled (safety: …)"``)."""
_FALLBACK = re.compile(r"^\w+ (failed|overruled) \((\w+):\s*(.*)\)$", re.S)
_KINDS = (*sorted(FAILURE_KINDS), OTHER_FAILURE)


@dataclass(frozen=True)
class Decider:
    """Who made a decision: ``by`` is ``llm``, ``playbook`` (configured so) or ``playbook-fallback``
    (the LLM failed; ``fallback`` is the failure kind, ``detail`` its message)."""

    by: str
    fallback: str | None = None
    detail: str | None = None


def decider(session: Session, fault_id: int, reasoner: str) -> Decider:
    """Who decided ``fault_id``, whose decision the reasoner ``reasoner`` recorded."""
    if reasoner == LLM:
        return Decider(LLM)
    query = select(AuditEntry).where(AuditEntry.fault_id == fault_id, AuditEntry.kind == "agent.diagnose")
    entry = session.exec(query.order_by(AuditEntry.id.desc()).limit(1)).first()
    reasoning = (entry.detail if entry else {}).get("output", {}).get("reasoning") or {}
    why = reasoning.get("fallback_reason")
    if not why:
        return Decider(reasoner)
    found = _FALLBACK.match(why)
    if found is None:
        return Decider(FALLBACK, OTHER_FAILURE, why)
    verb, kind, detail = found.groups()
    kind = OVERRULED if verb == "overruled" else kind if kind in _KINDS else OTHER_FAILURE
    return Decider(FALLBACK, kind, detail)


@dataclass
class LlmUse:
    """The LLM requests made while one case ran (every fault its event queued)."""

    calls: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    """Failed requests by kind (a retried request counts each time)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    """Time spent in LLM requests."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LlmMeter:
    """Reads the diagnosis LLM metrics before and after a case; :meth:`since` is the difference."""

    def reading(self) -> LlmUse:
        """The process's totals so far."""
        return LlmUse(
            calls=int(_sample("chargemedic_llm_calls_total")),
            errors={kind: int(_sample("chargemedic_llm_errors_total", kind=kind)) for kind in _KINDS},
            prompt_tokens=int(_sample("chargemedic_llm_tokens_total", type="prompt")),
            completion_tokens=int(_sample("chargemedic_llm_tokens_total", type="completion")),
            seconds=_sample("chargemedic_llm_call_duration_seconds_sum"),
        )

    def since(self, before: LlmUse) -> LlmUse:
        now = self.reading()
        errors = {kind: now.errors[kind] - before.errors.get(kind, 0) for kind in _KINDS}
        return LlmUse(
            calls=now.calls - before.calls,
            errors={kind: count for kind, count in errors.items() if count},
            prompt_tokens=now.prompt_tokens - before.prompt_tokens,
            completion_tokens=now.completion_tokens - before.completion_tokens,
            seconds=now.seconds - before.seconds,
        )


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"component": COMPONENT, **labels}) or 0.0
