"""Scenario 4 — chargers misbehave over real OCPP websockets while the real app commands them.

A charger reports a fault whose playbook step is a soft reset; when the Reset arrives it hangs
up without answering, answers after ``ocpp_call_timeout_seconds``, answers with garbage, or sends
a frame larger than ``ocpp_max_message_bytes``. Each command ends with a clean outcome recorded on
its attempt, the fault is escalated (at once, or when verification finds no recovery), the
Reset is never sent again, and the gateway keeps serving: the same charger reconnects and a
fresh one connects, and both are commanded successfully. Another charger sending malformed
frames meanwhile gets CallErrors and keeps its connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from app.chargers.credentials import register_charger
from app.chargers.executors import OutcomeStatus
from app.guard.actions import Action, ActionParams
from app.settings import Settings
from app.store.models import ActionAttempt, Escalation, Event, Fault
from tests.chaos.harness import PASSWORD, assert_nothing_unsafe, assert_processed_once, rows, running, until
from tests.chaos.rogue import Rogue

pytestmark = pytest.mark.chaos
CALL_TIMEOUT = 0.5
MAX_FRAME = 16_384


async def hang_up(rogue: Rogue, message_id: str) -> None:
    await rogue.ws.close()


async def answer_late(rogue: Rogue, message_id: str) -> None:
    await asyncio.sleep(CALL_TIMEOUT + 0.5)
    await rogue.answer(message_id, {"status": "Accepted"})


async def answer_garbage(rogue: Rogue, message_id: str) -> None:
    await rogue.ws.send("{this is not json")
    await rogue.ws.send(json.dumps([3, message_id, {"status": 42}]))


async def send_huge_frame(rogue: Rogue, message_id: str) -> None:
    await rogue.ws.send(
        json.dumps([2, "big-1", "DataTransfer", {"vendorId": "x", "data": "x" * 2 * MAX_FRAME}])
    )


MISBEHAVIOURS = {
    "hang_up": (hang_up, OutcomeStatus.DISCONNECTED, "unknown"),
    "late": (answer_late, OutcomeStatus.TIMEOUT, "unknown"),
    "garbage": (answer_garbage, OutcomeStatus.CALL_ERROR, "call_error"),
    "huge_frame": (send_huge_frame, OutcomeStatus.DISCONNECTED, "unknown"),
}
"""How the charger misbehaves once the Reset arrives, the command's outcome, and how the attempt
ends: ``unknown`` when verification heard nothing from the charger within its window (a command
that may have been carried out is verified, not repeated); a garbled answer escalates at once."""


def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        workers=1,
        ocpp_port=0,
        ocpp_call_timeout_seconds=CALL_TIMEOUT,
        ocpp_max_message_bytes=MAX_FRAME,
        verify_window_seconds=1.5,
        verify_poll_seconds=0.1,
    )


def register(engine, *charger_ids: str) -> None:
    for charger_id in charger_ids:
        register_charger(engine, charger_id=charger_id, password=PASSWORD, site_id=f"site-{charger_id}")


def escalated_fault(engine, charger_id: str) -> Fault | None:
    return next((f for f in rows(engine, Fault, charger_id=charger_id) if f.state == "escalated"), None)


@asynccontextmanager
async def connected(app, charger_id: str) -> AsyncIterator[Rogue]:
    """A :class:`Rogue` charger, once the gateway has registered its connection."""
    async with Rogue.connected(app.state.gateway.port, charger_id) as rogue:
        await until(lambda: app.state.gateway.is_connected(charger_id), 5)
        yield rogue


async def commanded(app, charger_id: str) -> OutcomeStatus:
    """Ask ``charger_id`` for its status (TriggerMessage) through the gateway; the outcome."""
    outcome = await app.state.gateway.send(charger_id, Action.TRIGGER_STATUS, ActionParams(connector_id=1))
    return outcome.status


@pytest.mark.parametrize("misbehaviour", list(MISBEHAVIOURS))
async def test_a_charger_misbehaving_mid_command_gets_one_clean_outcome_and_the_gateway_serves_on(
    engine, searcher, tmp_path, misbehaviour
):
    act, status, outcome = MISBEHAVIOURS[misbehaviour]
    register(engine, "CP-ROGUE", "CP-FRESH")
    async with running(settings(tmp_path), engine=engine, searcher=searcher) as app:
        async with connected(app, "CP-ROGUE") as rogue:
            await rogue.boot_and_report()
            message_id, _, reset = await rogue.next_call("Reset")
            await act(rogue, message_id)
            fault = await until(lambda: escalated_fault(engine, "CP-ROGUE"))
            same_socket = await commanded(app, "CP-ROGUE") if rogue.ws.close_code is None else None
            first_calls = list(rogue.calls)
        async with connected(app, "CP-ROGUE") as again, connected(app, "CP-FRESH") as fresh:
            assert await commanded(app, "CP-ROGUE") is OutcomeStatus.ACCEPTED
            assert await commanded(app, "CP-FRESH") is OutcomeStatus.ACCEPTED
            all_calls = first_calls + again.calls + fresh.calls
    assert reset == {"type": "Soft"}
    (attempt,) = rows(engine, ActionAttempt, charger_id="CP-ROGUE")
    assert (attempt.action, attempt.fault_id, attempt.executor) == ("soft_reset", fault.id, "ocpp")
    assert (attempt.command_status, attempt.outcome) == (status.value, outcome)
    assert rows(engine, Escalation, fault_id=fault.id)
    assert same_socket in (None, OutcomeStatus.ACCEPTED)  # a late answer does not confuse the next call
    assert [c for c in all_calls if c[1] == "Reset"] == [first_calls[0]]  # never sent again
    assert_processed_once(engine, [fault.id])
    assert_nothing_unsafe(engine, [(action, payload) for _, action, payload in all_calls])


async def test_malformed_frames_get_callerrors_while_other_chargers_are_commanded(engine, searcher, tmp_path):
    register(engine, "CP-NOISY", "CP-QUIET")
    garbage = [
        "not json at all",
        json.dumps({"not": "a list"}),
        json.dumps([2, 7, "Heartbeat", {}]),
        json.dumps([2, "s1", "StatusNotification", {"connectorId": "one", "errorCode": 5, "status": []}]),
        json.dumps([2, "s2", "BootNotification", "not an object"]),
        json.dumps([9, "x", "Heartbeat", {}]),
    ]
    async with (
        running(settings(tmp_path), engine=engine, searcher=searcher) as app,
        connected(app, "CP-NOISY") as noisy,
        connected(app, "CP-QUIET"),
    ):
        flood = asyncio.gather(*(noisy.ws.send(frame) for frame in garbage * 20))
        outcomes = await asyncio.gather(*(commanded(app, "CP-QUIET") for _ in range(5)))
        await flood
        await until(lambda: len(noisy.errors) == len(garbage) * 20, 10)  # one CallError for each
        heartbeat = await noisy.call("Heartbeat", {})
    assert outcomes == [OutcomeStatus.ACCEPTED] * 5
    assert heartbeat[0] == 3 and "currentTime" in heartbeat[2]
    assert {frame[0] for frame in noisy.errors} == {4}
    assert rows(engine, Event, charger_id="CP-NOISY") == [] and rows(engine, Fault) == []
