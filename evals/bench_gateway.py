"""`make bench-gateway`: 1,000 simulated chargers on one OCPP gateway process.

A gateway process (the real :class:`~app.chargers.gateway.Gateway` with the real intake on a
temporary SQLite database, no HTTP API) is started as a subprocess; this process runs the
simulated fleet (real websockets on loopback, Basic auth, boot + status reports through the
intake). Measured: time until every charger is connected, booted and has reported its status;
the gateway's resident memory per connection; then, while all stay connected and heartbeating,
the round trip of commands (TriggerMessage StatusNotification via :meth:`Gateway.send`, answered
by the charger) to random chargers, p50/p95. Report: evals/reports/bench_gateway.md; ``--json PATH``
also writes the measures (see :mod:`evals.measures`). Exits 1 when not every charger connected or
the p95 target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evals.measures import Measure, add_json_argument, checked, write_measures

REPORT = Path(__file__).parent / "reports" / "bench_gateway.md"
CHARGERS = int(os.environ.get("BENCH_CHARGERS", "1000"))
COMMANDS = 1000
CONCURRENCY = 8
TARGET_P95_MS = 50
PASSWORD = "bench-password-0000"
GROUP = "ocpp"
_CONNECTED = "chargers connected, booted and reported"
_P95 = "command round trip p95"
_EXIT_CODE_MEASURES = (_CONNECTED, _P95)


# ---- the gateway process -------------------------------------------------------------------------
async def serve(database: str) -> None:
    """Run the gateway; answer ``rss`` and ``measure N`` lines on stdin with JSON on stdout."""
    from app.chargers.gateway import Gateway
    from app.chargers.station import StationServices
    from app.intake.writer import IntakeWriter
    from app.settings import Settings
    from app.store.db import make_engine

    engine = make_engine(database)
    intake = IntakeWriter(engine)
    intake.start()
    settings = Settings(ocpp_port=0, ocpp_call_timeout_seconds=10)
    gateway = Gateway(
        settings, engine=engine, services=StationServices(engine=engine, intake=intake, heartbeat_seconds=300)
    )
    await gateway.start()
    _say({"port": gateway.port, "rss_kb": _rss_kb()})
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while line := (await reader.readline()).decode().strip():
        if line == "rss":
            _say({"rss_kb": _rss_kb(), "connected": len(gateway.connections)})
        elif line.startswith("measure"):
            _say(await measure(gateway, int(line.split()[1])))
    await gateway.close()
    intake.close()


async def measure(gateway, count: int) -> dict:
    """``count`` TriggerMessage round trips to random connected chargers, ``CONCURRENCY`` at once."""
    from app.guard.actions import Action, ActionParams

    ids = sorted(gateway.connections)
    queue = [random.choice(ids) for _ in range(count)]
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def worker() -> None:
        while queue:
            started = time.perf_counter()
            outcome = await gateway.send(queue.pop(), Action.TRIGGER_STATUS, ActionParams(connector_id=1))
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[outcome.status.value] = statuses.get(outcome.status.value, 0) + 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return {"latencies_ms": latencies, "statuses": statuses}


def _say(value: dict) -> None:
    print(json.dumps(value), flush=True)


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---- the fleet -----------------------------------------------------------------------------------
def register(database: str, count: int) -> list:
    from app.chargers.credentials import hash_password
    from app.simulator.runner import fleet
    from app.store.db import make_engine, session_scope, upgrade
    from app.store.models import Charger

    engine = make_engine(database)
    upgrade(engine)
    specs = fleet(count, password=PASSWORD, heartbeat_seconds=60)
    hashed = hash_password(PASSWORD)
    with session_scope(engine) as session:
        for spec in specs:
            session.add(Charger(id=spec.id, password_hash=hashed, site_id=spec.site))
    engine.dispose()
    return specs


async def run_fleet(specs: list, port: int, server: subprocess.Popen) -> dict:
    from app.simulator.firmware import SimulatedCharger

    url = f"ws://127.0.0.1:{port}/ocpp"
    sims = [SimulatedCharger(spec, url, response_timeout=30, open_timeout=60) for spec in specs]
    started = time.perf_counter()
    for sim in sims:
        sim.start()
    await asyncio.gather(*(sim.wait_connected(timeout=300) for sim in sims))
    connect_s = time.perf_counter() - started
    await asyncio.sleep(2)
    after = await _ask(server, "rss")
    measured = await _ask(server, f"measure {COMMANDS}", timeout=600)
    answered = sum(len(s.commands) for s in sims)
    await asyncio.gather(*(sim.stop() for sim in sims))
    return {"connect_s": connect_s, "after": after, "measured": measured, "answered": answered}


async def _ask(server: subprocess.Popen, line: str, timeout: float = 60) -> dict:
    server.stdin.write(line + "\n")
    server.stdin.flush()
    return json.loads(await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), timeout))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 and argv[0] == "serve":
        asyncio.run(serve(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    add_json_argument(parser)
    args = parser.parse_args(argv)
    measures = run()
    if args.json:
        write_measures(args.json, measures)
    return 0 if all(m.met for m in measures if m.name in _EXIT_CODE_MEASURES) else 1


def run() -> list[Measure]:
    """Run the benchmark, print and write its report; return its measures."""
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.db"
        specs = register(database, CHARGERS)
        server = subprocess.Popen(
            [sys.executable, "-m", "evals.bench_gateway", "serve", database],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            ready = json.loads(server.stdout.readline())
            result = asyncio.run(run_fleet(specs, ready["port"], server))
        finally:
            server.stdin.close()
            server.wait(timeout=60)
    latencies = result["measured"]["latencies_ms"]
    per_conn_kb = (result["after"]["rss_kb"] - ready["rss_kb"]) / CHARGERS
    q = statistics.quantiles(latencies, n=100)
    p50, p95 = statistics.median(latencies), q[94]
    after, statuses = result["after"], result["measured"]["statuses"]
    rss = f"{ready['rss_kb'] / 1024:.0f} → {after['rss_kb'] / 1024:.0f} MiB"
    measures = [
        checked(GROUP, _CONNECTED, after["connected"], "chargers", equals=CHARGERS),
        Measure(GROUP, "time to connect all chargers", result["connect_s"], "s"),
        Measure(GROUP, "gateway RSS with all chargers connected", after["rss_kb"] / 1024, "MiB"),
        Measure(GROUP, "gateway memory per connection", per_conn_kb, "KiB"),
        Measure(GROUP, "command round trip p50", p50, "ms"),
        checked(GROUP, _P95, p95, "ms", at_most=TARGET_P95_MS),
        checked(GROUP, "commands accepted", statuses.get("accepted", 0), "commands", equals=COMMANDS),
    ]
    report = "\n".join(
        [
            "# Gateway benchmark (`make bench-gateway`)",
            "",
            f"{CHARGERS} simulated chargers (OCPP 1.6, Basic auth, boot and status through the intake on",
            "SQLite) connected to one gateway process; the fleet runs in a second process, same 2 cores.",
            "",
            "| Measure | Value | Target |",
            "|---|---|---|",
            f"| chargers connected, booted and reported | {after['connected']} / {CHARGERS} | all |",
            f"| time to connect all | {result['connect_s']:.1f} s | — |",
            f"| gateway RSS before → after | {rss} | — |",
            f"| memory per connection | {per_conn_kb:.1f} KiB | — |",
            f"| command round trip p50 ({COMMANDS} TriggerMessage, {CONCURRENCY} at once) | {p50:.1f} ms | |",
            f"| command round trip p95 | {p95:.1f} ms | ≤ {TARGET_P95_MS} ms |",
            f"| command outcomes | {statuses} | all accepted |",
            "",
        ]
    )
    REPORT.write_text(report, encoding="utf-8")
    print(report)
    return measures


if __name__ == "__main__":
    raise SystemExit(main())
