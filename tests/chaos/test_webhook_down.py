"""Scenario 5 — the ticketing webhook is down while the real app escalates faults: it refuses
connections, answers 500, or answers later than ``escalation_webhook_timeout_seconds``.

A ticket raised while it is down is retried with a doubling backoff and parked as
``dead_letter`` after the last attempt, visible at ``GET /v1/escalations?delivery_state=
dead_letter``. A ticket whose first attempt failed is delivered once the receiver is back,
before its last attempt; the dead-lettered one is delivered once after ``POST
/v1/escalations/{id}/redeliver``; later rounds send neither again. Every request for a ticket
version carries the same ``Idempotency-Key``, so a receiver that did get a timed-out request can
recognise the retry.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from app.settings import Settings
from app.store.models import AuditEntry, Escalation
from tests.chaos.harness import (
    api,
    assert_nothing_unsafe,
    assert_processed_once,
    rows,
    running,
    status_event,
    until,
)
from tests.conftest import bearer, free_port
from tests.receiver import SECRET, Receiver

pytestmark = pytest.mark.chaos
BACKOFF, ATTEMPTS, TIMEOUT = 1.0, 3, 0.3
ERRORS = {"refused": "ConnectError", "http_500": "HTTP 500: ticketing is down", "slow": "Timeout"}
"""How the receiver is down, and what the delivery's last error then says."""


class Ticketing:
    """The ticketing webhook at a fixed URL, down in the way ``failure`` says until :meth:`come_back`."""

    def __init__(self, failure: str) -> None:
        self.failure = failure
        self.port = free_port()
        self.receiver: Receiver | None = None
        self.back_at = 0
        """How many requests had arrived when it came back."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def requests(self) -> list:
        return list(self.receiver.requests) if self.receiver else []

    def __enter__(self) -> Ticketing:
        if self.failure != "refused":  # refused: nothing listens on the port until it comes back
            self.receiver = Receiver(self.port).__enter__()
            broken = self.failure == "http_500"
            self.receiver.default = (500, {}, b"ticketing is down") if broken else (204, {}, b"")
            self.receiver.delay = 1.0 if self.failure == "slow" else 0.0
        return self

    def come_back(self) -> None:
        if self.receiver is None:
            self.receiver = Receiver(self.port).__enter__()
        self.receiver.default, self.receiver.delay = (204, {}, b""), 0.0
        self.back_at = len(self.receiver.requests)

    def __exit__(self, *exc) -> None:
        if self.receiver is not None:
            self.receiver.__exit__(*exc)


def ticket(engine, charger_id: str) -> Escalation | None:
    return next(iter(rows(engine, Escalation, charger_id=charger_id)), None)


def delivered(engine, charger_id: str) -> bool:
    row = ticket(engine, charger_id)
    return row is not None and row.delivery_state == "delivered"


async def failed_attempts(engine, charger_id: str, until_state: str) -> list[float]:
    """When each failed delivery of ``charger_id``'s ticket was recorded (monotonic seconds),
    polling until its delivery state is ``until_state``."""
    seen: list[float] = []
    async with asyncio.timeout(20):
        while (row := ticket(engine, charger_id)) is None or row.delivery_state != until_state:
            if row is not None:
                seen += [time.monotonic()] * (row.delivery_attempts - len(seen))
            await asyncio.sleep(0.02)
    return seen + [time.monotonic()] * (row.delivery_attempts - len(seen))


async def report(client, key: str, charger_id: str) -> None:
    """A ground fault on ``charger_id``: the connector is made safe and a technician is called."""
    body = status_event(f"event-{charger_id}", charger_id, faulted=True, code="GroundFailure")
    answer = await client.post("/v1/events", json=body, headers=bearer(key))
    assert answer.status_code == 202, answer.text


def settings(tmp_path, url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        workers=1,
        gateway=False,
        executor="dry_run",
        escalation_webhook_url=url,
        escalation_webhook_secret=SECRET,
        escalation_webhook_max_attempts=ATTEMPTS,
        escalation_webhook_backoff_seconds=BACKOFF,
        escalation_webhook_timeout_seconds=TIMEOUT,
    )


@pytest.mark.parametrize("failure", list(ERRORS))
async def test_a_down_receiver_gets_backoff_then_dead_letter_and_each_ticket_once_it_is_back(
    engine, keys, searcher, tmp_path, failure
):
    reader = bearer(keys["technician"])
    with Ticketing(failure) as ticketing:
        async with running(settings(tmp_path, ticketing.url), engine=engine, searcher=searcher) as app:
            async with api(app) as client:
                await report(client, keys["csms"], "W-1")
                tried = await failed_attempts(engine, "W-1", "dead_letter")
                params = {"delivery_state": "dead_letter"}
                dead = (await client.get("/v1/escalations", params=params, headers=reader)).json()
                await report(client, keys["csms"], "W-2")
                await until(lambda: (row := ticket(engine, "W-2")) and row.delivery_attempts == 1, 10)
                ticketing.come_back()
                again = await client.post(f"/v1/escalations/{dead[0]['id']}/redeliver", headers=reader)
                await until(lambda: delivered(engine, "W-1") and delivered(engine, "W-2"), 10)
                await report(client, keys["csms"], "W-3")  # a later round: what was delivered stays so
                await until(lambda: delivered(engine, "W-3"), 10)
            received = ticketing.requests
    tickets = {c: ticket(engine, c) for c in ("W-1", "W-2", "W-3")}
    key = {c: f"escalation-{row.id}-v1" for c, row in tickets.items()}

    assert len(tried) == ATTEMPTS
    assert tried[1] - tried[0] >= BACKOFF - 0.1 and tried[2] - tried[1] >= 2 * BACKOFF - 0.1, tried
    assert [(t["charger_id"], t["delivery"]["attempts"]) for t in dead] == [("W-1", ATTEMPTS)]
    assert ERRORS[failure] in dead[0]["delivery"]["last_error"]
    (parked,) = rows(engine, AuditEntry, kind="escalation.dead_letter")
    assert parked.fault_id == tickets["W-1"].fault_id and parked.detail["attempts"] == ATTEMPTS
    assert again.status_code == 200 and again.json()["delivery"]["state"] == "pending"

    while_down = Counter(r.header("Idempotency-Key") for r in received[: ticketing.back_at])
    expected_down = {} if failure == "refused" else {key["W-1"]: ATTEMPTS, key["W-2"]: 1}
    assert while_down == expected_down
    once_back = Counter(r.header("Idempotency-Key") for r in received[ticketing.back_at :])
    assert once_back == {key["W-1"]: 1, key["W-2"]: 1, key["W-3"]: 1}
    assert all(row.delivered_version == 1 for row in tickets.values())
    assert_processed_once(engine, [row.fault_id for row in tickets.values()])
    assert_nothing_unsafe(engine)
