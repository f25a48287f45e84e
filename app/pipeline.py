"""The fault path: the whole flow a worker runs for each claimed fault, in one place.

``build_pipeline`` assembles the agent once (at start-up): knowledge search, the reasoner
(the playbook, or an LLM that falls back to it), the guard policy and the executor. The
returned processor runs the graph for one fault: it reads without holding a write lock, and
the decision, escalations, fault state and audit trail commit together with the work item's
completion — or not at all (an action attempt is committed before it is sent, see
:mod:`app.agent.record`).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from app.agent.classify import Classifier, load_playbook
from app.agent.graph import build_graph
from app.agent.nodes import Agent, SearchFn
from app.agent.playbook import PlaybookReasoner
from app.agent.recurrence import Recurrence
from app.agent.state import Reasoner
from app.chargers.csms_webhook import CsmsWebhookExecutor
from app.chargers.executors import DryRunExecutor, Executor, RoutingExecutor
from app.chargers.gateway import Gateway, node_id
from app.chargers.ocpp_executor import OcppExecutor
from app.chargers.relay import RelayExecutor
from app.guard.policy import load_policy
from app.observability.logs import bound
from app.settings import Settings
from app.store.models import utcnow
from app.store.queue import EXECUTE_APPROVED, PROCESS_FAULT
from app.worker import Job, Processor

log = logging.getLogger("chargemedic.pipeline")


def build_pipeline(
    settings: Settings,
    *,
    engine: Engine,
    search: SearchFn,
    embed=None,
    executor: Executor | None = None,
    reasoner: Reasoner | None = None,
    playbook: PlaybookReasoner | None = None,
) -> Processor:
    """A processor for claimed faults. ``executor`` defaults to dry-run until a charger
    connection exists; ``reasoner`` defaults to ``settings.reasoner``; ``playbook`` (the
    fallback reasoner) to :func:`playbook_reasoner`."""
    playbook = playbook or playbook_reasoner(settings, embed)
    agent = Agent(
        search=search,
        reasoner=reasoner or _configured_reasoner(settings, playbook),
        fallback=playbook,
        policy=load_policy(settings.policy_path),
        executor=executor or DryRunExecutor(),
        engine=engine,
        window_seconds=settings.history_window_seconds,
        verify_seconds=settings.verify_window_seconds,
        safety={c.value: rules.safety for c, rules in playbook.playbook.classes.items()},
        recurrence=playbook.recurrence,
    )
    graphs = {PROCESS_FAULT: build_graph(agent), EXECUTE_APPROVED: build_graph(agent, resume=True)}

    def process(job: Job) -> None:
        item = job.item
        graph = graphs.get(item.kind)
        if graph is None:
            raise ValueError(f"work item {item.id} has unknown kind {item.kind!r}")
        state = {"fault_id": item.fault_id, "now": utcnow(), "actor": f"worker:{item.owner}", "trace": []}
        with bound(fault_id=item.fault_id, charger_id=item.charger_id):
            final = graph.invoke(state, {"configurable": {"job": job}})
            path = " → ".join(step["node"] for step in final["trace"])
            log.info("fault %s %s: %s → record", item.fault_id, item.kind, path)

    return process


def playbook_reasoner(settings: Settings, embed=None) -> PlaybookReasoner:
    """The offline reasoner with the configured playbook and recurrence rule (``embed`` enables
    its similarity fallback)."""
    recurrence = Recurrence(
        count=settings.recurrence_count, window_seconds=settings.recurrence_window_seconds
    )
    return PlaybookReasoner(Classifier(load_playbook(settings.playbook_path), embed), recurrence)


def build_executor(settings: Settings, gateway: Gateway | None, engine: Engine | None = None) -> Executor:
    """The executor ``settings.executor`` names (see its description); ``ValueError`` when it names
    one that is not available (``ocpp`` without the gateway, ``csms_webhook`` without a URL). With
    ``engine``, commands for chargers held by another replica are relayed to it."""
    csms = CsmsWebhookExecutor.from_settings(settings)
    ocpp = OcppExecutor(gateway) if gateway is not None else None
    relay = _relay(settings, gateway, engine) if engine is not None else None
    match settings.executor:
        case "dry_run":
            return DryRunExecutor()
        case "ocpp" if ocpp is not None:
            return RoutingExecutor(ocpp, ocpp, None, relay)
        case "csms_webhook" if csms is not None:
            return csms
        case "auto":
            return RoutingExecutor(ocpp, ocpp, csms, relay)
    needs = "CHARGEMEDIC_GATEWAY=true" if settings.executor == "ocpp" else "CHARGEMEDIC_CSMS_WEBHOOK_URL"
    raise ValueError(f"CHARGEMEDIC_EXECUTOR={settings.executor} needs {needs}")


def _relay(settings: Settings, gateway: Gateway | None, engine: Engine) -> RelayExecutor:
    return RelayExecutor(
        engine,
        node=gateway.node if gateway is not None else node_id(),
        call_timeout=settings.ocpp_call_timeout_seconds,
        poll_seconds=settings.relay_poll_seconds,
        node_timeout=3 * settings.node_heartbeat_seconds,
    )


def _configured_reasoner(settings: Settings, playbook: Reasoner) -> Reasoner:
    if settings.reasoner == "llm":
        from app.agent.llm import LlmReasoner

        return LlmReasoner.from_settings(settings)
    return playbook
