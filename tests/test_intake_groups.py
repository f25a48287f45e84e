"""Group commit: events recorded together give exactly what recording them one by one gives.

A generated stream mixes both OCPP versions, faults, recurrences, recoveries, BootNotifications,
repeated event ids and malformed payloads over a few chargers. It is recorded once event by
event and once in groups (on chargers with another prefix), on each database backend; the
answers and the resulting faults, observations, chargers, queue and audit trail must match.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.intake.accept import Submission, accept_event, accept_events
from app.intake.envelope import EventIn, PayloadError
from app.intake.writer import IntakeWriter
from app.store.models import AuditEntry, Charger, Fault, Observation, WorkItem

NOW = datetime.now(UTC).replace(microsecond=0)
T0 = f"{NOW - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"
"""A charger's time for these tests: an hour ago (the intake ignores times a month old)."""


def minutes_after_t0(minutes: int) -> str:
    return f"{NOW - timedelta(hours=1) + timedelta(minutes=minutes):%Y-%m-%dT%H:%M:%SZ}"


def stream(prefix: str, n: int = 120, seed: int = 7) -> list[dict]:
    """``n`` event bodies over chargers ``<prefix>-0..3`` (the same stream for every prefix)."""
    rng = random.Random(seed)
    bodies: list[dict] = []
    for i in range(n):
        charger = f"{prefix}-{rng.randrange(4)}"
        roll = rng.random()
        if bodies and roll < 0.08:  # a repeat of an earlier event id, same charger
            earlier = dict(rng.choice(bodies))
            if earlier["charger_id"].startswith(prefix):
                bodies.append(earlier)
                continue
        event_id = f"e{i}"
        if roll < 0.13:
            body = {
                "status_notification": {"connectorId": "x", "errorCode": "NoError", "status": "Available"}
            }
        elif roll < 0.2:
            vendor = {"chargePointVendor": "Voltra", "chargePointModel": f"VX{rng.randrange(3)}"}
            body = {"boot_notification": vendor}
        elif roll < 0.35:
            value = rng.choice(["true", "false"])
            data = {
                "eventId": i,
                "timestamp": T0,
                "trigger": "Delta",
                "actualValue": value,
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "ConnectorPlugRetentionLock", "evse": {"id": 1, "connectorId": 1}},
                "variable": {"name": "Problem"},
                "cleared": value == "false",
            }
            body = {
                "ocpp_version": "2.0.1",
                "notify_event": {"generatedAt": T0, "seqNo": 0, "eventData": [data]},
            }
        else:
            connector = rng.choice([1, 2])
            code, status = rng.choice(
                [("GroundFailure", "Faulted"), ("ConnectorLockFailure", "Faulted"), ("NoError", "Available")]
            )
            body = {
                "ocpp_version": "1.6",
                "status_notification": {"connectorId": connector, "errorCode": code, "status": status},
            }
            if rng.random() < 0.3:
                body["charger"] = {"site_id": f"site-{rng.randrange(2)}"}
        bodies.append({"event_id": event_id, "charger_id": charger} | body)
    return bodies


def submissions(prefix: str) -> list[Submission]:
    return [Submission(f"test-{prefix}", EventIn.model_validate(b), "test") for b in stream(prefix)]


def answers(results) -> list:
    """The answers without ids: what each event did."""
    out = []
    for r in results:
        if isinstance(r, PayloadError):
            out.append("payload error")
            continue
        a = r.result
        out.append(
            (
                r.created,
                a.duplicate,
                len(a.faults_opened),
                len(a.faults_recurring),
                len(a.faults_cleared),
                a.observations,
                tuple(a.issues),
            )
        )
    return out


def state(engine, prefix: str) -> dict:
    """Everything intake wrote for chargers ``<prefix>-*``, with ids replaced by their rank."""
    with engine.connect() as db:
        like = f"{prefix}-%"
        faults = db.execute(select(Fault).where(Fault.charger_id.like(like)).order_by(Fault.id)).all()
        rank = {f.id: n for n, f in enumerate(faults)}
        chargers = db.execute(select(Charger).where(Charger.id.like(like)).order_by(Charger.id)).all()
        observations = db.execute(
            select(Observation).where(Observation.charger_id.like(like)).order_by(Observation.id)
        ).all()
        work = db.execute(select(WorkItem.fault_id).where(WorkItem.charger_id.like(like))).scalars().all()
        audit = db.execute(
            select(AuditEntry.kind, AuditEntry.fault_id).where(AuditEntry.charger_id.like(like))
        ).all()

    def local(charger_id: str) -> str:
        return charger_id.split("-", 1)[1]

    return {
        "faults": [
            (local(f.charger_id), f.signature, f.occurrences, f.cleared_at is not None, f.site_id, f.state)
            for f in faults
        ],
        "chargers": [
            (
                local(c.id),
                c.vendor,
                c.model,
                c.site_id,
                c.ocpp_version,
                sorted((k, v["status"], v["error_code"]) for k, v in c.connectors.items()),
            )
            for c in chargers
        ],
        "observations": [
            (local(o.charger_id), o.kind, o.signature, rank.get(o.fault_id), o.status) for o in observations
        ],
        "work": sorted(rank[f] for f in work),
        "audit": sorted(Counter((kind, rank[f]) for kind, f in audit).items()),
    }


def one_by_one(engine, items: list[Submission]) -> list:
    results = []
    for s in items:
        try:
            results.append(accept_event(engine, source=s.source, body=s.body, actor=s.actor))
        except PayloadError as exc:
            results.append(exc)
    return results


def test_groups_record_exactly_what_one_by_one_records(engine):
    single = one_by_one(engine, submissions("A"))
    items = submissions("B")
    grouped = []
    for start in range(0, len(items), 17):  # uneven groups: repeats fall inside and across groups
        grouped += accept_events(engine, items[start : start + 17])
    assert answers(grouped) == answers(single)
    expected = state(engine, "A")
    assert state(engine, "B") == expected
    assert expected["faults"] and expected["audit"] and "payload error" in answers(single)
    assert any(r.result.duplicate for r in single if not isinstance(r, PayloadError))


def test_a_repeat_in_the_same_group_answers_the_first_result(engine):
    body = {
        "event_id": "dup",
        "charger_id": "G-1",
        "status_notification": {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"},
    }
    item = Submission("test", EventIn.model_validate(body), "test")
    first, again = accept_events(engine, [item, item])
    assert first.created and not again.created and again.result.duplicate
    assert again.result.faults_opened == first.result.faults_opened != []
    assert again.result.id == first.result.id


async def test_writer_answers_concurrent_requests_after_commit(engine):
    """Many concurrent requests through the writer: every answer matches the database, and a
    malformed payload among them fails alone."""
    writer = IntakeWriter(engine, max_batch=8)
    writer.start()
    try:
        items = submissions("W")
        results = await asyncio.gather(
            *(writer.accept(source=s.source, body=s.body, actor=s.actor) for s in items),
            return_exceptions=True,
        )
    finally:
        writer.close()
    assert any(isinstance(r, PayloadError) for r in results)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, PayloadError)]
    opened = {f for r in results if not isinstance(r, Exception) for f in r.result.faults_opened}
    with engine.connect() as db:
        stored = set(db.execute(select(Fault.id).where(Fault.charger_id.like("W-%"))).scalars())
    assert opened == stored and opened


async def test_writer_isolates_an_event_that_breaks_its_group(engine, monkeypatch):
    """An unexpected error rolls back the group; its other events are then recorded one by one."""
    from app.intake import accept

    real = accept._charger_changes

    def explode_on_poison(charger, body, *args):
        if body.event_id == "poison":
            raise RuntimeError("boom")
        return real(charger, body, *args)

    monkeypatch.setattr(accept, "_charger_changes", explode_on_poison)
    writer = IntakeWriter(engine, max_batch=64)
    writer.start()
    try:

        def sn(event_id: str) -> EventIn:
            payload = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
            return EventIn.model_validate(
                {"event_id": event_id, "charger_id": "P-1", "status_notification": payload}
            )

        results = await asyncio.gather(
            *(writer.accept(source="t", body=sn(n), actor="t") for n in ("ok-1", "poison", "ok-2")),
            return_exceptions=True,
        )
    finally:
        writer.close()
    assert isinstance(results[1], RuntimeError)
    assert results[0].created and results[2].created
    with pytest.raises(RuntimeError):
        accept_event(engine, source="t", body=sn("poison"), actor="t")


def test_fault_lifecycle_inside_one_group(engine):
    """Open, recur twice, clear and reopen a fault within a single group: the rows say so."""

    def sn(event_id: str, code: str, status: str, at: str) -> Submission:
        payload = {"connectorId": 1, "errorCode": code, "status": status, "timestamp": at}
        body = {"event_id": event_id, "charger_id": "L-1", "status_notification": payload}
        return Submission("life", EventIn.model_validate(body), "test")

    first, again, third, cleared, reopened = accept_events(
        engine,
        [
            sn("1", "GroundFailure", "Faulted", minutes_after_t0(0)),
            sn("2", "GroundFailure", "Faulted", minutes_after_t0(5)),
            sn("3", "GroundFailure", "Faulted", minutes_after_t0(3)),
            sn("4", "NoError", "Available", minutes_after_t0(10)),
            sn("5", "GroundFailure", "Faulted", minutes_after_t0(20)),
        ],
    )
    (fault_id,) = first.result.faults_opened
    assert again.result.faults_recurring == third.result.faults_recurring == [fault_id]
    assert cleared.result.faults_cleared == [fault_id]
    (new_id,) = reopened.result.faults_opened
    assert new_id != fault_id
    with engine.connect() as db:
        fault = db.execute(select(Fault).where(Fault.id == fault_id)).one()
        new = db.execute(select(Fault).where(Fault.id == new_id)).one()
        kinds = db.execute(
            select(AuditEntry.kind).where(AuditEntry.fault_id == fault_id).order_by(AuditEntry.id)
        ).scalars()
        work = db.execute(select(WorkItem.fault_id).where(WorkItem.charger_id == "L-1")).scalars().all()
    assert fault.occurrences == 3 and fault.cleared_at is not None
    assert fault.last_seen_at == datetime.fromisoformat(minutes_after_t0(5))  # never moves backwards
    assert new.occurrences == 1 and new.cleared_at is None
    assert list(kinds) == ["fault.opened", "fault.cleared"]
    assert sorted(work) == sorted([fault_id, new_id])


def test_what_would_crash_a_group_is_refused_by_the_envelope_whatever_its_source():
    """A payload nested deeper than pydantic can serialise (about 255 levels) once reached
    ``record_events``, rolled its whole group back and answered 500; a non-finite number was stored
    as ``NaN``, which no JSON reader takes. The envelope refuses both, naming the field."""
    deep: dict = {}
    for _ in range(300):
        deep = {"x": deep}
    cases = [
        ({"vendorExtra": deep}, "status_notification.vendorExtra.x.x", "nested deeper than 32 levels"),
        (
            {"vendorExtra": [1.0, float("nan")]},
            "status_notification.vendorExtra.1",
            "nan is not a JSON number",
        ),
    ]
    for extra, where, why in cases:
        payload = {"connectorId": 1, "errorCode": "NoError", "status": "Available"} | extra
        with pytest.raises(ValidationError) as refused:
            EventIn.model_validate({"event_id": "e", "charger_id": "C", "status_notification": payload})
        assert where in str(refused.value) and why in str(refused.value)
