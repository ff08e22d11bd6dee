"""Under faults, load and data changing underneath: nothing lost, nothing duplicated, nothing leaked."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bc.client import BigCommerceClient
from airflow_provider_bc.sandbox.server import FAULT_KINDS, ODD_ANSWERS, Faults, SandboxServer
from airflow_provider_bc.sandbox.store import DAY, Store, rfc2822
from tests.helpers import connection_json, dags_folder, secrets_in

MakeSandbox = Callable[..., SandboxServer]
MakeClient = Callable[..., BigCommerceClient]
AIRFLOW = os.path.join(os.path.dirname(sys.executable), "airflow")


def test_a_full_pull_survives_fifteen_percent_mixed_faults(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=5_000, seed=5), faults=Faults(rate=0.15, kinds=FAULT_KINDS, seed=42, retry_after=0))
    client = make_client(server, concurrency=8, max_retries=8)
    got = list(client.paginate("orders", {"limit": 25}))
    assert got == server.store.records("orders")  # every record once, in order, as stored
    faults = sum(server.stats.faults.values())
    assert set(server.stats.faults) == set(FAULT_KINDS), server.stats.faults  # every kind was met
    assert faults >= 0.10 * server.stats.requests
    assert client.stats.retries == faults  # one retry per failure, no more
    assert client.stats.requests == server.stats.requests


def test_records_changing_between_pages_are_never_duplicated_and_the_untouched_all_arrive(
    make_sandbox: MakeSandbox, make_client: MakeClient
) -> None:
    store = Store(orders=4_000, seed=9)
    low, high = store.start + 5 * DAY, store.start + 20 * DAY - 1
    matching = {r["id"] for r in store.records("orders", min_date_modified=low, max_date_modified=high)}
    rng = random.Random(3)
    touched: set[int] = set()

    def change(s: Store, name: str, query: Any) -> None:
        """Between pages: move records out of the window and into it, create some, delete some."""
        if name != "orders":
            return
        ids = [i for i in range(100, 4_100) if i not in touched]
        for record_id in rng.sample(ids, 3):
            touched.add(record_id)
            if rng.random() < 0.3:
                s.delete("orders", record_id)
            else:
                s.modify("orders", record_id, at=rng.choice([low - DAY, low + DAY, high + DAY]))
        touched.add(s.create("orders", at=low + 2 * DAY))

    store.before_list = change
    server = make_sandbox(store)
    client = make_client(server, concurrency=4)
    params = {"min_date_modified": rfc2822(low), "max_date_modified": rfc2822(high), "limit": 25}
    got = [r["id"] for r in client.paginate("orders", params)]
    assert len(touched) > 100  # the store really changed under the pull
    assert len(got) == len(set(got))
    assert got == sorted(got)
    untouched = matching - touched
    assert untouched <= set(got)
    assert set(got) - matching <= touched  # anything else is a record that changed during the pull


def test_two_pulls_of_one_store_share_its_quota_without_a_storm_of_429s(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=3_000), quota=40, window=2.0)
    results: dict[str, list[dict[str, Any]]] = {}
    clients = {name: make_client(server, concurrency=4) for name in ("a", "b")}  # two tasks: two limiters

    def pull(name: str) -> None:
        results[name] = list(clients[name].paginate("orders", {"limit": 50}))

    started = time.monotonic()
    threads = [threading.Thread(target=pull, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    assert results["a"] == results["b"] == server.store.records("orders")
    windows = elapsed / 2.0
    assert server.stats.statuses[429] <= windows + 2  # at most about one per window, not a storm
    assert server.stats.statuses[200] / elapsed >= 0.75 * 40 / 2.0  # and the quota was still used


def test_persistent_failure_fails_once_naming_the_status_and_attempts(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=300), faults=Faults(rate=1.0, kinds=("502",)))
    with pytest.raises(Exception) as caught:
        list(make_client(server, max_retries=3).paginate("orders"))
    assert "failed on all 4 attempts (502 x4): the store is failing" in str(caught.value)
    assert server.stats.requests <= 8  # the count and the first page, each tried 4 times


# -- under Airflow ---------------------------------------------------------------------------------


def _dag_file(dag_id: str, output: Path, **operator: Any) -> Path:
    arguments = "".join(f", {k}={v!r}" for k, v in operator.items())
    path = Path(dags_folder()) / f"{dag_id}.py"
    path.write_text(textwrap.dedent(f"""\
        import pendulum
        from airflow.sdk import DAG, Asset, CronDataIntervalTimetable
        from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator
        with DAG(dag_id={dag_id!r}, schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
                 start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False):
            BigCommerceToStorageOperator(task_id="pull", resource="orders", outlets=[Asset({dag_id + "_asset"!r})],
                                         output_path={str(output) + "/{{ ds }}.jsonl"!r}{arguments})
        """))
    return path


@pytest.mark.airflow
def test_a_task_killed_mid_pull_leaves_no_partial_file_and_a_rerun_writes_the_same_file(
    airflow_db: str, make_sandbox: MakeSandbox, tmp_path: Path, token: str
) -> None:
    server = make_sandbox(Store(orders=3_000), latency=0.05)  # a second or so of line items for the day
    env = os.environ | {"AIRFLOW_CONN_BIGCOMMERCE_DEFAULT": connection_json(server, token)}
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    _dag_file("kill_reference", reference, include=["products"])
    _dag_file("kill_target", killed, include=["products"])
    run = [AIRFLOW, "dags", "test"]
    done = subprocess.run([*run, "kill_reference", "2026-01-10"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    process = subprocess.Popen([*run, "kill_target", "2026-01-10"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not list(killed.glob(".*.partial-*")):
        time.sleep(0.02)
    time.sleep(0.5)  # well into the pull: the partial file is opened before the first request
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (killed / "2026-01-10.jsonl").exists()  # nothing at the final path
    assert list(killed.glob(".*.partial-*"))  # the hidden partial file is all that is left
    rerun = subprocess.run([*run, "kill_target", "2026-01-10"], env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert (killed / "2026-01-10.jsonl").exists(), rerun.stdout[-4000:]
    assert (killed / "2026-01-10.jsonl").read_bytes() == (reference / "2026-01-10.jsonl").read_bytes()


@pytest.mark.airflow
@pytest.mark.parametrize("answer", sorted(ODD_ANSWERS))
def test_odd_answers_fail_the_task_with_nothing_written(
    airflow_db: str, make_sandbox: MakeSandbox, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    server = make_sandbox(Store(orders=300))
    server.canned = ODD_ANSWERS[answer]
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", connection_json(server, token))
    path = _dag_file(f"odd_{answer}", tmp_path / "out")
    dag_run = DagBag(str(path)).get_dag(f"odd_{answer}").test(logical_date=_day(4))
    assert str(dag_run.state) == "failed"
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def _day(day: int) -> Any:
    import pendulum

    return pendulum.datetime(2026, 1, day, tz="UTC")


@pytest.mark.airflow
def test_no_credential_in_logs_xcom_rendered_fields_asset_events_or_files(
    airflow_db: str, make_sandbox: MakeSandbox, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.asset import AssetEvent
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    server = make_sandbox(Store(orders=500))
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", connection_json(server, token))
    path = _dag_file("secret_check", tmp_path / "out", include=["products"], api_params={"status_id": "{{ 11 }}"})
    dag = DagBag(str(path)).get_dag("secret_check")
    assert str(dag.test(logical_date=_day(6)).state) == "success"
    server.reject_all_credentials = True  # and a failing run, whose exception is logged
    assert str(dag.test(logical_date=_day(7)).state) == "failed"
    logs = capfd.readouterr()
    texts = [logs.out, logs.err]
    assert "the token was rejected" in logs.out  # the failure really was logged
    with create_session() as session:
        texts += [json.dumps(x.value, default=str) for x in session.query(XComModel).filter_by(dag_id="secret_check")]
        texts += [json.dumps(r.rendered_fields, default=str) for r in session.query(RenderedTaskInstanceFields).filter_by(dag_id="secret_check")]
        texts += [json.dumps(e.extra, default=str) for e in session.query(AssetEvent).all()]
    texts += [p.read_text() for p in (tmp_path / "out").iterdir()]
    assert len(texts) >= 6
    for text in texts:
        assert secrets_in(text, token) == []


@pytest.mark.airflow
def test_a_persistently_failing_store_fails_the_task_with_one_clear_message_and_no_output(
    airflow_db: str, make_sandbox: MakeSandbox, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    server = make_sandbox(Store(orders=300), faults=Faults(rate=1.0, kinds=("503",)))
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", connection_json(server, token, max_retries=2))
    path = _dag_file("always_503", tmp_path / "out")
    assert str(DagBag(str(path)).get_dag("always_503").test(logical_date=_day(4)).state) == "failed"
    log = capfd.readouterr().out
    assert "failed on all 3 attempts (503 x3): the store is failing; run again later, or raise extra 'max_retries'" in log
    assert server.stats.statuses[503] <= 6  # the count and the first page, three attempts each
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
