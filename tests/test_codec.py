"""The JSON codec: orjson's speed, the standard library's reach."""

from __future__ import annotations

import json

import pytest

from airflow_provider_bc.client import codec


def test_compact_utf8_in_the_apis_key_order() -> None:
    record = {"id": 7, "name": "Crème ☕", "total": "336.3200", "nested": {"b": 1, "a": [1.5, None, True]}}
    assert codec.dumps(record) == '{"id":7,"name":"Crème ☕","total":"336.3200","nested":{"b":1,"a":[1.5,null,true]}}'.encode()
    assert codec.loads(codec.dumps(record)) == record


def test_integers_beyond_64_bits_fall_back_to_the_standard_library() -> None:
    body = b'[{"id": 1, "external_id": 123456789012345678901234567890}]'
    parsed = codec.loads(body)
    assert parsed[0]["external_id"] == 123456789012345678901234567890
    assert codec.dumps(parsed[0]) == b'{"id":1,"external_id":123456789012345678901234567890}'


def test_what_is_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        codec.loads(b'[{"id": 1, "name": "cut sh')
    assert isinstance(json.JSONDecodeError("x", "y", 0), ValueError)


def test_64_bit_integers_stay_on_the_fast_path_exactly() -> None:
    assert codec.loads(b'{"id": 9223372036854775807}') == {"id": 2**63 - 1}
    assert codec.dumps({"id": 2**63 - 1}) == b'{"id":9223372036854775807}'
