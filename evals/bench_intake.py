"""`make bench-intake`: event intake throughput and crash safety through real HTTP.

The service runs as a real ``chargemedic serve`` process (uvicorn on loopback, queue workers on);
concurrent HTTP clients post StatusNotifications (faults and recoveries over many chargers).

1. **Throughput**: a fixed set of events posted once each: accepted per second (202/200 answers)
   and request latency p50/p95.
2. **Crash**: senders that keep every event until it is acknowledged (like a CSMS's outbox; see
   :mod:`evals.intake_load`) post new events for ``--crash-after`` seconds (default 10), then the
   server is killed with SIGKILL and started again, and the senders re-send whatever was not
   acknowledged — the requests in flight at the kill and those refused while it was down. Once
   the queue has drained: **lost** = acknowledged but not stored, or never accepted despite the
   retries; **duplicated** = stored twice; and every fault must have been decided exactly once
   (``faults decided twice``, ``unprocessed``). Lost and duplicated must both be 0.

Runs on SQLite (a temporary data folder) and on PostgreSQL at ``CHARGEMEDIC_TEST_DATABASE_URL``
(by default the local server the tests use; empty: skipped), in a schema of its own that is
dropped afterwards. The report is printed and written to ``evals/reports/bench_intake.md``;
``--json PATH`` also writes the measures (see :mod:`evals.measures`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from evals.intake_load import CONCURRENCY, START_SECONDS, Load, Outbox, Server, deliver, post_events
from evals.measures import Measure, add_json_argument, checked, write_measures

REPORT = Path(__file__).parent / "reports" / "bench_intake.md"
TARGET_PER_SECOND = 500
EVENTS = 6000
CRASH_AFTER_SECONDS = 10.0
RESEND_SECONDS = 120.0
"""How long after the restart the senders keep re-sending what is unacknowledged."""
DRAIN_SECONDS = 300.0
"""How long the audit waits for the queue to drain after the restart."""
GROUP = "intake"
PG_VARIABLE = "CHARGEMEDIC_TEST_DATABASE_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Crash:
    """What the senders saw around the SIGKILL."""

    outbox: Outbox
    load_seconds: float
    made_before_kill: int
    acked_before_kill: int
    in_flight_at_kill: int
    restart_seconds: float


async def crash_run(server: Server, key: str, crash_after: float) -> Crash:
    """New events for ``crash_after`` seconds, SIGKILL, restart; every unacknowledged event is
    re-sent until acknowledged (giving up :data:`RESEND_SECONDS` after the latest restart)."""
    started = time.monotonic()
    kill_at = started + crash_after
    outbox = Outbox(run="crash", make_new_until=kill_at)
    give_up_at = kill_at + START_SECONDS + RESEND_SECONDS
    sender = asyncio.create_task(deliver(server.base, key, outbox, give_up_at=give_up_at))
    await asyncio.sleep(max(kill_at - time.monotonic(), 0))
    made, acked, in_flight = outbox.made, len(outbox.acked), outbox.in_flight
    load_seconds = time.monotonic() - started
    await asyncio.to_thread(server.kill)
    restarting = time.monotonic()
    await asyncio.to_thread(server.start)
    restart_seconds = time.monotonic() - restarting
    await sender
    return Crash(outbox, load_seconds, made, acked, in_flight, restart_seconds)


def prepare(data_dir: Path, database_url: str | None) -> str:
    """Migrate the database and return a new CSMS key."""
    from app.settings import Settings
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.keys import create_key

    engine = make_engine(Settings(data_dir=data_dir, database_url=database_url).database)
    upgrade(engine)
    with session_scope(engine) as session:
        key = create_key(session, role="csms", name="bench")[1]
    engine.dispose()
    return key


def audit_database(data_dir: Path, database_url: str | None, acked: set[str]) -> dict[str, int]:
    """Wait for the queue to drain, then count events lost or stored twice and faults decided 0
    or 2+ times."""
    from sqlalchemy import func
    from sqlmodel import select

    from app.settings import Settings
    from app.store import queue
    from app.store.db import make_engine, session_scope
    from app.store.models import AuditEntry, Event, Fault

    engine = make_engine(Settings(data_dir=data_dir, database_url=database_url).database)
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            pending = sum(queue.depth(session).values())
        if not pending:
            break
        time.sleep(0.5)
    with session_scope(engine) as session:
        stored = set(session.exec(select(Event.external_id)).all())
        twice = session.exec(
            select(Event.external_id).group_by(Event.external_id).having(func.count() > 1)
        ).all()
        faults = set(session.exec(select(Fault.id)).all())
        runs = Counter(
            session.exec(select(AuditEntry.fault_id).where(AuditEntry.kind == "fault.decided")).all()
        )
    engine.dispose()
    return {
        "acknowledged": len(acked),
        "stored": len(stored),
        "acked_not_stored": len(acked - stored),
        "stored_twice": len(twice),
        "faults": len(faults),
        "decided_twice": sum(1 for n in runs.values() if n > 1),
        "unprocessed": len(faults - set(runs)),
        "pending": pending,
    }


def run_backend(
    label: str, name: str, database_url: str | None, crash_after: float
) -> tuple[list[str], list[Measure]]:
    """The report lines and the measures (named after ``name``) of one database backend."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        key = prepare(data_dir, database_url)
        server = Server(data_dir, database_url)
        try:
            server.start()
            warm, load = Load(), Load()
            asyncio.run(post_events(server.base, key, range(200), "warm", warm))
            asyncio.run(post_events(server.base, key, range(EVENTS), "load", load))
            crash = asyncio.run(crash_run(server, key, crash_after))
            counts = audit_database(data_dir, database_url, warm.acked | load.acked | crash.outbox.acked)
        finally:
            server.stop()
    return report_lines(label, load, crash, counts), measures(name, load, crash, counts)


def measures(name: str, load: Load, crash: Crash, counts: dict[str, int]) -> list[Measure]:
    latencies = sorted(load.latencies)
    never = len(crash.outbox.unacknowledged)
    after = "after SIGKILL + restart"
    return [
        checked(
            GROUP,
            f"throughput, {name}",
            len(load.acked) / load.seconds,
            "events/s",
            at_least=TARGET_PER_SECOND,
        ),
        Measure(GROUP, f"request latency p50, {name}", statistics.median(latencies) * 1000, "ms"),
        Measure(
            GROUP, f"request latency p95, {name}", latencies[int(0.95 * (len(latencies) - 1))] * 1000, "ms"
        ),
        Measure(GROUP, f"errors during load, {name}", sum(load.errors.values()), ""),
        Measure(GROUP, f"load before SIGKILL, {name}", crash.load_seconds, "s"),
        checked(GROUP, f"re-sent {after}, {name}", len(crash.outbox.resent), "events", at_least=1),
        checked(GROUP, f"lost {after}, {name}", counts["acked_not_stored"] + never, "events", equals=0),
        checked(GROUP, f"duplicated {after}, {name}", counts["stored_twice"], "events", equals=0),
        checked(GROUP, f"faults decided twice {after}, {name}", counts["decided_twice"], "faults", equals=0),
        checked(GROUP, f"unprocessed {after}, {name}", counts["unprocessed"], "faults", equals=0),
    ]


def report_lines(label: str, load: Load, crash: Crash, counts: dict[str, int]) -> list[str]:
    rate = len(load.acked) / load.seconds
    latencies = sorted(load.latencies)
    p50, p95 = statistics.median(latencies) * 1000, latencies[int(0.95 * (len(latencies) - 1))] * 1000
    outbox, gone, never = crash.outbox, counts["acked_not_stored"], len(crash.outbox.unacknowledged)
    sends = f"{sum(outbox.sends.values())} sends for {outbox.made} events"
    failed = dict(outbox.failures) or "none"
    return [
        f"### {label}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| events accepted | {len(load.acked)} of {EVENTS} in {load.seconds:.2f} s "
        f"({CONCURRENCY} concurrent clients) |",
        f"| throughput | **{rate:.0f} events/s** (target ≥ {TARGET_PER_SECOND}: "
        f"{'met' if rate >= TARGET_PER_SECOND else 'NOT met'}) |",
        f"| latency p50 / p95 | {p50:.1f} ms / {p95:.1f} ms |",
        f"| errors during load | {dict(load.errors) or 'none'} |",
        f"| crash run: load before SIGKILL | {crash.load_seconds:.1f} s: {crash.made_before_kill} events "
        f"made, {crash.acked_before_kill} acknowledged, {crash.in_flight_at_kill} in flight at the kill |",
        f"| crash run: restart | {crash.restart_seconds:.1f} s until `/healthz` answered again |",
        f"| crash run: re-sent | {len(outbox.resent)} events sent more than once ({sends}; failed sends: "
        f"{failed}); {len(outbox.replayed)} answered 200 = already stored, the answer lost in the kill |",
        f"| after restart: **lost** | **{gone + never}** = {gone} acknowledged but not stored + {never} "
        f"never accepted after retries ({len(outbox.refused)} refused); {counts['acknowledged']} "
        f"acknowledged, {counts['stored']} stored |",
        f"| after restart: **duplicated** | **{counts['stored_twice']}** events stored twice |",
        f"| after restart: faults decided twice / unprocessed | {counts['decided_twice']} / "
        f"{counts['unprocessed']} of {counts['faults']} faults ({counts['pending']} work items still "
        f"queued after {DRAIN_SECONDS:.0f} s) |",
        "",
    ]


def postgres_url() -> tuple[str | None, str]:
    """``(url, "")`` of the PostgreSQL to measure, or ``(None, why not)`` (see the module doc)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from app.store.db import make_engine

    url = os.environ.get(PG_VARIABLE)
    if url == "":
        return None, f"{PG_VARIABLE} is empty"
    url = url or DEFAULT_PG_URL
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # unreachable or refused: the report says so
        return None, f"no server at {make_url(url).render_as_string()}: {type(exc).__name__}"
    finally:
        engine.dispose()
    return url, ""


def private_schema(url: str, schema: str, *, create: bool) -> str:
    """Create (or drop) ``schema`` at ``url``; the URL whose connections use it."""
    from sqlalchemy import text

    from app.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if create:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def main(argv: list[str] | None = None) -> int:
    """``python -m evals.bench_intake [sqlite] [postgresql] [--crash-after S] [--json PATH]``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("backends", nargs="*", metavar="sqlite|postgresql", help="default: both")
    parser.add_argument(
        "--crash-after",
        type=float,
        default=CRASH_AFTER_SECONDS,
        metavar="SECONDS",
        help=f"load before the SIGKILL (default {CRASH_AFTER_SECONDS:g})",
    )
    add_json_argument(parser)
    args = parser.parse_args(argv)
    if args.crash_after <= 0:
        parser.error("--crash-after must be above 0")
    found = run(set(args.backends) or {"sqlite", "postgresql"}, args.crash_after)
    if args.json:
        write_measures(args.json, found)
    return 0


def run(
    backends: Collection[str] = ("sqlite", "postgresql"), crash_after: float = CRASH_AFTER_SECONDS
) -> list[Measure]:
    """Run the benchmark on ``backends``, print and write its report; return its measures."""
    found: list[Measure] = []
    lines = [
        "# chargemedic intake benchmark",
        "",
        f"{os.cpu_count()} CPU cores; server and clients share them.",
        "",
    ]
    if "sqlite" in backends:
        backend_lines, backend_measures = run_backend("SQLite (WAL)", "SQLite", None, crash_after)
        lines += backend_lines
        found += backend_measures
    if "postgresql" in backends:
        url, why_not = postgres_url()
        if url is None:
            lines += [f"PostgreSQL: skipped ({why_not}).", ""]
        else:
            schema = f"bench_intake_{os.getpid()}"
            try:
                scoped = private_schema(url, schema, create=True)
                backend_lines, backend_measures = run_backend("PostgreSQL", "PostgreSQL", scoped, crash_after)
            finally:
                private_schema(url, schema, create=False)
            lines += backend_lines
            found += backend_measures
    text = "\n".join(lines)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return found


if __name__ == "__main__":
    sys.exit(main())
