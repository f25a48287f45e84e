"""The CSMS webhook executor, for operators whose CSMS holds the charger connections.

Each command is one signed POST (see :mod:`app.webhooks`) of ``{"command_id", "charger_id",
"action", "params", "sent_at"}`` with ``Idempotency-Key: <command_id>`` — the same body and key
on every retry, so a CSMS that already acted on a request that timed out does not act twice.
The CSMS answers 2xx with ``{"status": "accepted" | "rejected" | "timeout" | "call_error" |
"not_connected", "detail"?}``, which becomes the :class:`Outcome`.

A 408, 429, 5xx, time-out or connection failure is retried with backoff (honouring
``Retry-After`` up to 30 s); any other 4xx is the CSMS refusing the command, not retried.
Runs in a worker thread: it is synchronous and sleeps between retries.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx

from app.chargers.executors import Outcome, OutcomeStatus
from app.guard.actions import Action, ActionParams
from app.settings import Settings
from app.store.models import utcnow
from app.webhooks import backoff_delay, encode, excerpt, retry_after, retryable, sign_body

ANSWERS = {
    status.value: status
    for status in (
        OutcomeStatus.ACCEPTED,
        OutcomeStatus.REJECTED,
        OutcomeStatus.TIMEOUT,
        OutcomeStatus.CALL_ERROR,
        OutcomeStatus.NOT_CONNECTED,
    )
}
"""The statuses a CSMS may answer, and the outcome each becomes."""


class CsmsWebhookExecutor:
    """POSTs commands to the CSMS. ``client`` and ``sleep`` are injectable (tests, shared pools)."""

    name = "csms_webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float,
        retries: int,
        backoff: float = 1.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url, self.timeout, self.retries, self.backoff = url, timeout, retries, backoff
        self._secret = secret
        self._client = client or httpx.Client(timeout=timeout)
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> CsmsWebhookExecutor | None:
        """The executor ``settings`` configure; ``None`` without ``csms_webhook_url``."""
        if not settings.csms_webhook_url:
            return None
        secret = settings.csms_webhook_secret
        if secret is None or not secret.get_secret_value():
            raise ValueError("csms_webhook_secret must be set when csms_webhook_url is (commands are signed)")
        return cls(
            settings.csms_webhook_url,
            secret.get_secret_value(),
            timeout=settings.csms_webhook_timeout_seconds,
            retries=settings.csms_webhook_retries,
        )

    def execute(
        self, charger_id: str, action: Action, params: ActionParams, *, command_id: str | None = None
    ) -> Outcome:
        """Send ``action`` (retrying what may succeed later); never raises for the CSMS's failures."""
        command_id = command_id or uuid.uuid4().hex
        command = {
            "command_id": command_id,
            "charger_id": charger_id,
            "action": action.value,
            "params": params.model_dump(exclude_none=True),
            "sent_at": utcnow(),
        }
        body = encode(command)
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            signed = sign_body(body, secret=self._secret, idempotency_key=command_id)
            try:
                response = self._client.post(
                    self.url, content=signed.body, headers=signed.headers, timeout=self.timeout
                )
            except httpx.HTTPError as exc:
                problem, wait = f"{type(exc).__name__}: {exc}".rstrip(": "), None
            else:
                if not retryable(response.status_code):
                    return self._answer(response)
                problem = f"HTTP {response.status_code}: {excerpt(response.text)}".rstrip(": ")
                wait = retry_after(response.headers.get("Retry-After"))
            if attempt < attempts:
                self._sleep(wait if wait is not None else backoff_delay(attempt, self.backoff))
        return self._outcome(
            OutcomeStatus.ERROR, f"CSMS webhook unreachable after {attempts} attempts: {problem}"
        )

    def close(self) -> None:
        self._client.close()

    def _answer(self, response: httpx.Response) -> Outcome:
        code = response.status_code
        if not response.is_success:
            return self._outcome(
                OutcomeStatus.ERROR,
                f"CSMS webhook refused the command: HTTP {code}: {excerpt(response.text)}",
            )
        try:
            answer = response.json()
        except ValueError:
            return self._outcome(
                OutcomeStatus.ERROR,
                f"CSMS webhook answered HTTP {code} without JSON: {excerpt(response.text)}",
            )
        status = answer.get("status") if isinstance(answer, dict) else None
        if not isinstance(status, str) or status not in ANSWERS:
            got = f"status {status!r}" if isinstance(answer, dict) else f"a JSON {type(answer).__name__}"
            expected = ", ".join(ANSWERS)
            return self._outcome(
                OutcomeStatus.ERROR,
                f"CSMS webhook answered HTTP {code} with {got}; expected an object whose status is "
                f"one of {expected}",
            )
        return self._outcome(ANSWERS[status], excerpt(str(answer.get("detail") or ""), 500))

    def _outcome(self, status: OutcomeStatus, detail: str) -> Outcome:
        return Outcome(status=status, detail=detail, executor=self.name)
