"""The example DAGs: they import cleanly and run under ``airflow dags test`` against the sandbox."""

from __future__ import annotations

import ast
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import Store
from tests.helpers import connection_json, oauth_connection_json, oauth_token_for, secrets_in

pytestmark = pytest.mark.airflow

EXAMPLES = Path(__file__).resolve().parents[1] / "dags_examples"
AIRFLOW = os.path.join(os.path.dirname(sys.executable), "airflow")


def test_examples_import_cleanly_and_say_what_to_change() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(EXAMPLES))
    assert bag.import_errors == {}
    assert sorted(bag.dags) == ["bigcommerce_daily_customers", "bigcommerce_daily_orders", "bigcommerce_v3_daily_products",
                                "bigcommerce_weekly_catalog"]
    for path in EXAMPLES.glob("*.py"):
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        assert docstring and "To use it, change:" in docstring, path.name


@pytest.fixture(scope="module")
def example_env(tmp_path_factory: pytest.TempPathFactory, token: str) -> Any:
    """An Airflow home of its own whose DAGs folder is dags_examples/, and a sandbox to pull from."""
    home = tmp_path_factory.mktemp("examples-home")
    store = Store(orders=2_000, customers=300, products=120)
    server = SandboxServer(store, certs_dir=home / "certs", username="sandbox", token=token, oauth_token=oauth_token_for(token)).start()
    env = os.environ | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLES),
        "AIRFLOW_VAR_BIGCOMMERCE_OUTPUT_ROOT": str(home / "output"),
        "AIRFLOW_CONN_BIGCOMMERCE_DEFAULT": connection_json(server, token),
        "AIRFLOW_CONN_BIGCOMMERCE_OAUTH": oauth_connection_json(server, oauth_token_for(token)),
    }
    migrated = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    yield env, home / "output", store
    server.stop()


def dags_test(env: dict[str, str], dag_id: str, logical_date: str, token: str) -> str:
    result = subprocess.run([AIRFLOW, "dags", "test", dag_id, logical_date], env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "state=success" in output, output[-3000:]
    assert secrets_in(output, token) == []  # the task's own log, as dags test prints it
    assert oauth_token_for(token) not in output
    return output


def read(path: Path) -> list[dict[str, Any]]:
    opener: Callable[..., Any] = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt") as lines:
        return [json.loads(line) for line in lines]


def test_daily_orders_example(example_env: Any, token: str) -> None:
    env, output, store = example_env
    dags_test(env, "bigcommerce_daily_orders", "2026-01-06", token)
    orders = read(output / "orders" / "date=2026-01-05" / "orders.jsonl.gz")
    expected = store.records("orders", min_date_modified=store.start + 4 * 86_400, max_date_modified=store.start + 5 * 86_400 - 1)
    assert [o["id"] for o in orders] == [o["id"] for o in expected]
    assert all(isinstance(o["products"], list) and o["products"] for o in orders)
    assert all(isinstance(o["shipping_addresses"], list) for o in orders)


def test_daily_customers_example(example_env: Any, token: str) -> None:
    env, output, store = example_env
    dags_test(env, "bigcommerce_daily_customers", "2026-01-20T03:00:00+00:00", token)
    (path,) = (output / "customers").glob("until=20260120T030000*.jsonl")
    customers = read(path)
    expected = store.records("customers", max_date_modified=store.start + 19 * 86_400 + 3 * 3600 - 1)  # the initial load
    assert [c["id"] for c in customers] == [c["id"] for c in expected]
    assert all(isinstance(c["addresses"], list) and c["addresses"] for c in customers)


def test_weekly_catalog_example_fans_out(example_env: Any, token: str) -> None:
    env, output, store = example_env
    log = dags_test(env, "bigcommerce_weekly_catalog", "2026-01-12T04:00:00+00:00", token)
    assert log.count("map_index=") >= 3
    for name in ("products", "categories", "brands"):
        assert read(output / "catalog" / name / "week=2026-01-12.jsonl.gz") == store.records(name)


def test_v3_daily_products_example_over_oauth(example_env: Any, token: str) -> None:
    env, output, store = example_env
    dags_test(env, "bigcommerce_v3_daily_products", "2026-01-04T00:30:00+00:00", token)
    products = read(output / "v3" / "products" / "date=2026-01-03" / "products.jsonl.gz")
    day = store.start + 2 * 86_400
    expected = store.records("products", min_date_modified=day, max_date_modified=day + 86_400 - 1)
    assert [p["id"] for p in products] == [p["id"] for p in expected] and products
    assert all(p["variants"] and p["date_modified"].startswith("2026-01-03T") for p in products)
