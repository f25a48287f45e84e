"""Token buckets: ``per_minute`` on average, ``burst`` at once, one bucket per key, in process
memory with a bounded number of keys. Used by the HTTP limits (:mod:`app.api.limits`) and the
OCPP gateway's handshake limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


@dataclass(frozen=True)
class Rate:
    """``per_minute`` on average, ``burst`` at once; ``per_minute == 0`` means no limit."""

    per_minute: int
    burst: int
    setting: str
    """The environment variable that sets ``per_minute``, named in the 429 message."""


@dataclass
class TokenBucket:
    rate: Rate
    tokens: float
    updated: float

    def refill(self, now: float) -> float:
        per_second = self.rate.per_minute / 60
        self.tokens = min(self.rate.burst, self.tokens + (now - self.updated) * per_second)
        self.updated = now
        return self.tokens

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one will be there."""
        if self.refill(now) >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) * 60 / self.rate.per_minute


@dataclass
class Buckets:
    """One :class:`TokenBucket` per key, at most ``max_entries``: beyond, full buckets (as good as
    new) are forgotten first, then all — memory stays bounded whatever the keys are."""

    rate: Rate
    clock: Clock = time.monotonic
    max_entries: int = 10_000
    entries: dict[str, TokenBucket] = field(default_factory=dict)

    def take(self, key: str) -> float:
        now = self.clock()
        bucket = self.entries.get(key)
        if bucket is None:
            self._make_room(now)
            bucket = self.entries[key] = TokenBucket(self.rate, self.rate.burst, now)
        return bucket.take(now)

    def wait(self, key: str) -> float:
        """0 when ``key`` has a token left (nothing is taken), else the seconds until it will."""
        bucket = self.entries.get(key)
        if bucket is None or bucket.refill(self.clock()) >= 1:
            return 0.0
        return (1 - bucket.tokens) * 60 / self.rate.per_minute

    def _make_room(self, now: float) -> None:
        if len(self.entries) < self.max_entries:
            return
        self.entries = {k: b for k, b in self.entries.items() if b.refill(now) < b.rate.burst}
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
