"""Commands across replicas: two service replicas on one database, a charger connected to one,
the fault processed by the other — the command reaches the charger through the replica holding
its socket (PostgreSQL LISTEN/NOTIFY, or polling on SQLite), and the relay's failure modes never
send a command twice or send one that was reported unsent. Real apps with their lifespans, real
gateways, a simulated charger over real websockets."""

from __future__ import annotations

import asyncio
import base64
import time
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
import websockets
from sqlmodel import select

from app.chargers.credentials import register_charger
from app.chargers.executors import Outcome, OutcomeStatus, RoutingExecutor
from app.chargers.relay import RelayExecutor
from app.guard.actions import Action, ActionParams
from app.main import create_app
from app.settings import Settings
from app.simulator.firmware import SimulatedCharger
from app.simulator.scenario import ChargerSpec, Fault
from app.store.db import session_scope
from app.store.models import ActionAttempt, Charger, GatewayNode, RelayedCommand, utcnow

PASSWORD = "relay-password-000001"
SLOW_POLL = 30.0
"""On PostgreSQL the relay polls this rarely: only NOTIFY can make a command arrive in time."""


def rows(engine, model, **where):
    with session_scope(engine) as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.exec(query).all())


async def until(predicate, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not (value := predicate()):
            await asyncio.sleep(0.05)
    return value


def poll_seconds(engine) -> float:
    return SLOW_POLL if engine.dialect.name == "postgresql" else 0.1


@asynccontextmanager
async def replica(engine, bundled, tmp_path, name: str, *, workers: int):
    settings = Settings(
        data_dir=tmp_path / name,
        workers=workers,
        ocpp_port=0,
        ocpp_call_timeout_seconds=5,
        verify_window_seconds=5,
        verify_poll_seconds=0.2,
        relay_poll_seconds=poll_seconds(engine),
    )
    app = create_app(settings, searcher=bundled, engine=engine)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def charger(app, charger_id: str):
    register_charger(app.state.engine, charger_id=charger_id, password=PASSWORD, site_id="site-relay")
    spec = ChargerSpec(
        id=charger_id,
        ocpp="1.6",
        password=PASSWORD,
        vendor="Kestrel EV",
        model="KW7-T",
        site="site-relay",
        connectors=1,
        reboot_seconds=0.2,
    )
    sim = SimulatedCharger(spec, f"ws://127.0.0.1:{app.state.gateway.port}/ocpp", response_timeout=5)
    sim.start()
    try:
        await sim.wait_connected()
        yield sim
    finally:
        await sim.stop()


@pytest.mark.slow
async def test_a_fault_processed_by_one_replica_commands_the_charger_held_by_the_other(
    engine, bundled, tmp_path
):
    async with (
        replica(engine, bundled, tmp_path, "a", workers=0) as holder,
        replica(engine, bundled, tmp_path, "b", workers=1) as worker,
        charger(holder, "RELAY-1") as sim,
    ):
        assert not worker.state.gateway.is_connected(sim.id)
        started = time.monotonic()
        await sim.report_fault(
            Fault(connector=1, error_code="OtherError", vendor_error_code="503", fixed_by=("Reset",))
        )
        attempt = await until(
            lambda: next(
                (a for a in rows(engine, ActionAttempt, charger_id=sim.id) if a.outcome == "fixed"), None
            )
        )
        elapsed = time.monotonic() - started
        reset = await sim.wait_for_command("Reset")
    assert reset.payload["type"] == "Soft"
    assert (attempt.action, attempt.executor, attempt.command_status) == ("soft_reset", "ocpp", "accepted")
    assert f"relayed to replica {holder.state.gateway.node}" in str(attempt.detail)
    (relayed,) = rows(engine, RelayedCommand, charger_id=sim.id)
    assert (relayed.node, relayed.requested_by) == (holder.state.gateway.node, worker.state.gateway.node)
    assert (relayed.action, relayed.status, relayed.outcome_status) == ("soft_reset", "done", "accepted")
    assert relayed.command_id == str(attempt.id)
    assert [c.action for c in sim.commands].count("Reset") == 1
    if engine.dialect.name == "postgresql":  # both sides woke on NOTIFY, not on their 30 s poll
        assert elapsed < SLOW_POLL / 2


def _relay(engine, node: str = "requester:1:aaaaaa", call_timeout: float = 0.5) -> RelayExecutor:
    return RelayExecutor(engine, node=node, call_timeout=call_timeout, poll_seconds=0.05, node_timeout=30)


def _connected(engine, charger_id: str, node: str, *, heartbeat_age: float | None) -> None:
    with session_scope(engine) as session:
        session.add(Charger(id=charger_id, connected_node=node, connected_at=utcnow()))
        if heartbeat_age is not None:
            beat = utcnow() - timedelta(seconds=heartbeat_age)
            session.add(GatewayNode(id=node, started_at=beat, heartbeat_at=beat))


def test_a_charger_held_by_a_replica_that_stopped_is_not_connected_and_nothing_is_queued(engine):
    _connected(engine, "GONE-1", "ghost:1:bbbbbb", heartbeat_age=3600)
    _connected(engine, "GONE-2", "ghost:2:cccccc", heartbeat_age=None)
    for charger_id in ("GONE-1", "GONE-2", "NEVER-SEEN"):
        outcome = _relay(engine).execute(charger_id, Action.SOFT_RESET, ActionParams())
        assert (outcome.status, outcome.executor) == (OutcomeStatus.NOT_CONNECTED, "ocpp")
    assert "no longer running" in _relay(engine).execute("GONE-1", Action.SOFT_RESET, ActionParams()).detail
    assert rows(engine, RelayedCommand) == []


async def test_a_command_nobody_takes_expires_unsent_and_is_never_sent_later(engine, bundled, tmp_path):
    async with replica(engine, bundled, tmp_path, "a", workers=0) as holder:
        gateway = holder.state.gateway
        await holder.state.relay.close()  # the node looks alive (fresh heartbeat) but takes nothing
        _connected(engine, "MUTE-1", gateway.node, heartbeat_age=0)
        with session_scope(engine) as session:  # the socket the row claims is held: make it so
            session.merge(GatewayNode(id=gateway.node, started_at=utcnow(), heartbeat_at=utcnow()))
        outcome = await asyncio.to_thread(
            _relay(engine).execute, "MUTE-1", Action.HARD_RESET, ActionParams(), command_id="77"
        )
        assert outcome.status is OutcomeStatus.NOT_CONNECTED
        assert "nothing was sent" in outcome.detail
        (row,) = rows(engine, RelayedCommand, charger_id="MUTE-1")
        assert (row.status, row.command_id, row.picked_at) == ("expired", "77", None)
        sent: list = []
        gateway.send = lambda *args: sent.append(args)  # a restarted relay must not pick it up
        from app.chargers.relay_server import RelayServer

        late = RelayServer(engine, gateway, poll_seconds=0.05, heartbeat_seconds=60)
        assert await asyncio.to_thread(late._take) == []
    assert sent == []


async def test_a_relayed_row_outside_the_allowlist_is_refused_unsent(engine, bundled, tmp_path):
    async with (
        replica(engine, bundled, tmp_path, "a", workers=0) as holder,
        charger(holder, "RELAY-2") as sim,
    ):
        with session_scope(engine) as session:  # as if someone wrote to the database directly
            row = RelayedCommand(
                charger_id=sim.id,
                node=holder.state.gateway.node,
                requested_by="intruder",
                action="update_firmware",
                params={"location": "http://evil.example/fw.bin"},
                deadline_at=utcnow() + timedelta(seconds=30),
            )
            session.add(row)
            session.flush()
            row_id = row.id
        holder.state.relay._wake.set()
        done = await until(
            lambda: next((r for r in rows(engine, RelayedCommand, id=row_id) if r.status == "done"), None)
        )
        await asyncio.sleep(0.3)
        received = [c.action for c in sim.commands]
    assert done.outcome_status == "error" and "refused, not sent" in done.outcome_detail
    assert received == []


async def test_a_late_disconnect_from_the_old_replica_keeps_the_newer_connection(engine, bundled, tmp_path):
    register_charger(engine, charger_id="MOVER-1", password=PASSWORD, site_id="site-relay")
    auth = {"Authorization": "Basic " + base64.b64encode(f"MOVER-1:{PASSWORD}".encode()).decode()}
    async with (
        replica(engine, bundled, tmp_path, "a", workers=0) as first,
        replica(engine, bundled, tmp_path, "b", workers=0) as second,
    ):
        sockets = []
        for app in (first, second):
            url = f"ws://127.0.0.1:{app.state.gateway.port}/ocpp/MOVER-1"
            sockets.append(await websockets.connect(url, subprotocols=["ocpp1.6"], additional_headers=auth))
            await until(lambda app=app: app.state.gateway.is_connected("MOVER-1"))
        await sockets[0].close()
        await until(lambda: not first.state.gateway.is_connected("MOVER-1"))
        (row,) = rows(engine, Charger, id="MOVER-1")
        await sockets[1].close()
    assert row.connected_node == second.state.gateway.node


class Recording:
    def __init__(self, name: str, status: OutcomeStatus) -> None:
        self.name, self.status, self.calls = name, status, []

    def execute(self, charger_id, action, params, *, command_id=None) -> Outcome:
        self.calls.append((charger_id, action, command_id))
        return Outcome(status=self.status, detail=self.name, executor=self.name)


class Offline:
    def is_connected(self, charger_id: str) -> bool:
        return False


def test_routing_tries_the_next_route_only_when_nothing_was_sent():
    gateway = Recording("ocpp", OutcomeStatus.NOT_CONNECTED)
    for relay_status, expected in [
        (OutcomeStatus.NOT_CONNECTED, "csms"),
        (OutcomeStatus.TIMEOUT, "relay"),  # it may have been sent: never send it another way
        (OutcomeStatus.ACCEPTED, "relay"),
    ]:
        relay, csms = Recording("relay", relay_status), Recording("csms", OutcomeStatus.ACCEPTED)
        routing = RoutingExecutor(gateway, Offline(), csms, relay)
        outcome = routing.execute("CP-1", Action.SOFT_RESET, ActionParams(), command_id="5")
        assert outcome.executor == expected
        assert len(csms.calls) == (expected == "csms")
    assert gateway.calls == []
