"""A real Airflow: `airflow standalone` (api-server, scheduler, dag-processor, LocalExecutor) runs the pulls.

Run it alone with ``pytest -m scheduler``. Every process it starts is in one process group,
killed when the test ends, pass or fail.
"""

from __future__ import annotations

import base64
import calendar
import contextlib
import datetime
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import DAY, Store
from tests.helpers import USERNAME, secrets_in

pytestmark = [pytest.mark.airflow, pytest.mark.scheduler]

BIN = Path(sys.executable).parent
EXAMPLE = Path(__file__).resolve().parents[1] / "dags_examples" / "bigcommerce_daily_orders.py"
DAG_ID = "bigcommerce_daily_orders"
TODAY = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Airflow:
    """One ``airflow standalone`` in its own home, and a client of its REST API."""

    def __init__(self, home: Path, extra_env: dict[str, str]) -> None:
        port = _free_port()
        self.api = f"http://127.0.0.1:{port}/api/v2"
        self.home = home
        self.env = os.environ | extra_env | {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": base64.b64encode(os.urandom(24)).decode(),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "3",
        }
        (home / "dags").mkdir(parents=True)
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        out = subprocess.run([str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        return out.stdout

    def start(self) -> None:
        log = (self.home / "standalone.log").open("wb")
        self.process = subprocess.Popen([str(BIN / "airflow"), "standalone"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def get(self, path: str, **params: Any) -> Any:
        response = requests.get(self.api + path, params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def wait_for(self, what: str, check: Any, seconds: float) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, "airflow standalone exited"
            try:
                result = check()
            except (requests.RequestException, KeyError):
                result = None
            if result:
                return result
            time.sleep(2)
        raise AssertionError(f"timed out waiting for {what}; see {self.home / 'standalone.log'}")


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
    assert sorted((r["id"] for r in pulled)) == [r["id"] for r in expected]
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
