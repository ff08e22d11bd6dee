"""Windows: where a run's changes start and end, to the second, in UTC."""

from __future__ import annotations

from datetime import datetime, timezone

import pendulum
import pytest

from airflow_provider_bc.client import ConfigurationError
from airflow_provider_bc.windows import Window, resolve_window

UTC = timezone.utc
D1 = datetime(2026, 1, 1, tzinfo=UTC)
D2 = datetime(2026, 1, 2, tzinfo=UTC)
D3 = datetime(2026, 1, 3, tzinfo=UTC)


def test_a_data_interval_is_the_window_and_the_api_bounds_are_inclusive() -> None:
    window = resolve_window(data_interval_start=D1, data_interval_end=D2, logical_date=D1)
    assert window == Window(D1, D2)
    assert window.api_params() == {"min_date_modified": "Thu, 01 Jan 2026 00:00:00 +0000", "max_date_modified": "Thu, 01 Jan 2026 23:59:59 +0000"}


def test_consecutive_intervals_in_any_time_zone_are_consecutive_windows() -> None:
    tz = pendulum.timezone("America/New_York")
    days = [pendulum.datetime(2026, 3, d, tz=tz) for d in (7, 8, 9, 10)]  # across the DST change of 8 March
    windows = [resolve_window(data_interval_start=a, data_interval_end=b) for a, b in zip(days, days[1:])]
    for before, after in zip(windows, windows[1:]):
        assert before.end == after.start
    assert windows[0].start == datetime(2026, 3, 7, 5, tzinfo=UTC)
    assert windows[1].end - windows[1].start == pendulum.duration(hours=23)  # the short day


def test_sub_second_bounds_are_truncated_so_chains_stay_exact() -> None:
    window = resolve_window(data_interval_start=datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC), data_interval_end=datetime(2026, 1, 1, 0, 0, 5, 500_000, tzinfo=UTC))
    assert window == Window(D1, datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC))


def test_an_empty_interval_continues_from_the_previous_run() -> None:
    assert resolve_window(data_interval_start=D2, data_interval_end=D2, logical_date=D2, previous_end=D1) == Window(D1, D2)


def test_the_first_run_of_an_empty_interval_starts_at_the_beginning() -> None:
    window = resolve_window(data_interval_start=D2, data_interval_end=D2, logical_date=D2)
    assert window == Window(None, D2)
    assert window.api_params() == {"max_date_modified": "Thu, 01 Jan 2026 23:59:59 +0000"}


def test_a_manual_run_without_logical_date_ends_when_it_was_due() -> None:
    due = datetime(2026, 1, 2, 12, 30, 15, 250_000, tzinfo=UTC)
    assert resolve_window(run_after=due, previous_end=D2) == Window(D2, datetime(2026, 1, 2, 12, 30, 15, tzinfo=UTC))


def test_since_and_until_override_everything() -> None:
    window = resolve_window(since="2026-01-01T00:00:00Z", until="2026-01-02T06:00:00+06:00", data_interval_start=D2, data_interval_end=D3, previous_end=D3)
    assert window == Window(D1, D2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "2026-01-03", "until": "2026-01-02"}, "The window to pull is empty or reversed: it starts at 2026-01-03T00:00:00Z and ends at 2026-01-02T00:00:00Z"),
        ({"data_interval_start": D2, "data_interval_end": D2, "logical_date": D2, "previous_end": D3}, "empty or reversed"),
        ({"since": "last tuesday", "until": "2026-01-02"}, "'since' is not a date: 'last tuesday'"),
        ({"until": datetime(2026, 1, 2)}, "'until' has no time zone (2026-01-02T00:00:00)"),
        ({}, "No window can be known for this run"),
    ],
)
def test_impossible_windows_are_refused_clearly(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_window(**kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)
