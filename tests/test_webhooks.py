"""Signed webhooks and the CSMS webhook executor, against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from app.chargers.csms_webhook import CsmsWebhookExecutor
from app.chargers.executors import OutcomeStatus
from app.guard.actions import Action, ActionParams
from app.settings import Settings
from app.webhooks import backoff_delay, retry_after, sign, verify
from tests.receiver import SECRET, Receiver, closed_port_url


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def test_signature_is_hmac_of_timestamp_and_body_and_verifies():
    signed = sign({"b": 1, "a": "é"}, secret=SECRET, idempotency_key="k-1", now=1_700_000_000)
    assert signed.body == '{"b":1,"a":"é"}'.encode()  # compact JSON, UTF-8
    headers = signed.headers
    assert headers["Content-Type"] == "application/json" and headers["Idempotency-Key"] == "k-1"
    assert headers["X-Chargemedic-Timestamp"] == "1700000000"
    expected = hmac.new(SECRET.encode(), b"1700000000." + signed.body, hashlib.sha256).hexdigest()
    assert headers["X-Chargemedic-Signature"] == f"sha256={expected}"
    lowered = {k.lower(): v for k, v in headers.items()}
    assert verify(signed.body, lowered, secret=SECRET, now=1_700_000_100)


def test_tampering_a_wrong_secret_or_an_old_request_fail_verification():
    signed = sign({"event": "x", "n": 1}, secret=SECRET, idempotency_key="k", now=1_700_000_000)
    at = 1_700_000_010
    assert verify(signed.body, signed.headers, secret=SECRET, now=at)
    assert not verify(signed.body.replace(b"1", b"2"), signed.headers, secret=SECRET, now=at)
    assert not verify(signed.body, signed.headers, secret="other-secret", now=at)
    assert not verify(signed.body, signed.headers, secret=SECRET, now=1_700_000_000 + 301)
    forged = signed.headers | {"X-Chargemedic-Timestamp": "1700000005"}  # signature is over the time too
    assert not verify(signed.body, forged, secret=SECRET, now=at)
    assert not verify(signed.body, {"X-Chargemedic-Timestamp": "1700000000"}, secret=SECRET, now=at)


def test_backoff_doubles_up_to_an_hour_and_retry_after_is_capped():
    assert [backoff_delay(n, 5) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff_delay(40, 5) == 3600
    assert retry_after("7") == 7 and retry_after("120") == 30 and retry_after(None) is None
    assert retry_after("soon") is None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after(format_datetime(now + timedelta(seconds=12), usegmt=True), now=now) == 12


# ---- the CSMS webhook executor -----------------------------------------------------------------
class Sleeps(list):
    """Records the delays the executor asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def executor(url: str, *, retries: int = 2, timeout: float = 2.0, sleeps: Sleeps | None = None):
    return CsmsWebhookExecutor(
        url,
        SECRET,
        timeout=timeout,
        retries=retries,
        backoff=0.5,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


PARAMS = ActionParams(connector_id=2)


@pytest.mark.parametrize("status", ["accepted", "rejected", "timeout", "call_error", "not_connected"])
def test_csms_answer_becomes_the_outcome(receiver, status):
    receiver.answer((200, {}, {"status": status, "detail": f"csms says {status}"}))
    outcome = executor(receiver.url).execute("CP-9", Action.SOFT_RESET, PARAMS, command_id="attempt-41")
    assert (outcome.status, outcome.detail, outcome.executor) == (
        OutcomeStatus(status),
        f"csms says {status}",
        "csms_webhook",
    )
    (request,) = receiver.requests
    assert verify(request.body, request.headers, secret=SECRET)
    assert not verify(request.body, request.headers, secret="wrong")
    assert request.header("Idempotency-Key") == "attempt-41"
    command = request.json
    assert {k: command[k] for k in ("command_id", "charger_id", "action", "params")} == {
        "command_id": "attempt-41",
        "charger_id": "CP-9",
        "action": "soft_reset",
        "params": {"connector_id": 2},
    }
    assert datetime.fromisoformat(command["sent_at"]) <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"OK", "without JSON"),
        (b'["accepted"]', "a JSON list"),
        (b'{"result": "accepted"}', "status None"),
        (b'{"status": "done"}', "status 'done'"),
        (b'{"status": ["accepted"]}', "status ['accepted']"),
    ],
)
def test_a_2xx_without_a_known_status_is_an_error_naming_what_was_wrong(receiver, body, named):
    receiver.answer((200, {}, body))
    outcome = executor(receiver.url).execute("CP-9", Action.CLEAR_CACHE, ActionParams())
    assert outcome.status is OutcomeStatus.ERROR and named in outcome.detail, outcome.detail
    assert len(receiver.requests) == 1


def test_unavailable_csms_is_retried_with_backoff_and_the_same_idempotency_key(receiver):
    receiver.answer((503, {}, b"maintenance"), (500, {}, b"oops"))
    sleeps = Sleeps()
    outcome = executor(receiver.url, retries=2, sleeps=sleeps).execute("CP-9", Action.HARD_RESET, PARAMS)
    assert outcome.status is OutcomeStatus.ACCEPTED
    assert sleeps == [0.5, 1.0]  # backoff 0.5 s, doubling
    keys = {r.header("Idempotency-Key") for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(keys) == 1 and None not in keys  # generated once
    assert len({r.body for r in receiver.requests}) == 1  # the same command each time
    assert all(verify(r.body, r.headers, secret=SECRET) for r in receiver.requests)


def test_a_refusal_is_not_retried(receiver):
    receiver.answer((400, {}, b'{"error": "unknown charger CP-9"}'))
    sleeps = Sleeps()
    outcome = executor(receiver.url, sleeps=sleeps).execute("CP-9", Action.SOFT_RESET, PARAMS)
    assert outcome.status is OutcomeStatus.ERROR
    assert "HTTP 400" in outcome.detail and "unknown charger CP-9" in outcome.detail
    assert len(receiver.requests) == 1 and sleeps == []


def test_retry_after_is_honoured_up_to_30_seconds(receiver):
    receiver.answer((429, {"Retry-After": "7"}, b""), (503, {"Retry-After": "120"}, b""), (408, {}, b""))
    sleeps = Sleeps()
    outcome = executor(receiver.url, retries=3, sleeps=sleeps).execute("CP-9", Action.SOFT_RESET, PARAMS)
    assert outcome.status is OutcomeStatus.ACCEPTED
    assert sleeps == [7, 30, 2.0]  # the third wait has no Retry-After: backoff 0.5 · 2²
    assert len(receiver.requests) == 4


def test_unreachable_csms_is_an_error_after_the_last_retry():
    sleeps = Sleeps()
    outcome = executor(closed_port_url(), retries=2, sleeps=sleeps).execute("CP-9", Action.SOFT_RESET, PARAMS)
    assert outcome.status is OutcomeStatus.ERROR
    assert outcome.detail.startswith("CSMS webhook unreachable after 3 attempts: ConnectError")
    assert sleeps == [0.5, 1.0]


def test_a_timed_out_request_is_retried_with_the_same_key(receiver):
    receiver.delay = 0.4
    outcome = executor(receiver.url, retries=1, timeout=0.1).execute(
        "CP-9", Action.SOFT_RESET, PARAMS, command_id="attempt-7"
    )
    assert outcome.status is OutcomeStatus.ERROR and "after 2 attempts" in outcome.detail
    assert "Timeout" in outcome.detail
    assert [r.header("Idempotency-Key") for r in receiver.requests] == ["attempt-7", "attempt-7"]


def test_from_settings_needs_a_url_and_a_secret(tmp_path):
    assert CsmsWebhookExecutor.from_settings(Settings(data_dir=tmp_path)) is None
    with pytest.raises(ValueError, match="csms_webhook_secret"):
        CsmsWebhookExecutor.from_settings(Settings(data_dir=tmp_path, csms_webhook_url="http://csms/x"))
    configured = Settings(
        data_dir=tmp_path, csms_webhook_url="http://csms/x", csms_webhook_secret="s", csms_webhook_retries=4
    )
    built = CsmsWebhookExecutor.from_settings(configured)
    assert (built.name, built.url, built.retries) == ("csms_webhook", "http://csms/x", 4)
    built.close()


def test_a_plain_httpx_client_can_be_injected(receiver):
    with httpx.Client() as client:
        csms = CsmsWebhookExecutor(receiver.url, SECRET, timeout=1, retries=0, client=client)
        assert csms.execute("CP-1", Action.TRIGGER_STATUS, ActionParams()).status is OutcomeStatus.ACCEPTED
