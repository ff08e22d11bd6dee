"""`make demo`: the daily orders DAG, run for a few consecutive days against the sandbox store.

Starts the sandbox over TLS, sets up an Airflow home (migrated SQLite database, a
``bigcommerce_default`` connection with the sandbox's CA bundle), runs
``airflow dags test bigcommerce_daily_orders`` for each day, checks the files against the
store and prints what it wrote. Everything lives in ``.demo/``, which each run starts afresh;
the sandbox is stopped on the way out, whatever happens.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from airflow_provider_bc.client import BigCommerceClient, ClientConfig

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".demo"
BIN = Path(sys.executable).parent
DAG_ID = "bigcommerce_daily_orders"
FIRST_DAY = datetime.date(2026, 1, 5)  # the sandbox's orders start on 2026-01-01
DAYS = 3


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    token = secrets.token_urlsafe(24)  # lives only in this process and its children's environment
    output = WORK / "output"
    env = os.environ | {
        "AIRFLOW_HOME": str(WORK / "airflow-home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags_examples"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_VAR_BIGCOMMERCE_OUTPUT_ROOT": str(output),
    }
    info_file = WORK / "sandbox" / "info.json"
    print("Starting the sandbox store (3,000 orders over 30 days, 10 ms per request) ...")
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_bc.sandbox", "--certs-dir", str(WORK / "sandbox"),
         "--info-file", str(info_file), "--orders", "3000", "--latency-ms", "10"],
        env=env | {"BC_SANDBOX_TOKEN": token},
        stdout=subprocess.DEVNULL,
    )
    try:
        info = _wait_for(info_file, sandbox)
        print(f"  listening at {info['api_path']} (CA bundle {info['ca_bundle']})")
        print("Migrating the Airflow metadata database ...")
        _run([str(BIN / "airflow"), "db", "migrate"], env, WORK / "migrate.log")
        _add_connection(info, token, env)
        summaries = []
        for n in range(DAYS):
            logical = FIRST_DAY + datetime.timedelta(days=n + 1)
            print(f"Running {DAG_ID} for logical date {logical} (the day before it) ...")
            _run([str(BIN / "airflow"), "dags", "test", DAG_ID, logical.isoformat()], env, WORK / f"run-{logical}.log")
            summaries.append(_read_file(output / "orders" / f"date={logical - datetime.timedelta(days=1)}" / "orders.jsonl.gz"))
        _check(summaries, info, token)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    print("Sandbox stopped. Logs of each step are in .demo/*.log.")
    return 0


def _wait_for(info_file: Path, sandbox: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if info_file.exists():
            return json.loads(info_file.read_text())
        if sandbox.poll() is not None:
            raise SystemExit(f"The sandbox exited with {sandbox.returncode} before it listened")
        time.sleep(0.1)
    raise SystemExit("The sandbox did not start within 60 s")


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("w") as out:
        result = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[-3:])} failed ({result.returncode}): see {log}")


def _add_connection(info: dict[str, str], token: str, env: dict[str, str]) -> None:
    """Store bigcommerce_default in the metadata database; the token goes through the environment only."""
    code = (
        "import json, os\n"
        "from airflow.models import Connection\n"
        "from airflow.utils.session import create_session\n"
        "with create_session() as s:\n"
        "    s.query(Connection).filter(Connection.conn_id == 'bigcommerce_default').delete()\n"
        "    s.add(Connection(conn_id='bigcommerce_default', conn_type='bigcommerce', host=os.environ['BC_API_PATH'],\n"
        "        login=os.environ['BC_USERNAME'], password=os.environ['BC_TOKEN'],\n"
        "        extra=json.dumps({'verify': os.environ['BC_CA_BUNDLE']})))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"BC_API_PATH": info["api_path"], "BC_USERNAME": info["username"], "BC_TOKEN": token, "BC_CA_BUNDLE": info["ca_bundle"]},
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
    )
    print("Created connection bigcommerce_default (API path, user name, token, CA bundle).")


def _read_file(path: Path) -> dict[str, object]:
    with gzip.open(path, "rt") as lines:
        orders = [json.loads(line) for line in lines]
    items = sum(len(order["products"]) for order in orders)
    print(f"  {path.relative_to(ROOT)}: {len(orders)} orders, {items} line items")
    return {"path": path, "ids": [order["id"] for order in orders]}


def _check(summaries: list[dict[str, object]], info: dict[str, str], token: str) -> None:
    """The union of the daily files is exactly the store's orders modified over those days."""
    client = BigCommerceClient(ClientConfig(api_path=info["api_path"], username=info["username"], token=token, verify=info["ca_bundle"]))
    start = datetime.datetime.combine(FIRST_DAY, datetime.time(), datetime.timezone.utc)
    end = start + datetime.timedelta(days=DAYS)
    expected = client.count("orders", {"min_date_modified": start.isoformat(), "max_date_modified": (end - datetime.timedelta(seconds=1)).isoformat()})
    pulled = [i for s in summaries for i in s["ids"]]  # type: ignore[attr-defined]
    verdict = "OK" if len(pulled) == expected and len(set(pulled)) == len(pulled) else "MISMATCH"
    print(f"{verdict}: {len(pulled)} orders in {DAYS} files, {len(set(pulled))} distinct; the store has {expected} "
          f"modified from {start:%Y-%m-%d} to {end:%Y-%m-%d}.")
    if verdict != "OK":
        raise SystemExit(1)


if __name__ == "__main__":
    sys.exit(main())
