"""Pagination: every record of a collection once, in ascending id order, many pages at a time.

Offset paging (``page=1, 2, ...``) over data that changes underneath skips records: when one
leaves the filter between two pages, everything after it moves up a place. Paging by id does
not shift, so the keyset pager asks for id ranges (``min_id``/``max_id``) instead of offsets.

To keep several requests in flight, the id space ahead is cut into slices sized from the
density of ids seen so far, each expected to fill most of one page; slices are fetched
concurrently and yielded strictly in order, with a bounded number of pages held at once. A
slice that overflows its page is split again from where it stopped, and the last slice is
always open-ended, so records beyond every estimate (created during the pull, say) are still
reached: the estimates only decide speed, never which records are seen.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_bc.client.errors import ConfigurationError, UnexpectedResponseError

MAX_LIMIT = 250
#: Slices are sized to fill this share of a page, so that the spread of ids around the
#: average density rarely pushes one past a page (which costs a second request).
FILL_TARGET = 0.85

T = TypeVar("T")
R = TypeVar("R")
Records = list[dict[str, Any]]
Fetch = Callable[[dict[str, Any]], Records]

#: Parameters the pagers set themselves; a caller's value would break their guarantees.
_RESERVED = {"page": "the pager sets the page itself", "sort": "records are paged by id, ascending"}


def page_size(params: Mapping[str, Any]) -> int:
    """The ``limit`` asked for in ``params`` (default: the API's maximum of 250)."""
    value = params.get("limit", MAX_LIMIT)
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if isinstance(value, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ConfigurationError(f"Parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}, not {value!r}")
    return limit


def split_params(params: Mapping[str, Any] | None) -> tuple[dict[str, Any], int]:
    """The caller's filters without the paging parameters, and the page size."""
    params = dict(params or {})
    for name, why in _RESERVED.items():
        if name in params:
            raise ConfigurationError(f"Parameter {name!r} cannot be given to a paged pull: {why}; remove it")
    limit = page_size(params)
    params.pop("limit", None)
    return params, limit


@dataclass(slots=True)
class _Slice:
    low: int  # first id, inclusive
    high: int | None  # last id, inclusive; None: open-ended
    future: Future[Records] | None = None


class KeysetPager:
    """Iterates a collection by id ranges with up to ``concurrency`` requests in flight.

    :param fetch: runs one list request with the given parameters; returns [] for 204.
    :param params: the caller's filters; ``min_id`` and ``max_id`` bound the ids pulled.
    :param count: returns how many records match the filters (an estimate that sizes the
        slices; None where the collection has no ``/count``).
    :param concurrency: requests in flight at once.
    :param id_field: the record's id key.
    """

    def __init__(
        self,
        fetch: Fetch,
        params: Mapping[str, Any] | None = None,
        *,
        count: Callable[[dict[str, Any]], int] | None = None,
        concurrency: int = 4,
        id_field: str = "id",
    ) -> None:
        self._fetch = fetch
        self._filters, self._limit = split_params(params)
        self._low = _id_bound(self._filters.pop("min_id", 1), "min_id")
        high = self._filters.pop("max_id", None)
        self._high = None if high is None else _id_bound(high, "max_id")
        self._count = count
        self._concurrency = concurrency
        self._id_field = id_field
        self.pages = 0
        self.records = 0
        #: How many records matched when the pull began (None until known, or without /count).
        self.total: int | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._high is not None and self._high < self._low:
            return
        # Two pages per worker: one being fetched and one waiting to be yielded.
        max_outstanding = 2 * self._concurrency
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="bigcommerce-page") as pool:
            count_filters = dict(self._filters, min_id=self._low)
            if self._high is not None:
                count_filters["max_id"] = self._high
            expected = pool.submit(self._count, count_filters) if self._count else None
            if expected is not None:
                expected.add_done_callback(self._learn_total)
            queue: deque[_Slice] = deque([_Slice(self._low, self._high)])
            outstanding = 0
            try:
                while queue:
                    for piece in queue:  # submit the next slices, in order, up to the bound
                        if outstanding >= max_outstanding:
                            break
                        if piece.future is None:
                            piece.future = pool.submit(self._fetch_slice, piece)
                            outstanding += 1
                    head = queue.popleft()
                    assert head.future is not None
                    page = head.future.result()
                    outstanding -= 1
                    self.pages += 1
                    yield from page
                    self.records += len(page)
                    if len(page) == self._limit and not (head.high is not None and page[-1][self._id_field] >= head.high):
                        # No local name for the new slices: one would keep every one of them,
                        # and so every page they fetch, alive until the next plan.
                        queue.extendleft(reversed(self._plan(page, head.high, expected)))
            finally:
                for piece in queue:
                    if piece.future is not None:
                        piece.future.cancel()

    def _learn_total(self, future: Future[int]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.total = future.result()

    def _fetch_slice(self, piece: _Slice) -> Records:
        params = dict(self._filters, min_id=piece.low, limit=self._limit)
        if piece.high is not None:
            params["max_id"] = piece.high
        page = self._fetch(params)
        previous = piece.low - 1
        for record in page:
            record_id = record.get(self._id_field) if isinstance(record, dict) else None
            if not isinstance(record_id, int) or record_id <= previous or (piece.high is not None and record_id > piece.high):
                raise UnexpectedResponseError(
                    f"The store returned records out of the id range asked for ({piece.low}..{piece.high or ''}) "
                    f"or out of id order (id {record_id!r} after {previous}): it may not support the min_id/max_id filters "
                    f"on this resource"
                )
            previous = record_id
        if len(page) > self._limit:
            raise UnexpectedResponseError(f"The store returned {len(page)} records for a page of limit={self._limit}")
        return page

    def _plan(self, page: Records, high: int | None, expected: Future[int] | None) -> list[_Slice]:
        """Slices for the ids after a full page: up to ``high``, or open-ended where it is None."""
        first, last = page[0][self._id_field], page[-1][self._id_field]
        density = len(page) / (last - first + 1)  # records per id, around here
        start = last + 1
        # A slice no wider than a page can never overflow, so dense ids get exactly one page each.
        width = max(self._limit, math.ceil(FILL_TARGET * self._limit / density))
        ahead = math.inf if high is None else density * (high - start + 1)  # records expected before high
        if high == self._high:
            # The pull's last slice: the count knows better than the density how much is left
            # (a max_id far beyond the last record would otherwise mean millions of slices).
            left = expected.result() - self.records if expected is not None else 0
            if left <= 0 and self._count is not None:
                # More than counted at the start (records created during the pull): count again.
                left = self._count(dict(self._filters, min_id=start, **({} if high is None else {"max_id": high})))
            if left > 0:
                ahead = min(ahead, left)
            elif self._count is not None:
                ahead = 0  # nothing more counted: one look at the rest is enough
        pieces = self._concurrency if math.isinf(ahead) else math.ceil(ahead / (density * width))
        return _cut(start, high, width, pieces)


def _cut(start: int, high: int | None, width: int, pieces: int) -> list[_Slice]:
    """``pieces`` slices of ``width`` ids from ``start``, then one for whatever lies beyond, up to ``high``."""
    slices = []
    for i in range(pieces):
        low = start + i * width
        if high is not None and low + width - 1 >= high:
            slices.append(_Slice(low, high))
            return slices
        slices.append(_Slice(low, low + width - 1))
    slices.append(_Slice(start + pieces * width, high))
    return slices


class OffsetPager:
    """Pages by ``page=1, 2, ...`` for the small collections that have no id filters."""

    def __init__(self, fetch: Fetch, params: Mapping[str, Any] | None = None) -> None:
        self._fetch = fetch
        self._filters, self._limit = split_params(params)
        self.pages = 0
        self.records = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        previous_first = None
        for number in itertools.count(1):
            page = self._fetch(dict(self._filters, page=number, limit=self._limit))
            if page and previous_first is not None and page[0] == previous_first:
                raise UnexpectedResponseError(f"The store returned page {number} the same as page {number - 1}: it ignores 'page'")
            self.pages += 1
            self.records += len(page)
            yield from page
            if len(page) < self._limit:
                return
            previous_first = page[0]


def ordered_map(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(func, items)`` on ``workers`` threads, results in input order, a bounded number ahead.

    Unlike ``Executor.map`` it does not consume the whole input first, so memory stays flat
    over an input of any length.
    """
    ahead: deque[Future[R]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="bigcommerce-map") as pool:
        try:
            for item in items:
                ahead.append(pool.submit(func, item))
                if len(ahead) >= 2 * workers:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        finally:
            for future in ahead:
                future.cancel()


def _id_bound(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise ConfigurationError(f"Parameter {name!r} must be a whole number of 0 or more, not {value!r}")
    return number
