"""BigCommerceToStorageOperator end to end: a real Airflow (metadata DB, dag.test) and the sandbox."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bc.sandbox.server import Faults, SandboxServer
from airflow_provider_bc.sandbox.store import DAY, Store
from tests.helpers import connection_json, dags_folder, secrets_in

pytestmark = [pytest.mark.airflow, pytest.mark.usefixtures("airflow_db")]

UTC = timezone.utc
JAN = {d: datetime(2026, 1, d, tzinfo=UTC) for d in range(1, 32)}


@pytest.fixture
def store() -> Store:
    return Store(orders=3_000, span_days=30)


@pytest.fixture
def server(make_sandbox: Callable[..., SandboxServer], store: Store, monkeypatch: pytest.MonkeyPatch, token: str) -> SandboxServer:
    sandbox = make_sandbox(store)
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", connection_json(sandbox, token, max_retries=2))
    return sandbox


def make_dag(dag_id: str, *, schedule: str = 'CronDataIntervalTimetable("0 0 * * *", timezone="UTC")', **operator: Any) -> Any:
    """Write a one-task DAG into the dags folder (dag.test runs what the bundle holds) and load it."""
    from airflow.dag_processing.dagbag import DagBag

    arguments = ",\n".join(f"        {k}={v!r}" for k, v in operator.items())
    source = textwrap.dedent(f"""\
        import pendulum
        from airflow.sdk import DAG, Asset, CronDataIntervalTimetable
        from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator

        with DAG(dag_id={dag_id!r}, schedule={schedule}, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
                 catchup=False, max_active_runs=1):
            BigCommerceToStorageOperator(
                task_id="pull",
                outlets=[Asset({dag_id + "_asset"!r})],
        {arguments},
            )
        """)
    path = Path(dags_folder()) / f"{dag_id}.py"
    path.write_text(source)
    bag = DagBag(str(path))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


def run(dag: Any, logical_date: datetime | None) -> tuple[str, dict[str, Any] | None]:
    """Run the DAG once; return the task's state and its XCom summary."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dag_run = dag.test(logical_date=logical_date)
    with create_session() as session:
        (ti,) = dag_run.get_task_instances(session=session)
        row = session.query(XComModel).filter_by(dag_id=dag.dag_id, run_id=dag_run.run_id, task_id="pull", key="return_value").one_or_none()
        return str(ti.state), (row.value if row is not None else None)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:  # type: ignore[operator]
        return [json.loads(line) for line in lines]


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def test_consecutive_daily_runs_cover_every_change_exactly_once(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    # Changes exactly on a window boundary belong to the later window, one second before it to the earlier.
    store.modify("orders", 500, at=epoch(JAN[7]))
    store.modify("orders", 501, at=epoch(JAN[7]) - 1)
    dag = make_dag("daily_orders", resource="orders", output_path=f"{tmp_path}/{{{{ data_interval_start | ds }}}}.jsonl")
    summaries = []
    for day in (6, 7, 8, 9):
        state, summary = run(dag, JAN[day + 1])  # a manual run at D+1 covers day D
        assert state == "success"
        summaries.append(summary)
    assert [s["window_start"] for s in summaries] == ["2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z", "2026-01-09T00:00:00Z"]
    assert [s["window_end"] for s in summaries[:-1]] == [s["window_start"] for s in summaries[1:]]
    files = [read_jsonl(s["path"]) for s in summaries]
    pulled = [record for records in files for record in records]
    expected = store.records("orders", min_date_modified=epoch(JAN[6]), max_date_modified=epoch(JAN[10]) - 1)
    assert sorted(pulled, key=lambda r: r["id"]) == expected  # same records, same content: none lost or added
    assert len({r["id"] for r in pulled}) == len(pulled) > 300  # no duplicates
    assert 500 in {r["id"] for r in files[1]} and 501 in {r["id"] for r in files[0]}
    for records, summary in zip(files, summaries):
        assert [r["id"] for r in records] == sorted(r["id"] for r in records)  # ascending ids within a file
        assert summary["records"] == len(records)


def test_records_are_written_with_the_bytes_the_api_sent(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    """Nothing embedded: each line is the store's own JSON for the record, not a re-encoding of it."""
    dag = make_dag("exact_bytes", resource="orders", output_path=f"{tmp_path}/orders.jsonl")
    state, summary = run(dag, JAN[8])
    assert state == "success"
    orders = store.collections["orders"]
    expected = [r["id"] for r in store.records("orders", min_date_modified=epoch(JAN[7]), max_date_modified=epoch(JAN[8]) - 1)]
    lines = Path(summary["path"]).read_bytes().splitlines()
    assert lines == [orders.record_json(store, orders.position(i)) for i in expected] and len(lines) > 50


def test_windows_do_not_shift_with_the_dags_time_zone(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    dag = make_dag(
        "tz_orders",
        schedule='CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Kolkata")',
        resource="orders",
        output_path=f"{tmp_path}/{{{{ ts_nodash }}}}.jsonl",
    )
    local_midnights = [datetime(2026, 1, d, tzinfo=UTC) - timedelta(hours=5, minutes=30) for d in (11, 12, 13)]
    summaries = [run(dag, moment)[1] for moment in local_midnights]
    assert summaries[0]["window_start"] == "2026-01-09T18:30:00Z"
    assert [s["window_end"] for s in summaries[:-1]] == [s["window_start"] for s in summaries[1:]]
    pulled = [r["id"] for s in summaries for r in read_jsonl(s["path"])]
    expected = store.records("orders", min_date_modified=epoch(local_midnights[0]) - DAY, max_date_modified=epoch(local_midnights[-1]) - 1)
    assert sorted(pulled) == [r["id"] for r in expected]
    assert len(set(pulled)) == len(pulled)


def test_empty_intervals_chain_from_the_previous_successful_run(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    """Airflow 3's default cron timetable gives zero-length intervals: the chain runs through the XComs."""
    dag = make_dag("chained_orders", schedule='"0 0 * * *"', resource="orders", output_path=f"{tmp_path}/{{{{ ts_nodash }}}}.jsonl")
    state, first = run(dag, JAN[10])
    assert state == "success"
    assert first["window_start"] is None and first["window_end"] == "2026-01-10T00:00:00Z"  # the initial full load
    state, second = run(dag, JAN[12])
    assert (second["window_start"], second["window_end"]) == ("2026-01-10T00:00:00Z", "2026-01-12T00:00:00Z")
    # The store answers 401 for one run: it fails, and the next run starts where the last success ended.
    server.reject_all_credentials = True
    state, failed = run(dag, JAN[13])
    assert state == "failed" and failed is None
    server.reject_all_credentials = False
    state, third = run(dag, JAN[14])
    assert state == "success"
    assert (third["window_start"], third["window_end"]) == ("2026-01-12T00:00:00Z", "2026-01-14T00:00:00Z")
    pulled = [r["id"] for s in (first, second, third) for r in read_jsonl(s["path"])]
    assert len(pulled) == len(set(pulled))
    assert sorted(pulled) == [r["id"] for r in store.records("orders", max_date_modified=epoch(JAN[14]) - 1)]


def test_a_manual_run_without_logical_date_pulls_up_to_when_it_was_due(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    dag = make_dag("manual_orders", schedule="None", resource="orders", output_path=f"{tmp_path}/{{{{ run_id | replace(':', '_') }}}}.jsonl")
    before = datetime.now(UTC).replace(microsecond=0)
    state, summary = run(dag, None)
    assert state == "success"
    assert summary["window_start"] is None  # nothing before it: everything modified until it was due
    assert before <= datetime.fromisoformat(summary["window_end"]) <= datetime.now(UTC)
    assert [r["id"] for r in read_jsonl(summary["path"])] == [r["id"] for r in store.records("orders")]


def test_include_embeds_each_orders_line_items(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    dag = make_dag("orders_with_items", resource="orders", include=["products", "shipping_addresses", "coupons"],
                   output_path=f"{tmp_path}/{{{{ ds }}}}.jsonl.gz")
    state, summary = run(dag, JAN[4])
    assert state == "success"
    orders = read_jsonl(summary["path"])
    assert len(orders) > 20
    for order in orders:
        assert order["products"] == store.sub_list("orders", order["id"], "products", {"limit": "250"})
        assert order["shipping_addresses"] == store.sub_list("orders", order["id"], "shipping_addresses", {"limit": "250"})
        assert order["coupons"] == store.sub_list("orders", order["id"], "coupons", {"limit": "250"})
        assert sum(item["quantity"] for item in order["products"]) == order["items_total"]
    assert any(order["coupons"] for order in orders) and any(not order["coupons"] for order in orders)
    assert summary["requests"] >= 1 + 3 * len(orders)


def test_gzip_output_is_byte_identical_for_the_same_store_state(server: SandboxServer, tmp_path: Path) -> None:
    dag = make_dag("gzip_orders", resource="orders", include=["products"], output_path=f"{tmp_path}/{{{{ ds }}}}.jsonl.gz")
    _, summary = run(dag, JAN[5])
    path = Path(summary["path"])
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    _, again = run(dag, JAN[5])  # a rerun of the same day
    assert again["path"] == summary["path"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first


def test_a_failed_pull_leaves_the_previous_file_and_no_partial(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    dag = make_dag("atomic_orders", resource="orders", include=["products"], output_path=f"{tmp_path}/{{{{ ds }}}}.jsonl")
    state, summary = run(dag, JAN[8])
    assert state == "success"
    before = Path(summary["path"]).read_bytes()
    # From the 40th request on, every answer is a 503: the pull dies half-way through the line items.
    server.faults = Faults(rate=1.0, kinds=("503",), start_after=40)
    store.modify("orders", 150, at=epoch(JAN[7]) + 60)  # the rerun would write something else
    state, after = run(dag, JAN[8])
    assert state == "failed" and after is None
    assert server.stats.faults["503"] > 0
    assert Path(summary["path"]).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(summary["path"]).name]
    # A first run that fails leaves no file at all.
    state, _ = run(dag, JAN[9])
    assert state == "failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(summary["path"]).name]


def test_the_xcom_summary_and_the_asset_event(server: SandboxServer, tmp_path: Path, token: str) -> None:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    dag = make_dag("summary_orders", resource="orders", output_path=f"{tmp_path}/{{{{ ds }}}}.jsonl")
    state, summary = run(dag, JAN[3])
    assert state == "success"
    assert set(summary) == {"resource", "path", "records", "bytes", "requests", "window_start", "window_end", "seconds"}
    assert summary["resource"] == "orders" and summary["path"] == f"{tmp_path}/2026-01-03.jsonl"
    assert summary["records"] == len(read_jsonl(summary["path"])) > 0
    assert summary["bytes"] == os.path.getsize(summary["path"])
    assert summary["requests"] >= 2  # the count and at least one page
    assert (summary["window_start"], summary["window_end"]) == ("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z")
    assert isinstance(summary["seconds"], float)
    with create_session() as session:
        asset = session.query(AssetModel).filter_by(name="summary_orders_asset").one()
        events = session.query(AssetEvent).filter_by(asset_id=asset.id).all()
        assert events[-1].extra == summary
    assert not secrets_in(json.dumps(summary), token)


def test_full_snapshot_of_a_resource_without_date_filters(server: SandboxServer, store: Store, tmp_path: Path) -> None:
    dag = make_dag("brand_snapshot", resource="brands", output_path=f"{tmp_path}/brands.jsonl")
    state, summary = run(dag, JAN[3])
    assert state == "success"
    assert read_jsonl(summary["path"]) == store.records("brands")
    assert summary["window_start"] is None and summary["window_end"] is None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"resource": "order"}, "Unknown BigCommerce resource 'order': known resources are brands, categories, countries, coupons, customer_groups, customers, order_statuses, orders, products, tax_classes"),
        ({"resource": "orders", "include": ["items"]}, "include 'items' is not a sub-resource of orders: it offers products, shipping_addresses, coupons"),
        ({"resource": "orders", "include": "item"}, "include 'item' is not a sub-resource of orders"),
        ({"resource": "orders", "include": [1]}, "include must be a list of sub-resource names, not [1]"),
        ({"resource": "products", "include": ["products"]}, "include 'products' is not a sub-resource of products: it has none"),
        ({"resource": "brands", "incremental": True}, "brands cannot be pulled incrementally"),
        ({"resource": "orders", "api_params": {"limit": 500}}, "Parameter 'limit' must be a whole number from 1 to 250, not 500"),
        ({"resource": "orders", "api_params": {"sort": "id:desc"}}, "Parameter 'sort' cannot be given to a paged pull"),
        ({"resource": "orders", "api_params": {"min_date_modified": "2026-01-01"}}, "api_params 'min_date_modified' clashes with the run's window"),
        ({"resource": "orders", "format": "csv"}, "format 'csv' is not supported: use one of jsonl"),
    ],
)
def test_mistakes_fail_when_the_dag_is_parsed(arguments: dict[str, Any], message: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    operator = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    path = Path(dags_folder()) / "broken_dag.py"
    path.write_text(textwrap.dedent(f"""\
        import pendulum
        from airflow.sdk import DAG
        from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator
        with DAG(dag_id="broken", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
            BigCommerceToStorageOperator(task_id="pull", output_path="/tmp/x.jsonl", {operator})
        """))
    try:
        errors = DagBag(str(path)).import_errors
    finally:
        path.unlink()
    assert len(errors) == 1
    assert message in next(iter(errors.values()))


def test_an_unusable_output_path_fails_before_any_request(server: SandboxServer, capfd: pytest.CaptureFixture[str]) -> None:
    dag = make_dag("bad_output", resource="orders", output_path="nosuch://bucket/{{ ds }}.jsonl")
    state, summary = run(dag, JAN[3])
    assert state == "failed" and summary is None
    assert server.stats.requests == 0
    assert "output_path 'nosuch://bucket/2026-01-03.jsonl' uses a storage scheme Airflow cannot write here" in capfd.readouterr().out
