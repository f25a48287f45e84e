"""Persistence: tables, engine and sessions, queries, the durable work queue, API keys."""
