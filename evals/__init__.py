"""Evaluation and benchmarks. Run as modules; nothing in app/, ingest/ or knowledge/ imports this."""
