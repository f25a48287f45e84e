"""How much a text is about what the corpus is about: its cosine similarity to the centroid of
every stored chunk's embedding (``Searcher.relatedness``).

An everyday question ("What time does the sun set in Madrid?") may still share a word or two with
some passage and reach a fair similarity to that one line; its similarity to the corpus as a whole
stays near zero, while questions about chargers score clearly above it. Measured on the bundled
corpus: everyday and near-domain off-topic questions -0.08 to 0.16, technicians' questions 0.05 to
0.45 (see evals/README.md, "Chat").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def centroid(vectors: Sequence) -> np.ndarray | None:
    """The unit-length mean direction of ``vectors`` (each normalised first); ``None`` if empty."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or not len(matrix):
        return None
    matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    mean = matrix.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def similarity(vector: np.ndarray, direction: np.ndarray | None) -> float:
    """Cosine similarity of ``vector`` to ``direction`` (0.0 without one)."""
    if direction is None:
        return 0.0
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return float(vector @ direction / norm) if norm else 0.0
