"""Which failures are worth another try, and how long to wait before it.

The store's own headers come first (``X-Retry-After``, ``X-Rate-Limit-Time-Reset-Ms``: the
longer of the two); where it gives none, exponential backoff with jitter, so that the workers
of a pull, and other clients of the same store, do not retry in lockstep.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests
import urllib3

#: 429 and 509 are the rate limits (per 30 s, and the older hourly budget); the rest are the
#: transient faults BigCommerce advises retrying.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 509})
RATE_LIMIT_STATUSES = frozenset({429, 509})

#: Failures below HTTP: refused or reset connections, timeouts, bodies cut short (the body
#: is read from urllib3 directly, so its own exceptions count too).
BODY_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.DecodeError,
)
RETRY_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    urllib3.exceptions.ReadTimeoutError,
    *BODY_EXCEPTIONS,
)


class TruncatedBody(Exception):
    """A 2xx whose JSON body ends before it is complete (a connection dropped mid-body)."""


def store_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds the store asks us to wait, or None where it does not say."""
    waits = []
    retry_after = headers.get("X-Retry-After") or headers.get("Retry-After")
    if retry_after:
        try:
            waits.append(float(retry_after))
        except ValueError:
            pass
    reset_ms = headers.get("X-Rate-Limit-Time-Reset-Ms")
    if reset_ms:
        try:
            waits.append(float(reset_ms) / 1000.0)
        except ValueError:
            pass
    return max(waits) if waits else None


@dataclass
class RetryPolicy:
    """How many retries one request gets, and the delay before each.

    :param max_retries: retries after the first attempt; 0 disables retrying.
    :param backoff: the first delay in seconds where the store gives none; doubles each retry.
    :param max_backoff: the cap on one computed delay.
    """

    max_retries: int = 5
    backoff: float = 2.0
    max_backoff: float = 120.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def backoff_delay(self, retry_number: int) -> float:
        """Delay before retry ``retry_number`` (1-based): half fixed, half random ("equal jitter")."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry_number - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def delay(self, retry_number: int, headers: Mapping[str, str] | None = None) -> float:
        """Delay before retry ``retry_number``: the store's word where it gives one, else backoff."""
        asked = store_wait(headers) if headers is not None else None
        if asked is not None:
            # A small random addition spreads the workers that all waited for the same reset.
            return asked + self.rng.uniform(0, min(1.0, 0.1 * asked + 0.05))
        return self.backoff_delay(retry_number)
