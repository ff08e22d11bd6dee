"""JSON Lines output: atomic, deterministic, and clear about where it cannot write."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_bc.client import ConfigurationError
from airflow_provider_bc.storage import target_path, write_jsonl

RECORDS = [{"id": i, "total_inc_tax": f"{i}.5000", "name": "Crème brûlée ☕", "date_modified": "Thu, 01 Jan 2026 00:00:00 +0000"} for i in range(1, 1201)]


def test_one_record_per_line_exactly_as_given(tmp_path: Path) -> None:
    target = target_path(str(tmp_path / "deep" / "folder" / "orders.jsonl"))
    result = write_jsonl(iter(RECORDS), target)
    lines = (tmp_path / "deep" / "folder" / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    assert result.records == len(lines) == 1200
    assert lines[0] == '{"id":1,"total_inc_tax":"1.5000","name":"Crème brûlée ☕","date_modified":"Thu, 01 Jan 2026 00:00:00 +0000"}'
    assert result.bytes == (tmp_path / "deep" / "folder" / "orders.jsonl").stat().st_size


def test_gzip_by_suffix_and_the_same_records_give_the_same_bytes(tmp_path: Path) -> None:
    digests = set()
    for name in ("a.jsonl.gz", "b.jsonl.gz"):
        write_jsonl(iter(RECORDS), target_path(f"file://{tmp_path}/{name}"))
        data = (tmp_path / name).read_bytes()
        assert data[:2] == b"\x1f\x8b"
        digests.add(hashlib.sha256(data).hexdigest())
    assert len(digests) == 1
    assert gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes()).count(b"\n") == 1200


def _failing(after: int) -> Iterator[dict[str, Any]]:
    for record in RECORDS[:after]:
        yield record
    raise RuntimeError("the store went away")


def test_a_failure_mid_way_leaves_the_previous_file_and_no_partial(tmp_path: Path) -> None:
    target = target_path(str(tmp_path / "orders.jsonl"))
    write_jsonl(iter(RECORDS[:3]), target)
    before = (tmp_path / "orders.jsonl").read_bytes()
    with pytest.raises(RuntimeError, match="the store went away"):
        write_jsonl(_failing(1000), target)
    assert (tmp_path / "orders.jsonl").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["orders.jsonl"]


def test_a_failure_on_a_first_write_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        write_jsonl(_failing(700), target_path(str(tmp_path / "new.jsonl.gz")))
    assert list(tmp_path.iterdir()) == []


def test_object_stores_get_the_same_atomic_commit() -> None:
    """fsspec's in-memory filesystem, attached the way a provider attaches s3:// or gs://."""
    import fsspec
    from airflow.sdk.io import attach

    attach("memory", fs=fsspec.filesystem("memory"))
    target = target_path("memory://bucket/bigcommerce/orders.jsonl")
    write_jsonl(iter(RECORDS[:10]), target)
    assert ObjectStoragePath("memory://bucket/bigcommerce/orders.jsonl").read_text().count("\n") == 10
    with pytest.raises(RuntimeError):
        write_jsonl(_failing(5), target)
    assert ObjectStoragePath("memory://bucket/bigcommerce/orders.jsonl").read_text().count("\n") == 10
    assert [p.name for p in ObjectStoragePath("memory://bucket/bigcommerce/").iterdir()] == ["orders.jsonl"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nosuch://bucket/orders.jsonl", "output_path 'nosuch://bucket/orders.jsonl' uses a storage scheme Airflow cannot write here"),
        ("", "output_path must be a local path or a URL"),
        (None, "output_path must be a local path or a URL"),
        ("/tmp/orders/", "output_path '/tmp/orders/' names a folder: give a file name, e.g. /tmp/orders/orders.jsonl"),
    ],
)
def test_unusable_output_paths_are_named(path: object, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        target_path(path)
    assert message in str(caught.value)


def test_an_unwritable_location_is_named_before_anything_is_pulled(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    pulled = []

    def records() -> Iterator[dict[str, Any]]:
        pulled.append(1)
        yield {"id": 1}

    with pytest.raises(ConfigurationError) as caught:
        write_jsonl(records(), target_path(str(tmp_path / "a-file" / "orders.jsonl")))
    assert f"Cannot write output_path '{tmp_path}/a-file/orders.jsonl'" in str(caught.value)
    assert "choose a location the worker can write to" in str(caught.value)
    assert pulled == []


@pytest.mark.parametrize("where", ["local", "memory"])
def test_lineage_names_the_target_once_never_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """A real collector, as Airflow builds it when a lineage reader (OpenLineage) is installed."""
    import fsspec
    from airflow.sdk.io import attach
    from airflow.sdk.lineage import HookLineageCollector

    from airflow_provider_bc import storage

    collector = HookLineageCollector()
    monkeypatch.setattr(storage, "get_hook_lineage_collector", lambda: collector)
    if where == "memory":
        attach("memory", fs=fsspec.filesystem("memory"))
        path = "memory://bucket/lineage/orders.jsonl"
    else:
        path = str(tmp_path / "orders.jsonl")
    write_jsonl(iter(RECORDS), target_path(path))
    outputs = collector.collected_assets.outputs
    assert [(o.asset.uri.rsplit("/", 1)[-1], o.count) for o in outputs] == [("orders.jsonl", 1)]
    assert collector.collected_assets.inputs == []
