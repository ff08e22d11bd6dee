"""Writers: records to JSON Lines (gzip where the path ends in ``.gz``), committed atomically.

The file is written under a hidden ``.partial`` name beside its target and moved into place
only once complete, so a failed or killed task leaves at the final path either the previous
complete file or nothing. Output is deterministic: the same records give the same bytes
(compact JSON, keys in the API's order, and a gzip header with no time or name in it).
"""

from __future__ import annotations

import gzip
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from airflow.sdk import ObjectStoragePath
from airflow.sdk.lineage import get_hook_lineage_collector

from airflow_provider_bc.client import codec
from airflow_provider_bc.client.errors import ConfigurationError

FORMATS = ("jsonl",)
_LOCAL_PROTOCOLS = ("", "file", "local")
_BATCH = 500  # records joined per write call: fewer calls, still a bounded buffer


@dataclass(frozen=True)
class WriteResult:
    path: str
    records: int
    bytes: int


def target_path(output_path: Any) -> ObjectStoragePath:
    """The output location, or a ConfigurationError saying what is wrong with it."""
    if not isinstance(output_path, (str, os.PathLike)) or not str(output_path).strip():
        raise ConfigurationError(f"output_path must be a local path or a URL such as s3://bucket/orders.jsonl, not {output_path!r}")
    text = str(output_path)
    if text.endswith("/"):
        raise ConfigurationError(f"output_path {text!r} names a folder: give a file name, e.g. {text}orders.jsonl")
    try:
        path = ObjectStoragePath(text)
        path.fs  # noqa: B018 - resolves the filesystem, which fails for an unknown scheme
    except (ValueError, ImportError) as exc:
        scheme = text.split("://", 1)[0] if "://" in text else ""
        raise ConfigurationError(
            f"output_path {text!r} uses a storage scheme Airflow cannot write here ({exc}): install the provider "
            f"for {scheme!r} (e.g. apache-airflow-providers-amazon for s3://), or use a local path"
        ) from None
    return path


def write_jsonl(records: Iterable[Any], target: ObjectStoragePath) -> WriteResult:
    """Write ``records`` (dicts, or RawRecords as they came) one per line to ``target``, atomically; gzip where it ends in ``.gz``."""
    partial = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:12]}"
    local = target.protocol in _LOCAL_PROTOCOLS
    try:
        # The filesystem's own file, not ObjectStoragePath.open(): that one wraps every write
        # in a lineage call naming the temporary file, and the first such call loads every
        # plugin of the installation (a second of CPU in a fresh process). The target is
        # recorded once below, under its real name.
        if local:
            os.makedirs(str(target.parent.path), exist_ok=True)
            raw = open(str(partial.path), "wb")  # noqa: SIM115 - closed by the with below
        else:
            raw = partial.fs.open(partial.path, "wb")
    except OSError as exc:
        raise _unwritable(target, exc) from None
    count = 0
    try:
        with raw:
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") if target.name.endswith(".gz") else raw
            with stream:
                batch: list[bytes] = []
                for record in records:
                    batch.append(codec.line(record))
                    if len(batch) == _BATCH:
                        _write(stream, batch, target)
                        count += len(batch)
                        batch = []
                if batch:
                    _write(stream, batch, target)
                    count += len(batch)
        size = partial.stat().st_size
        if local:
            os.replace(str(partial.path), str(target.path))
        else:
            target.fs.mv(partial.path, target.path)
    except BaseException:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    get_hook_lineage_collector().add_output_asset(context=target, uri=str(target))
    return WriteResult(path=str(target), records=count, bytes=size)


def _write(stream: IO[bytes], batch: list[bytes], target: ObjectStoragePath) -> None:
    try:
        stream.write(b"\n".join(batch) + b"\n")
    except OSError as exc:
        raise _unwritable(target, exc) from None


def _unwritable(target: ObjectStoragePath, exc: OSError) -> ConfigurationError:
    reason = exc.strerror or str(exc)
    return ConfigurationError(f"Cannot write output_path {str(target)!r}: {reason}; choose a location the worker can write to")
