"""The JSON codec: exact, fast, and able to keep each record's own bytes."""

from __future__ import annotations

import pytest

from airflow_provider_bc.client import codec
from airflow_provider_bc.client.codec import RawRecord


def test_compact_utf8_in_the_apis_key_order() -> None:
    record = {"id": 7, "name": "Crème ☕", "total": "336.3200", "nested": {"b": 1, "a": [1.5, None, True]}}
    assert codec.dumps(record) == '{"id":7,"name":"Crème ☕","total":"336.3200","nested":{"b":1,"a":[1.5,null,true]}}'.encode()
    assert codec.loads(codec.dumps(record)) == record


@pytest.mark.parametrize("number", [2**63 - 1, 2**64, -(2**63) - 1, 123456789012345678901234567890])
def test_integers_of_any_size_stay_exact_both_ways(number: int) -> None:
    body = b'[{"id": 1, "external_id": %d}]' % number
    parsed = codec.loads(body)
    assert parsed[0]["external_id"] == number and isinstance(parsed[0]["external_id"], int)
    assert codec.dumps(parsed[0]) == b'{"id":1,"external_id":%d}' % number
    assert codec.raw_records(body) == [RawRecord(1, b'{"id": 1, "external_id": %d}' % number)]


def test_what_is_not_json_is_a_value_error() -> None:
    for decode in (codec.loads, codec.raw_records, codec.raw_page):
        with pytest.raises(ValueError):
            decode(b'[{"id": 1, "name": "cut sh')


def test_raw_records_are_the_apis_own_bytes_one_line_each() -> None:
    body = b'[{"id": 5, "total": "1.5000", "big": 1.10}, {"id":6,\n  "name": "two\\nlines"}]'
    records = codec.raw_records(body)
    assert [r.id for r in records] == [5, 6]
    assert records[0].json == b'{"id": 5, "total": "1.5000", "big": 1.10}'  # untouched, 1.10 too
    assert records[1].json == b'{"id":6,"name":"two\\nlines"}'  # pretty-printed: made one line
    assert [codec.line(r) for r in records] == [r.json for r in records]
    assert codec.line({"id": 5}) == b'{"id":5}'


def test_raw_decoders_hand_back_other_shapes_parsed_for_the_caller_to_name() -> None:
    assert codec.raw_records(b'{"data": [], "meta": {}}') == {"data": [], "meta": {}}
    assert codec.raw_records(b'["a", "b"]') == ["a", "b"]
    assert codec.raw_records(b'[{"name": "no id"}]') == [RawRecord(None, b'{"name": "no id"}')]
    assert codec.raw_page(b'[{"id": 1}]') == [{"id": 1}]
    page = codec.raw_page(b'{"data": [{"id": 3, "sku": "A"}], "meta": {"pagination": {"total": 1}}}')
    assert page == {"data": [RawRecord(3, b'{"id": 3, "sku": "A"}')], "meta": {"pagination": {"total": 1}}}
