"""On-site guidance for a technician, drawn from the manufacturer's documents the diagnosis cites.

Steps come from the cited passages in citation order: a passage read as a code entry gives the
entry's on-site steps (in the document's order), any other passage its numbered procedure lines;
each step keeps its ``[n]`` citation. Safety notes come from the playbook's class rules. Nothing
is invented: with no documented step, the remedy itself is the one step.
"""

from __future__ import annotations

import re

from app.agent.state import Diagnosis
from knowledge.schema import Passage

MAX_STEPS = 8
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+(\S.+)$", re.MULTILINE)


def with_guidance(diagnosis: Diagnosis, passages: list[Passage], safety: list[str]) -> Diagnosis:
    """``diagnosis`` with ``steps`` (unless a reasoner already gave some) and ``safety`` filled."""
    steps = diagnosis.steps or documented_steps(diagnosis, passages)
    notes = list(dict.fromkeys([*safety, *diagnosis.safety]))
    return diagnosis.model_copy(update={"steps": steps, "safety": notes})


def documented_steps(diagnosis: Diagnosis, passages: list[Passage]) -> list[str]:
    """The on-site steps of the cited passages (see the module docstring), at most ``MAX_STEPS``."""
    steps: list[str] = []
    for cited in diagnosis.citations:
        passage = next((p for p in passages if cited.cites(p)), None)
        if passage is None:
            continue
        if passage.entry is not None:
            lines = passage.entry.onsite_steps
        else:
            lines = [line.strip() for line in _NUMBERED.findall(passage.text)]
        steps += [f"{line[0].upper()}{line[1:]} [{cited.n}]" for line in lines if line]
    steps = list(dict.fromkeys(steps))[:MAX_STEPS]
    return steps or [diagnosis.remedy]
