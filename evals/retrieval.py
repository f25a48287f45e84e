"""Retrieval quality on the labelled query set: recall@1, recall@5 and MRR per retriever mix.

A query is a hit at rank r when the r-th passage comes from ``expect.source_prefix`` and its
section heading or text contains ``expect.text`` (case-insensitive; a list: any one of them,
for questions that two passages answer equally well). ``python -m evals.retrieval --gate``
exits 1 when hybrid recall@5 is below the target or hybrid is not better than each alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

QUERY_DIR = Path(__file__).parent / "retrieval"
MODES = {"hybrid": ("code", "dense", "bm25"), "dense": ("dense",), "bm25": ("bm25",)}
RECALL5_TARGET = 0.95


@dataclass
class Query:
    id: str
    query: str
    vendor: str | None
    model: str | None
    codes: list[str]
    source_prefix: str
    texts: tuple[str, ...]
    """Any one of these in the passage's heading or text makes a hit (several passages may
    answer the question equally well)."""


def load_queries(folder: Path = QUERY_DIR) -> list[Query]:
    queries = []
    for path in sorted(folder.glob("queries_*.jsonl")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            try:
                queries.append(
                    Query(
                        raw["id"],
                        raw["query"],
                        raw.get("vendor"),
                        raw.get("model"),
                        list(raw.get("codes") or []),
                        raw["expect"]["source_prefix"],
                        _texts(raw["expect"]["text"]),
                    )
                )
            except KeyError as exc:
                raise ValueError(f"{path.name}:{line_no}: missing field {exc}") from exc
    return queries


def _texts(value) -> tuple[str, ...]:
    texts = (value,) if isinstance(value, str) else tuple(value)
    if not texts or not all(isinstance(t, str) and t for t in texts):
        raise KeyError("expect.text (a non-empty string or list of strings)")
    return texts


def hit_rank(query: Query, passages) -> int | None:
    for rank, passage in enumerate(passages, start=1):
        seen = f"{passage.citation.section}\n{passage.text}".lower()
        if passage.citation.source.startswith(query.source_prefix) and any(
            t.lower() in seen for t in query.texts
        ):
            return rank
    return None


def score(searcher, queries: list[Query], k: int = 10) -> dict[str, dict]:
    """Per mode: recall@1, recall@5, MRR@k and the ids of queries missed at 5."""
    results = {}
    for mode, retrievers in MODES.items():
        ranks = []
        for q in queries:
            passages = searcher.search(
                q.query, vendor=q.vendor, model=q.model, codes=q.codes, k=k, retrievers=retrievers
            )
            ranks.append(hit_rank(q, passages))
        n = len(queries)
        results[mode] = {
            "recall@1": sum(r == 1 for r in ranks) / n,
            "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n,
            "missed@5": [q.id for q, r in zip(queries, ranks, strict=True) if not r or r > 5],
        }
    return results


def gate(results: dict[str, dict]) -> list[str]:
    """Reasons the quality gate fails (empty when it passes)."""
    hybrid = results["hybrid"]
    problems = []
    if hybrid["recall@5"] < RECALL5_TARGET:
        problems.append(f"hybrid recall@5 {hybrid['recall@5']:.3f} < {RECALL5_TARGET}")
    for mode in ("dense", "bm25"):
        if hybrid["mrr"] <= results[mode]["mrr"]:
            problems.append(f"hybrid MRR {hybrid['mrr']:.3f} not above {mode} {results[mode]['mrr']:.3f}")
    return problems


def table(results: dict[str, dict], n: int) -> str:
    lines = [
        f"Retrieval on {n} labelled queries",
        "",
        "| retrievers | recall@1 | recall@5 | MRR |",
        "|---|---|---|---|",
    ]
    for mode, r in results.items():
        lines.append(f"| {mode} | {r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['mrr']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gate", action="store_true", help="exit 1 below the quality gate")
    args = parser.parse_args(argv)
    from app.knowledge import build_searcher, embed_function, ingest_options, open_store
    from app.settings import Settings
    from ingest.runner import ingest

    settings = Settings()
    store = open_store(settings)
    ingest(settings.corpus_dirs, store, embed_function(settings), ingest_options(settings))
    queries = load_queries()
    results = score(build_searcher(settings, store), queries)
    print(table(results, len(queries)))
    for mode, r in results.items():
        if r["missed@5"]:
            print(f"{mode} missed@5: {', '.join(r['missed@5'])}")
    problems = gate(results)
    for problem in problems:
        print(f"GATE: {problem}")
    return 1 if args.gate and problems else 0


if __name__ == "__main__":
    sys.exit(main())
