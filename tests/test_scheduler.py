"""A real Airflow: `airflow standalone` (api-server, scheduler, dag-processor, LocalExecutor) runs the pulls.

Run it alone with ``pytest -m scheduler``. Every process it starts is in one process group,
killed when the test ends, pass or fail.
"""

from __future__ import annotations

import calendar
import datetime
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import DAY, Store
from tests.helpers import USERNAME, secrets_in
from tests.standalone import Airflow

pytestmark = [pytest.mark.airflow, pytest.mark.scheduler]

EXAMPLE = Path(__file__).resolve().parents[1] / "dags_examples" / "bigcommerce_daily_orders.py"
DAG_ID = "bigcommerce_daily_orders"
TODAY = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
def airflow(tmp_path: Path, token: str) -> Iterator[tuple[Airflow, SandboxServer, Path]]:
    store = Store(orders=3_000, start=calendar.timegm((TODAY - datetime.timedelta(days=5)).timetuple()), span_days=6)
    server = SandboxServer(store, certs_dir=tmp_path / "certs", username=USERNAME, token=token).start()
    output = tmp_path / "output"
    instance = Airflow(tmp_path / "home", {"AIRFLOW_VAR_BIGCOMMERCE_OUTPUT_ROOT": str(output)})
    try:
        instance.cli("db", "migrate")
        instance.cli("connections", "add", "bigcommerce_default", "--conn-type", "bigcommerce", "--conn-host", server.api_path,
                     "--conn-login", USERNAME, "--conn-password", token,
                     "--conn-extra", json.dumps({"verify": server.ca_bundle, "retry_backoff": 0.05}))
        source = EXAMPLE.read_text()
        start = TODAY - datetime.timedelta(days=3)
        copied = source.replace("pendulum.datetime(2026, 1, 1, tz=\"UTC\")", f"pendulum.datetime({start.year}, {start.month}, {start.day}, tz=\"UTC\")")
        assert copied != source
        (instance.home / "dags" / EXAMPLE.name).write_text(copied.replace('"retries": 2', '"retries": 0'))
        instance.start()
        yield instance, server, output
    finally:
        instance.stop()
        server.stop()


def test_the_scheduler_runs_three_daily_pulls_and_a_failing_one(airflow: tuple[Airflow, SandboxServer, Path], token: str) -> None:
    instance, server, output = airflow
    instance.wait_for("the DAG to be parsed", lambda: instance.get(f"/dags/{DAG_ID}"), 180)
    response = requests.patch(f"{instance.api}/dags/{DAG_ID}", json={"is_paused": False}, timeout=30)
    assert response.status_code == 200, response.text

    def three_done() -> list[dict[str, Any]] | None:
        runs = instance.get(f"/dags/{DAG_ID}/dagRuns", order_by="logical_date")["dag_runs"]
        assert not [r for r in runs if r["state"] == "failed"], runs
        return runs if len([r for r in runs if r["state"] == "success"]) == 3 else None

    runs = instance.wait_for("three successful runs", three_done, 300)
    days = [TODAY - datetime.timedelta(days=n) for n in (3, 2, 1)]
    summaries = []
    for run in runs:
        entry = instance.get(f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/pull_orders/xcomEntries/return_value")
        value = entry["value"]
        summaries.append(json.loads(value) if isinstance(value, str) else value)
    assert [s["window_start"] for s in summaries] == [d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in days]
    assert [s["window_end"] for s in summaries[:-1]] == [s["window_start"] for s in summaries[1:]]
    pulled = []
    for day, summary in zip(days, summaries):
        path = output / "orders" / f"date={day:%Y-%m-%d}" / "orders.jsonl.gz"
        assert summary["path"] == str(path)
        with gzip.open(path, "rt") as lines:
            records = [json.loads(line) for line in lines]
        assert summary["records"] == len(records)
        pulled += records
    low = calendar.timegm(days[0].timetuple())
    expected = server.store.records("orders", min_date_modified=low, max_date_modified=low + 3 * DAY - 1)
    assert sorted(r["id"] for r in pulled) == [r["id"] for r in expected]
    assert len({r["id"] for r in pulled}) == len(pulled) > 100
    events = instance.get("/assets/events", limit=50)["asset_events"]
    extras = [e["extra"] for e in events if e.get("source_dag_id") == DAG_ID]
    assert sorted(extras, key=lambda e: e["window_start"]) == summaries

    # The token stops working: a manual run fails, with the authentication message in its log.
    server.reject_all_credentials = True
    created = requests.post(f"{instance.api}/dags/{DAG_ID}/dagRuns", json={"logical_date": None}, timeout=30)
    assert created.status_code in (200, 201), created.text
    run_id = created.json()["dag_run_id"]
    instance.wait_for("the failing run", lambda: instance.get(f"/dags/{DAG_ID}/dagRuns/{run_id}")["state"] == "failed", 240)
    logs = {path: path.read_text(errors="replace") for path in (instance.home / "logs").rglob("*") if path.is_file()}
    task_logs = {p: text for p, text in logs.items() if "pull_orders" in str(p)}
    assert len(task_logs) >= 4
    failed_logs = [text for path, text in task_logs.items() if f"run_id={run_id}" in str(path)]
    assert failed_logs and "the token was rejected" in failed_logs[0], failed_logs[0][-3000:]
    assert sum("Wrote " in text for text in task_logs.values()) >= 3
    for path, text in logs.items():
        assert secrets_in(text, token) == [], path
