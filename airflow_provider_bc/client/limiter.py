"""The store's request quota, shared by every worker of a pull.

BigCommerce counts requests per store in a window (150 per 30 s on Standard and Plus) and
reports the count on every response (``X-Rate-Limit-Requests-Left``,
``X-Rate-Limit-Time-Reset-Ms``). Rather than bursting into a 429 and sleeping, the limiter
spreads what is left of the window evenly over the time left in it. Because every client of the
store sees the same counter in those headers, two pulls of one store slow each other down
instead of taking turns at 429s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class QuotaHeaders:
    """The rate-limit headers of one response."""

    quota: int
    left: int
    window: float  # seconds
    reset: float  # seconds until the window resets

    @classmethod
    def parse(cls, headers: Mapping[str, str] | None) -> QuotaHeaders | None:
        if not headers:
            return None
        try:
            return cls(
                quota=int(headers["X-Rate-Limit-Requests-Quota"]),
                left=int(headers["X-Rate-Limit-Requests-Left"]),
                window=int(headers["X-Rate-Limit-Time-Window-Ms"]) / 1000.0,
                reset=int(headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000.0,
            )
        except (KeyError, ValueError):
            return None


class RateLimiter:
    """Paces requests to the quota the store reports; without such headers it never waits.

    Call :meth:`acquire` before each request and :meth:`release` with the response headers
    after it (also when it failed); :meth:`pause` holds every worker back after a 429.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._quota: int | None = None
        self._left: int | None = None  # estimated requests left in the current window
        self._window_end: float | None = None  # when the current window resets
        self._next_at = 0.0  # earliest start of the next request
        self._paused_until = 0.0
        self._inflight = 0

    def acquire(self) -> None:
        """Block until a request may be sent within the quota."""
        with self._cond:
            while True:
                now = self._clock()
                wait = self._wait(now)
                if wait <= 0:
                    break
                self._cond.wait(wait)
            self._inflight += 1
            if self._left is not None:
                self._left -= 1
            self._next_at = now + self._interval(now)

    def release(self, headers: Mapping[str, str] | None) -> None:
        """Account for a finished request and learn the store's latest count from its headers."""
        observed = QuotaHeaders.parse(headers)
        with self._cond:
            self._inflight -= 1
            if observed is not None:
                self._observe(observed, self._clock())
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every worker back for ``seconds`` (the store said: too many requests)."""
        with self._cond:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._cond.notify_all()

    def status(self) -> tuple[int, int] | None:
        """(estimated requests left, quota) of the current window, where the store reports one."""
        with self._cond:
            if self._quota is None or self._left is None:
                return None
            return max(self._left, 0), self._quota

    def _wait(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        if self._window_end is not None and now >= self._window_end:
            # The window has reset: the whole quota is there again until a response says otherwise.
            self._left = self._quota
            self._window_end = None
            self._next_at = now
        if self._left is not None and self._left <= 0:
            return (self._window_end - now) if self._window_end is not None else 0.0
        return self._next_at - now

    def _interval(self, now: float) -> float:
        """Spread what is left of the quota evenly over what is left of the window."""
        if self._left is None or self._window_end is None:
            return 0.0
        return max(0.0, self._window_end - now) / max(self._left, 1)

    def _observe(self, observed: QuotaHeaders, now: float) -> None:
        end = now + observed.reset
        self._quota = observed.quota
        new_window = self._window_end is None or end > self._window_end + observed.window / 2
        if new_window or self._left is None:
            # Requests still in flight were sent for this window but not yet counted in it.
            self._left = observed.left - self._inflight
            self._window_end = end
        else:
            # Other clients of the store may have used some of it: trust the lower count.
            self._left = min(self._left, observed.left)
