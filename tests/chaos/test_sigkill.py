"""Scenario 6 — SIGKILL under load: a real ``chargemedic serve`` (SQLite, two queue workers,
dry-run executor) receives StatusNotifications from one client per charger; it is killed with
SIGKILL mid-load and started again, while the clients keep retrying whatever was not
acknowledged. Every acknowledged event is stored once, every fault it opened is decided exactly
once with at most one action attempt, and posting every event again changes nothing.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest

from tests.chaos.harness import (
    Load,
    alternating,
    assert_nothing_unsafe,
    assert_processed_once,
    assert_stored,
    drained,
    fault_ids_of,
    post_again,
    post_in_order,
    prepared,
    until,
)
from tests.chaos.infra import Serve

pytestmark = pytest.mark.chaos
CHARGERS, EVENTS_PER_CHARGER = 12, 6


async def test_sigkill_under_load_loses_nothing_acknowledged_and_processes_each_fault_once(
    knowledge, tmp_path
):
    data = tmp_path / "data"
    shutil.copytree(knowledge, data / "chroma")
    engine, key = prepared(f"sqlite:///{data / 'chargemedic.db'}")
    serve = Serve(
        data,
        {"CHARGEMEDIC_WORKERS": "2", "CHARGEMEDIC_LEASE_SECONDS": "2", "CHARGEMEDIC_EXECUTOR": "dry_run"},
    )
    plan = alternating("K", CHARGERS, EVENTS_PER_CHARGER)
    load = Load()
    posting = asyncio.create_task(post_in_order(serve.base, key, plan, load, pause=0.1))
    try:
        await asyncio.to_thread(serve.start)
        await until(lambda: len(load.acked) >= CHARGERS * 2, 30)
        await asyncio.to_thread(serve.kill)
        acked_before_kill = len(load.acked)
        await asyncio.to_thread(serve.start)
        await asyncio.wait_for(posting, 60)
        await until(lambda: drained(engine), 60)
        again = await post_again(serve.base, key, plan)
        await until(lambda: drained(engine), 10)
    finally:
        posting.cancel()
        serve.stop()

    total = CHARGERS * EVENTS_PER_CHARGER
    assert acked_before_kill < total and load.unanswered > 0  # killed mid-load, the clients retried
    assert load.problems == [] and len(load.acked) == total
    assert again == [200] * total  # known event ids: answered from the record, not processed again
    assert_stored(engine, load.acked)
    faults = fault_ids_of(engine, load.faults)
    assert len(faults) == len(load.faults) == total // 2
    assert_processed_once(engine, faults.values())
    assert_nothing_unsafe(engine)
    engine.dispose()
