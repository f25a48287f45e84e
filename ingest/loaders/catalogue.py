"""A message catalogue in a text file: ``dotted.key = text`` lines (a firmware's or web
interface's language file), read as a table of codes.

Chargers often send the catalogue's key (``rcdfault``) as their vendor code and its text as
``info``. Each key's last segment is the code, the whole key an alias; where the catalogue
gives a key in several languages the texts are kept together (the meaning lists them all; the
title is the one written most in plain ASCII letters, in practice the English one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ENTRY = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]*(?:\.[\w-]+)+)\s*[=:]\s*(?P<text>\S.*?)\s*$")
MIN_LINES = 5
"""Fewer key = text lines than this are prose that happens to hold an assignment."""
HEADERS = ("code", "key", "title", "meaning")


def catalogue_rows(lines: Sequence[str]) -> tuple[list[list[str]], set[int]]:
    """The catalogue's rows (cells under :data:`HEADERS`, one per key, in first-seen order) and
    the indexes of the lines they came from; nothing when the text is no catalogue."""
    found = [(n, m) for n, line in enumerate(lines) if (m := _ENTRY.match(line))]
    if len(found) < MIN_LINES:
        return [], set()
    texts: dict[str, list[str]] = {}
    for _, m in found:
        variants = texts.setdefault(m.group("key"), [])
        if m.group("text") not in variants:
            variants.append(m.group("text"))
    rows = [
        [key.rsplit(".", 1)[-1], key, _title(variants), " / ".join(variants)]
        for key, variants in texts.items()
    ]
    return rows, {n for n, _ in found}


def _title(variants: list[str]) -> str:
    """The variant written most in plain ASCII letters (the last of equals)."""

    def plain(text: str) -> float:
        letters = re.findall(r"[^\W\d_]", text)
        return sum(c.isascii() for c in letters) / len(letters) if letters else 0.0

    return max(reversed(variants), key=plain)
