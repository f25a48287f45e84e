"""Observability: Prometheus metrics (:mod:`.metrics` counted in code, :mod:`.cluster` read from
the database, :mod:`.exporter` serving both), structured logs with correlation ids and secret
redaction (:mod:`.logs`), and the HTTP middleware tying requests to both (:mod:`.http`)."""
