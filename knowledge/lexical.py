"""BM25 over chunk text (the ``bm25s`` library), with code-aware tokens.

Words are lower-cased ASCII runs, stemmed (Snowball English: "maintains" meets "maintained",
"trips" meets "tripped"); every code-shaped token also contributes its normalised keys, so
``E-06`` in a manual and ``e06`` or ``E6`` in a query meet on the token ``e6``.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import numpy as np

from knowledge.codes import normalise_code

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "were",
        "when",
        "which",
        "will",
        "with",
        "not",
        "no",
        "can",
        "do",
        "does",
        "after",
        "before",
    ]
)
_CODE_TOKEN = re.compile(r"0x[0-9a-f]+|[a-z]{1,4}[-_.]?\d{1,5}|[a-z0-9]+(?:_[a-z0-9]+)+")


_local = threading.local()


def _stem(words: list[str]) -> list[str]:
    """Snowball stems; one stemmer per thread (a PyStemmer object is not thread-safe)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWords(words)


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text``: stemmed words without stopwords, plus normalised code keys."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    tokens = _stem([w for w in re.findall(r"[a-z0-9]+", folded) if w not in _STOPWORDS])
    for raw in _CODE_TOKEN.findall(folded):
        if keys := normalise_code(raw):
            tokens.extend(k.lower() for k in keys.all() if k.lower() not in tokens)
    return tokens or ["_empty_"]


class LexicalIndex:
    """An immutable BM25 index over a list of texts; positions are the caller's row numbers."""

    def __init__(self, texts: list[str]) -> None:
        import bm25s

        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index([tokenize(t) for t in texts], show_progress=False)

    def top(self, query: str, *, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """``(row, score)`` of up to ``k`` best rows with a positive score, best first.

        ``allowed`` is a 0/1 mask over rows; masked-out rows are never returned.
        """
        if not self._size:
            return []
        k = min(k, self._size)
        results, scores = self._bm25.retrieve(
            [tokenize(query)], k=k, show_progress=False, weight_mask=allowed, n_threads=0
        )
        return [(int(r), float(s)) for r, s in zip(results[0], scores[0], strict=True) if s > 0]
