"""The keyset pager over an in-memory collection: every record once, in id order."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from airflow_provider_bc.client import ConfigurationError, UnexpectedResponseError
from airflow_provider_bc.client.pager import KeysetPager, OffsetPager


class Collection:
    """Answers list requests the way the API does: id filters inclusive, ascending, limit."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = sorted(ids)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.after_request = None

    def fetch(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            self.requests.append(dict(params))
            low, high = params.get("min_id", 0), params.get("max_id", float("inf"))
            page = [{"id": i} for i in self.ids if low <= i <= high][: params["limit"]]
            if self.after_request:
                self.after_request(self)
            return page

    def count(self, params: dict[str, Any]) -> int:
        low, high = params.get("min_id", 0), params.get("max_id", float("inf"))
        return sum(1 for i in self.ids if low <= i <= high)


def pull(collection: Collection, params: dict[str, Any] | None = None, concurrency: int = 4) -> list[int]:
    pager = KeysetPager(collection.fetch, {"limit": 10, **(params or {})}, count=collection.count, concurrency=concurrency)
    ids = [record["id"] for record in pager]
    assert pager.records == len(ids)
    return ids


@pytest.mark.parametrize(
    "ids",
    [
        list(range(1, 101)),  # dense, exactly ten pages
        list(range(5, 1000, 7)),  # sparse, even
        list(range(1, 50)) + list(range(10_000, 10_300)),  # dense, a gap, dense again
        list(range(1, 30)) + list(range(30, 3000, 97)),  # dense first page, sparse after
        [1, 2, 3],  # less than a page
        list(range(1, 11)),  # exactly one page
        [],
    ],
)
def test_every_record_once_in_order(ids: list[int]) -> None:
    collection = Collection(ids)
    assert pull(collection) == ids


def test_dense_ids_cost_one_request_per_page() -> None:
    collection = Collection(list(range(100, 1100)))
    assert pull(collection) == list(range(100, 1100))
    # 100 pages, plus one open-ended look past the end.
    assert len(collection.requests) == 101


def test_min_and_max_id_bound_the_pull() -> None:
    collection = Collection(list(range(1, 500)))
    assert pull(collection, {"min_id": 42, "max_id": 333}) == list(range(42, 334))
    assert all(r["min_id"] >= 42 and r.get("max_id", 333) <= 333 for r in collection.requests)
    assert pull(Collection(list(range(1, 10))), {"min_id": 7, "max_id": 3}) == []


def test_records_created_during_the_pull_beyond_the_count_are_reached() -> None:
    collection = Collection(list(range(1, 201)))
    created = iter(range(201, 260))

    def grow(c: Collection) -> None:
        c.ids.append(next(created, None) or c.ids[-1])
        c.ids = sorted(set(c.ids))

    collection.after_request = grow
    ids = pull(collection)
    assert ids == sorted(set(ids))
    assert ids[:200] == list(range(1, 201))
    assert ids == collection.ids[: len(ids)]  # nothing skipped up to where it stopped


def test_requests_run_concurrently_but_are_bounded() -> None:
    barrier_hits = []
    lock = threading.Lock()
    active = [0]
    collection = Collection(list(range(1, 2001)))
    inner = collection.fetch

    def slow(params: dict[str, Any]) -> list[dict[str, Any]]:
        with lock:
            active[0] += 1
            barrier_hits.append(active[0])
        try:
            threading.Event().wait(0.005)
            return inner(params)
        finally:
            with lock:
                active[0] -= 1

    pager = KeysetPager(slow, {"limit": 10}, count=collection.count, concurrency=4)
    assert [r["id"] for r in pager] == list(range(1, 2001))
    assert max(barrier_hits) == 4


def test_records_out_of_range_are_an_error_not_a_silent_duplicate() -> None:
    def ignores_filters(params: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"id": i} for i in range(1, 11)]

    with pytest.raises(UnexpectedResponseError, match="out of the id range"):
        list(KeysetPager(ignores_filters, {"limit": 10}, concurrency=2))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 251}, "Parameter 'limit' must be a whole number from 1 to 250, not 251"),
        ({"limit": 0}, "Parameter 'limit' must be a whole number from 1 to 250, not 0"),
        ({"limit": "many"}, "Parameter 'limit' must be a whole number from 1 to 250, not 'many'"),
        ({"page": 2}, "Parameter 'page' cannot be given to a paged pull"),
        ({"sort": "date_modified:asc"}, "Parameter 'sort' cannot be given to a paged pull: the pager fixes the order it pages in"),
        ({"min_id": "x"}, "Parameter 'min_id' must be a whole number"),
    ],
)
def test_bad_paging_parameters_are_refused(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        KeysetPager(lambda p: [], params)
    assert message in str(caught.value)


def test_offset_pager_stops_at_a_short_page_and_detects_an_ignored_page() -> None:
    data = [{"id": i} for i in range(1, 26)]
    calls = []

    def fetch(params: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append(params["page"])
        start = (params["page"] - 1) * params["limit"]
        return data[start: start + params["limit"]]

    assert [r["id"] for r in OffsetPager(fetch, {"limit": 10})] == list(range(1, 26))
    assert calls == [1, 2, 3]
    with pytest.raises(UnexpectedResponseError, match="ignores 'page'"):
        list(OffsetPager(lambda p: data[:10], {"limit": 10}))


def test_pages_already_yielded_are_not_kept_alive() -> None:
    """Memory stays flat: only the pages in flight or waiting to be yielded exist at once."""
    import weakref

    class Page(list):  # a list that can be watched with a weak reference
        pass

    collection = Collection(list(range(1, 5001)))
    alive: list[weakref.ref[Page]] = []

    def fetch(params: dict[str, Any]) -> list[dict[str, Any]]:
        page = Page(collection.fetch(params))
        alive.append(weakref.ref(page))
        return page

    most = 0
    for n, _record in enumerate(KeysetPager(fetch, {"limit": 10}, count=collection.count, concurrency=4)):
        if n % 50 == 0:  # pages hold no cycles: a dropped page is gone at once
            most = max(most, sum(1 for ref in alive if ref() is not None))
    assert len(alive) > 400  # the pull really went through many pages
    assert most <= 2 * 4 + 2


def test_a_max_id_far_beyond_the_last_record_costs_no_extra_requests() -> None:
    collection = Collection(list(range(1, 1001)))
    assert pull(collection, {"max_id": 10**9}) == list(range(1, 1001))
    assert len(collection.requests) <= 102  # 100 pages and a look at what lies beyond
