"""Phrases a question implies through the domain vocabulary (``vocabulary.yaml``).

The groups are data: equivalent phrasings of one condition, vendor-neutral. A question implies
the other phrases of every group it names a phrase of; the chat matches them against what rows
and procedures mean, next to the question itself (see :mod:`app.chat.extract`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from knowledge.lexical import tokenize

VOCABULARY = Path(__file__).with_name("vocabulary.yaml")


@dataclass(frozen=True)
class Vocabulary:
    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def load(cls, path: Path = VOCABULARY) -> Vocabulary:
        """The groups of ``path``; ``ValueError`` naming the entry that is not a list of phrases."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        groups = []
        for number, group in enumerate(data.get("groups") or [], start=1):
            if not isinstance(group, list) or not all(isinstance(p, str) and p.strip() for p in group):
                raise ValueError(f"{path}: groups[{number}]: not a list of phrases")
            groups.append(tuple(group))
        return cls(tuple(groups))

    def expansions(self, question: str) -> list[str]:
        """The phrases of each group the question names a phrase of (word stems compared), but
        the phrases it names itself; in group order."""
        words = set(tokenize(question))
        implied: list[str] = []
        for group in self.groups:
            named = [p for p in group if set(tokenize(p)) <= words]
            if named:
                implied += [p for p in group if p not in named and p not in implied]
        return implied


@cache
def bundled() -> Vocabulary:
    """The vocabulary shipped with the chat (read once)."""
    return Vocabulary.load()
