"""Per-client rate limiting: one token bucket per client address, in memory, thread-safe.

A bucket holds ``per_minute`` tokens and refills continuously at ``per_minute`` per minute;
each request takes one token. A client that empties its bucket gets 429 with Retry-After
while every other client keeps its own full bucket, so one client cannot starve the rest.

The client is the peer address of the connection (``guideqa serve`` does not trust
X-Forwarded-For). The limit is per server process: with ``--workers N`` a client may send
up to N times the limit. Memory is bounded: idle (refilled) buckets are dropped once more
than ``max_clients`` addresses are tracked.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(max(0, per_minute))
        self.rate = self.capacity / 60.0  # tokens per second
        self.max_clients = max(1, max_clients)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last update)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def acquire(self, client: str) -> float:
        """Take one token for ``client``: 0.0 when allowed, else the seconds until one is available."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._prune(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Drop buckets that are full again (their clients have been idle long enough)."""
        full = [c for c, (tokens, last) in self._buckets.items() if tokens + (now - last) * self.rate >= self.capacity]
        for client in full:
            del self._buckets[client]
        if len(self._buckets) > self.max_clients:  # still too many active clients: forget the oldest
            oldest = sorted(self._buckets, key=lambda c: self._buckets[c][1])
            for client in oldest[: len(self._buckets) - self.max_clients]:
                del self._buckets[client]


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header value: whole seconds, at least 1."""
    return max(1, math.ceil(wait))
