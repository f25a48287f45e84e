"""Wiring of the diagnosis agent (no logic here): built once at start-up by :func:`build_graph`.

load_context → retrieve → diagnose → propose_action → guard ─┬→ execute ──────┬→ escalate → record
(approved:  load_context → resume ───────────────────→ guard) │
                                                              ├→ await_approval ┘          ↗
                                                              ├→ escalate ─────────────────┘
                                                              └→ record
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph

from app.agent.nodes import Agent
from app.agent.state import AgentState


def build_graph(agent: Agent, *, resume: bool = False):
    """The compiled graph; run it with ``invoke(state, {"configurable": {"job": <worker Job>}})``.

    ``resume=True`` builds the graph that carries out an approved decision: ``load_context →
    resume → guard → …`` (the guard runs again: approval lifts only the need for approval)."""
    graph = StateGraph(AgentState)
    steps = (
        ["load_context", "resume"] if resume else ["load_context", "retrieve", "diagnose", "propose_action"]
    )
    for name in [*steps, "guard", "execute", "await_approval", "escalate"]:
        graph.add_node(name, _traced(name, getattr(agent, name)))
    graph.add_node("record", agent.record)
    for start, end in zip([START, *steps], [*steps, "guard"], strict=True):
        graph.add_edge(start, end)
    graph.add_conditional_edges(
        "guard", agent.after_guard, ["execute", "await_approval", "escalate", "record"]
    )
    graph.add_conditional_edges("execute", agent.after_action, ["escalate", "record"])
    graph.add_conditional_edges("await_approval", agent.after_action, ["escalate", "record"])
    graph.add_edge("escalate", "record")
    graph.add_edge("record", END)
    return graph.compile()


def _traced(name: str, node: Callable) -> Callable:
    """``node`` with its duration, the state it received (keys: every value is in an earlier
    node's output) and a summary of what it produced, appended to ``trace``."""
    wants_config = "config" in inspect.signature(node).parameters

    def run(state: AgentState, config=None) -> AgentState:
        started = time.perf_counter()
        update = node(state, config) if wants_config else node(state)
        step = {
            "node": name,
            "ms": round((time.perf_counter() - started) * 1000, 3),
            "input_keys": sorted(key for key in state if key != "trace"),
            "output": _summary(update),
        }
        return {**update, "trace": [step]}

    run.__name__ = name
    return run


def _summary(update: dict[str, Any]) -> dict[str, Any]:
    """A compact, JSON-ready view of a node's output for the audit trail."""
    out: dict[str, Any] = {}
    for key, value in update.items():
        if key == "passages":
            out[key] = [
                {"source": p.citation.source, "page": p.citation.page, "score": p.score} for p in value
            ]
        elif key == "context":
            out[key] = {"site_automatic_actions": value.site_automatic_actions}
        elif hasattr(value, "model_dump"):
            out[key] = value.model_dump(mode="json")
        elif isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out
