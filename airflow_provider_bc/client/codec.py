"""JSON in and out of the pipeline, with msgspec.

Parsing pages and writing records is most of a pull's CPU once the network is paced. msgspec
parses and writes JSON exactly, integers of any size included, in less time than ``json`` or
orjson; and it can cut a page into its records' own bytes without building them. A pull that
writes records as the API sent them (the operator's, where nothing is embedded) so reads only
each record's id: a tenth of the CPU of parsing the page into dicts and writing them back.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
_split = msgspec.json.Decoder(list[msgspec.Raw]).decode


class _Id(msgspec.Struct):
    id: Any = None


class _Page(msgspec.Struct):
    """A v3 list answer, its records left unparsed."""

    data: list[msgspec.Raw]
    meta: dict[str, Any] = {}


_id_of = msgspec.json.Decoder(_Id).decode
_split_page = msgspec.json.Decoder(_Page).decode


class RawRecord(NamedTuple):
    """One record as the API sent it (``json``, one line of JSON), and its ``id``."""

    id: Any
    json: bytes


def loads(body: bytes) -> Any:
    """Parse a response body; ValueError where it is not JSON."""
    return _decode(body)


def dumps(record: Any) -> bytes:
    """One record as compact UTF-8 JSON, keys in their order."""
    return _encode(record)


def raw_records(body: bytes) -> list[RawRecord] | Any:
    """A v2 page (a JSON list of records) as RawRecords.

    A body that is JSON but no list of objects is parsed as usual, for the caller to say what
    came instead; ValueError where it is not JSON.
    """
    try:
        return [_raw(item) for item in _split(body)]
    except msgspec.ValidationError:
        return loads(body)


def raw_page(body: bytes) -> dict[str, Any] | Any:
    """A v3 page (``{"data": [...], "meta": {...}}``) with its ``data`` as RawRecords."""
    try:
        page = _split_page(body)
        return {"data": [_raw(item) for item in page.data], "meta": page.meta}
    except msgspec.ValidationError:
        return loads(body)


def line(record: RawRecord | Any) -> bytes:
    """A record as one line of JSON Lines (without the newline)."""
    return record.json if isinstance(record, RawRecord) else _encode(record)


def _raw(item: msgspec.Raw) -> RawRecord:
    data = bytes(item)
    if b"\n" in data or b"\r" in data:  # pretty-printed: one line it must be
        data = _encode(_decode(data))
    return RawRecord(_id_of(data).id, data)
