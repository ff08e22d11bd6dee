"""Retry decisions: the store's word first, then backoff with jitter."""

from __future__ import annotations

import random

from airflow_provider_bc.client.retry import RetryPolicy, store_wait


def test_store_wait_takes_the_longer_of_retry_after_and_reset() -> None:
    assert store_wait({"X-Retry-After": "2", "X-Rate-Limit-Time-Reset-Ms": "3500"}) == 3.5
    assert store_wait({"X-Retry-After": "4", "X-Rate-Limit-Time-Reset-Ms": "1500"}) == 4.0
    assert store_wait({"X-Retry-After": "7"}) == 7.0
    assert store_wait({"X-Rate-Limit-Time-Reset-Ms": "250"}) == 0.25
    assert store_wait({}) is None
    assert store_wait({"X-Retry-After": "soon"}) is None


def test_backoff_doubles_within_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=8, backoff=1.0, max_backoff=10.0, rng=random.Random(3))
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (8, 10.0)]:
        delays = [policy.backoff_delay(retry) for _ in range(200)]
        assert min(delays) >= ceiling / 2
        assert max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not lockstep


def test_delay_honours_the_store_then_falls_back_to_backoff() -> None:
    policy = RetryPolicy(backoff=1.0, rng=random.Random(1))
    asked = policy.delay(1, {"X-Retry-After": "3"})
    assert 3.0 <= asked <= 3.4
    assert 0.5 <= policy.delay(1, {}) <= 1.0
    assert 0.5 <= policy.delay(1, None) <= 1.0
