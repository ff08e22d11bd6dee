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

v3 collections with no id range filter are paged by :class:`CursorPager`: by cursor where the
store offers one, else by page number with a check that nothing moved underneath.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_bc.client.codec import RawRecord
from airflow_provider_bc.client.errors import ConfigurationError, UnexpectedResponseError

MAX_LIMIT = 250
#: Slices are sized to fill this share of a page, so that the spread of ids around the
#: average density rarely pushes one past a page (which costs a second request).
FILL_TARGET = 0.85

T = TypeVar("T")
R = TypeVar("R")
#: A page's records: dicts, or RawRecords where the pull keeps the API's own bytes.
Records = list[Any]
Fetch = Callable[[dict[str, Any]], Records]
#: One v3 list request: its records and its ``meta``.
FetchPage = Callable[[dict[str, Any]], tuple[Records, dict[str, Any]]]

#: Parameters the pagers set themselves; a caller's value would break their guarantees.
_RESERVED = {
    "page": "the pager sets the page itself",
    "after": "the pager follows the cursor itself",
    "sort": "the pager fixes the order it pages in",
    "direction": "the pager fixes the order it pages in",
}


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
    :param id_filters: the API's names of the inclusive minimum and maximum id filters
        (v2 ``min_id``/``max_id``, v3 ``id:min``/``id:max``).
    :param order: parameters sent with every page to keep ids ascending (v3 ``sort=id``).
    """

    def __init__(
        self,
        fetch: Fetch,
        params: Mapping[str, Any] | None = None,
        *,
        count: Callable[[dict[str, Any]], int] | None = None,
        concurrency: int = 4,
        id_field: str = "id",
        id_filters: tuple[str, str] = ("min_id", "max_id"),
        order: Mapping[str, str] | None = None,
    ) -> None:
        self._fetch = fetch
        self._filters, self._limit = split_params(params)
        self._min, self._max = id_filters
        self._low = _id_bound(self._filters.pop(self._min, 1), self._min)
        high = self._filters.pop(self._max, None)
        self._high = None if high is None else _id_bound(high, self._max)
        self._filters.update(order or {})
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
            count_filters = self._bounds(self._low, self._high)
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
                    if len(page) == self._limit and not (head.high is not None and record_id(page[-1], self._id_field) >= head.high):
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

    def _bounds(self, low: int, high: int | None) -> dict[str, Any]:
        """The filters with the id range ``low..high`` (open-ended where ``high`` is None)."""
        params = dict(self._filters, **{self._min: low})
        if high is not None:
            params[self._max] = high
        return params

    def _fetch_slice(self, piece: _Slice) -> Records:
        page = self._fetch(dict(self._bounds(piece.low, piece.high), limit=self._limit))
        previous = piece.low - 1
        for record in page:
            this_id = record_id(record, self._id_field)
            if not isinstance(this_id, int) or this_id <= previous or (piece.high is not None and this_id > piece.high):
                raise UnexpectedResponseError(
                    f"The store returned records out of the id range asked for ({piece.low}..{piece.high or ''}) "
                    f"or out of id order (id {this_id!r} after {previous}): it may not support the {self._min}/{self._max} filters "
                    f"on this resource"
                )
            previous = this_id
        _check_page_size(page, self._limit)
        return page

    def _plan(self, page: Records, high: int | None, expected: Future[int] | None) -> list[_Slice]:
        """Slices for the ids after a full page: up to ``high``, or open-ended where it is None."""
        first, last = record_id(page[0], self._id_field), record_id(page[-1], self._id_field)
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
                left = self._count(self._bounds(start, high))
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


class CursorPager:
    """Pages a v3 collection that has no id range filter, in the order ``order`` fixes.

    Where the store offers cursor pagination (``meta.cursor_pagination``), it follows the
    cursor: a cursor marks a place in the order, so records changed or deleted during the pull
    move nothing. Otherwise it pages by number, which is an offset: a record that leaves the
    filter during the pull moves every later one a place back, and one would be skipped. So a
    page-number pull fails, writing nothing and asking for a rerun, where the collection's total
    changed between its first and last page or an id came twice.

    :param fetch_page: runs one list request; returns its records and its ``meta``.
    :param params: the caller's filters.
    :param order: parameters sent with every page (e.g. ``sort=date_created:asc``).
    :param name: how messages name the collection.
    """

    def __init__(self, fetch_page: FetchPage, params: Mapping[str, Any] | None = None, *,
                 order: Mapping[str, str] | None = None, name: str = "the collection", id_field: str = "id") -> None:
        self._fetch = fetch_page
        self._filters, self._limit = split_params(params)
        self._filters.update(order or {})
        self._name = name
        self._id_field = id_field
        self.pages = 0
        self.records = 0
        #: How many records matched when the pull began (from the first page's meta).
        self.total: int | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        params = dict(self._filters, limit=self._limit)
        records, meta = self._fetch(params)
        self.total = _pagination(meta, self._name)["total"]
        seen: set[Any] = set()
        self._take(records, seen)
        yield from records
        if isinstance(meta.get("cursor_pagination"), dict):
            yield from self._by_cursor(params, records, meta, seen)
        else:
            yield from self._by_page_number(params, meta, seen)

    def _by_cursor(self, params: dict[str, Any], records: Records, meta: Mapping[str, Any], seen: set[Any]) -> Iterator[Any]:
        cursors: set[str] = set()
        while True:
            cursor = meta.get("cursor_pagination") or {}
            end = cursor.get("end_cursor")
            if not records or not end or not (cursor.get("links") or {}).get("next"):
                return
            if end in cursors:
                raise UnexpectedResponseError(f"The store returned the cursor {end!r} twice while paging {self._name}")
            cursors.add(end)
            records, meta = self._fetch(dict(params, after=end))
            self._take(records, seen)
            yield from records

    def _by_page_number(self, params: dict[str, Any], meta: Mapping[str, Any], seen: set[Any]) -> Iterator[Any]:
        total = self.total
        for number in range(2, int(_pagination(meta, self._name).get("total_pages") or 0) + 1):
            records, meta = self._fetch(dict(params, page=number))
            total = _pagination(meta, self._name)["total"]
            self._check_unchanged(total)
            self._take(records, seen)
            yield from records
        self._check_unchanged(total, seen=len(seen))

    def _take(self, records: Records, seen: set[Any]) -> None:
        _check_page_size(records, self._limit)
        for record in records:
            key = record_id(record, self._id_field)
            if key is None or key in seen:
                raise UnexpectedResponseError(
                    f"The store returned a record of {self._name} twice, or one without {self._id_field!r} ({key!r}): "
                    f"the collection changed during the pull; nothing was written: run again"
                )
            seen.add(key)
        self.pages += 1
        self.records += len(records)

    def _check_unchanged(self, total: Any, seen: int | None = None) -> None:
        """A page-number pull is only trusted where the total never moved and every record was read once."""
        if total != self.total or (seen is not None and seen != total):
            raise UnexpectedResponseError(
                f"{self._name} changed while it was paged by page number ({self.total} records matched at the start, "
                f"{total} later, {self.records} read): a record may have been skipped, so nothing was written; run again. "
                f"The store offers no cursor for this collection"
            )


def _check_page_size(page: Records, limit: int) -> None:
    if len(page) > limit:
        raise UnexpectedResponseError(f"The store returned {len(page)} records for a page of limit={limit}")


def _pagination(meta: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    pagination = meta.get("pagination") if isinstance(meta, Mapping) else None
    if not isinstance(pagination, Mapping) or not isinstance(pagination.get("total"), int):
        raise UnexpectedResponseError(f"The store's answer for {name} has no meta.pagination with a total: is it a v3 collection?")
    return pagination


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


def record_id(record: Any, id_field: str = "id") -> Any:
    """A record's id, whether it is a dict or a RawRecord; None where it has none."""
    if isinstance(record, RawRecord):
        return record.id
    return record.get(id_field) if isinstance(record, dict) else None


def _id_bound(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise ConfigurationError(f"Parameter {name!r} must be a whole number of 0 or more, not {value!r}")
    return number
