"""What ``GET /metrics`` serves, in Prometheus text format: the process-local metrics
(:mod:`.metrics`: what this service did since it started — ``sum()`` them across replicas),
then the cluster-wide ones (:mod:`.cluster`: read from the shared database, the same on every
replica — ``max()`` them).

**Several service processes** (``CHARGEMEDIC_PROCESSES`` > 1) share one port, so a scrape
reaches any one of them. ``chargemedic serve`` then runs prometheus-client in multiprocess mode
(:func:`share_between_processes`): each process writes its counters, histograms and gauges to
files in ``data_dir/metrics`` and whichever process answers a scrape sums every process's files
(a gauge only over processes still alive). A scrape therefore always shows the whole service, as
one process would; the per-process CPU, memory and GC figures are left out in that mode. The OCPP
connection gauge is sampled from each process's gateway every :data:`SAMPLE_SECONDS` (and by the
answering process at the scrape itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import Engine

from app.observability import metrics
from app.observability.cluster import ClusterCollector
from app.processes import alive
from app.settings import Settings

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_SECONDS = 5.0
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


class Exporter:
    """Renders the metrics of this service process; ``gateway`` (optional) is its OCPP gateway,
    anything with a ``connections`` mapping of objects with a ``version``."""

    def __init__(self, engine: Engine, gateway: Any | None, *, cache_seconds: float) -> None:
        self.gateway = gateway
        self.cluster_collector = ClusterCollector(engine, ttl=cache_seconds)
        self.cluster = CollectorRegistry(auto_describe=False)
        self.cluster.register(self.cluster_collector)

    def render(self) -> bytes:
        """The exposition text (reads the database at most once per ``cache_seconds``)."""
        self.sample()
        return render_process_metrics() + generate_latest(self.cluster)

    def sample(self) -> None:
        """Set the OCPP connections gauge from the gateway's open connections."""
        if self.gateway is not None:
            metrics.ocpp_connections(c.version for c in list(self.gateway.connections.values()))

    async def sample_forever(self, stop: asyncio.Event, every: float = SAMPLE_SECONDS) -> None:
        """Keep this process's gauge current for scrapes another process answers, until ``stop``."""
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)


def share_between_processes(settings: Settings) -> Path:
    """Put the service processes about to start in multiprocess mode: an empty
    ``data_dir/metrics`` named in ``PROMETHEUS_MULTIPROC_DIR``, which they inherit. Call it before
    they start; this process, which imported prometheus-client already, stays as it is."""
    path = (settings.data_dir / "metrics").resolve()
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(path)
    return path


def render_process_metrics() -> bytes:
    """The process-local metrics: this process's, or in multiprocess mode every process's summed."""
    if not metrics.MULTIPROCESS_DIR:
        return generate_latest(metrics.REGISTRY)
    forget_dead_processes(Path(metrics.MULTIPROCESS_DIR))
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=metrics.MULTIPROCESS_DIR)
    return generate_latest(registry)


def forget_dead_processes(path: Path) -> list[int]:
    """Remove the live-gauge files of processes that no longer run (a worker that died or was
    replaced); their counters stay, so totals never go down. The pids forgotten."""
    dead = sorted({int(m.group(1)) for f in path.iterdir() if (m := _LIVE_GAUGE_FILE.match(f.name))})
    dead = [pid for pid in dead if not alive(pid)]
    for pid in dead:
        mark_process_dead(pid, str(path))
    return dead
