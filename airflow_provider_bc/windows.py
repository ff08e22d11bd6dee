"""Which changes one run pulls: a half-open window ``[start, end)`` of modification times.

Consecutive windows must neither overlap nor leave a gap, at the API's one-second resolution,
whatever the DAG's time zone. So every bound is an instant in UTC truncated to the second, a
window ends where the next one starts, and the API's inclusive ``max_date_modified`` is the
second before ``end``.

Where the bounds come from, first match wins:

- ``since`` / ``until`` given explicitly (a backfill of a chosen range);
- the run's data interval, where it is not empty (``CronDataIntervalTimetable`` and friends);
- for an empty interval (Airflow 3's default cron timetable) or a run with none (a manual
  run): the window starts where the task's previous successful run ended, and ends at the
  run's logical date, or at the time the run was due;
- the task's first such run has nothing to continue from, so it starts at the beginning of
  the store: an initial full load, after which the chain continues.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pendulum

from airflow_provider_bc.client.errors import ConfigurationError

ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Window:
    """Modification times ``start <= t < end`` (UTC, whole seconds); ``start`` None: from the beginning."""

    start: datetime | None
    end: datetime

    def __post_init__(self) -> None:
        if self.start is not None and self.start >= self.end:
            raise ConfigurationError(
                f"The window to pull is empty or reversed: it starts at {iso(self.start)} and ends at {iso(self.end)}; "
                f"check 'since' and 'until', or the run's data interval"
            )

    def api_params(self, date_filters: tuple[str, str] = ("min_date_modified", "max_date_modified"), version: int = 2) -> dict[str, str]:
        """The date filters of this window (both inclusive, hence ``end`` minus one second).

        :param date_filters: the API's minimum and maximum ``date_modified`` filter names.
        :param version: 2 writes dates in RFC 2822, as v2 does; 3 in ISO 8601.
        """
        low, high = date_filters
        write = rfc2822 if version == 2 else iso
        params = {high: write(self.end - ONE_SECOND)}
        if self.start is not None:
            params[low] = write(self.start)
        return params

    def describe(self) -> str:
        start = iso(self.start) if self.start is not None else "the beginning"
        return f"modified from {start} to {iso(self.end)} (exclusive)"


def to_utc_second(value: Any, name: str) -> datetime:
    """An aware datetime or a date string as a UTC instant truncated to the second."""
    if isinstance(value, str):
        try:
            value = pendulum.parse(value)
        except ValueError:  # pendulum's ParserError is one
            raise ConfigurationError(f"{name!r} is not a date: {value!r}; use ISO 8601, e.g. 2026-01-31T00:00:00Z") from None
    if not isinstance(value, datetime):
        raise ConfigurationError(f"{name!r} must be a datetime or an ISO 8601 string, not {value!r}")
    if value.tzinfo is None:
        raise ConfigurationError(f"{name!r} has no time zone ({value.isoformat()}): give one, e.g. {value.isoformat()}+00:00")
    return value.astimezone(timezone.utc).replace(microsecond=0)


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc2822(value: datetime) -> str:
    return format_datetime(value.astimezone(timezone.utc))


def resolve_window(
    *,
    since: Any = None,
    until: Any = None,
    data_interval_start: datetime | None = None,
    data_interval_end: datetime | None = None,
    logical_date: datetime | None = None,
    run_after: datetime | None = None,
    previous_end: datetime | None = None,
) -> Window:
    """The window of one run; see the module's docstring for the order of precedence."""
    interval = None
    if data_interval_start is not None and data_interval_end is not None:
        start, end = to_utc_second(data_interval_start, "data_interval_start"), to_utc_second(data_interval_end, "data_interval_end")
        interval = (start, end) if start < end else None
    if until not in (None, ""):
        end = to_utc_second(until, "until")
    elif interval is not None:
        end = interval[1]
    elif logical_date is not None:
        end = to_utc_second(logical_date, "logical_date")
    elif run_after is not None:
        end = to_utc_second(run_after, "run_after")
    else:
        raise ConfigurationError("No window can be known for this run: it has no data interval, logical date or run time; set 'until'")
    if since not in (None, ""):
        start = to_utc_second(since, "since")
    elif interval is not None:
        start = interval[0]
    else:
        start = previous_end
    return Window(start, end)
