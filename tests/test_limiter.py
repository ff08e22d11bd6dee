"""Quota pacing, on a simulated clock: no sleeping, exact times."""

from __future__ import annotations

import pytest

from airflow_provider_bc.client.limiter import QuotaHeaders, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def headers(quota: int, left: int, reset_ms: int, window_ms: int = 30_000) -> dict[str, str]:
    return {
        "X-Rate-Limit-Requests-Quota": str(quota),
        "X-Rate-Limit-Requests-Left": str(left),
        "X-Rate-Limit-Time-Window-Ms": str(window_ms),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
    }


def test_without_headers_nothing_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    for _ in range(100):
        assert limiter._wait(clock()) <= 0
        limiter.acquire()
        limiter.release({})
    assert limiter.status() is None


def test_parse_needs_all_four_headers() -> None:
    assert QuotaHeaders.parse(headers(150, 149, 29_000)) == QuotaHeaders(150, 149, 30.0, 29.0)
    partial = headers(150, 149, 29_000)
    del partial["X-Rate-Limit-Time-Reset-Ms"]
    assert QuotaHeaders.parse(partial) is None


def test_what_is_left_is_spread_over_the_rest_of_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.acquire()
    limiter.release(headers(quota=150, left=100, reset_ms=20_000))
    # 100 left in 20 s: one request every 0.2 s.
    limiter.acquire()
    assert limiter._wait(clock()) == pytest.approx(20.0 / 99, rel=1e-6)
    clock.now += 20.0 / 99
    assert limiter._wait(clock()) <= 1e-9
    assert limiter.status() == (99, 150)


def test_an_exhausted_window_waits_for_its_reset_then_has_the_quota_again() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.acquire()
    limiter.release(headers(quota=10, left=0, reset_ms=5_000))
    assert limiter._wait(clock()) == pytest.approx(5.0)
    clock.now += 5.0
    assert limiter._wait(clock()) <= 0
    assert limiter.status() == (10, 10)


def test_requests_in_flight_count_against_a_new_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    for _ in range(4):
        limiter.acquire()
    limiter.release(headers(quota=60, left=59, reset_ms=2_900, window_ms=3_000))
    assert limiter.status() == (56, 60)  # three more were sent and will be counted


def test_a_lower_count_from_another_client_wins_within_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.acquire()
    limiter.release(headers(quota=100, left=90, reset_ms=10_000))
    limiter.acquire()
    clock.now += 0.5
    limiter.release(headers(quota=100, left=40, reset_ms=9_500))
    assert limiter.status() == (40, 100)


def test_pause_holds_back_every_worker() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.pause(3.0)
    assert limiter._wait(clock()) == pytest.approx(3.0)
    clock.now += 3.0
    assert limiter._wait(clock()) <= 0
