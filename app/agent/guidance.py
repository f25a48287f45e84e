"""On-site guidance for a technician, drawn from the manufacturer's documents the diagnosis cites.

Steps come from the "On site:" part of the cited code-table remedy, then from numbered
procedure lines of the cited passages (troubleshooting sections), each keeping its ``[n]``
citation; safety notes come from the playbook's class rules. Nothing is invented: with no
documented step, the remedy itself is the one step.
"""

from __future__ import annotations

import re

from app.agent.state import Diagnosis
from knowledge.schema import Passage

MAX_STEPS = 8
_ON_SITE = re.compile(r"\bon[ -]site:\s*(.+)", re.IGNORECASE | re.DOTALL)
_MARK = re.compile(r"\s*\[(\d+)\]\s*$")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+(\S.+)$", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_TABLE_FIELD = re.compile(r"^(severity|category|class)\s*:", re.IGNORECASE)
"""Code-table columns a row's remedy may end with (not steps)."""


def with_guidance(diagnosis: Diagnosis, passages: list[Passage], safety: list[str]) -> Diagnosis:
    """``diagnosis`` with ``steps`` (unless a reasoner already gave some) and ``safety`` filled."""
    steps = diagnosis.steps or documented_steps(diagnosis, passages)
    notes = list(dict.fromkeys([*safety, *diagnosis.safety]))
    return diagnosis.model_copy(update={"steps": steps, "safety": notes})


def documented_steps(diagnosis: Diagnosis, passages: list[Passage]) -> list[str]:
    steps = _remedy_steps(diagnosis.remedy)
    for cited in diagnosis.citations:
        passage = next((p for p in passages if cited.cites(p)), None)
        if passage is None:
            continue
        steps += [f"{line.strip()} [{cited.n}]" for line in _NUMBERED.findall(passage.text)]
    steps = list(dict.fromkeys(steps))[:MAX_STEPS]
    return steps or [diagnosis.remedy]


def _remedy_steps(remedy: str) -> list[str]:
    mark = _MARK.search(remedy)
    text = _MARK.sub("", remedy)
    found = _ON_SITE.search(text)
    if found is None:
        return []
    suffix = f" [{mark.group(1)}]" if mark else ""
    sentences = [s.strip() for s in _SENTENCE.split(found.group(1).strip())]
    steps = [s[0].upper() + s[1:] for s in sentences if s and not _TABLE_FIELD.match(s)]
    return [f"{step}{suffix}" for step in steps]
