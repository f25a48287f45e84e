"""The intake benchmark's crash sender (evals.intake_load.deliver) keeps every event until it is
acknowledged: against a real HTTP endpoint that drops connections, answers 503, stores an event
but loses the answer, refuses one, and goes away for a while (as a SIGKILL + restart does), every
event ends acknowledged and stored once, and what was re-sent, replayed or refused is counted."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from aiohttp import web

from evals.intake_load import Outbox, deliver
from tests.conftest import free_port

SCRIPT = {
    "t-0": ["drop"],  # the connection dies before anything is stored
    "t-1": ["store-drop"],  # stored, then the connection dies: the re-send is answered 200
    "t-2": ["503", "503"],
    "t-3": ["422"],  # refused for good: never re-sent, counted as never accepted
}


class Intake:
    """A stand-in for ``POST /v1/events``: each event id answered as :data:`SCRIPT` says per
    attempt, then like the service (202 the first time it is stored, 200 for one it holds)."""

    def __init__(self) -> None:
        self.attempts: Counter = Counter()
        self.stored: Counter = Counter()

    async def post(self, request: web.Request) -> web.StreamResponse:
        event_id = (await request.json())["event_id"]
        plan = SCRIPT.get(event_id, [])
        attempt = self.attempts[event_id]
        self.attempts[event_id] += 1
        what = plan[attempt] if attempt < len(plan) else "ok"
        if what in ("drop", "store-drop"):
            if what == "store-drop":
                self.stored[event_id] += 1
            request.transport.close()
            return web.Response(status=500)  # never reaches the client
        if what.isdigit():
            return web.Response(status=int(what))
        if self.stored[event_id]:
            return web.json_response({}, status=200)
        self.stored[event_id] += 1
        return web.json_response({}, status=202)


async def until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


async def serve(intake: Intake, port: int) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/v1/events", intake.post)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def test_every_event_is_kept_until_acknowledged_and_resent_after_an_outage():
    intake, port = Intake(), free_port()
    runner = await serve(intake, port)
    outbox = Outbox(run="t")
    sending = asyncio.create_task(
        deliver(f"http://127.0.0.1:{port}", "key", outbox, give_up_at=time.monotonic() + 60)
    )
    try:
        await until(lambda: outbox.made > 50)
        await runner.cleanup()  # the service is gone, its connections with it ...
        down_from = outbox.made
        await until(lambda: outbox.failures["ClientConnectorError"] >= 10)  # refused while down
        runner = await serve(intake, port)  # ... and back on the same port
        await until(lambda: outbox.made > down_from + 50)
        outbox.make_new_until = time.monotonic()  # no more new events: what is left is re-sent
        await asyncio.wait_for(sending, 20)
    finally:
        await runner.cleanup()

    made = {f"t-{n}" for n in range(outbox.made)}
    assert outbox.unacknowledged == {"t-3"} and outbox.refused == {"t-3": 422}
    assert outbox.acked == made - {"t-3"}
    assert set(intake.stored) == made - {"t-3"} and set(intake.stored.values()) == {1}  # once each
    assert outbox.replayed == {"t-1"}  # stored before its answer was lost: acknowledged by the re-send
    assert {"t-0", "t-1", "t-2"} <= outbox.resent and outbox.sends["t-2"] >= 3 and outbox.sends["t-3"] == 1
    assert outbox.failures["503"] == 2 and outbox.failures["ServerDisconnectedError"] >= 2
    assert outbox.in_flight == 0
