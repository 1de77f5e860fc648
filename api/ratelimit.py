"""Per-client rate limiting: one token bucket per client address.

A bucket holds ``per_minute`` tokens and refills continuously at ``per_minute`` per minute;
each request takes one token. A client that empties its bucket gets 429 with Retry-After
while every other client keeps its own full bucket, so one client cannot starve the rest.

Two implementations of one ``Limiter`` protocol:

- :class:`RateLimiter`, in memory, per server process (the embedded default): with
  ``--workers N`` or N replicas a client may send up to N times the limit.
- :class:`DatabaseRateLimiter`, in the API database (PostgreSQL for replicas): one bucket per
  client shared by every process and replica, on the database's clock. Chosen by
  ``GUIDEQA_RATE_LIMIT_STORE`` (``auto``: shared whenever the database is not SQLite).

The client is the peer address of the connection, or the address a trusted proxy reports
in X-Forwarded-For (``GUIDEQA_TRUSTED_PROXIES``, e.g. the nginx in front of the replicas).
Memory is bounded: idle (refilled) buckets are dropped once more than ``max_clients``
addresses are tracked (in the database: every ``PRUNE_EVERY`` requests of a process).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import ColumnElement, Connection, Engine, Float, cast, delete, func, literal, select
from sqlalchemy.exc import SQLAlchemyError

from api.tables import rate_limits

log = logging.getLogger(__name__)

MAX_CLIENTS = 10_000
PRUNE_EVERY = 1000
DB_TIMEOUT = 1.0  # seconds; a limiter that cannot answer in time lets the request through


class Limiter(Protocol):
    @property
    def enabled(self) -> bool: ...

    # True when acquire() does I/O and must not run on the event loop.
    blocking: bool

    def acquire(self, client: str) -> float:
        """Take one token for ``client``: 0.0 when allowed, else the seconds until one is available."""
        ...


class RateLimiter:
    """In memory, thread-safe, per process."""

    blocking = False

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


def _db_now(conn: Connection) -> ColumnElement[float]:
    """Seconds since the epoch on the database's clock (one clock for all replicas)."""
    if conn.dialect.name == "sqlite":
        return (func.julianday("now") - 2440587.5) * 86400.0
    return cast(func.extract("epoch", func.statement_timestamp()), Float)


class DatabaseRateLimiter:
    """The same token bucket, kept in the ``rate_limits`` table as a GCRA "theoretical arrival
    time" (``tat``): a request is allowed when ``max(tat, now) + T - now <= capacity * T``
    (T = 60 / per_minute seconds), and then ``tat`` moves to ``max(tat, now) + T``. One
    atomic upsert per request (PostgreSQL and SQLite: INSERT … ON CONFLICT DO UPDATE … WHERE
    … RETURNING); a denied request returns no row and reads its wait.

    When the database fails or is slow the request is let through (logged): the limit
    protects capacity, it must not take the service down with the database."""

    blocking = True

    def __init__(self, engine: Engine, per_minute: int) -> None:
        self.engine = engine
        self.capacity = float(max(0, per_minute))
        self.interval = 60.0 / self.capacity if self.capacity else 0.0
        self._calls = 0
        self._lock = threading.Lock()
        if engine.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
        self._insert = insert

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def acquire(self, client: str) -> float:
        if not self.enabled:
            return 0.0
        with self._lock:
            self._calls += 1
            prune = self._calls % PRUNE_EVERY == 0
        try:
            with self.engine.begin() as conn:
                _set_timeout(conn)
                wait = self._take(conn, client)
                if prune:
                    conn.execute(delete(rate_limits).where(rate_limits.c.tat < _db_now(conn)))
                return wait
        except SQLAlchemyError as exc:
            log.warning(
                "rate limit database error, request allowed: %s",
                type(exc).__name__,
                extra={"reason": str(getattr(exc, "orig", exc)).strip()[:200]},
            )
            return 0.0

    def _take(self, conn: Connection, client: str) -> float:
        now = _db_now(conn)
        step, burst = literal(self.interval), literal(self.capacity * self.interval)
        start = func.max(rate_limits.c.tat, now) if conn.dialect.name == "sqlite" else func.greatest(rate_limits.c.tat, now)
        stmt = (
            self._insert(rate_limits)
            .values(client=client, tat=now + step)
            .on_conflict_do_update(
                index_elements=[rate_limits.c.client], set_={"tat": start + step}, where=(start + step - now) <= burst
            )
            .returning(rate_limits.c.tat)
        )
        if conn.execute(stmt).first() is not None:
            return 0.0
        wait = conn.execute(select(start + step - now - burst).where(rate_limits.c.client == client)).scalar()
        return max(float(wait or 0.0), 0.001)


def _set_timeout(conn: Connection) -> None:
    ms = int(DB_TIMEOUT * 1000)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {ms}")
    else:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")  # a lost bucket update is harmless


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header value: whole seconds, at least 1."""
    return max(1, math.ceil(wait))
