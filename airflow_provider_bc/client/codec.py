"""JSON in and out of the pipeline, with orjson where it is exact and the standard library where not.

Parsing pages and writing records is most of a pull's CPU once the network is paced, and
orjson does both in about half the time of ``json``. It does not do integers past 64 bits:
it parses them into floats, silently rounded, and refuses to write them. So a body with a
run of 19 or more digits (``2**63`` has 19) is parsed by the standard library, which keeps
them exact; the check may also fire on long digit strings, which only costs speed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_MAYBE_BIG_INTEGER = re.compile(rb"\d{19}")


def loads(body: bytes) -> Any:
    """Parse a response body; ValueError where it is not JSON."""
    if _MAYBE_BIG_INTEGER.search(body):
        return json.loads(body)
    return orjson.loads(body)


def dumps(record: Any) -> bytes:
    """One record as compact UTF-8 JSON, keys in their order: the same bytes either way."""
    try:
        return orjson.dumps(record)
    except TypeError:  # an integer past 64 bits
        return _encode(record).encode()
