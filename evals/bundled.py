"""The service's parts over the bundled corpus in a temporary folder, for benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Bundled:
    """Settings for ``data_dir``, the embedder, a searcher over the freshly ingested bundled
    corpus, and a migrated SQLite database in the same folder."""

    settings: Any
    embed: Any
    searcher: Any
    engine: Any


def bundled(data_dir: Path, **settings: Any) -> Bundled:
    """Ingest the bundled corpus into ``data_dir`` and open everything over it."""
    from app.knowledge import embed_function, ingest_options, open_store
    from app.settings import BUNDLED_CORPUS, Settings
    from app.store.db import make_engine, upgrade
    from ingest.runner import ingest
    from knowledge.search import Searcher

    config = Settings(data_dir=data_dir, **settings)
    embed = embed_function(config)
    store = open_store(config)
    ingest([BUNDLED_CORPUS], store, embed, ingest_options(config))
    engine = make_engine(config.database)
    upgrade(engine)
    return Bundled(config, embed, Searcher(store, embed, refresh_seconds=3600), engine)
