"""`make bench-intake`: event intake throughput and crash safety through real HTTP.

The service runs as a real ``chargemedic serve`` process (uvicorn on loopback, queue workers on);
concurrent HTTP clients post StatusNotifications (faults and recoveries over many chargers).

1. **Throughput**: events accepted per second (202/200 answers) and request latency p50/p95.
2. **Crash**: under the same load the server is killed with SIGKILL, then started again. Every
   acknowledged event must be in the database (``lost``), and once the queue has drained every
   fault must have been processed exactly once (``duplicated``, ``unprocessed``).

Runs on SQLite (a temporary data folder) and, when ``CHARGEMEDIC_TEST_DATABASE_URL`` is set, on
PostgreSQL. The report is printed and written to ``evals/reports/bench_intake.md``; ``--json PATH``
also writes the measures (see :mod:`evals.measures`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

from evals.measures import Measure, add_json_argument, checked, write_measures

REPORT = Path(__file__).parent / "reports" / "bench_intake.md"
TARGET_PER_SECOND = 500
CONCURRENCY = 32
EVENTS = 6000
CHARGERS = 300
LEASE_SECONDS = 3
GROUP = "intake"


@dataclass
class Load:
    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def event(n: int, run: str) -> dict:
    """The n-th event: a fault on every other message of a charger, then its recovery."""
    charger = f"CP-{n % CHARGERS:04d}"
    faulted = (n // CHARGERS) % 2 == 0
    return {
        "event_id": f"{run}-{n}",
        "charger_id": charger,
        "ocpp_version": "1.6",
        "charger": {"vendor": "Voltra", "model": "VX22-T2S", "site_id": f"site-{n % 10}"},
        "status_notification": {
            "connectorId": 1,
            "errorCode": "GroundFailure" if faulted else "NoError",
            "status": "Faulted" if faulted else "Available",
            "vendorErrorCode": "E-06" if faulted else None,
        },
    }


async def post_events(base: str, key: str, numbers: range, run: str, load: Load, stop_after=None) -> None:
    """Post ``numbers`` with ``CONCURRENCY`` clients; ``stop_after`` (seconds) ends early.

    The load generator is aiohttp with pre-encoded bodies: it shares the CPU with the server,
    and a heavier client (httpx costs ~2-4 ms of CPU per request here) would measure itself.
    """
    pending = iter(numbers)
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector, timeout=timeout) as client:

        async def client_loop() -> None:
            for n in pending:
                if stop_after and time.perf_counter() - started > stop_after:
                    return
                body = event(n, run)
                data = json.dumps(body).encode()
                began = time.perf_counter()
                try:
                    async with client.post("/v1/events", data=data) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    load.errors[type(exc).__name__] += 1
                    continue
                if status in (200, 202):
                    load.acked.add(body["event_id"])
                    load.latencies.append(time.perf_counter() - began)
                else:
                    load.errors[str(status)] += 1

        await asyncio.gather(*(client_loop() for _ in range(CONCURRENCY)))
    load.seconds = time.perf_counter() - started


class Server:
    """A ``chargemedic serve`` process on a free loopback port."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.port = _free_port()
        self.env = os.environ | {
            "CHARGEMEDIC_DATA_DIR": str(data_dir),
            "CHARGEMEDIC_PORT": str(self.port),
            "CHARGEMEDIC_WORKERS": "2",
            "CHARGEMEDIC_LEASE_SECONDS": str(LEASE_SECONDS),
            "CHARGEMEDIC_LOG_LEVEL": "warning",
        }
        if database_url:
            self.env["CHARGEMEDIC_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        chargemedic = Path(sys.executable).parent / "chargemedic"
        with self.log.open("ab") as log:  # a file, not a pipe: an unread pipe would block the server
            self.process = subprocess.Popen(
                [str(chargemedic), "serve"], env=self.env, stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.log.read_text(errors="replace")[-4000:])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(data_dir: Path, database_url: str | None) -> str:
    """Migrate the database (emptying a PostgreSQL one) and return a new CSMS key."""
    from sqlalchemy import text

    from app.settings import Settings
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.keys import create_key

    settings = Settings(data_dir=data_dir, database_url=database_url)
    engine = make_engine(settings.database)
    if database_url:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    with session_scope(engine) as session:
        key = create_key(session, role="csms", name="bench")[1]
    engine.dispose()
    return key


def audit_database(data_dir: Path, database_url: str | None, acked: set[str]) -> dict[str, int]:
    """Wait for the queue to drain, then count lost events and faults processed 0 or 2+ times."""
    from sqlmodel import select

    from app.settings import Settings
    from app.store import queue
    from app.store.db import make_engine, session_scope
    from app.store.models import AuditEntry, Event, Fault

    engine = make_engine(Settings(data_dir=data_dir, database_url=database_url).database)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            pending = sum(queue.depth(session).values())
        if not pending:
            break
        time.sleep(0.5)
    with session_scope(engine) as session:
        stored = set(session.exec(select(Event.external_id)).all())
        faults = set(session.exec(select(Fault.id)).all())
        runs = Counter(
            session.exec(select(AuditEntry.fault_id).where(AuditEntry.kind == "fault.decided")).all()
        )
    engine.dispose()
    return {
        "acknowledged": len(acked),
        "stored": len(stored),
        "lost": len(acked - stored),
        "faults": len(faults),
        "duplicated": sum(1 for n in runs.values() if n > 1),
        "unprocessed": len(faults - set(runs)),
        "pending": pending,
    }


def run_backend(label: str, name: str, database_url: str | None) -> tuple[list[str], list[Measure]]:
    """The report lines and the measures (named after ``name``) of one database backend."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        key = prepare(data_dir, database_url)
        server = Server(data_dir, database_url)
        server.start()
        warm = Load()
        asyncio.run(post_events(server.base, key, range(200), "warm", warm))
        load = Load()
        asyncio.run(post_events(server.base, key, range(EVENTS), "load", load))
        crash = Load()

        async def crash_run() -> None:
            task = asyncio.create_task(post_events(server.base, key, range(EVENTS), "crash", crash))
            await asyncio.sleep(2.0)
            await asyncio.to_thread(server.kill)
            await task

        asyncio.run(crash_run())
        server.start()
        counts = audit_database(data_dir, database_url, warm.acked | load.acked | crash.acked)
        server.stop()
    rate = len(load.acked) / load.seconds
    latencies = sorted(load.latencies)
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
    throughput = checked(GROUP, f"throughput, {name}", rate, "events/s", at_least=TARGET_PER_SECOND)
    measures = [
        throughput,
        Measure(GROUP, f"request latency p50, {name}", p50, "ms"),
        Measure(GROUP, f"request latency p95, {name}", p95, "ms"),
        Measure(GROUP, f"errors during load, {name}", sum(load.errors.values()), ""),
        checked(GROUP, f"lost after SIGKILL + restart, {name}", counts["lost"], "events", equals=0),
        checked(
            GROUP, f"duplicated after SIGKILL + restart, {name}", counts["duplicated"], "faults", equals=0
        ),
        checked(
            GROUP, f"unprocessed after SIGKILL + restart, {name}", counts["unprocessed"], "faults", equals=0
        ),
    ]
    verdict = "met" if throughput.met else "NOT met"
    lines = [
        f"### {label}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| events accepted | {len(load.acked)} of {EVENTS} in {load.seconds:.2f} s "
        f"({CONCURRENCY} concurrent clients) |",
        f"| throughput | **{rate:.0f} events/s** (target ≥ {TARGET_PER_SECOND}: {verdict}) |",
        f"| latency p50 / p95 | {p50:.1f} ms / {p95:.1f} ms |",
        f"| errors during load | {dict(load.errors) or 'none'} |",
        f"| crash run: acknowledged before SIGKILL | {len(crash.acked)} |",
        f"| after restart: lost / duplicated / unprocessed | **{counts['lost']} / {counts['duplicated']} / "
        f"{counts['unprocessed']}** (of {counts['acknowledged']} acknowledged, {counts['faults']} faults; "
        f"{counts['pending']} still queued after 120 s) |",
        "",
    ]
    return lines, measures


def main(argv: list[str] | None = None) -> int:
    """``python -m evals.bench_intake [sqlite] [postgresql] [--json PATH]`` (default: both)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("backends", nargs="*", metavar="sqlite|postgresql", help="default: both")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    measures = run(set(args.backends) or {"sqlite", "postgresql"})
    if args.json:
        write_measures(args.json, measures)
    return 0


def run(backends: Collection[str] = ("sqlite", "postgresql")) -> list[Measure]:
    """Run the benchmark on ``backends``, print and write its report; return its measures."""
    measures: list[Measure] = []
    lines = [
        "# chargemedic intake benchmark",
        "",
        f"{os.cpu_count()} CPU cores; server and clients share them.",
        "",
    ]
    if "sqlite" in backends:
        backend_lines, backend_measures = run_backend("SQLite (WAL)", "SQLite", None)
        lines += backend_lines
        measures += backend_measures
    url = os.environ.get("CHARGEMEDIC_TEST_DATABASE_URL")
    if "postgresql" in backends and url:
        backend_lines, backend_measures = run_backend("PostgreSQL", "PostgreSQL", url)
        lines += backend_lines
        measures += backend_measures
    elif "postgresql" in backends:
        lines += ["PostgreSQL: skipped (CHARGEMEDIC_TEST_DATABASE_URL is not set).", ""]
    text = "\n".join(lines)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return measures


if __name__ == "__main__":
    sys.exit(main())
